/**
 * Spec helper: run T-Gate's access grant flow against the embedded sandbox over real HTTP (axios), the
 * way a partner application does it: send the company user to the grant page, catch the redirect with
 * the code, exchange the code at the token endpoint with HTTP Basic client authentication.
 */
import axios from 'axios';
import type { Sandbox, SandboxClient } from '../../lib/sandbox';
import { basicAuthHeader as authBasicAuthHeader, TGATE_PROFILE } from '../../lib/auth';

export interface ConnectedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  created_at: number;
  scope?: string;
  [key: string]: unknown;
}

/** The Basic header T-Gate (Doorkeeper) reads: base64 of the raw "id:secret", as the T-Gate profile sends it. */
export function basicAuthHeader(clientId: string, clientSecret: string): string {
  return authBasicAuthHeader(clientId, clientSecret, TGATE_PROFILE.basicEncoding);
}

/** The sandbox, or any T-Gate with a grant page and a token endpoint (a real Doorkeeper in spec/conformance). */
export type GrantServer = Pick<Sandbox, 'authorizeUrl' | 'tokenUrl'>;

/** GET the grant page and return the code (and state) from the redirect. */
export async function authorizeViaGrantPage(
  sandbox: GrantServer,
  client: SandboxClient,
  opts: { state?: string; redirectUri?: string } = {},
): Promise<{ code: string; state: string | null; location: string }> {
  const redirectUri = opts.redirectUri ?? client.redirectUris[0];
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
  };
  if (opts.state !== undefined) params.state = opts.state;
  const res = await axios.get(sandbox.authorizeUrl, {
    params,
    maxRedirects: 0,
    proxy: false,
    validateStatus: () => true,
  });
  if (res.status !== 302 || typeof res.headers.location !== 'string') {
    throw new Error(`grant page answered ${res.status} ${JSON.stringify(res.data)} instead of a redirect`);
  }
  const location: string = res.headers.location;
  const url = new URL(location);
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`the grant page redirected without a code: ${location}`);
  return { code, state: url.searchParams.get('state'), location };
}

export async function connectViaGrantFlow(
  sandbox: GrantServer,
  client: SandboxClient,
  opts: { state?: string } = {},
): Promise<ConnectedTokens> {
  const redirectUri = client.redirectUris[0];
  const { code, state } = await authorizeViaGrantPage(sandbox, client, { state: opts.state, redirectUri });
  if (opts.state !== undefined && state !== opts.state) {
    throw new Error(`the grant page returned state ${String(state)}, expected ${opts.state}`);
  }
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString();
  const res = await axios.post(sandbox.tokenUrl, body, {
    headers: {
      Authorization: basicAuthHeader(client.clientId, client.clientSecret),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    proxy: false,
    validateStatus: () => true,
  });
  if (res.status !== 200) {
    throw new Error(`token endpoint answered ${res.status} ${JSON.stringify(res.data)}`);
  }
  return res.data as ConnectedTokens;
}
