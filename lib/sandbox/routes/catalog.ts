/**
 * The partner API's catalog: for every resource of lib/tgate/resources.ts, its list (T-Gate reference:
 * Pagination: `page`, `items`, pagy's headers; bare JSON arrays) and, where it has one, `GET {path}/{id}`.
 */
import { TGATE_RESOURCES, TGATE_RESOURCE_NAMES, TGateResourceName } from '../../tgate/resources';
import { queryObject } from '../httpUtil';
import { pageParams, pageHeaders } from '../partnerApi';
import { Answer, Route, message } from '../router';
import { CatalogStore, StoreError } from '../store';

/** Test-only: runs before a list page is read from the store, so a spec can change the catalog between pages. */
export type ListPageHook = (request: { resource: TGateResourceName; page: number; items: number }) => void;

function listAnswer(
  store: CatalogStore,
  resource: TGateResourceName,
  params: URLSearchParams,
  hook?: { before?: ListPageHook },
): Answer {
  const page = pageParams(params);
  if (!page.ok) return message(400, page.message);
  try {
    hook?.before?.({ resource, ...page.value });
    const { records, totalCount } = store.list(resource, { ...page.value, filters: queryObject(params) });
    return { status: 200, headers: pageHeaders(page.value, totalCount), body: records };
  } catch (err) {
    if (err instanceof StoreError) return message(err.status, err.message);
    throw err;
  }
}

export function catalogRoutes(
  store: CatalogStore,
  prefix: string,
  paths: Record<TGateResourceName, string>,
  hook?: { before?: ListPageHook },
): Route[] {
  const routes: Route[] = [];
  for (const resource of TGATE_RESOURCE_NAMES) {
    const spec = TGATE_RESOURCES[resource];
    const path = `${prefix}${paths[resource]}`;
    const list = ({ url }: { url: URL }): Answer => listAnswer(store, resource, url.searchParams, hook);
    routes.push({ method: 'GET', path, auth: 'bearer', handle: list });
    if (!spec.getOne) continue;
    routes.push({
      method: 'GET',
      path: `${path}/:id`,
      auth: 'bearer',
      handle: ({ params }) => {
        // Out of scope reads exactly like absent: T-Gate does not tell the partner what it may not see.
        const record = store.getVisible(resource, Number(params.id));
        return record
          ? { status: 200, headers: {}, body: record }
          : message(404, `Not found: ${spec.singularTitle} ${params.id}`);
      },
    });
  }
  return routes;
}
