/**
 * The embedded T-Gate sandbox: an HTTP server on loopback that plays T-Gate's company portal grant page,
 * token endpoint and partner API, with fault injection. It logs nothing.
 *
 * A small service around one route table and one in-memory store:
 *   routes/oauth.ts    GET /oauth (grant page), POST /oauth/token
 *   routes/catalog.ts  GET /partner/v1/{resource}[/{id}] for every resource of lib/tgate/resources.ts (Bearer)
 *   routes/orders.ts   POST /partner/v1/orders[/calculate], PATCH /partner/v1/orders/{id} (Bearer);
 *                      /__sandbox/orders/{id} (the company's side) and /__sandbox/clock
 *   routes/control.ts  /__sandbox/... faults, seed, records, changes (never faulted nor recorded)
 *   routes/webhooks.ts /__sandbox/webhooks: what webhooks.ts sends for the store's changes
 *   store.ts, seed.ts  the records, their scope rules and indexes; the deterministic catalog
 *   orderDesk.ts, orderRules.ts, openingHours.ts  orders by T-Gate's rules, at the sandbox clock's "now"
 * Every other route shares one bearer check (routes marked auth: 'bearer') and one fault injector.
 * Anything else: 404 {"message":"Not found: <METHOD> <path>"}.
 */
import http, { IncomingMessage, ServerResponse, STATUS_CODES } from 'http';
import net, { AddressInfo } from 'net';
import { TGATE_RESOURCES, TGateResourceName, resourcePaths } from '../tgate/resources';
import { TGateRecords } from '../tgate/records';
import { SandboxClock } from './clock';
import { FaultList } from './faults';
import { InMemoryModel } from './model';
import { SandboxOAuth, parseTokenBody } from './oauth';
import { UNAUTHORIZED_MESSAGE } from './partnerApi';
import { BodyTooLargeError, readBody, sendEmpty, sendJson } from './httpUtil';
import { RequestLog } from './requestLog';
import { Answer, RouteTable, message } from './router';
import { catalogRoutes, ListPageHook } from './routes/catalog';
import { controlHostRefusal, controlRoutes } from './routes/control';
import { oauthRoutes } from './routes/oauth';
import { orderControlRoutes, orderRoutes } from './routes/orders';
import { OrderDesk } from './orderDesk';
import { webhookControlRoutes } from './routes/webhooks';
import { WebhookSender } from './webhooks';
import { SeedOptions, SeedSummary, seedCatalog } from './seed';
import { CatalogStore } from './store';
import {
  FaultSpec,
  IntegrationScope,
  RequestRecord,
  Sandbox,
  SandboxClient,
  SandboxOptions,
  TokenRequestRecord,
} from './types';
import { API_PREFIX, AUTHORIZE_PATH, CONTROL_PREFIX, FAULTS_CONTROL_PATH, TOKEN_PATH } from './urls';

export { API_PREFIX, AUTHORIZE_PATH, CONTROL_PREFIX, FAULTS_CONTROL_PATH, TOKEN_PATH };

export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 2 * 60 * 60;
export const DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS = 10 * 60;
export const DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 60 * 60;

const loopbackV6 = new net.BlockList();
loopbackV6.addAddress('::1', 'ipv6');
loopbackV6.addSubnet('::ffff:127.0.0.0', 104, 'ipv6'); // IPv4-mapped 127.0.0.0/8

