import { defineStep } from '../step';
import { EmittedPage, emitList, LIST_FIELDS_SCHEMA, ListFields } from '../step/emit';
import { filtersInSchema, readResourceType, recordSchema, resourceTypeField, resourceTypeModel } from '../step/resources';
import { TGateResourceName } from '../tgate';

interface Fields extends ListFields { resourceType: TGateResourceName }

/** Lookup Objects (plural): every record of the chosen type that matches the filters in the message. */
export const process = defineStep<Fields, Record<string, unknown>>({
  fields: {
    type: 'object',
    properties: { resourceType: resourceTypeField('all'), ...LIST_FIELDS_SCHEMA },
    required: ['resourceType', 'emitBehavior', 'pageSize', 'fetchAllLimit'],
  },
  body: (fields) => filtersInSchema(fields.resourceType),
  async run(step) {
    await emitList(step, step.fields.resourceType, step.body);
  },
});

export async function getMetaModel(cfg: { resourceType?: unknown; emitBehavior?: unknown }): Promise<{ in: object; out: object }> {
  const resource = readResourceType(cfg?.resourceType, 'all');
  const record = recordSchema(resource);
  const many = (title: string, extra: Record<string, object>): object => ({
    type: 'object',
    title,
    properties: { results: { type: 'array', title: 'Results', items: record }, ...extra },
    required: ['results'],
  });
  const totalCount = { type: 'integer', title: 'Total count', description: 'Records T-Gate says the listing has' };
  const out = cfg?.emitBehavior === 'emitPage'
    ? many('Page of results', { page: { type: 'integer', title: 'Page', description: 'Number of this page, from 1' }, totalCount })
    : cfg?.emitBehavior === 'fetchAll' ? many('All results', { totalCount }) : record;
  return { in: filtersInSchema(resource), out };
}

/** Select model of the resourceType field: every T-Gate resource type. */
export async function resourceTypes(): Promise<Record<string, string>> {
  return resourceTypeModel('all');
}

export type { EmittedPage };
