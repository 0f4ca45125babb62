import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { flatHeaders, readBody, sendJson } from '../sandbox/httpUtil';
import { jsonApiError, OAuthClientsStore, PERMISSIONS, StandInUser, StoredOAuthClient } from './oauthClients';

export { PERMISSIONS } from './oauthClients';
export type { StandInUser, StoredOAuthClient } from './oauthClients';

/**
 * The one loopback stand-in of the platform API, for the specs, `tgate start` and `tgate platform-sandbox`:
 *
 * - v1, what the sailor calls for a component run locally: the step data run.js reads at start-up
 *   (GET /v1/tasks/:flow/steps/:step), the credential (GET/PUT /v1/accounts/:id, which `updateKeys`
 *   becomes) and runService's result URL (POST /result, unauthenticated);
 * - v2 tenant OAuth clients (lib/platformSandbox/oauthClients.ts), JSON:API as documented.
 *
 * HTTP Basic (email and API key) for both; 401 otherwise. The main user (`username`, `apiKey`: a per-run
 * key when not given, never printed) holds every oauth-clients permission; `addUser` adds others. Every
 * request is recorded; `inject` answers the next requests with anything (429, 503, an HTML page).
 */
export interface PlatformCall {
  at: number;
  method: string;
  path: string;
  /** Decoded query, e.g. `{ 'filter[component]': 'c1' }`. */
  query: Record<string, string>;
  rawQuery: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  authorization?: string;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  status: number;
}

export interface StepData {
  config: Record<string, unknown>;
  snapshot: Record<string, unknown>;
  is_passthrough: boolean;
  variables: Record<string, unknown>;
}

export interface InjectedResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  contentType?: string;
}

export interface LocalPlatformOptions {
  username?: string;
  apiKey?: string;
  /** Served at GET /v1/tasks/{flowId}/steps/{stepId}. */
  step?: { flowId: string; stepId: string; data: StepData };
  /** 127.0.0.1 unless given. */
  host?: string;
  /** Any free port unless given. */
  port?: number;
  /** Told of each request once it is answered. */
  onCall?: (call: PlatformCall) => void;
}

export class LocalPlatform {
  url = '';
  readonly username: string;
  readonly apiKey: string;
  /** Stored credentials by id; PUT replaces `keys` entirely. */
  readonly accounts = new Map<string, { keys: Record<string, unknown> }>();
  /** Every request received, in order. */
  readonly calls: PlatformCall[] = [];
  /** Bodies POSTed to /result by runService.js. */
  readonly results: unknown[] = [];
  readonly oauthClients = new OAuthClientsStore();
  private readonly users = new Map<string, StandInUser>();
  private readonly queue: InjectedResponse[] = [];
  private readonly stepPath?: string;
  private readonly server: http.Server;
  private failUpdates = 0;
  private updateDelay: () => number = () => 0;
  private updateLag?: number;

  constructor(private readonly options: LocalPlatformOptions = {}) {
    this.username = options.username ?? 'local-developer@tgate.invalid';
    this.apiKey = options.apiKey ?? crypto.randomBytes(24).toString('base64url');
    this.addUser(this.username, this.apiKey);
    const { step } = options;
    this.stepPath = step
      ? `/v1/tasks/${encodeURIComponent(step.flowId)}/steps/${encodeURIComponent(step.stepId)}`
      : undefined;
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /** Listens; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL, ...) when it cannot. */
  async listen(): Promise<this> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.removeListener('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** The v2 specs' name for the log. */
  get requests(): PlatformCall[] {
    return this.calls;
  }

  clearRequests(): void {
    this.calls.length = 0;
  }

  /** The next requests answer these, in order, whatever they ask (they are still recorded). */
  inject(...responses: InjectedResponse[]): void {
    this.queue.push(...responses);
  }

  /** The next N account updates answer 500 (a fault the specs cannot get otherwise). */
  failNextUpdates(n: number): void {
    this.failUpdates = n;
  }

  /**
   * Every later account update is stored only after this many milliseconds (a number, or a function
   * picked per call): a slow platform, where a credential read meanwhile still holds the old keys.
   */
  delayUpdates(ms: number | (() => number)): void {
    this.updateDelay = typeof ms === 'function' ? ms : () => ms;
  }

  /**
   * Every later account update is answered 200 at once, but the stored keys change only this many
   * milliseconds later (Infinity: never, a save that is lost): reads meanwhile return the old keys.
   */
  lagUpdates(ms: number): void {
    this.updateLag = ms;
  }

  addUser(username: string, apiKey: string, permissions: string[] = PERMISSIONS): this {
    this.users.set(username, { username, apiKey, permissions });
    return this;
  }

  // The tenant OAuth clients (see OAuthClientsStore).
  get pageSize(): number | undefined {
    return this.oauthClients.pageSize;
  }
  set pageSize(size: number | undefined) {
    this.oauthClients.pageSize = size;
  }

  addTenant(tenantId: string, visibleComponents: string[] = []): this {
    this.oauthClients.addTenant(tenantId, visibleComponents);
    return this;
  }

  /** Stores a client directly (no request recorded); answers its id. */
  addClient(
    tenantId: string,
    client: { id?: string; clientId: string; clientSecret: string; componentId: string },
  ): string {
    return this.oauthClients.addClient(tenantId, client);
  }

  /** The component is removed or hidden: clients stay, answered without relationships. */
  hideComponent(tenantId: string, componentId: string): void {
    this.oauthClients.hideComponent(tenantId, componentId);
  }

  showComponent(tenantId: string, componentId: string): void {
    this.oauthClients.showComponent(tenantId, componentId);
  }

  /** Deleting the client is refused (409) while a flow uses it. */
  useInFlow(tenantId: string, clientId: string, flowName: string): void {
    this.oauthClients.useInFlow(tenantId, clientId, flowName);
  }

  client(tenantId: string, id: string): StoredOAuthClient | undefined {
    return this.oauthClients.client(tenantId, id);
  }

  clients(tenantId: string): StoredOAuthClient[] {
    return this.oauthClients.clients(tenantId);
  }

  private authenticate(header: string | undefined): StandInUser | 'missing' | 'wrong' {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!m) return 'missing';
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? this.users.get(decoded.slice(0, colon)) : undefined;
    return user && user.apiKey === decoded.slice(colon + 1) ? user : 'wrong';
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const text = await readBody(req).catch(() => '');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
      query[k] = v;
    });
    const call: PlatformCall = {
      at,
      method: req.method ?? '',
      path: url.pathname,
      query,
      rawQuery: url.search.replace(/^\?/, ''),
      headers: flatHeaders(req),
      authorization: req.headers.authorization,
      body,
      status: 0,
    };
    this.calls.push(call);

