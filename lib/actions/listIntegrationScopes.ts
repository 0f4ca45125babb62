import { JSONSchemaType } from 'ajv';
import { messages } from 'elasticio-node';
import { validator } from '../schemas/validate';
import { Cfg, connectForStep, SailorContext } from '../tgate';

interface StepFields {
  emitBehavior: 'emitIndividually' | 'emitAll';
}

const fieldsSchema: JSONSchemaType<StepFields> = {
  type: 'object',
  properties: { emitBehavior: { type: 'string', enum: ['emitIndividually', 'emitAll'], default: 'emitIndividually' } },
  required: ['emitBehavior'],
};
const readFields = validator(fieldsSchema, 'step configuration');

/** Lists the integration scopes (brand, branch and menu combinations) the company granted. */
export async function process(this: SailorContext & { emit: NonNullable<SailorContext['emit']> }, _msg: unknown, cfg: Cfg): Promise<void> {
  const { emitBehavior } = readFields({ emitBehavior: cfg.emitBehavior ?? 'emitIndividually' });
  const tgate = connectForStep(this, cfg);
  if (emitBehavior === 'emitAll') {
    const scopes: unknown[] = [];
    for await (const scope of tgate.all('integrationScopes')) scopes.push(scope);
    await this.emit('data', messages.newMessageWithBody({ integrationScopes: scopes, count: scopes.length }));
    return;
  }
  for await (const scope of tgate.all<Record<string, unknown>>('integrationScopes')) {
    await this.emit('data', messages.newMessageWithBody(scope));
  }
}
