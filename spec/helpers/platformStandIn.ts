/**
 * A stand-in of the platform v2 API's tenant OAuth clients, following the documented semantics:
 *
 * - `GET|POST /v2/tenants/:tenant/oauth-clients`, `GET|PATCH|DELETE /v2/tenants/:tenant/oauth-clients/:id`;
 * - HTTP Basic (email:API key): 401 JSON:API error without or with wrong credentials;
 * - a permission set per user: 403 without `tenants.oauth_clients.get|create|edit|delete`;
 * - an unknown tenant: 404;
 * - visible components per tenant: create/patch with a component that is not visible answers **404** with a
 *   detail naming the component and `source.pointer` `/data/relationships/component/data/id` (the real
 *   status is undocumented; 404 is among the documented create errors);
 * - one client per component per tenant: 409;
 * - delete refused while a flow uses the client: 409 with a detail naming the flow (status sent as a
 *   *string*, "409", to exercise lenient parsing);
 * - POST and PATCH require every documented field: 400 with `source.pointer` naming the missing one;
 *   a `data.type` other than `oauth-client`: 409 (as the docs' error table says);
 * - `client_secret` answered in plain text, as the real API does;
 * - list items without `relationships` when the component was removed or hidden;
 * - optional paging (`pageSize`): `page[number]`, `page[size]`, `meta.total_pages`;
 * - fault injection: the next N requests answer what `inject()` queued (429 with Retry-After, 503, 500,
 *   an HTML 200, any body);
 * - a log of every request received (method, path, query, headers, parsed body).
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { flatHeaders, readBody } from '../../lib/sandbox/httpUtil';

export const PERMISSIONS = ['tenants.oauth_clients.get', 'tenants.oauth_clients.create', 'tenants.oauth_clients.edit', 'tenants.oauth_clients.delete'];

export interface StandInUser {
  username: string;
  apiKey: string;
  permissions: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Decoded query, e.g. `{ 'filter[component]': 'c1' }`. */
  query: Record<string, string>;
  rawQuery: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
}

export interface InjectedResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  contentType?: string;
}

interface StoredClient {
  id: string;
  clientId: string;
  clientSecret: string;
  componentId: string;
}

interface Tenant {
  visibleComponents: Set<string>;
  clients: Map<string, StoredClient>;
  /** client id -> flow names using it. */
  usedBy: Map<string, string[]>;
}

const PERMISSION_OF: Record<string, string> = {
  GET: 'tenants.oauth_clients.get', POST: 'tenants.oauth_clients.create', PATCH: 'tenants.oauth_clients.edit', DELETE: 'tenants.oauth_clients.delete',
};

export class PlatformStandIn {
  readonly requests: RecordedRequest[] = [];
  /** When set, list answers are paged with this default page size and carry `meta.total_pages`. */
  pageSize?: number;
  private readonly users = new Map<string, StandInUser>();
  private readonly tenants = new Map<string, Tenant>();
  private readonly queue: InjectedResponse[] = [];
  private server?: http.Server;
  private nextId = 1;
  url = '';

