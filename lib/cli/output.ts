import { OAuthClient, OAuthClientResource } from '../platform';

export const MASK = '••••••••';
export const NO_COMPONENT = '(none: component removed or hidden)';

/** `••••••••3412`: the last 4 characters of a secret of 12 or more, nothing of a shorter one. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${MASK}${secret.slice(-4)}` : MASK;
}

/**
 * Characters a terminal acts on instead of showing: C0 and C1 controls (ESC and the 8-bit CSI start
 * escape sequences that recolour, retitle or clear the screen), line separators and the bidirectional
 * overrides that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NOT_ESCAPED_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b`, `\u202e`: a control character written out, so the reader sees it is there and it does nothing. */
function escaped(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text from a server or a file, safe on a terminal: every control character written out (`\x1b`). */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROLS, escaped);
}

/** {@link printable} for a message of several lines: its line breaks are kept, every other control written out. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** A copy of the resource with `attributes.client_secret` masked unless `reveal`. */
export function resourceForOutput(resource: OAuthClientResource, reveal: boolean): OAuthClientResource {
  if (reveal) return resource;
  const attributes = resource.attributes && typeof resource.attributes === 'object' ? resource.attributes : undefined;
  if (!attributes || typeof attributes.client_secret !== 'string') return resource;
  return { ...resource, attributes: { ...attributes, client_secret: maskSecret(attributes.client_secret) } };
}

/** The JSON:API document printed by `--json`: `{data: [...]}` for a list, `{data: {...}}` for one client. */
export function jsonOutput(clients: OAuthClient[] | OAuthClient, reveal: boolean): string {
  const data = Array.isArray(clients)
    ? clients.map((c) => resourceForOutput(c.resource, reveal))
    : resourceForOutput(clients.resource, reveal);
  // JSON escapes C0 controls but not C1 ones (U+009B starts an escape sequence too) nor bidi overrides:
  // written as \u escapes, the document stays the same JSON value.
  const text = JSON.stringify({ data }, null, 2);
  return `${text.replace(NOT_ESCAPED_BY_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** A table: ID, COMPONENT, CLIENT_ID, CLIENT_SECRET (masked unless `reveal`). */
export function tableOutput(clients: OAuthClient[], reveal: boolean): string {
  const rows = [['ID', 'COMPONENT', 'CLIENT_ID', 'CLIENT_SECRET']];
  for (const c of clients) {
    rows.push(
      [
        c.id,
        c.componentId ?? NO_COMPONENT,
        c.clientId || '-',
        reveal ? c.clientSecret : maskSecret(c.clientSecret),
      ].map(printable),
    );
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') +
    '\n'
  );
}
