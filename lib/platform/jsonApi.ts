/**
 * JSON:API shapes of the platform v2 API (tenant OAuth clients) and a lenient error parser.
 *
 * The platform says it "adheres to the JSON API specification" but differs in details: error `status`
 * and `code` are integers in its own schemas (strings in JSON:API 1.0), and `source.parameter` is an
 * object there (a string in JSON:API). Everything here accepts both.
 */

/** `type` of an OAuth client resource. */
export const OAUTH_CLIENT_TYPE = 'oauth-client';
/** `type` of the component a client belongs to. */
export const COMPONENT_TYPE = 'component';

/** The resource object the API answers with (create, get, list items, update). */
export interface OAuthClientResource {
  id: string;
  type: string;
  attributes: {
    client_id: string;
    /** Returned in plain text by the real API: mask it before showing it. */
    client_secret: string;
    [key: string]: unknown;
  };
  /** Absent when the component was removed or is hidden from this tenant. */
  relationships?: {
    component?: {
      data?: { id: string; type: string } | null;
      links?: Record<string, unknown>;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The exact request body of create (POST) and update (PATCH), as documented. */
export interface OAuthClientRequestDocument {
  data: {
    type: typeof OAUTH_CLIENT_TYPE;
    attributes: { client_id: string; client_secret: string };
    relationships: { component: { data: { id: string; type: typeof COMPONENT_TYPE } } };
  };
}

export interface JsonApiDocument<T> {
  data: T;
  meta?: Record<string, unknown>;
  links?: Record<string, unknown>;
}

/** One entry of a JSON:API `errors[]` array, normalised. */
export interface JsonApiErrorObject {
  /** HTTP status as a number, whether the server sent an integer or a string. */
  status?: number;
  /** Application-specific code, as a string. */
  code?: string;
  title?: string;
  detail?: string;
  /** `pointer` (JSON pointer into the request body), `parameter` (string or the platform's object), `header`. */
  source?: { pointer?: string; parameter?: unknown; header?: string };
  meta?: Record<string, unknown>;
}

const REDACTED = '[redacted]';

/** A positive integer from a number or a numeric string; undefined otherwise. */
export function toPositiveInt(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function parseOne(raw: unknown): JsonApiErrorObject | undefined {
  if (typeof raw === 'string') return raw.trim() ? { detail: raw } : undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const e = raw as Record<string, unknown>;
  const out: JsonApiErrorObject = {};
  const status = toPositiveInt(e.status);
  if (status !== undefined && status >= 100 && status < 600) out.status = status;
  const code = text(e.code);
  if (code !== undefined && code !== REDACTED) out.code = code;
  const title = text(e.title);
  if (title !== undefined) out.title = title;
  const detail = text(e.detail) ?? text(e.message);
  if (detail !== undefined) out.detail = detail;
  if (e.source && typeof e.source === 'object' && !Array.isArray(e.source)) {
    const s = e.source as Record<string, unknown>;
    const source: JsonApiErrorObject['source'] = {};
    if (typeof s.pointer === 'string') source.pointer = s.pointer;
    if (s.parameter !== undefined && s.parameter !== null) source.parameter = s.parameter;
    if (typeof s.header === 'string') source.header = s.header;
    if (Object.keys(source).length) out.source = source;
  }
  if (e.meta && typeof e.meta === 'object' && !Array.isArray(e.meta) && Object.keys(e.meta).length) {
    out.meta = e.meta as Record<string, unknown>;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The `errors[]` of an error body, parsed leniently: integer or string `status`, `title`, `detail`
 * (or `message`), `source` as pointer/parameter/header, `errors` as an array, a single object or strings,
 * and the common non-JSON:API `{error, message}` shape. Never throws; answers [] for anything else.
 */
export function parseJsonApiErrors(body: unknown): JsonApiErrorObject[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.errors)) {
    return b.errors
      .slice(0, 20)
      .map(parseOne)
      .filter((e): e is JsonApiErrorObject => e !== undefined);
  }
  if (b.errors && typeof b.errors === 'object') {
    const one = parseOne(b.errors);
    return one ? [one] : [];
  }
  const title = text(b.error);
  const detail = text(b.message) ?? text(b.error_description);
  if (title || detail) {
    const out: JsonApiErrorObject = {};
    if (title) out.title = title;
    if (detail) out.detail = detail;
    const status = toPositiveInt(b.status) ?? toPositiveInt(b.statusCode);
    if (status !== undefined && status >= 100 && status < 600) out.status = status;
    return [out];
  }
  return [];
}

/** "title: detail" of each error, joined; undefined when there is nothing to say. */
export function describeJsonApiErrors(errors: JsonApiErrorObject[]): string | undefined {
  const parts = errors
    .map((e) => [e.title, e.detail].filter((x) => x && x !== REDACTED).join(': '))
    .filter((line) => line);
  return parts.length ? parts.join('; ') : undefined;
}