/** true for 127.0.0.0/8, ::1 (and IPv4-mapped 127/8) and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost') return true;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  if (net.isIPv4(bare)) return bare.split('.')[0] === '127';
  if (net.isIPv6(bare)) return loopbackV6.check(bare, 'ipv6');
  return false;
}

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`startSandbox: ${name} must be a positive number of seconds`);
  }
  return value;
}

function checkScopes(scopes: IntegrationScope[]): IntegrationScope[] {
  if (!Array.isArray(scopes)) throw new TypeError('startSandbox: integrationScopes must be an array');
  return scopes.map((s, i) => {
    for (const key of ['id', 'brand_id', 'branch_id', 'menu_id'] as const) {
      if (!s || !Number.isInteger(s[key]))
        throw new TypeError(`startSandbox: integrationScopes[${i}].${key} must be an integer`);
    }
    return { id: s.id, brand_id: s.brand_id, branch_id: s.branch_id, menu_id: s.menu_id };
  });
}

/** One request in flight; `record` and `tokenRecord` are filled in when the answer is written. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record?: RequestRecord;
  tokenRecord?: TokenRequestRecord;
}

function answer(x: Exchange, a: Answer): void {
  if (x.record) x.record.status = a.status;
  if (x.tokenRecord) {
    x.tokenRecord.status = a.status;
    if (a.grantType !== undefined) x.tokenRecord.grantType = a.grantType;
    if (a.error !== undefined) x.tokenRecord.error = a.error;
  }
  if (a.body === undefined || a.status === 204 || a.status === 304) sendEmpty(x.res, a.status, a.headers);
  else sendJson(x.res, a.status, a.body, a.headers);
}

function faultAnswer(fault: FaultSpec & { status: number }): Answer {
  const body =
    fault.body !== undefined ? fault.body : { message: STATUS_CODES[fault.status] ?? `Status ${fault.status}` };
  const error =
    body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : undefined;
  return { status: fault.status, headers: { ...(fault.headers ?? {}) }, body, error };
}

function withoutParams(url: URL, names: string[]): URL {
  const copy = new URL(url.href);
  for (const name of names) copy.searchParams.delete(name);
  return copy;
}

function withoutHeaders(a: Answer, names: string[]): Answer {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => !drop.has(k.toLowerCase()))) };
}

/** Where the sandbox listens, checked: loopback only, a port from 0 (any free one) to 65535. */
function listenAddress(options: SandboxOptions): { host: string; port: number } {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !isLoopbackHost(host)) {
    throw new Error(
      `startSandbox: refusing to listen on ${String(host)}: ` +
        'the sandbox only listens on loopback (127.0.0.0/8, ::1, localhost)',
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('startSandbox: port must be an integer from 0 to 65535');
  }
  return { host, port };
}

function tokenLifetimes(options: SandboxOptions) {
  const seconds = (name: keyof SandboxOptions & `${string}LifetimeSeconds`, fallback: number): number =>
    positiveSeconds(name, options[name], fallback);
  return {
    accessTokenLifetimeSeconds: seconds('accessTokenLifetimeSeconds', DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS),
    authorizationCodeLifetimeSeconds: seconds(
      'authorizationCodeLifetimeSeconds',
      DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS,
    ),
    refreshTokenLifetimeSeconds: seconds('refreshTokenLifetimeSeconds', DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS),
  };
}

/** Everything one sandbox holds: the store and its seed, the OAuth server, orders, webhooks, faults, logs, routes. */
interface SandboxParts {
  paths: Record<TGateResourceName, string>;
  store: CatalogStore;
  seed: (options?: SeedOptions) => SeedSummary;
  model: InMemoryModel;
  oauth: SandboxOAuth;
  faults: FaultList;
  listHook: { before?: ListPageHook };
  tokenRequests: TokenRequestRecord[];
  requestLog: RequestLog;
  webhooks: WebhookSender;
  clock: SandboxClock;
  orders: OrderDesk;
  /** The routes T-Gate serves (grant page, token endpoint, partner API): faulted and recorded. */
  served: RouteTable;
  /** The /__sandbox control routes: never faulted nor recorded. */
  controls: RouteTable;
}

function sandboxParts(options: SandboxOptions): SandboxParts {
  const lifetimes = tokenLifetimes(options);
  const paths = resourcePaths(options.resourcePaths);
  const store = new CatalogStore();
  const seed = (seedOptions: SeedOptions = {}) =>
    seedCatalog(store, {
      ...seedOptions,
      ...(seedOptions.integrationScopes ? { integrationScopes: checkScopes(seedOptions.integrationScopes) } : {}),
    });
  seed({ items: options.catalogItems, integrationScopes: options.integrationScopes });

  const model = new InMemoryModel(lifetimes.accessTokenLifetimeSeconds, options.refreshGrace === true);
  for (const client of options.clients ?? []) model.addClient(client);
  const oauth = new SandboxOAuth(model, lifetimes);
  const faults = new FaultList();
  const listHook: { before?: ListPageHook } = {};
  const webhooks = new WebhookSender(options.webhookTimeoutMs);
  for (const config of options.webhooks ?? []) webhooks.configure(config);
  store.onChange((change, before, after) => webhooks.notify(change, before, after));
  const clock = new SandboxClock(options.now);
  const orders = new OrderDesk(store, clock);
  const served = new RouteTable([
    ...oauthRoutes(oauth),
    ...orderRoutes(orders, `${API_PREFIX}${paths.orders}`, TGATE_RESOURCES.orders.writes.calculatePath),
    ...catalogRoutes(store, API_PREFIX, paths, listHook),
  ]);
  const controls = new RouteTable([
    ...controlRoutes(faults, store, seed),
    ...orderControlRoutes(orders, clock),
    ...webhookControlRoutes(webhooks),
  ]);
  return {
    paths,
    store,
    seed,
    model,
    oauth,
    faults,
    listHook,
    webhooks,
    clock,
    orders,
    served,
    controls,
    tokenRequests: [],
    requestLog: new RequestLog(options.requestLogLimit),
  };
}

