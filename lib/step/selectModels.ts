/**
 * The Brand, Branch and Menu step fields: their select models (run by the sailor's runService.js) and how
 * they narrow a listing.
 *
 * A select model offers what the company's integration scopes grant (GET /integration_scopes), labelled
 * from the records themselves (GET /brands, /branches, /menus): "Shawarma House (بيت الشاورما)", keyed by
 * id. Branches are narrowed by the Brand chosen in the step, menus by the Branch (and the Brand), through
 * cfg. runService.js ends the process right after answering, so new tokens are saved straight through the
 * platform API (connectForVerification), never left to an `updateKeys` nobody listens to.
 */
import { InvalidInputError } from '../errors';
import {
  Cfg,
  connectForVerification,
  IntegrationScope,
  SailorContext,
  TGATE_RESOURCES,
  TGateResourceName,
} from '../tgate';
import { stepFieldsReader } from './index';

/** The narrowing step fields, coarsest first; each is named after the list filter it fills. */
export const NARROWING_FIELDS = ['brand_id', 'branch_id', 'menu_id'] as const;
export type NarrowingField = (typeof NARROWING_FIELDS)[number];
export type NarrowingFields = Partial<Record<NarrowingField, number>>;

const LABELS: Record<NarrowingField, string> = { brand_id: 'Brand', branch_id: 'Branch', menu_id: 'Menu' };

/** JSON Schema of the narrowing step fields (a select's key arrives as text: "101"). */
export const NARROWING_FIELDS_SCHEMA = Object.fromEntries(
  NARROWING_FIELDS.map((name) => [name, { type: 'integer', minimum: 1 }]),
) as Record<NarrowingField, { type: 'integer'; minimum: 1 }>;

const readNarrowing = stepFieldsReader<NarrowingFields>({ type: 'object', properties: NARROWING_FIELDS_SCHEMA });

const takes = (resource: TGateResourceName, filter: string): boolean =>
  TGATE_RESOURCES[resource].filters.some((f) => f.name === filter);

/**
 * The list filters with the step's narrowing fields applied: a field fills the filter of its name when the
 * resource takes that filter and the message did not set it (the message's filter wins). A field the
 * resource cannot use is refused, naming it, unless it only narrowed a finer field's select that the
 * resource does use (the Brand chosen to find a Branch, when listing that branch's menus).
 */
export function narrowedFilters(
  resource: TGateResourceName,
  fields: NarrowingFields,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const filters = { ...body };
  NARROWING_FIELDS.forEach((name, i) => {
    const value = fields[name];
    if (value === undefined) return;
    if (takes(resource, name)) {
      if (filters[name] === undefined || filters[name] === null || filters[name] === '') filters[name] = value;
      return;
    }
    if (NARROWING_FIELDS.slice(i + 1).some((finer) => fields[finer] !== undefined && takes(resource, finer))) return;
    const users = Object.entries(TGATE_RESOURCES)
      .filter(([, spec]) => spec.filters.some((f) => f.name === name))
      .map(([, spec]) => spec.title);
    throw new InvalidInputError(
      name,
      `The step's ${LABELS[name]} (${name}) cannot narrow ${TGATE_RESOURCES[resource].title}: ` +
        `it narrows only ${users.join(', ')}. ` +
        `Clear ${LABELS[name]} in the step, or choose one of those object types`,
    );
  });
  return filters;
}

/** "English (Arabic)", or the one name there is. */
function bilingualLabel(record: { id: number; name_en?: string | null; name_ar?: string | null }): string {
  const en = record.name_en?.trim();
  const ar = record.name_ar?.trim();
  if (en && ar) return `${en} (${ar})`;
  return en || ar || `#${record.id}`;
}

type ScopedResource = 'brands' | 'branches' | 'menus';
const SCOPE_ID: Record<ScopedResource, NarrowingField> = {
  brands: 'brand_id',
  branches: 'branch_id',
  menus: 'menu_id',
};

/**
 * `{id: label}` of the brands, branches or menus the integration scopes grant, narrowed by the coarser
 * fields chosen in cfg. The listing is filtered by the finest of those fields the resource takes, so a
 * narrowed select reads one short page.
 */
async function scopedModel(ctx: SailorContext, cfg: Cfg, resource: ScopedResource): Promise<Record<string, string>> {
  const coarser = NARROWING_FIELDS.slice(0, NARROWING_FIELDS.indexOf(SCOPE_ID[resource]));
  const chosen = readNarrowing(cfg);
  const narrowing = coarser.filter((name) => chosen[name] !== undefined);
  const tgate = connectForVerification(ctx, cfg);
  const granted = new Set<number>();
  for await (const scope of tgate.all<IntegrationScope>('integrationScopes')) {
    if (narrowing.every((name) => scope[name] === chosen[name])) granted.add(scope[SCOPE_ID[resource]]);
  }
  if (granted.size === 0) return {};
  const filter = [...narrowing].reverse().find((name) => takes(resource, name));
  const filters = filter ? { [filter]: chosen[filter] } : {};
  const model: Record<string, string> = {};
  for await (const record of tgate.all<{ id: number; name_en?: string | null; name_ar?: string | null }>(resource, {
    filters,
  })) {
    if (granted.has(record.id)) model[String(record.id)] = bilingualLabel(record);
  }
  return model;
}

/** Select model of the Brand field: the brands the integration scopes grant. */
export function brandsModel(this: SailorContext, cfg: Cfg): Promise<Record<string, string>> {
  return scopedModel(this, cfg, 'brands');
}

/** Select model of the Branch field: the granted branches, of the chosen Brand when there is one. */
export function branchesModel(this: SailorContext, cfg: Cfg): Promise<Record<string, string>> {
  return scopedModel(this, cfg, 'branches');
}

/** Select model of the Menu field: the granted menus, of the chosen Branch (and Brand) when there is one. */
export function menusModel(this: SailorContext, cfg: Cfg): Promise<Record<string, string>> {
  return scopedModel(this, cfg, 'menus');
}
