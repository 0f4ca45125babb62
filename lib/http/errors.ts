import { ComponentError } from '../errors';
import { redact, safeResponseHeaders, scrubSecrets } from './redact';
import type { KnownSecrets } from './secrets';

export interface HttpErrorDetails {
  /** Who was called, for the message: "T-Gate", "the platform API", "the T-Gate token endpoint". */
  service: string;
  method: string;
  /** Path only: never the query string, never credentials. */
  path: string;
  status?: number;
  /** Network error code (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ...) when no response came. */
  code?: string;
  /** The service's own message, already made safe. */
  detail?: string;
  /** Parsed response body with secret-looking fields redacted. */
  data?: unknown;
  /** Response headers; only the safe ones ({@link safeResponseHeaders}) are kept. */
  headers?: Record<string, string>;
  attempts: number;
  retryAfterMs?: number;
  /** Why the retry loop stopped, when it stopped early. */
  gaveUp?: string;
}

/**
 * An HTTP failure that is safe to log, emit or show: it never carries request headers, the axios
 * config, tokens or secrets, only what names the call and what the server said. So it has no `cause`:
 * the library's error holds the request, headers and all.
 */
export class HttpError extends ComponentError {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
  readonly data?: unknown;
  /** The answer's safe headers ({@link safeResponseHeaders}), when there was an answer. */
  readonly headers?: Record<string, string>;
  readonly attempts: number;
  readonly retryAfterMs?: number;

  /** `secrets`: values the caller knows (the request's tokens, client secret, API key), scrubbed from every field. */
  constructor(details: HttpErrorDetails, secrets?: KnownSecrets) {
    const scrub = (text: string): string => (secrets ? secrets.scrub(text) : scrubSecrets(text));
    super(scrub(HttpError.describe(details)));
    this.service = details.service;
    this.method = details.method.toUpperCase();
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.detail = details.detail === undefined ? undefined : scrub(details.detail);
    const data = details.data === undefined ? undefined : redact(details.data);
    this.data = secrets ? secrets.scrubDeep(data) : data;
    if (details.headers !== undefined) {
      const headers = safeResponseHeaders(details.headers);
      this.headers = secrets ? (secrets.scrubDeep(headers) as Record<string, string>) : headers;
    }
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }

  static describe(d: HttpErrorDetails): string {
    const what = `${d.service} ${d.method.toUpperCase()} ${d.path}`;
    const outcome = d.status !== undefined ? `answered ${d.status}` : `failed (${d.code ?? 'network error'})`;
    const detail = d.detail ? `: ${scrubSecrets(d.detail)}` : '';
    const tries = d.attempts > 1 ? ` after ${d.attempts} attempts` : '';
    const gaveUp = d.gaveUp ? ` (${d.gaveUp})` : '';
    return `${what} ${outcome}${detail}${tries}${gaveUp}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      service: this.service,
      method: this.method,
      path: this.path,
      status: this.status,
      code: this.code,
      detail: this.detail,
      attempts: this.attempts,
    };
  }
}

/** Network failures that prove the request never reached the server: no connection was made. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a network failure (its code) proves the request never left: the host unknown, the connection refused. */
export function neverSent(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/**
 * Whether a failed request may have reached the server and taken effect: the one rule for it. An answer
 * says it did, unless it is a 429 or a 503 (RFC 6585 4, RFC 9110 15.6.4: not processed); no answer says
 * nothing, unless the connection was never made. The client repeats a request that is not idempotent
 * only when this is false, and a caller must not have such a request sent again later when it is true.
 */
export function mayHaveTakenEffect(failure: { readonly status?: number; readonly code?: string }): boolean {
  if (failure.status !== undefined) return failure.status !== 429 && failure.status !== 503;
  return !neverSent(failure.code);
}

/**
 * The reason in a `WWW-Authenticate` challenge (RFC 6750 3: `error_description`, else `error`): where
 * Doorkeeper puts why it refused a token, with an empty body ("The access token expired").
 */
export function challengeReason(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const param = (name: string): string | undefined =>
    new RegExp(`(?:^|[\\s,])${name}="([^"]{1,300})"`).exec(header)?.[1];
  return param('error_description') ?? param('error');
}

/** Pulls a human message out of a JSON or text error body, whatever shape the server uses. */
export function messageFromBody(data: unknown): string | undefined {
  if (data === undefined || data === null || data === '') return undefined;
  if (typeof data === 'string') return data.trim().slice(0, 300) || undefined;
  if (typeof data !== 'object') return typeof data === 'number' || typeof data === 'boolean' ? String(data) : undefined;
  const body = data as Record<string, unknown>;
  const parts: string[] = [];
  const pick = (v: unknown): void => {
    if (typeof v === 'string' && v.trim()) parts.push(v.trim());
  };
  if (Array.isArray(body.errors)) {
    for (const e of body.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object') {
        const eo = e as Record<string, unknown>;
        const line = [eo.title, eo.detail ?? eo.message].filter((x) => typeof x === 'string' && x).join(': ');
        if (line) parts.push(line);
      }
    }
  } else if (body.errors && typeof body.errors === 'object') {
    for (const [field, msgs] of Object.entries(body.errors as Record<string, unknown>)) {
      parts.push(`${field} ${Array.isArray(msgs) ? msgs.join(', ') : String(msgs)}`);
    }
  }
  if (typeof body.error === 'string') {
    parts.push(typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error);
  } else if (body.error && typeof body.error === 'object') {
    pick((body.error as Record<string, unknown>).message);
  }
  pick(body.message);
  const text = parts.join('; ');
  return text ? text.slice(0, 500) : undefined;
}
