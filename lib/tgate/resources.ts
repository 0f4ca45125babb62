/**
 * Every T-Gate partner API resource in one table, shared by the client (lib/tgate/client.ts) and the
 * sandbox (lib/sandbox) so both sides agree on paths, filters and record shapes.
 *
 * T-Gate's docs name the models (reference pages Brands, Branches, Menus, Sections, Items, Opening Hour
 * Groups, Branch Special Timings, Integration Scopes; Create Order) and say "All List APIs" paginate
 * (reference page Pagination), but publish no paths and no filter parameters: the paths and filters
 * below are assumed. Override paths through `resourcePaths()` rather than by editing callers.
 */
import integrationScopeSchema from '../schemas/integrationScope.out.json';
import brandSchema from '../schemas/brand.out.json';
import branchSchema from '../schemas/branch.out.json';
import menuSchema from '../schemas/menu.out.json';
import sectionSchema from '../schemas/section.out.json';
import itemSchema from '../schemas/item.out.json';
import openingHourGroupSchema from '../schemas/openingHourGroup.out.json';
import branchSpecialTimingSchema from '../schemas/branchSpecialTiming.out.json';
import orderSchema from '../schemas/order.out.json';

export interface ResourceFilter {
  /** Query parameter name. */
  name: string;
  type: 'integer' | 'string';
  description: string;
  /** The record field it matches, when not the parameter name (an array field matches any element). */
  field?: string;
}

export interface ResourceSpec {
  /** Relative to the partner API base URL, e.g. '/brands'. */
  path: string;
  /** Plural, lower case, for messages: 'opening hour groups'. */
  title: string;
  singularTitle: string;
  idField: 'id';
  /** Whether `GET {path}/{id}` exists. */
  getOne: boolean;
  /** Whether the list takes T-Gate's `page`/`items` parameters and answers pagy headers. */
  paged: boolean;
  filters: readonly ResourceFilter[];
  /** JSON Schema of one record (lib/schemas). */
  schema: object;
  /**
   * Writes a partner may make (orders only): `POST {path}` creates (201), `PATCH {path}/{id}` updates,
   * `POST {path}{calculatePath}` answers the price without creating (T-Gate: Calculate Order Total Price).
   */
  writes?: { create: boolean; update: boolean; calculatePath?: string };
}

const byId = (what: string, field?: string): ResourceFilter => ({
  name: `${what}_id`,
  type: 'integer',
  description: `Only records of this ${what} (assumed parameter)`,
  ...(field ? { field } : {}),
});

/** A resource with a list and (unless told otherwise) a "get one", paged like every T-Gate list. */
function resource(
  path: string,
  singularTitle: string,
  schema: object,
  filters: ResourceFilter[] = [],
  getOne = true,
  title = `${singularTitle}s`,
): ResourceSpec {
  return { path, title, singularTitle, idField: 'id', getOne, paged: true, filters, schema };
}

export const TGATE_RESOURCES = {
  integrationScopes: resource('/integration_scopes', 'integration scope', integrationScopeSchema, [], false),
  brands: resource('/brands', 'brand', brandSchema),
  branches: resource('/branches', 'branch', branchSchema, [byId('brand', 'brand_ids')], true, 'branches'),
  menus: resource('/menus', 'menu', menuSchema, [byId('branch', 'branch_ids')]),
  sections: resource('/sections', 'section', sectionSchema, [byId('menu')]),
  items: resource('/items', 'item', itemSchema, [
    byId('section'),
    { name: 'item_type', type: 'string', description: 'product, modifier_group or modifier (assumed parameter)' },
  ]),
  openingHourGroups: resource('/opening_hour_groups', 'opening hour group', openingHourGroupSchema),
  branchSpecialTimings: resource('/branch_special_timings', 'branch special timing', branchSpecialTimingSchema, [
    byId('branch'),
  ]),
  orders: {
    ...resource('/orders', 'order', orderSchema, [
      { name: 'app_order_uuid', type: 'string', description: "The partner's own order id (assumed parameter)" },
      { name: 'order_status', type: 'string', description: 'Only orders in this status (assumed parameter)' },
      byId('branch'),
    ]),
    writes: { create: true, update: true, calculatePath: '/calculate' },
  },
} as const satisfies Record<string, ResourceSpec>;

export type TGateResourceName = keyof typeof TGATE_RESOURCES;

/**
 * T-Gate's reference page of each model (https://t-gate-pmbt.readme.io/reference/...); a resource without
 * one has an assumed model: T-Gate publishes no brand or order model.
 */
export const TGATE_MODEL_DOCS: Partial<Record<TGateResourceName, string>> = {
  integrationScopes: 'reference/integration-scopes-2',
  branches: 'reference/branches',
  menus: 'reference/menus',
  sections: 'reference/sections',
  items: 'reference/items',
  openingHourGroups: 'reference/opening-hour-groups-1',
  branchSpecialTimings: 'reference/branch-special-timings-1',
};

export const TGATE_RESOURCE_NAMES = Object.keys(TGATE_RESOURCES) as TGateResourceName[];

export function isTGateResourceName(name: string): name is TGateResourceName {
  return Object.prototype.hasOwnProperty.call(TGATE_RESOURCES, name);
}

/** The resource paths, with overrides applied: the one place a deployment's different paths go. */
export function resourcePaths(
  overrides: Partial<Record<TGateResourceName, string>> = {},
): Record<TGateResourceName, string> {
  const paths = {} as Record<TGateResourceName, string>;
  for (const name of TGATE_RESOURCE_NAMES) {
    const path = overrides[name] ?? TGATE_RESOURCES[name].path;
    if (!/^\/[A-Za-z0-9_\-/]*[A-Za-z0-9_-]$/.test(path))
      throw new TypeError(`resource path for ${name} must start with "/" and not end with one: ${path}`);
    paths[name] = path;
  }
  return paths;
}

/** `items` per page when a list request names none: T-Gate's documented default (reference: Pagination). */
export const DEFAULT_PAGE_ITEMS = 20;
/**
 * pagy's usual ceiling; T-Gate does not publish one (assumed; `tgate doctor` checks it). The client asks for
 * pages this large unless told otherwise: the fewest requests per listing.
 */
export const MAX_PAGE_ITEMS = 100;