function failed(x: Exchange, err: unknown): void {
  if (err instanceof BodyTooLargeError) {
    // Node reads and discards the rest of the body, so the client gets to read this answer.
    answer(x, message(413, err.message));
    return;
  }
  answer(x, message(500, `Internal sandbox error: ${err instanceof Error ? err.message : String(err)}`));
}

/** The sandbox's request handling: control routes apart; every other request recorded, then faulted or served. */
class SandboxRequests {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: SandboxParts) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    } catch {
      return answer({ req, res }, message(400, 'Invalid request target'));
    }
    const path = url.pathname;
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      const x: Exchange = { req, res };
      const refused = controlHostRefusal(req);
      if (refused) return answer(x, refused);
      return readBody(req)
        .then((rawBody) => this.dispatch(this.parts.controls, x, method, url, rawBody))
        .catch((err: unknown) => failed(x, err));
    }
    const x: Exchange = { req, res, record: { at, method, path, query: url.search.slice(1), status: 0 } };
    this.parts.requestLog.add(x.record!);
    if (method === 'POST' && path === TOKEN_PATH) {
      x.tokenRecord = { at, method, path, rawBody: '', status: 0 };
      if (req.headers.authorization !== undefined) x.tokenRecord.authorization = req.headers.authorization;
      if (req.headers['content-type'] !== undefined) x.tokenRecord.contentType = req.headers['content-type'];
      this.parts.tokenRequests.push(x.tokenRecord);
    }
    return this.handleServed(x, method, url).catch((err: unknown) => failed(x, err));
  }

  private async handleServed(x: Exchange, method: string, url: URL): Promise<void> {
    const { req } = x;
    const { served, faults } = this.parts;
    const rawBody = await readBody(req);
    if (x.tokenRecord) {
      x.tokenRecord.rawBody = rawBody;
      const parsed = parseTokenBody(req.headers['content-type'], rawBody); // best effort, also for faulted requests
      if (parsed.ok && parsed.body.grant_type !== undefined) x.tokenRecord.grantType = parsed.body.grant_type;
    }

    const fault = faults.take(method, url.pathname, url.search.replace(/^\?/, ''));
    if (!fault) return this.dispatch(served, x, method, url, rawBody);
    const seen = fault.ignoreQuery ? withoutParams(url, fault.ignoreQuery) : url;
    // afterHandler: the request takes effect first; only its answer is lost, late or replaced.
    const real = fault.afterHandler ? await this.route(served, req, method, seen, rawBody) : undefined;
    if (fault.delayMs) {
      await this.sleep(fault.delayMs);
      if (this.closing) return;
    }
    if (fault.drop) {
      req.socket.destroy();
      return;
    }
    if (fault.status !== undefined) return answer(x, faultAnswer({ ...fault, status: fault.status }));
    const got = real ?? (await this.route(served, req, method, seen, rawBody));
    return answer(x, fault.dropHeaders ? withoutHeaders(got, fault.dropHeaders) : got);
  }

  /** The real answer of a route table for a request (the bearer check included), not yet written. */
  private async route(
    table: RouteTable,
    req: IncomingMessage,
    method: string,
    url: URL,
    rawBody: string,
  ): Promise<Answer> {
    const found = table.match(method, url.pathname);
    if (!found) return message(404, `Not found: ${method} ${url.pathname}`);
    const { route: matched, params } = found;
    if (matched.auth === 'bearer') {
      const auth = await this.parts.oauth.authenticate(req, url.searchParams);
      if (!auth.ok) {
        return message(
          auth.status,
          auth.status === 401 ? UNAUTHORIZED_MESSAGE : 'Internal sandbox error',
          auth.headers,
        );
      }
    }
    return matched.handle({ req, method, url, params, rawBody });
  }

  private async dispatch(table: RouteTable, x: Exchange, method: string, url: URL, rawBody: string): Promise<void> {
    return answer(x, await this.route(table, x.req, method, url, rawBody));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Stops the server, webhook deliveries and delayed answers; once, however often it is called. */
  close(server: http.Server): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => {
        this.parts.webhooks.stop();
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    return this.closing;
  }
}

