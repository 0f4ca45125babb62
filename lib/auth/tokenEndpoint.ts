import { HttpClient, HttpError } from '../http';
import { clientMisconfigured, reconnectRequired, TokenRequestFailedError } from './errors';
import { OAuthKeys } from './keys';
import { GrantType, ProviderProfile } from './profiles';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export type Grant =
  | { type: 'authorization_code'; code: string; redirectUri: string }
  | { type: 'refresh_token'; refreshToken: string; scope?: string }
  | { type: 'client_credentials'; scope?: string };

export interface TokenRequest {
  tokenUrl: string;
  profile: ProviderProfile;
  client: ClientCredentials;
  grant: Grant;
}

/**
 * `form` (the default, RFC 6749 2.3.1): id and secret are form-urlencoded before they are joined and
 * base64-encoded. `raw`: joined as they are, what Doorkeeper (T-Gate) decodes.
 */
export function basicAuthHeader(clientId: string, clientSecret: string, encoding: 'raw' | 'form' = 'form'): string {
  const enc =
    encoding === 'raw' ? (v: string): string => v : (v: string): string => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

function grantParams(grant: Grant): Record<string, string> {
  switch (grant.type) {
    case 'authorization_code':
      return { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri };
    case 'refresh_token':
      return {
        grant_type: 'refresh_token',
        refresh_token: grant.refreshToken,
        ...(grant.scope ? { scope: grant.scope } : {}),
      };
    case 'client_credentials':
      return { grant_type: 'client_credentials', ...(grant.scope ? { scope: grant.scope } : {}) };
  }
}

/** Builds the exact headers and body the profile asks for. Exported so specs can show it byte for byte. */
export function buildTokenRequest(req: TokenRequest): { headers: Record<string, string>; body: string } {
  const { profile, client, grant } = req;
  if (!profile.grants.includes(grant.type)) {
    throw clientMisconfigured(
      profile.name,
      `the ${grant.type} grant is not supported by this provider (it supports ${profile.grants.join(', ')})`,
    );
  }
  const params: Record<string, string> = grantParams(grant);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (profile.clientAuth === 'basic' && profile.basicEncoding === 'raw' && client.clientId.includes(':')) {
    // Raw Basic splits id and secret at the first ':' (Doorkeeper does): such an id cannot be sent.
    throw clientMisconfigured(
      profile.name,
      'the client id contains ":", which HTTP Basic client authentication cannot carry',
    );
  }
  if (profile.clientAuth === 'basic')
    headers.Authorization = basicAuthHeader(client.clientId, client.clientSecret, profile.basicEncoding);
  else Object.assign(params, { client_id: client.clientId, client_secret: client.clientSecret });
  if (profile.bodyFormat === 'json') {
    headers['Content-Type'] = 'application/json';
    return { headers, body: JSON.stringify(params) };
  }
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { headers, body: new URLSearchParams(params).toString() };
}

/** A token response is a few hundred bytes: anything near this is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

const GRANT_NAMES: Record<GrantType, string> = {
  authorization_code: 'authorization code',
  refresh_token: 'refresh token',
  client_credentials: 'client credentials',
};

/**
 * One token request. Not repeated after it may have reached the server: a refresh that T-Gate
 * processed but whose answer was lost has already rotated the refresh token.
 */
export async function requestToken(http: HttpClient, req: TokenRequest): Promise<OAuthKeys> {
  const { headers, body } = buildTokenRequest(req);
  const provider = req.profile.name;
  let data: unknown;
  try {
    const res = await http.send<unknown>(
      { method: 'POST', url: req.tokenUrl, headers, data: body },
      { idempotent: false, service: `the ${provider} token endpoint`, maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES },
    );
    data = res.data;
  } catch (err) {
    throw classifyTokenError(err, req);
  }
  if (!data || typeof data !== 'object' || typeof (data as OAuthKeys).access_token !== 'string') {
    throw new TokenRequestFailedError(
      `the ${provider} token endpoint answered without an access token (is the token URL right?)`,
    );
  }
  return data as OAuthKeys;
}

function classifyTokenError(err: unknown, req: TokenRequest): Error {
  if (!(err instanceof HttpError)) return err as Error;
  const provider = req.profile.name;
  const body = (err.data ?? {}) as { error?: unknown; error_description?: unknown };
  const oauthError = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : '';
  const extra = { oauthError, status: err.status, cause: err };
  const grant = GRANT_NAMES[req.grant.type];
  if (oauthError === 'invalid_grant') {
    return req.grant.type === 'authorization_code'
      ? reconnectRequired(
          provider,
          `the authorization code was rejected (invalid_grant${description}); codes are single-use and expire quickly`,
          extra,
        )
      : reconnectRequired(
          provider,
          `the ${grant} was rejected (invalid_grant${description}); it was revoked, expired, or already used`,
          extra,
        );
  }
  if (oauthError === 'invalid_client' || (err.status === 401 && !oauthError)) {
    return clientMisconfigured(
      provider,
      `the token endpoint rejected the client id or secret (${oauthError ?? '401'}${description}); ` +
        "check the tenant's OAuth client (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET)",
      extra,
    );
  }
  // Any other OAuth error, or a 4xx (but 429), is a refusal: sending the same request later changes nothing.
  if (
    oauthError !== undefined ||
    (err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429)
  ) {
    return clientMisconfigured(
      provider,
      `the token endpoint refused the ${grant} request (${oauthError ?? err.status}${description})`,
      extra,
    );
  }
  const message = `could not get a ${provider} access token with the ${grant}: ${err.message}`;
  return new TokenRequestFailedError(message, { cause: err });
}
