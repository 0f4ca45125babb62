import Ajv, { ErrorObject, JSONSchemaType } from 'ajv';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false });

function describe(errors: ErrorObject[] | null | undefined, what: string): string {
  const parts = (errors ?? []).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : what;
    if (e.keyword === 'enum') return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    if (e.keyword === 'additionalProperties') return `${what} has an unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
  return parts.join('; ');
}

/** Compiles a schema once; the returned function throws an error naming every bad field. */
export function validator<T>(schema: JSONSchemaType<T>, what: string): (value: unknown) => T {
  const check = ajv.compile(schema);
  return (value: unknown): T => {
    if (check(value)) return value as T;
    throw new Error(`Invalid ${what}: ${describe(check.errors, what)}`);
  };
}
