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
import { SeedOptions, seedCatalog } from './seed';
import { CatalogStore } from './store';
import { FaultSpec, IntegrationScope, RequestRecord, Sandbox, SandboxClient, SandboxOptions, TokenRequestRecord } from './types';
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
      if (!s || !Number.isInteger(s[key])) throw new TypeError(`startSandbox: integrationScopes[${i}].${key} must be an integer`);
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
  const body = fault.body !== undefined ? fault.body : { message: STATUS_CODES[fault.status] ?? `Status ${fault.status}` };
  const error = body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : undefined;
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

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !isLoopbackHost(host)) {
    throw new Error(`startSandbox: refusing to listen on ${String(host)}: the sandbox only listens on loopback (127.0.0.0/8, ::1, localhost)`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('startSandbox: port must be an integer from 0 to 65535');
  }
  const lifetimes = {
    accessTokenLifetimeSeconds: positiveSeconds('accessTokenLifetimeSeconds', options.accessTokenLifetimeSeconds, DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS),
    authorizationCodeLifetimeSeconds: positiveSeconds('authorizationCodeLifetimeSeconds', options.authorizationCodeLifetimeSeconds, DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS),
    refreshTokenLifetimeSeconds: positiveSeconds('refreshTokenLifetimeSeconds', options.refreshTokenLifetimeSeconds, DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS),
  };
  const paths = resourcePaths(options.resourcePaths);
  const store = new CatalogStore();
  const seed = (seedOptions: SeedOptions = {}) => seedCatalog(store, {
    ...seedOptions,
    ...(seedOptions.integrationScopes ? { integrationScopes: checkScopes(seedOptions.integrationScopes) } : {}),
  });
  seed({ items: options.catalogItems, integrationScopes: options.integrationScopes });

  const model = new InMemoryModel(lifetimes.accessTokenLifetimeSeconds, options.refreshGrace === true);
  for (const client of options.clients ?? []) model.addClient(client);
  const oauth = new SandboxOAuth(model, lifetimes);
  const faults = new FaultList();
  const listHook: { before?: ListPageHook } = {};
  const tokenRequests: TokenRequestRecord[] = [];
  const requestLog = new RequestLog(options.requestLogLimit);
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
  const controls = new RouteTable([...controlRoutes(faults, store, seed), ...orderControlRoutes(orders, clock), ...webhookControlRoutes(webhooks)]);
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  /** The real answer of a route table for a request (the bearer check included), not yet written. */
  async function route(table: RouteTable, req: IncomingMessage, method: string, url: URL, rawBody: string): Promise<Answer> {
    const found = table.match(method, url.pathname);
    if (!found) return message(404, `Not found: ${method} ${url.pathname}`);
    const { route: matched, params } = found;
    if (matched.auth === 'bearer') {
      const auth = await oauth.authenticate(req, url.searchParams);
      if (!auth.ok) return message(auth.status, auth.status === 401 ? UNAUTHORIZED_MESSAGE : 'Internal sandbox error', auth.headers);
    }
    return matched.handle({ req, method, url, params, rawBody });
  }

  async function dispatch(table: RouteTable, x: Exchange, method: string, url: URL, rawBody: string): Promise<void> {
    return answer(x, await route(table, x.req, method, url, rawBody));
  }

  function failed(x: Exchange, err: unknown): void {
    if (err instanceof BodyTooLargeError) {
      // Node reads and discards the rest of the body, so the client gets to read this answer.
      answer(x, message(413, err.message));
      return;
    }
    answer(x, message(500, `Internal sandbox error: ${err instanceof Error ? err.message : String(err)}`));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      return readBody(req).then((rawBody) => dispatch(controls, x, method, url, rawBody)).catch((err: unknown) => failed(x, err));
    }
    const x: Exchange = { req, res, record: { at, method, path, query: url.search.slice(1), status: 0 } };
    requestLog.add(x.record!);
    if (method === 'POST' && path === TOKEN_PATH) {
      x.tokenRecord = { at, method, path, rawBody: '', status: 0 };
      if (req.headers.authorization !== undefined) x.tokenRecord.authorization = req.headers.authorization;
      if (req.headers['content-type'] !== undefined) x.tokenRecord.contentType = req.headers['content-type'];
      tokenRequests.push(x.tokenRecord);
    }
    return handleServed(x, method, url).catch((err: unknown) => failed(x, err));
  }

  async function handleServed(x: Exchange, method: string, url: URL): Promise<void> {
    const { req } = x;
    const rawBody = await readBody(req);
    if (x.tokenRecord) {
      x.tokenRecord.rawBody = rawBody;
      const parsed = parseTokenBody(req.headers['content-type'], rawBody); // best effort, also for faulted requests
      if (parsed.ok && parsed.body.grant_type !== undefined) x.tokenRecord.grantType = parsed.body.grant_type;
    }

    const fault = faults.take(method, url.pathname, url.search.replace(/^\?/, ''));
    if (!fault) return dispatch(served, x, method, url, rawBody);
    const seen = fault.ignoreQuery ? withoutParams(url, fault.ignoreQuery) : url;
    // afterHandler: the request takes effect first; only its answer is lost, late or replaced.
    const real = fault.afterHandler ? await route(served, req, method, seen, rawBody) : undefined;
    if (fault.delayMs) {
      await sleep(fault.delayMs);
      if (closing) return;
    }
    if (fault.drop) {
      req.socket.destroy();
      return;
    }
    if (fault.status !== undefined) return answer(x, faultAnswer({ ...fault, status: fault.status }));
    const got = real ?? await route(served, req, method, seen, rawBody);
    return answer(x, fault.dropHeaders ? withoutHeaders(got, fault.dropHeaders) : got);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => failed({ req, res }, err));
  });
  // Default handler for 'clientError' answers 400 and closes: fine and silent.

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
  const base = `http://${urlHost}:${address.port}`;

  const sandbox: Sandbox = {
    url: base,
    authorizeUrl: `${base}${AUTHORIZE_PATH}`,
    tokenUrl: `${base}${TOKEN_PATH}`,
    apiBaseUrl: `${base}${API_PREFIX}`,
    resourcePaths: paths,
    tokenRequests,
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
    seedCatalog: seed,
    createRecord<R extends TGateResourceName>(resource: R, record: Partial<TGateRecords[R]>): TGateRecords[R] {
      return store.create(resource, record);
    },
    updateRecord<R extends TGateResourceName>(resource: R, id: number, patch: Partial<TGateRecords[R]>): TGateRecords[R] {
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
    close(): Promise<void> {
      if (!closing) {
        closing = new Promise<void>((resolve) => {
          webhooks.stop();
          for (const timer of timers) clearTimeout(timer);
          timers.clear();
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      return closing;
    },
  };
  return sandbox;
}
