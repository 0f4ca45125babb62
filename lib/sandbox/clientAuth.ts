/**
 * HTTP Basic client authentication as Doorkeeper (T-Gate) reads it: base64 of `client_id:client_secret`
 * split at the first ':', with no form-decoding. RFC 6749 2.3.1 asks for form-encoding first; Doorkeeper
 * does not decode it, so a secret with `+ / = :` sent that way is refused there and here alike.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export type BasicParseResult = { ok: true; credentials: ClientCredentials } | { ok: false; reason: string };

const BASIC = /^ *[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9._~+/-]+=*) *$/;

/** Parse an Authorization header that must carry HTTP Basic client credentials. */
export function parseBasicClientAuth(header: string | undefined): BasicParseResult {
  if (!header) {
    return {
      ok: false,
      reason: 'client authentication must use HTTP Basic (client_id as username, client_secret as password)',
    };
  }
  const match = BASIC.exec(header);
  if (!match) {
    return { ok: false, reason: 'the Authorization header is not valid HTTP Basic client authentication' };
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return { ok: false, reason: 'the HTTP Basic credentials must be client_id:client_secret' };
  }
  return { ok: true, credentials: { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) } };
}

/** The Basic header Doorkeeper (and oauth2-server, which the sandbox hands it to) reads as these values. */
export function encodeBasicClientAuth(credentials: ClientCredentials): string {
  return 'Basic ' + Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
}
