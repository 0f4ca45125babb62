import { defineStep } from '../step';
import { idInSchema, readResourceType, recordSchema, resourceTypeField, resourceTypeModel } from '../step/resources';
import { TGateRefusedError, TGateResourceName } from '../tgate';

interface Fields {
  resourceType: TGateResourceName;
  allowEmptyResult: boolean;
}

/** Lookup Object (at most one): the record of the chosen type with the id in the message. */
export const process = defineStep<Fields, { id: string | number }>({
  fields: {
    type: 'object',
    properties: { resourceType: resourceTypeField('getOne'), allowEmptyResult: { type: 'boolean', default: false } },
    required: ['resourceType'],
  },
  body: (fields) => idInSchema(fields.resourceType),
  async run(step) {
    try {
      await step.emitData(await step.tgate.get(step.fields.resourceType, step.body.id));
    } catch (err) {
      // A missing record is a normal answer when the step says so: an empty message, not an error.
      if (!(err instanceof TGateRefusedError && err.status === 404 && step.fields.allowEmptyResult)) throw err;
      await step.emitData({});
    }
  },
});

export async function getMetaModel(cfg: {
  resourceType?: unknown;
  allowEmptyResult?: unknown;
}): Promise<{ in: object; out: object }> {
  const resource = readResourceType(cfg?.resourceType, 'getOne');
  const record = recordSchema(resource) as { description?: string };
  // With allowEmptyResult a missing record is an empty message: nothing in it can be required.
  const out =
    cfg?.allowEmptyResult === true || cfg?.allowEmptyResult === 'true'
      ? {
          ...record,
          required: [],
          description: `${record.description ?? ''} (an empty message when T-Gate has no such record)`.trim(),
        }
      : record;
  return { in: idInSchema(resource), out };
}

/** Select model of the resourceType field: the types that can be fetched by id. */
export async function resourceTypes(): Promise<Record<string, string>> {
  return resourceTypeModel('getOne');
}
