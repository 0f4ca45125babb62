/**
 * What resource-typed steps share: the resource-type select, its check, and the metadata the mapper shows
 * once a type is chosen (the `in` of the step, the record schema as `out`). Everything comes from the one
 * resource table, lib/tgate/resources.ts.
 */
import { InvalidInputError } from '../errors';
import { isTGateResourceName, TGATE_RESOURCE_NAMES, TGATE_RESOURCES, TGateResourceName } from '../tgate';

/** Resource types a step offers: all, or those that can be fetched one by one. */
export type ResourceChoice = 'all' | 'getOne';

function names(choice: ResourceChoice): TGateResourceName[] {
  return TGATE_RESOURCE_NAMES.filter((n) => choice === 'all' || TGATE_RESOURCES[n].getOne);
}

const titleCase = (text: string): string => text.replace(/(^|\s)\S/g, (c) => c.toUpperCase());

/** Select model of the `resourceType` field: `{items: 'Items', ...}`. */
export function resourceTypeModel(choice: ResourceChoice = 'all'): Record<string, string> {
  return Object.fromEntries(names(choice).map((n) => [n, titleCase(TGATE_RESOURCES[n].title)]));
}

/** JSON Schema of the `resourceType` step field. */
export function resourceTypeField(choice: ResourceChoice = 'all'): object {
  return { type: 'string', enum: names(choice) };
}

/** The step's resource type, checked; for the metadata calls, where cfg is not validated by the scaffold. */
export function readResourceType(value: unknown, choice: ResourceChoice = 'all'): TGateResourceName {
  const allowed = names(choice);
  if (typeof value !== 'string' || !isTGateResourceName(value) || !allowed.includes(value)) {
    const shown =
      value === undefined || value === ''
        ? 'no resource type is chosen'
        : `${JSON.stringify(value).slice(0, 60)} is not one of them`;
    throw new InvalidInputError(
      'resourceType',
      `Choose the object type in the step (resourceType): ${shown}; the types are ${allowed.join(', ')}`,
    );
  }
  return value;
}

/** The record schema of a resource type (with its titles and descriptions). */
export function recordSchema(resource: TGateResourceName): object {
  return TGATE_RESOURCES[resource].schema;
}

/** `in` schema of a lookup by id. */
export function idInSchema(resource: TGateResourceName): object {
  const spec = TGATE_RESOURCES[resource];
  return {
    type: 'object',
    title: `${titleCase(spec.singularTitle)} to look up`,
    description: `The id of the ${spec.singularTitle} to fetch from T-Gate`,
    properties: {
      id: {
        type: ['integer', 'string'],
        title: `${titleCase(spec.singularTitle)} ID`,
        required: true,
        description: `T-Gate's id of the ${spec.singularTitle}`,
      },
    },
    required: ['id'],
  };
}

/** `in` schema of a list: the resource's filters from the table. */
export function filtersInSchema(resource: TGateResourceName): object {
  const spec = TGATE_RESOURCES[resource];
  const properties: Record<string, object> = {};
  for (const f of spec.filters) {
    properties[f.name] = {
      type: f.type === 'integer' ? ['integer', 'string'] : 'string',
      title: titleCase(f.name.replace(/_/g, ' ')).replace(/\bId\b/, 'ID'),
      description: f.description,
      ...(f.type === 'integer' ? { pattern: '^[0-9]+$' } : {}),
    };
  }
  const names = spec.filters.map((f) => f.name);
  return {
    type: 'object',
    title: `Filters of ${spec.title}`,
    description: names.length
      ? `Only ${spec.title} matching every filter given (${names.join(', ')}); leave them all empty for every one`
      : `T-Gate lists ${spec.title} without filters: every one the integration scopes grant is listed`,
    properties,
    additionalProperties: false,
  };
}
