/**
 * The T-Gate resources the component reads, in one table: path under the API base URL and whether
 * the list is paged (T-Gate's `page`/`items` parameters and pagy headers). Later work grows it.
 */
export interface ResourceSpec {
  path: string;
  title: string;
  paged: boolean;
}

export const TGATE_RESOURCES = {
  integrationScopes: { path: '/integration_scopes', title: 'integration scopes', paged: true },
} as const satisfies Record<string, ResourceSpec>;

export type TGateResourceName = keyof typeof TGATE_RESOURCES;

/** T-Gate's documented default is 20 per page; pagy's usual ceiling is 100. */
export const DEFAULT_PAGE_ITEMS = 100;
export const MAX_PAGE_ITEMS = 100;
