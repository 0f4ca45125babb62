import { OAuthClient, OAuthClientResource } from '../platform';

export const MASK = '••••••••';
export const NO_COMPONENT = '(none: component removed or hidden)';

/** `••••••••3412`: the last 4 characters of a secret of 12 or more, nothing of a shorter one. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${MASK}${secret.slice(-4)}` : MASK;
}

/** Control characters (terminal escapes) from the server shown as `?`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
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
  return `${JSON.stringify({ data }, null, 2)}\n`;
}

/** A table: ID, COMPONENT, CLIENT_ID, CLIENT_SECRET (masked unless `reveal`). */
export function tableOutput(clients: OAuthClient[], reveal: boolean): string {
  const rows = [['ID', 'COMPONENT', 'CLIENT_ID', 'CLIENT_SECRET']];
  for (const c of clients) {
    rows.push([
      c.id,
      c.componentId ?? NO_COMPONENT,
      c.clientId || '-',
      reveal ? c.clientSecret : maskSecret(c.clientSecret),
    ].map(printable));
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
