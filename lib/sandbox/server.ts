/**
 * The embedded T-Gate sandbox: an HTTP server on loopback that plays T-Gate's company portal grant page,
 * token endpoint and partner API, with fault injection. It logs nothing.
 *
 * Routes:
 *   GET    /oauth?client_id&redirect_uri[&state]     grant page: auto-approves, 302 to redirect_uri?code[&state]
 *   POST   /oauth/token                               grant_type authorization_code | refresh_token, HTTP Basic client auth
 *   GET    /partner/v1/integration_scopes?page&items  Bearer token; bare array + current-page/page-items/total-count/total-pages
 *   GET|POST|DELETE /__sandbox/faults                 list / add (JSON FaultSpec or array; path as a string,
 *                                                     times may be "Infinity") / clear faults; never faulted nor recorded
 *   anything else                                     404 {"message":"Not found: <METHOD> <path>"}
 */
import http, { IncomingMessage, ServerResponse, STATUS_CODES } from 'http';
import net, { AddressInfo } from 'net';
import { FaultList, FaultSpecError } from './faults';
import { InMemoryModel } from './model';
import { Answer, SandboxOAuth, parseTokenBody } from './oauth';
import { UNAUTHORIZED_MESSAGE, defaultIntegrationScopes, paginate } from './partnerApi';
import { BodyTooLargeError, mediaType, readBody, sendEmpty, sendJson } from './httpUtil';
import { FaultSpec, IntegrationScope, RequestRecord, Sandbox, SandboxClient, SandboxOptions, TokenRequestRecord } from './types';

export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 2 * 60 * 60;
export const DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS = 10 * 60;
export const DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 60 * 60;

export const AUTHORIZE_PATH = '/oauth';
export const TOKEN_PATH = '/oauth/token';
export const API_PREFIX = '/partner/v1';
export const FAULTS_CONTROL_PATH = '/__sandbox/faults';

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

/** What a handler answers; `record` fills in the request records before the answer is written. */
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

function message(status: number, text: string, headers: Record<string, string> = {}): Answer {
  return { status, headers, body: { message: text } };
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
  const scopes = options.integrationScopes ? checkScopes(options.integrationScopes) : defaultIntegrationScopes();

  const model = new InMemoryModel(lifetimes.accessTokenLifetimeSeconds);
  for (const client of options.clients ?? []) model.addClient(client);
  const oauth = new SandboxOAuth(model, lifetimes);
  const faults = new FaultList();
  const tokenRequests: TokenRequestRecord[] = [];
  const requests: RequestRecord[] = [];
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

  async function handleControl(x: Exchange, method: string): Promise<void> {
    if (method === 'DELETE') {
      faults.clear();
      return answer(x, { status: 200, headers: {}, body: { message: 'faults cleared', pending: 0 } });
    }
    if (method === 'GET') {
      return answer(x, { status: 200, headers: {}, body: { faults: faults.describe() } });
    }
    if (method !== 'POST') {
      return answer(x, message(405, `Method not allowed: ${method} ${FAULTS_CONTROL_PATH}`, { allow: 'GET, POST, DELETE' }));
    }
    const raw = await readBody(x.req);
    if (mediaType(x.req.headers['content-type']) !== 'application/json') {
      return answer(x, message(415, 'Send the fault as application/json'));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return answer(x, message(400, 'Invalid JSON body'));
    }
    const specs = Array.isArray(parsed) ? parsed : [parsed];
    // Validate all before adding any.
    const checked: FaultSpec[] = [];
    try {
      for (const spec of specs) {
        if (spec && typeof spec === 'object' && 'path' in spec && typeof (spec as { path: unknown }).path !== 'string') {
          throw new FaultSpecError('fault path must be a string over HTTP');
        }
        checked.push(spec as FaultSpec);
      }
      const trial = new FaultList();
      for (const spec of checked) trial.add(spec);
    } catch (err) {
      if (err instanceof FaultSpecError) return answer(x, message(400, `Invalid fault: ${err.message}`));
      throw err;
    }
    for (const spec of checked) faults.add(spec);
    return answer(x, { status: 201, headers: {}, body: { message: 'fault added', pending: faults.size } });
  }

  async function route(x: Exchange, method: string, url: URL, rawBody: string): Promise<void> {
    const path = url.pathname;
    if (method === 'GET' && path === AUTHORIZE_PATH) {
      return answer(x, await oauth.authorize(x.req, url.searchParams));
    }
    if (method === 'POST' && path === TOKEN_PATH) {
      return answer(x, await oauth.token(x.req, rawBody));
    }
    if (method === 'GET' && path === `${API_PREFIX}/integration_scopes`) {
      const auth = await oauth.authenticate(x.req, url.searchParams);
      if (!auth.ok) {
        return answer(x, message(auth.status, auth.status === 401 ? UNAUTHORIZED_MESSAGE : 'Internal sandbox error', auth.headers));
      }
      return answer(x, paginate(scopes, url.searchParams));
    }
    return answer(x, message(404, `Not found: ${method} ${path}`));
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
    if (path === FAULTS_CONTROL_PATH) {
      // Control routes are neither recorded nor faulted.
      const x: Exchange = { req, res };
      return handleControl(x, method).catch((err: unknown) => failed(x, err));
    }
    const x: Exchange = { req, res, record: { at, method, path, query: url.search.slice(1), status: 0 } };
    requests.push(x.record!);
    if (method === 'POST' && path === TOKEN_PATH) {
      x.tokenRecord = { at, method, path, rawBody: '', status: 0 };
      if (req.headers.authorization !== undefined) x.tokenRecord.authorization = req.headers.authorization;
      if (req.headers['content-type'] !== undefined) x.tokenRecord.contentType = req.headers['content-type'];
      tokenRequests.push(x.tokenRecord);
    }
    return handleRecorded(x, method, url).catch((err: unknown) => failed(x, err));
  }

  async function handleRecorded(x: Exchange, method: string, url: URL): Promise<void> {
    const { req } = x;
    const rawBody = await readBody(req);
    if (x.tokenRecord) {
      x.tokenRecord.rawBody = rawBody;
      const parsed = parseTokenBody(req.headers['content-type'], rawBody); // best effort, also for faulted requests
      if (parsed.ok && parsed.body.grant_type !== undefined) x.tokenRecord.grantType = parsed.body.grant_type;
    }

    const fault = faults.take(method, url.pathname);
    if (fault) {
      if (fault.delayMs) {
        await sleep(fault.delayMs);
        if (closing) return;
      }
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        const body = fault.body !== undefined ? fault.body : { message: STATUS_CODES[fault.status] ?? `Status ${fault.status}` };
        const error = body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : undefined;
        return answer(x, { status: fault.status, headers: { ...(fault.headers ?? {}) }, body, error });
      }
    }
    return route(x, method, url, rawBody);
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
    tokenRequests,
    requests,
    injectFault(spec: FaultSpec): void {
      faults.add(spec);
    },
    clearFaults(): void {
      faults.clear();
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