  static async start(): Promise<PlatformStandIn> {
    const s = new PlatformStandIn();
    await s.listen();
    return s;
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  addUser(username: string, apiKey: string, permissions: string[] = PERMISSIONS): this {
    this.users.set(username, { username, apiKey, permissions });
    return this;
  }

  addTenant(tenantId: string, visibleComponents: string[] = []): this {
    this.tenants.set(tenantId, { visibleComponents: new Set(visibleComponents), clients: new Map(), usedBy: new Map() });
    return this;
  }

  /** Stores a client directly (no request logged); answers its id. */
  addClient(tenantId: string, client: { id?: string; clientId: string; clientSecret: string; componentId: string }): string {
    const tenant = this.tenant(tenantId);
    const id = client.id ?? this.newId();
    tenant.clients.set(id, { id, clientId: client.clientId, clientSecret: client.clientSecret, componentId: client.componentId });
    return id;
  }

  /** The component is removed or hidden: clients stay, answered without relationships. */
  hideComponent(tenantId: string, componentId: string): void {
    this.tenant(tenantId).visibleComponents.delete(componentId);
  }

  showComponent(tenantId: string, componentId: string): void {
    this.tenant(tenantId).visibleComponents.add(componentId);
  }

  useInFlow(tenantId: string, clientId: string, flowName: string): void {
    const t = this.tenant(tenantId);
    t.usedBy.set(clientId, [...(t.usedBy.get(clientId) ?? []), flowName]);
  }

  client(tenantId: string, id: string): StoredClient | undefined {
    const c = this.tenant(tenantId).clients.get(id);
    return c ? { ...c } : undefined;
  }

  clients(tenantId: string): StoredClient[] {
    return [...this.tenant(tenantId).clients.values()].map((c) => ({ ...c }));
  }

  /** The next requests answer these, in order, whatever they ask (they are still logged). */
  inject(...responses: InjectedResponse[]): void {
    this.queue.push(...responses);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private tenant(tenantId: string): Tenant {
    const t = this.tenants.get(tenantId);
    if (!t) throw new Error(`stand-in: no tenant ${tenantId}`);
    return t;
  }

  private newId(): string {
    return `5c80e6b9bb0d2000119933${String(this.nextId++).padStart(2, '0')}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const text = await readBody(req).catch(() => '');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let body: unknown;
    if (text) {
      try { body = JSON.parse(text); } catch { body = text; }
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => { query[k] = v; });
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query, rawQuery: url.search.replace(/^\?/, ''), headers: flatHeaders(req), body };
    this.requests.push(recorded);

    const injected = this.queue.shift();
    if (injected) {
      this.send(res, injected.status, injected.body, injected.headers, injected.contentType);
      return;
    }
    const [status, answer] = this.route(recorded);
    this.send(res, status, answer);
  }

  private send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}, contentType?: string): void {
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...(payload ? { 'Content-Type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8') } : {}),
      ...headers,
    });
    res.end(payload);
  }

  private route(r: RecordedRequest): [number, unknown?] {
    const m = /^\/v2\/tenants\/([^/]+)\/oauth-clients(?:\/([^/]+))?\/?$/.exec(r.path);
    if (!m) return err(404, 'Resource not found', `No route ${r.method} ${r.path}`);
    const tenantId = decodeURIComponent(m[1]);
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);

    const user = this.authenticate(r.headers.authorization);
    if (user === 'missing') return err(401, 'Error', 'No authorization header was provided.');
    if (user === 'wrong') return err(401, 'Unauthorized', 'Invalid credentials.');

    const allowed = id === undefined ? ['GET', 'POST'] : ['GET', 'PATCH', 'DELETE'];
    if (!allowed.includes(r.method)) return err(405, 'Method Not Allowed', `${r.method} is not allowed here`);
    if (!user.permissions.includes(PERMISSION_OF[r.method])) {
      return [403, { errors: [{ status: 403, title: 'Unauthorized', detail: 'You need a permission to access this resource.', code: 403, meta: {} }] }];
    }
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return notFound(tenantId);

    if (id === undefined && r.method === 'GET') return this.list(tenant, r.query);
    if (id === undefined) return this.create(tenant, r.body);
    const client = tenant.clients.get(id);
    if (!client) return notFound(id);
    if (r.method === 'GET') return [200, { data: this.resource(tenant, client), meta: {} }];
    if (r.method === 'PATCH') return this.patch(tenant, client, r.body);
    const flows = tenant.usedBy.get(id) ?? [];
    if (flows.length) {
      return [409, { errors: [{ status: '409', title: 'Conflict', detail: `OAuth client is used in flow "${flows[0]}" and can not be deleted` }] }];
    }
    tenant.clients.delete(id);
    return [204];
  }

  private authenticate(header: string | undefined): StandInUser | 'missing' | 'wrong' {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!m) return 'missing';
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = this.users.get(decoded.slice(0, colon));
    return user && colon > 0 && user.apiKey === decoded.slice(colon + 1) ? user : 'wrong';
  }

  private resource(tenant: Tenant, c: StoredClient): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: c.id,
      type: 'oauth-client',
      attributes: { client_id: c.clientId, client_secret: c.clientSecret },
    };
    if (tenant.visibleComponents.has(c.componentId)) {
      out.relationships = {
        component: { data: { id: c.componentId, type: 'component' }, links: { self: `/v2/components/${c.componentId}` } },
      };
    }
    return out;
  }

  private list(tenant: Tenant, query: Record<string, string>): [number, unknown] {
    let items = [...tenant.clients.values()];
    const filter = query['filter[component]'];
    if (filter !== undefined) items = items.filter((c) => c.componentId === filter && tenant.visibleComponents.has(c.componentId));
    if (!this.pageSize) return [200, { data: items.map((c) => this.resource(tenant, c)), meta: {} }];
    const size = Number(query['page[size]'] ?? this.pageSize);
    const page = Number(query['page[number]'] ?? 1);
    const totalPages = Math.max(1, Math.ceil(items.length / size));
    const slice = items.slice((page - 1) * size, page * size);
    return [200, { data: slice.map((c) => this.resource(tenant, c)), meta: { page, per_page: size, total: items.length, total_pages: totalPages } }];
  }

  /** Checks the documented body; answers the parsed input or an error answer. */
  private parseBody(body: unknown): { clientId: string; clientSecret: string; componentId: string } | [number, unknown] {
    const data = (body as { data?: Record<string, any> } | undefined)?.data;
    if (!data || typeof data !== 'object') return err(400, 'Bad argument error', 'Missing data', '/data');
    if (data.type === undefined) return err(400, 'Bad argument error', 'Missing type', '/data/type');
    if (data.type !== 'oauth-client') return err(409, 'Conflict', `Wrong type ${String(data.type)}`, '/data/type');
    const attrs = data.attributes ?? {};
    for (const name of ['client_id', 'client_secret']) {
      if (typeof attrs[name] !== 'string' || attrs[name] === '') return err(400, 'Bad argument error', `Missing attributes.${name}`, `/data/attributes/${name}`);
    }
    const component = data.relationships?.component?.data;
    if (!component || typeof component.id !== 'string') return err(400, 'Bad argument error', 'Missing relationships.component.data.id', '/data/relationships/component/data/id');
    if (component.type !== 'component') return err(400, 'Bad argument error', 'relationships.component.data.type should be component', '/data/relationships/component/data/type');
    return { clientId: attrs.client_id, clientSecret: attrs.client_secret, componentId: component.id };
  }

  private create(tenant: Tenant, body: unknown): [number, unknown] {
    const input = this.parseBody(body);
    if (Array.isArray(input)) return input;
    if (!tenant.visibleComponents.has(input.componentId)) return componentNotFound(input.componentId);
    if ([...tenant.clients.values()].some((c) => c.componentId === input.componentId)) {
      return err(409, 'Conflict', `OAuth client for component ${input.componentId} already exists in this tenant`);
    }
    const client: StoredClient = { id: this.newId(), ...input };
    tenant.clients.set(client.id, client);
    return [201, { data: this.resource(tenant, client), meta: {} }];
  }

  private patch(tenant: Tenant, client: StoredClient, body: unknown): [number, unknown] {
    const input = this.parseBody(body);
    if (Array.isArray(input)) return input;
    if (!tenant.visibleComponents.has(input.componentId)) return componentNotFound(input.componentId);
    if ([...tenant.clients.values()].some((c) => c.id !== client.id && c.componentId === input.componentId)) {
      return err(409, 'Conflict', `OAuth client for component ${input.componentId} already exists in this tenant`);
    }
    Object.assign(client, input);
    return [200, { data: this.resource(tenant, client), meta: {} }];
  }
}

function err(status: number, title: string, detail: string, pointer?: string): [number, unknown] {
  return [status, { errors: [{ status, title, detail, ...(pointer ? { source: { pointer } } : {}) }] }];
}

function notFound(id: string): [number, unknown] {
  return [404, { errors: [{ status: 404, title: 'Resource not found', detail: 'The resource is not found.', code: 404, meta: {}, source: { parameter: { id } } }] }];
}

function componentNotFound(componentId: string): [number, unknown] {
  return [404, { errors: [{ status: 404, title: 'Resource not found', detail: `Component ${componentId} is not found`, source: { pointer: '/data/relationships/component/data/id' } }] }];
}
