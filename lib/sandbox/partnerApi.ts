/**
 * What every partner API list shares (T-Gate reference: Pagination, Errors): `page` and `items` query
 * parameters (the default and the ceiling are the client's, lib/tgate/resources.ts), the pagy gem's response
 * headers (current-page, page-items, total-count, total-pages), and {"message": "..."} error bodies.
 */
import { DEFAULT_PAGE_ITEMS, MAX_PAGE_ITEMS } from '../tgate/resources';

/** T-Gate's documented wording for 401 answers. */
export const UNAUTHORIZED_MESSAGE = 'Invalid or expired access token';

export interface PageParams {
  page: number;
  items: number;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): Parsed<number> {
  const raw = params.get(name);
  if (raw === null) return { ok: true, value: fallback };
  const range = max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  if (!/^\d{1,9}$/.test(raw)) return { ok: false, message: `Invalid parameter \`${name}\`: must be ${range}` };
  const value = Number(raw);
  if (value < min || value > max) return { ok: false, message: `Invalid parameter \`${name}\`: must be ${range}` };
  return { ok: true, value };
}

/** `items` above {@link MAX_PAGE_ITEMS} answers 400. */
export function pageParams(params: URLSearchParams): Parsed<PageParams> {
  const items = intParam(params, 'items', DEFAULT_PAGE_ITEMS, 1, MAX_PAGE_ITEMS);
  if (!items.ok) return items;
  const page = intParam(params, 'page', 1, 1, Infinity);
  if (!page.ok) return page;
  return { ok: true, value: { page: page.value, items: items.value } };
}

/** pagy's headers. A page past the last one still reports them (its body is []). */
export function pageHeaders({ page, items }: PageParams, totalCount: number): Record<string, string> {
  return {
    'current-page': String(page),
    'page-items': String(items),
    'total-count': String(totalCount),
    'total-pages': String(Math.max(1, Math.ceil(totalCount / items))), // pagy: at least one page
  };
}
