import { REDACTED, scrubSecrets } from './redact';

/** Shorter values are not scrubbed: removing "1" or "ab" from every message would only garble it. */
const MIN_SECRET_LENGTH = 4;

/** Form-body fields whose values are secrets (RFC 6749 token requests, password grants). */
const SECRET_FORM_FIELDS = new Set([
  'refresh_token',
  'access_token',
  'code',
  'client_secret',
  'password',
  'code_verifier',
  'client_assertion',
]);

/**
 * The actual secret values a component knows (client id and secret, Basic header values, access and
 * refresh tokens, platform API keys), removed from any text before it reaches an error, a log line or an
 * emitted message. Patterns alone miss a secret that a server echoes back in its own words
 * ("refresh token abc123 is revoked"); exact values do not.
 */
export class KnownSecrets {
  private readonly values = new Set<string>();
  private sorted: string[] | undefined;

  constructor(values: Iterable<string | undefined> = []) {
    for (const v of values) this.add(v);
  }

  /** Adds a value and the encodings it travels in (percent- and form-encoded). */
  add(...values: Array<string | undefined | null>): this {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')]) {
        if (!this.values.has(form)) {
          this.values.add(form);
          this.sorted = undefined;
        }
      }
    }
    return this;
  }

  /** Adds every secret an outgoing request carries: its Authorization header and secret form fields. */
  addFromRequest(headers: Record<string, string> | undefined, body: unknown): this {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (name.toLowerCase() === 'authorization' && typeof value === 'string') this.addAuthorization(value);
    }
    if (typeof body === 'string' && body.includes('=')) {
      try {
        for (const [k, v] of new URLSearchParams(body)) if (SECRET_FORM_FIELDS.has(k)) this.add(v);
      } catch {
        /* not a form body */
      }
    } else if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [k, v] of Object.entries(body as Record<string, unknown>))
        if (SECRET_FORM_FIELDS.has(k) && typeof v === 'string') this.add(v);
    }
    return this;
  }

  /** `Bearer T` adds T; `Basic B` adds B and the id and secret inside it, raw and form-decoded. */
  addAuthorization(header: string): this {
    const [scheme, credentials] = header.trim().split(/\s+/, 2);
    if (!credentials) return this.add(header.trim());
    this.add(credentials);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const parts = colon < 0 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
      for (const part of parts) {
        this.add(part);
        try {
          this.add(decodeURIComponent(part.replace(/\+/g, ' ')));
        } catch {
          /* not form-encoded */
        }
      }
    }
    return this;
  }

  /** Adds everything another set knows. */
  merge(other: KnownSecrets | undefined): this {
    if (other) for (const v of other.values) this.add(v);
    return this;
  }

  /** How many values (with their encodings) it replaces: what a spec of add() can count. */
  get size(): number {
    return this.values.size;
  }

  /** The text with every known value, and every credential-looking pattern, replaced. */
  scrub(text: string): string {
    let out = text;
    if (this.values.size) {
      this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
      for (const s of this.sorted) if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return scrubSecrets(out);
  }

  /**
   * The text with the known values replaced, and nothing else: for what a raw request emits, where a
   * credential-looking pattern may be T-Gate's own data.
   */
  replaceKnown(text: string): string {
    if (!this.values.size) return text;
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.sorted) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /**
   * A copy of a parsed JSON value with {@link replaceKnown} applied to every string and key, nothing cut:
   * iterative, so that a body nested thousands deep cannot overflow the stack.
   */
  replaceKnownDeep(value: unknown): unknown {
    if (!this.values.size) return value;
    const root: { value: unknown } = { value };
    const work: Array<[Record<string, unknown> | unknown[], string | number, unknown]> = [[root, 'value', value]];
    for (let next = work.pop(); next; next = work.pop()) {
      const [parent, key, v] = next;
      let copy: unknown = v;
      if (typeof v === 'string') copy = this.replaceKnown(v);
      else if (Array.isArray(v)) {
        const list: unknown[] = new Array(v.length);
        v.forEach((item, i) => work.push([list, i, item]));
        copy = list;
      } else if (v && typeof v === 'object') {
        const object: Record<string, unknown> = {};
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          work.push([object, this.replaceKnown(k), item]);
        }
        copy = object;
      }
      (parent as Record<string | number, unknown>)[key] = copy;
    }
    return root.value;
  }

  /**
   * Scrubs an error in place before it leaves a step: its message, stack and string fields, and those of
   * its causes. Whatever built it (an HttpError without the secrets, a message quoting a URL), what the
   * platform shows and logs is then free of every value this set knows.
   */
  scrubError<E>(err: E): E {
    const seen = new Set<unknown>();
    const causeOf = (e: Error): unknown => (e as { cause?: unknown }).cause;
    for (let e: unknown = err; e instanceof Error && !seen.has(e) && seen.size < 10; e = causeOf(e)) {
      seen.add(e);
      const fields = e as unknown as Record<string, unknown>;
      for (const key of new Set(['message', 'stack', ...Object.keys(e)])) {
        const v = fields[key];
        const clean =
          typeof v === 'string'
            ? this.scrub(v)
            : v && typeof v === 'object' && !(v instanceof Error)
              ? this.scrubDeep(v)
              : v;
        if (clean === v) continue;
        try {
          const enumerable = key !== 'message' && key !== 'stack';
          Object.defineProperty(e, key, { value: clean, writable: true, configurable: true, enumerable });
        } catch {
          /* a frozen field stays as it is */
        }
      }
    }
    return err;
  }

  /** A deep copy of a parsed body with every string scrubbed (bounded depth and size). */
  scrubDeep(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 6 || !value || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.slice(0, 50).map((v) => this.scrubDeep(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[this.scrub(k)] = this.scrubDeep(v, depth + 1);
    return out;
  }
}