/** Listens, and gives the base URL (an IPv6 address in brackets). */
async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${urlHost}:${address.port}`;
}

type RecordMethods =
  | 'seedCatalog'
  | 'createRecord'
  | 'updateRecord'
  | 'deleteRecord'
  | 'getRecord'
  | 'orders'
  | 'updateOrderAsCompany'
  | 'now'
  | 'setClock';

/** What a spec or tool does to the records and the clock. */
function recordMethods({ store, seed, orders, clock }: SandboxParts): Pick<Sandbox, RecordMethods> {
  return {
    seedCatalog: seed,
    createRecord<R extends TGateResourceName>(resource: R, record: Partial<TGateRecords[R]>): TGateRecords[R] {
      return store.create(resource, record);
    },
    updateRecord<R extends TGateResourceName>(
      resource: R,
      id: number,
      patch: Partial<TGateRecords[R]>,
    ): TGateRecords[R] {
      return store.update(resource, id, patch);
    },
    deleteRecord(resource: TGateResourceName, id: number): void {
      store.delete(resource, id);
    },
    getRecord<R extends TGateResourceName>(resource: R, id: number): TGateRecords[R] | undefined {
      return store.peek(resource, id);
    },
    orders,
    updateOrderAsCompany: (id, update) => orders.updateAsCompany(id, update),
    now: () => clock.now(),
    setClock(at: Date | string | null): void {
      clock.set(at);
    },
  };
}

type ControlMethods =
  | 'webhooks'
  | 'configureWebhook'
  | 'injectFault'
  | 'clearFaults'
  | 'beforeListPage'
  | 'addClient'
  | 'issueTokens'
  | 'revokeAll';

/** What a spec or tool does to the sandbox's behaviour: webhooks, faults, OAuth clients and tokens. */
function controlMethods({ webhooks, faults, listHook, model, oauth }: SandboxParts): Pick<Sandbox, ControlMethods> {
  return {
    webhooks,
    configureWebhook: (config) => webhooks.configure(config),
    injectFault(spec: FaultSpec): void {
      faults.add(spec);
    },
    clearFaults(): void {
      faults.clear();
    },
    beforeListPage(hook: ListPageHook | undefined): void {
      listHook.before = hook;
    },
    addClient(client: SandboxClient): void {
      model.addClient(client);
    },
    issueTokens(clientId: string) {
      return oauth.issueTokens(clientId);
    },
    revokeAll(clientId: string): void {
      model.revokeAll(clientId);
    },
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { host, port } = listenAddress(options);
  const parts = sandboxParts(options);
  const requests = new SandboxRequests(parts);
  const server = http.createServer((req, res) => {
    requests.handle(req, res).catch((err: unknown) => failed({ req, res }, err));
  });
  // Default handler for 'clientError' answers 400 and closes: fine and silent.
  const base = await listen(server, port, host);
  const { store, requestLog } = parts;
  return {
    url: base,
    authorizeUrl: `${base}${AUTHORIZE_PATH}`,
    tokenUrl: `${base}${TOKEN_PATH}`,
    apiBaseUrl: `${base}${API_PREFIX}`,
    resourcePaths: parts.paths,
    tokenRequests: parts.tokenRequests,
    // Getters, so each read is current: they stay in this literal, where no spread copies them.
    get requests(): RequestRecord[] {
      return requestLog.last();
    },
    get requestCount(): number {
      return requestLog.count;
    },
    store,
    get changeCount(): number {
      return store.changeCount;
    },
    ...recordMethods(parts),
    ...controlMethods(parts),
    close: () => requests.close(server),
  };
}
