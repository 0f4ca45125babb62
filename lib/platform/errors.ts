import { ComponentError, InvalidInputError } from '../errors';
import { describeJsonApiErrors, JsonApiErrorObject } from './jsonApi';

/**
 * What went wrong:
 * - `http`: the API answered an error status (`status`, `errors` say what);
 * - `network`: no answer (`code` is ECONNREFUSED, ETIMEDOUT, ...);
 * - `not-json`: a success or redirect status whose body is not the JSON the API sends, which almost always
 *   means the API URL points at something else (a web app, a proxy login page);
 * - `bad-response`: JSON, but not the documented shape.
 */
export type PlatformApiErrorKind = 'http' | 'network' | 'not-json' | 'bad-response';

export interface PlatformApiErrorDetails {
  kind: PlatformApiErrorKind;
  message: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Origin of the API URL used, e.g. https://api.elastic.io. */
  origin: string;
  status?: number;
  errors?: JsonApiErrorObject[];
  code?: string;
  attempts?: number;
}

/**
 * A failed platform API call. Safe to show or log: its message and fields never hold the API key, the
 * Authorization header or a client secret (the client scrubs every secret it knows of, and the HTTP layer
 * redacts secret-looking fields of the body).
 */
export class PlatformApiError extends ComponentError {
  readonly kind: PlatformApiErrorKind;
  /** HTTP status, when the API answered. */
  readonly status?: number;
  /** The JSON:API `errors[]` of the answer, parsed leniently (may be empty). */
  readonly errors: JsonApiErrorObject[];
  readonly method: string;
  readonly path: string;
  readonly origin: string;
  /** Network error code when no answer came. */
  readonly code?: string;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(details: PlatformApiErrorDetails) {
    super(details.message);
    this.kind = details.kind;
    this.status = details.status;
    this.errors = details.errors ?? [];
    this.method = details.method;
    this.path = details.path;
    this.origin = details.origin;
    this.code = details.code;
    this.attempts = details.attempts ?? 1;
  }

  /** The server's own words ("title: detail" of each error), if it gave any. */
  get serverMessage(): string | undefined {
    return describeJsonApiErrors(this.errors);
  }

  /** Whether the server's words (titles, details, source) match the pattern. */
  mentions(pattern: RegExp): boolean {
    return this.errors.some((e) =>
      pattern.test([e.title, e.detail, e.source ? JSON.stringify(e.source) : ''].filter(Boolean).join(' ')),
    );
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      origin: this.origin,
      code: this.code,
      attempts: this.attempts,
      errors: this.errors,
    };
  }
}

/**
 * A call the client refused before sending anything (a missing or empty field, an unusable API URL);
 * `field` names the input at fault, e.g. `clientId`, `apiUrl`, `componentId`.
 */
export class PlatformInputError extends InvalidInputError {}

/**
 * Whether a failed delete was refused because a flow still uses the client. The status of that refusal is
 * undocumented (409 or 400 are likely), so this looks at what the server says.
 */
export function isClientInUseError(err: unknown): boolean {
  return (
    err instanceof PlatformApiError &&
    err.kind === 'http' &&
    (err.status === 409 || err.status === 400 || err.status === 422 || err.status === 423) &&
    err.mentions(/\bflows?\b|\bin use\b|\bused\b|\busing\b/i)
  );
}

/** Whether a failed create (or component change) was refused because the component already has a client. */
export function isDuplicateClientError(err: unknown): boolean {
  if (!(err instanceof PlatformApiError) || err.kind !== 'http') return false;
  if (err.status === 409) {
    if (err.mentions(/exist|already|duplicate|unique/i)) return true;
    // A bare 409: not the documented "wrong type" conflict, and not the in-use refusal of a delete.
    return !err.mentions(/\btype\b|\bflows?\b|\bin use\b|\bused\b/i);
  }
  return (err.status === 400 || err.status === 422) && err.mentions(/already exists?|\bexists\b|duplicate|unique/i);
}

/** Whether the error is about the component (not found, not visible, not usable) rather than the tenant or client. */
export function isComponentError(err: unknown): boolean {
  return err instanceof PlatformApiError && err.kind === 'http' && err.mentions(/component/i);
}
