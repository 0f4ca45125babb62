import Ajv, { ErrorObject } from 'ajv';
import { InvalidInputError } from '../errors';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
// Step fields come from text boxes as strings ("100"): those are read as the numbers they spell.
const coercingAjv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });

/** `/items/2/children/0/quantity` as people write it: `items[2].children[0].quantity`. */
function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function describe(e: ErrorObject, what: string): { field: string; text: string } {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const field = fieldPath(e.instancePath, String(params.missingProperty));
    return { field, text: `${field} is required` };
  }
  if (e.keyword === 'additionalProperties') {
    const field = fieldPath(e.instancePath, String(params.additionalProperty));
    return { field, text: `${field} is not a known field` };
  }
  const field = fieldPath(e.instancePath) || what;
  if (e.keyword === 'enum')
    return {
      field,
      text: `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    };
  if (e.keyword === 'type') {
    const type = String(params.type);
    return { field, text: `${field} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type.replace(/,/g, ' or ')}` };
  }
  return { field, text: `${field} ${e.message ?? 'is invalid'}` };
}

/** Every problem of a failed validation, each naming its field; the first one's field is the error's. */
function invalidInput(errors: ErrorObject[] | null | undefined, what: string): InvalidInputError {
  // `if`/`then` add a summary of their own beside the real problem: leave it out.
  const described = (errors ?? []).filter((e) => e.keyword !== 'if').map((e) => describe(e, what));
  const unique = [...new Map(described.map((d) => [d.text, d])).values()];
  return new InvalidInputError(
    unique[0]?.field ?? what,
    `Invalid ${what}: ${unique.map((d) => d.text).join('; ') || 'it does not match its schema'}`,
  );
}

type SchemaNode = { [key: string]: unknown };
const isNode = (v: unknown): v is SchemaNode => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The platform's mapper reads a required input field from `"required": true` on the property (elastic.io's
 * convention, e.g. its rawRequest.in.json files); draft-07, and so ajv, wants the name in the parent's
 * `required` array and refuses a boolean there. Our schemas carry both; this copy for ajv drops the booleans
 * and adds any name they mark to the parent's array, so the two can never disagree at run time.
 */
export function forAjv<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s: unknown) => forAjv(s)) as T;
  if (!isNode(schema)) return schema;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(schema)) out[key] = forAjv(value);
  if (typeof out.required === 'boolean') delete out.required;
  if (isNode(schema.properties)) {
    const marked = Object.entries(schema.properties)
      .filter(([, p]) => isNode(p) && p.required === true)
      .map(([n]) => n);
    const listed = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const names = [...new Set([...listed, ...marked])];
    if (names.length) out.required = names;
  }
  return out as T;
}

/**
 * Compiles a schema once; the returned function fills defaults and throws an {@link InvalidInputError}
 * naming every bad field (`items[2].children[0].quantity must be an integer`).
 */
export function validator<T>(schema: object, what: string, options: { coerce?: boolean } = {}): (value: unknown) => T {
  const check = (options.coerce ? coercingAjv : ajv).compile(forAjv(schema));
  return (value: unknown): T => {
    if (check(value)) return value as T;
    throw invalidInput(check.errors, what);
  };
}
