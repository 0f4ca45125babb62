/**
 * Public types of the embedded T-Gate sandbox. Other code (lib/cli, specs of other layers) depends on
 * these shapes: change them only together with their users.
 */

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

import type { IntegrationScope, TGateRecords } from '../tgate/records';
import type { TGateResourceName } from '../tgate/resources';
import type { SeedOptions, SeedSummary } from './seed';
import type { CatalogStore } from './store';
import type { ListPageHook } from './routes/catalog';
import type { CompanyOrderUpdate, OrderDesk } from './orderDesk';
import type { Webhook, WebhookConfig, WebhookSender } from './webhooks';

export type { IntegrationScope };

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
  /**
   * What a refresh does to the old refresh and access token, as Doorkeeper decides by whether its
   * `previous_refresh_token` column exists. false (default): revoked at once (column absent); a second
   * refresh with the old token gets invalid_grant, the strictest case for a client racing itself.
   * true: both live until the new access token is first used (column present, Doorkeeper's generated
   * schema). Tell which one T-Gate runs with the one-request check in docs/ASSUMPTIONS.md.
   */
  refreshGrace?: boolean;
  /** Default: a generated set of 45 scopes (3 brands x 5 branches x 3 menus), matching the seeded catalog. */
  integrationScopes?: IntegrationScope[];
  /** Items in the seeded catalog (default DEFAULT_ITEM_COUNT, 242). */
  catalogItems?: number;
  /** Resource paths under /partner/v1 that differ from lib/tgate/resources.ts. */
  resourcePaths?: Partial<Record<TGateResourceName, string>>;
  /** How many of the latest requests `requests` keeps (default 10,000); `requestCount` counts them all. */
  requestLogLimit?: number;
  /** Fix the sandbox clock at this instant (opening hours are checked against it); default: the real time. */
  now?: Date | string;
  /** Webhooks to send from the start (see configureWebhook). */
  webhooks?: WebhookConfig[];
  /** How long a webhook delivery may take before it counts as failed (default 10,000 ms). */
  webhookTimeoutMs?: number;
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
  /** Matched against the raw query string without "?" (string: exact match), e.g. /(^|&)page=2(&|$)/. Default: any. */
  query?: string | RegExp;
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
  /**
   * Run the real handler first (an order is stored, a status changes), then wait delayMs and answer the
   * injected status or drop the socket instead of the real answer: the ambiguous failures a retrying
   * client must survive without creating twice. With only delayMs, the real answer comes late.
   */
  afterHandler?: boolean;
  /** The real answer without these headers (case-insensitive), e.g. T-Gate's paging headers lost. */
  dropHeaders?: string[];
  /** The real handler sees the request without these query parameters: a filter the server ignores. */
  ignoreQuery?: string[];
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
  /** The resource paths served under apiBaseUrl. */
  resourcePaths: Record<TGateResourceName, string>;
  tokenRequests: TokenRequestRecord[];
  /** The latest requests (token, grant page and API; not the /__sandbox control routes), in arrival order (a copy). */
  readonly requests: RequestRecord[];
  /** Every request served since start, including those `requests` no longer holds. */
  readonly requestCount: number;
  /** The records behind the partner API (lists, scope rules, indexes, change log). */
  store: CatalogStore;
  /** Creates, updates and deletes so far: a cursor for polling (see store.changesSince). */
  readonly changeCount: number;
  /** Replace the catalog with the deterministic one, with `items` items (orders are emptied). */
  seedCatalog(options?: SeedOptions): SeedSummary;
  /** Create a record (validated against its schema; id optional). */
  createRecord<R extends TGateResourceName>(resource: R, record: Partial<TGateRecords[R]>): TGateRecords[R];
  /** Merge top-level fields into a record. */
  updateRecord<R extends TGateResourceName>(resource: R, id: number, patch: Partial<TGateRecords[R]>): TGateRecords[R];
  deleteRecord(resource: TGateResourceName, id: number): void;
  /** A record whether in scope or not (a copy), or undefined. */
  getRecord<R extends TGateResourceName>(resource: R, id: number): TGateRecords[R] | undefined;
  /** Calculate, create and update orders by T-Gate's rules, as the partner API does (throws OrderRefusedError). */
  orders: OrderDesk;
  /** The company moves an order along (e.g. to `ready`), as a restaurant would. */
  updateOrderAsCompany(id: number, update: CompanyOrderUpdate): TGateRecords['orders'];
  /** The sandbox's "now". */
  now(): Date;
  /** Fix the clock at an instant (Date or ISO 8601), or follow the real time again (null). */
  setClock(at: Date | string | null): void;
  /** Webhook configuration, delivery counts (`stats`) and `idle()` to await deliveries under way. */
  webhooks: WebhookSender;
  /** Add a webhook: POSTs each event it covers to `url` (T-Gate: Setup Webhooks). */
  configureWebhook(config: WebhookConfig): Webhook;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Test-only: `hook` runs before each list page is served (a catalog changing while read); undefined removes it. */
  beforeListPage(hook: ListPageHook | undefined): void;
  addClient(client: SandboxClient): void;
  /** Issue tokens directly, as if the access grant flow had just completed (for tests and demos). */
  issueTokens(clientId: string): Promise<IssuedTokens>;
  /** Revoke every token of a client (simulates a company uninstalling the app). */
  revokeAll(clientId: string): void;
  close(): Promise<void>;
}
