import { defineStep } from '../step';
import { recordSchema } from '../step/resources';

/** The emitBehavior select's values (component.json lists the same, checked by a spec). */
export const SCOPE_EMIT_BEHAVIORS = ['emitIndividually', 'emitAll'] as const;

interface Fields {
  emitBehavior: (typeof SCOPE_EMIT_BEHAVIORS)[number];
}

/**
 * Lists the integration scopes (brand, branch and menu combinations) the company granted. Kept under its
 * released id and message shapes so existing flows keep working; "Lookup Objects (plural)" on integration
 * scopes does the same with every emit behaviour.
 */
export const process = defineStep<Fields>({
  fields: {
    type: 'object',
    properties: { emitBehavior: { type: 'string', enum: SCOPE_EMIT_BEHAVIORS, default: 'emitIndividually' } },
    required: ['emitBehavior'],
  },
  async run(step) {
    if (step.fields.emitBehavior === 'emitIndividually') {
      for await (const scope of step.tgate.all('integrationScopes')) await step.emitData(scope);
      return;
    }
    const scopes: unknown[] = [];
    for await (const scope of step.tgate.all('integrationScopes')) scopes.push(scope);
    await step.emitData({ integrationScopes: scopes, count: scopes.length });
  },
});

/** The mapper's view of what the step emits, which depends on the emit behaviour. */
export async function getMetaModel(cfg: { emitBehavior?: string }): Promise<{ in: object; out: object }> {
  const scope = recordSchema('integrationScopes');
  const out =
    cfg?.emitBehavior === 'emitAll'
      ? {
          type: 'object',
          title: 'Integration scopes',
          description: 'Every integration scope the company granted, in one message',
          properties: {
            integrationScopes: {
              type: 'array',
              title: 'Integration scopes',
              description: 'Every scope the company granted',
              items: scope,
            },
            count: { type: 'integer', title: 'Count', description: 'How many scopes there are' },
          },
          required: ['integrationScopes', 'count'],
        }
      : scope;
  return {
    in: {
      type: 'object',
      title: 'No input',
      description: 'The step lists every integration scope the company granted; it reads nothing from the message',
      properties: {},
    },
    out,
  };
}
