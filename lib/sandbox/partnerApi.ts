/**
 * The T-Gate partner API, as far as the sandbox plays it (first cut: integration scopes only).
 *
 * T-Gate's list APIs paginate with `page` and `items` (default 20) query parameters and report with the
 * pagy gem's response headers: current-page, page-items, total-count, total-pages. Bodies are bare JSON
 * arrays; errors are {"message": "..."}.
 */
import { IntegrationScope } from './types';

export const DEFAULT_PAGE_ITEMS = 20;
export const MAX_PAGE_ITEMS = 100;

/** T-Gate's documented wording for 401 answers. */
export const UNAUTHORIZED_MESSAGE = 'Invalid or expired access token';

/** 45 scopes: 3 brands x 5 branches each x 3 menus per brand, ids 1..45 in that order. */
export function defaultIntegrationScopes(): IntegrationScope[] {
  const scopes: IntegrationScope[] = [];
  for (let brand = 0; brand < 3; brand++) {
    for (let branch = 0; branch < 5; branch++) {
      for (let menu = 0; menu < 3; menu++) {
        scopes.push({
          id: scopes.length + 1,
          brand_id: 101 + brand,
          branch_id: 201 + brand * 5 + branch,
          menu_id: 301 + brand * 3 + menu,
        });
      }
    }
  }
  return scopes;
}

export interface ListAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type IntParam = { ok: true; value: number } | { ok: false; message: string };

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): IntParam {
  const raw = params.get(name);
  if (raw === null) return { ok: true, value: fallback };
  const range = max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  if (!/^\d{1,9}$/.test(raw)) return { ok: false, message: `Invalid parameter \`${name}\`: must be ${range}` };
  const value = Number(raw);
  if (value < min || value > max) return { ok: false, message: `Invalid parameter \`${name}\`: must be ${range}` };
  return { ok: true, value };
}

/** One page of a list, with pagy's headers. A page past the last one is an empty array. */
export function paginate<T>(all: readonly T[], params: URLSearchParams): ListAnswer {
  const items = intParam(params, 'items', DEFAULT_PAGE_ITEMS, 1, MAX_PAGE_ITEMS);
  if (!items.ok) return { status: 400, headers: {}, body: { message: items.message } };
  const page = intParam(params, 'page', 1, 1, Infinity);
  if (!page.ok) return { status: 400, headers: {}, body: { message: page.message } };
  const totalPages = Math.max(1, Math.ceil(all.length / items.value)); // pagy: at least one page
  const start = (page.value - 1) * items.value;
  return {
    status: 200,
    headers: {
      'current-page': String(page.value),
      'page-items': String(items.value),
      'total-count': String(all.length),
      'total-pages': String(totalPages),
    },
    body: all.slice(start, start + items.value),
  };
}
