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
    .replace(/([?&;\s"'](?:access_token|refresh_token|client_secret|code|api_key|apikey|password)=)[^&\s"']+/gi, `$1${REDACTED}`);
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
