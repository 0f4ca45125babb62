/**
 * HTTP Basic client authentication as RFC 6749 section 2.3.1 defines it: the client id and secret are
 * application/x-www-form-urlencoded first, then joined with ':' and base64-encoded.
 *
 * (oauth2-server's own Basic parsing skips the form-decoding step, so the adapter decodes here and hands
 * oauth2-server a header re-encoded from the decoded values; see encodeForOAuth2Server.)
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export type BasicParseResult =
  | { ok: true; credentials: ClientCredentials }
  | { ok: false; reason: string };

const BASIC = /^ *[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9._~+/-]+=*) *$/;

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Parse an Authorization header that must carry HTTP Basic client credentials. */
export function parseBasicClientAuth(header: string | undefined): BasicParseResult {
  if (!header) {
    return { ok: false, reason: 'client authentication must use HTTP Basic (client_id as username, client_secret as password)' };
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
  try {
    return {
      ok: true,
      credentials: {
        clientId: formDecode(decoded.slice(0, colon)),
        clientSecret: formDecode(decoded.slice(colon + 1)),
      },
    };
  } catch {
    return { ok: false, reason: 'the HTTP Basic credentials are not validly form-urlencoded (RFC 6749 section 2.3.1)' };
  }
}

/** The Basic header oauth2-server (which does not form-decode) reads back as exactly these values. */
export function encodeForOAuth2Server(credentials: ClientCredentials): string {
  return 'Basic ' + Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
}

/** The RFC 6749 2.3.1 header a client should send (form-urlencode, then base64). */
export function encodeBasicClientAuth(credentials: ClientCredentials): string {
  // Percent-encode, space as '+' (as simple-oauth2 does); the sandbox decodes any form encoding.
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(credentials.clientId)}:${enc(credentials.clientSecret)}`, 'utf8').toString('base64');
}