    const injected = this.queue.shift();
    if (injected) {
      call.status = injected.status;
      send(res, injected.status, injected.body, injected.headers, injected.contentType);
      this.options.onCall?.(call);
      return;
    }
    const reply = (status: number, payload?: unknown): void => {
      call.status = status;
      send(res, status, payload);
      this.options.onCall?.(call);
    };
    if (call.method === 'POST' && call.path === '/result') {
      this.results.push(body);
      reply(200, {});
      return;
    }
    const v2 = call.path.startsWith('/v2/');
    const user = this.authenticate(call.authorization);
    if (user === 'missing' || user === 'wrong') {
      if (!v2) {
        reply(401, { error: 'Unauthorized' });
        return;
      }
      const [status, answer] =
        user === 'missing'
          ? jsonApiError(401, 'Error', 'No authorization header was provided.')
          : jsonApiError(401, 'Unauthorized', 'Invalid credentials.');
      reply(status, answer);
      return;
    }
    if (v2) {
      const [status, answer] = this.oauthClients.route(call, user);
      reply(status, answer);
      return;
    }
    this.v1(call, reply);
  }

  private v1(call: PlatformCall, reply: (status: number, payload?: unknown) => void): void {
    const { method, path, body } = call;
    if (this.stepPath && path === this.stepPath) {
      if (method === 'GET') reply(200, this.options.step?.data);
      else reply(405, { error: 'method not allowed' });
      return;
    }
    const account = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (!account) {
      reply(404, { error: `no route ${method} ${path}` });
      return;
    }
    const id = decodeURIComponent(account[1]);
    if (method === 'GET') {
      const stored = this.accounts.get(id);
      if (stored) reply(200, { _id: id, keys: stored.keys });
      else reply(404, { error: `account ${id} not found` });
      return;
    }
    if (method !== 'PUT') {
      reply(405, { error: 'method not allowed' });
      return;
    }
    if (this.failUpdates > 0) {
      this.failUpdates -= 1;
      reply(500, { error: 'storage unavailable' });
      return;
    }
    const keys = (body as { keys?: unknown } | undefined)?.keys;
    if (!keys || typeof keys !== 'object' || Array.isArray(keys)) {
      reply(400, { error: 'keys must be an object' });
      return;
    }
    if (!this.accounts.has(id)) {
      reply(404, { error: `account ${id} not found` });
      return;
    }
    const store = (): void => {
      this.accounts.set(id, { keys: keys as Record<string, unknown> });
      reply(200, { _id: id, keys });
    };
    if (this.updateLag !== undefined) {
      reply(200, { _id: id, keys });
      const land = (): void => {
        this.accounts.set(id, { keys: keys as Record<string, unknown> });
      };
      if (Number.isFinite(this.updateLag)) setTimeout(land, this.updateLag).unref();
      return;
    }
    const delay = this.updateDelay();
    if (delay > 0) setTimeout(store, delay);
    else store();
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
  contentType?: string,
): void {
  if (
    body !== undefined &&
    typeof body !== 'string' &&
    contentType === undefined &&
    Object.keys(headers).length === 0
  ) {
    sendJson(res, status, body);
    return;
  }
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload
      ? { 'Content-Type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8') }
      : {}),
    ...headers,
  });
  res.end(payload);
}

/** Starts the stand-in on loopback (any free port unless `port` is given). */
export function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  return new LocalPlatform(options).listen();
}
