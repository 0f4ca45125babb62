import { defineStep } from '../step';
import { EmittedPage, emitList, LIST_FIELDS_SCHEMA, listOutSchema, ListFields } from '../step/emit';
import {
  filtersInSchema,
  readResourceType,
  recordSchema,
  resourceTypeField,
  resourceTypeModel,
} from '../step/resources';
import {
  branchesModel,
  brandsModel,
  menusModel,
  NARROWING_FIELDS_SCHEMA,
  narrowedFilters,
  NarrowingFields,
} from '../step/selectModels';
import { TGATE_RESOURCES, TGateResourceName } from '../tgate';

interface Fields extends ListFields, NarrowingFields {
  resourceType: TGateResourceName;
}

/**
 * Lookup Objects (plural): every record of the chosen type that matches the filters in the message,
 * narrowed by the Brand, Branch or Menu chosen in the step where the type takes that filter.
 */
export const process = defineStep<Fields, Record<string, unknown>>({
  fields: {
    type: 'object',
    properties: { resourceType: resourceTypeField('all'), ...LIST_FIELDS_SCHEMA, ...NARROWING_FIELDS_SCHEMA },
    required: ['resourceType', 'emitBehavior', 'pageSize', 'fetchAllLimit'],
  },
  body: (fields) => filtersInSchema(fields.resourceType),
  async run(step) {
    await emitList(step, step.fields.resourceType, narrowedFilters(step.fields.resourceType, step.fields, step.body));
  },
});

export async function getMetaModel(cfg: {
  resourceType?: unknown;
  emitBehavior?: unknown;
}): Promise<{ in: object; out: object }> {
  const resource = readResourceType(cfg?.resourceType, 'all');
  return {
    in: filtersInSchema(resource),
    out: listOutSchema(recordSchema(resource), cfg?.emitBehavior, TGATE_RESOURCES[resource].title),
  };
}

/** Select model of the resourceType field: every T-Gate resource type. */
export async function resourceTypes(): Promise<Record<string, string>> {
  return resourceTypeModel('all');
}

/** Select models of the Brand, Branch and Menu fields. */
export { brandsModel as brands, branchesModel as branches, menusModel as menus };

export type { EmittedPage };
