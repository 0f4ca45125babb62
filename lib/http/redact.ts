/** Keys whose values are never copied into an error, a log line or an emitted message. */
const SECRET_KEY = /(token|secret|password|passwd|authorization|api[_-]?key|apikey|code_verifier|^code$|cookie)/i;

export const REDACTED = '[redacted]';

/** Deep copy of a parsed body with every secret-looking field replaced (bounded depth and size). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string') return scrubSecrets(value).slice(0, 1000);
  return value;
}

/** Removes bearer/basic credentials and token-looking query values from free text. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(
      /([?&;\s"'](?:access_token|refresh_token|client_secret|code|api_key|apikey|password)=)[^&\s"']+/gi,
      `$1${REDACTED}`,
    );
}

/** The path of a URL without its query string or credentials: safe to name in an error. */
export function safePath(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname;
  } catch {
    return url.split('?')[0].replace(/\/\/[^/@]*@/, '//');
  }
}

/** The origin and path of a URL without query or credentials. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return safePath(url);
  }
}

/**
 * Response headers that may be shown, logged or emitted: what describes the answer (type, length, dates,
 * caching, links, paging, rate limits, request ids), never cookies, credentials or authentication
 * challenges. An allowlist, so that a header a server adds later is left out until someone looks at it.
 */
export const SAFE_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-language',
  'content-encoding',
  'date',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'age',
  'vary',
  'link',
  'location',
  'retry-after',
  'allow',
  'current-page',
  'page-items',
  'total-count',
  'total-pages',
  'x-request-id',
  'x-correlation-id',
  'x-runtime',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]);

/** The {@link SAFE_RESPONSE_HEADERS} of a response, names lower-cased, values as they came. */
export function allowedResponseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (SAFE_RESPONSE_HEADERS.has(lower)) out[lower] = String(value);
  }
  return out;
}

/** The {@link SAFE_RESPONSE_HEADERS} of a response, names lower-cased, values scrubbed of credentials. */
export function safeResponseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out = allowedResponseHeaders(headers);
  for (const name of Object.keys(out)) out[name] = scrubSecrets(out[name]).slice(0, 1000);
  return out;
}
