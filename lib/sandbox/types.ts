/**
 * Public types of the embedded T-Gate sandbox. Other code (lib/cli, specs of other layers) depends on
 * these shapes: change them only together with their users.
 */

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface IntegrationScope {
  id: number;
  brand_id: number;
  branch_id: number;
  menu_id: number;
}

export interface SandboxOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default '127.0.0.1'. Anything that is not loopback (127.0.0.0/8, ::1, localhost) is refused. */
  host?: string;
  /** Registered OAuth clients. */
  clients?: SandboxClient[];
  /** Default 7200 (T-Gate: 2 hours). */
  accessTokenLifetimeSeconds?: number;
  /** Default 600 (T-Gate: 10 minutes). */
  authorizationCodeLifetimeSeconds?: number;
  /** Default 10 years (T-Gate: "long-lived"). */
  refreshTokenLifetimeSeconds?: number;
  /** Default: a generated set of 45 scopes (3 brands x 5 branches x 3 menus). */
  integrationScopes?: IntegrationScope[];
}

/** One per POST to the token endpoint, in arrival order. */
export interface TokenRequestRecord {
  at: number;
  method: string;
  path: string;
  /** The raw Authorization header as received. */
  authorization?: string;
  contentType?: string;
  /** Exact body text as received. */
  rawBody: string;
  /** The status the sandbox answered (0 when the socket was dropped by a fault). */
  status: number;
  grantType?: string;
  /** OAuth error code answered, e.g. 'invalid_grant'. */
  error?: string;
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  /** The raw query string without the leading '?' ('' when none). */
  query: string;
  /** The status the sandbox answered (0 when the socket was dropped by a fault). */
  status: number;
}

export interface FaultSpec {
  /** Default: any method. */
  method?: string;
  /** Matched against the URL pathname (string: exact match). Default: any path. */
  path?: string | RegExp;
  /** Answer this status instead of the real handler. */
  status?: number;
  /** Extra headers for the injected answer, e.g. {'Retry-After': '2'}. */
  headers?: Record<string, string>;
  /** JSON body for the injected answer (default {message: '<status text>'}). */
  body?: unknown;
  /** Wait before handling (real or injected answer). */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** How many matching requests it applies to (default 1; Infinity allowed). */
  times?: number;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  created_at: number;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  /** `${url}/oauth` (the company portal's grant page). */
  authorizeUrl: string;
  /** `${url}/oauth/token` */
  tokenUrl: string;
  /** `${url}/partner/v1` */
  apiBaseUrl: string;
  tokenRequests: TokenRequestRecord[];
  /** Every request (token, grant page and API; not the /__sandbox control routes), in arrival order. */
  requests: RequestRecord[];
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  addClient(client: SandboxClient): void;
  /** Issue tokens directly, as if the access grant flow had just completed (for tests and demos). */
  issueTokens(clientId: string): Promise<IssuedTokens>;
  /** Revoke every token of a client (simulates a company uninstalling the app). */
  revokeAll(clientId: string): void;
  close(): Promise<void>;
}
