/**
 * The tenant OAuth clients of the local platform stand-in (lib/platformSandbox/localPlatform.ts), following the
 * documented v2 semantics (platform API v2 reference, "Tenant OAuth clients": https://api.elastic.io/docs/v2/):
 *
 * - `GET|POST /v2/tenants/:tenant/oauth-clients`, `GET|PATCH|DELETE /v2/tenants/:tenant/oauth-clients/:id`;
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
 * - optional paging (`pageSize`): `page[number]`, `page[size]`, `meta.total_pages`.
 *
 * Authentication (HTTP Basic, 401) is the server's: see {@link LocalPlatform}.
 */

export const PERMISSIONS = [
  'tenants.oauth_clients.get',
  'tenants.oauth_clients.create',
  'tenants.oauth_clients.edit',
  'tenants.oauth_clients.delete',
];

export interface StandInUser {
  username: string;
  apiKey: string;
  permissions: string[];
}

export interface StoredOAuthClient {
  id: string;
  clientId: string;
  clientSecret: string;
  componentId: string;
}

/** The JSON:API body of a create or an update, as far as the platform reads it. */
interface OAuthClientBody {
  data?: {
    type?: unknown;
    attributes?: { client_id?: unknown; client_secret?: unknown };
    relationships?: { component?: { data?: { id?: unknown; type?: unknown } } };
  };
}

interface Tenant {
  visibleComponents: Set<string>;
  clients: Map<string, StoredOAuthClient>;
  /** client id -> flow names using it. */
  usedBy: Map<string, string[]>;
}

/** A v2 request as the routes see it. */
export interface V2Request {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export type Answer = [number, unknown?];

const PERMISSION_OF: Record<string, string> = {
  GET: 'tenants.oauth_clients.get',
  POST: 'tenants.oauth_clients.create',
  PATCH: 'tenants.oauth_clients.edit',
  DELETE: 'tenants.oauth_clients.delete',
};

export const OAUTH_CLIENTS_PATH = /^\/v2\/tenants\/([^/]+)\/oauth-clients(?:\/([^/]+))?\/?$/;

export class OAuthClientsStore {
  /** When set, list answers are paged with this default page size and carry `meta.total_pages`. */
  pageSize?: number;
  private readonly tenants = new Map<string, Tenant>();
  private nextId = 1;

  addTenant(tenantId: string, visibleComponents: string[] = []): void {
    this.tenants.set(tenantId, {
      visibleComponents: new Set(visibleComponents),
      clients: new Map(),
      usedBy: new Map(),
    });
  }

  addClient(
    tenantId: string,
    client: { id?: string; clientId: string; clientSecret: string; componentId: string },
  ): string {
    const tenant = this.tenant(tenantId);
    const id = client.id ?? this.newId();
    tenant.clients.set(id, {
      id,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      componentId: client.componentId,
    });
    return id;
  }

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

  client(tenantId: string, id: string): StoredOAuthClient | undefined {
    const c = this.tenant(tenantId).clients.get(id);
    return c ? { ...c } : undefined;
  }

  clients(tenantId: string): StoredOAuthClient[] {
    return [...this.tenant(tenantId).clients.values()].map((c) => ({ ...c }));
  }

  /** Answers a v2 oauth-clients request of an authenticated user. */
  route(r: V2Request, user: StandInUser): Answer {
    const m = OAUTH_CLIENTS_PATH.exec(r.path);
    if (!m) return jsonApiError(404, 'Resource not found', `No route ${r.method} ${r.path}`);
    const tenantId = decodeURIComponent(m[1]);
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);

    const allowed = id === undefined ? ['GET', 'POST'] : ['GET', 'PATCH', 'DELETE'];
    if (!allowed.includes(r.method)) return jsonApiError(405, 'Method Not Allowed', `${r.method} is not allowed here`);
    if (!user.permissions.includes(PERMISSION_OF[r.method])) {
      return [
        403,
        {
          errors: [
            {
              status: 403,
              title: 'Unauthorized',
              detail: 'You need a permission to access this resource.',
              code: 403,
              meta: {},
            },
          ],
        },
      ];
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
      return [
        409,
        {
          errors: [
            {
              status: '409',
              title: 'Conflict',
              detail: `OAuth client is used in flow "${flows[0]}" and can not be deleted`,
            },
          ],
        },
      ];
    }
    tenant.clients.delete(id);
    return [204];
  }

  private tenant(tenantId: string): Tenant {
    const t = this.tenants.get(tenantId);
    if (!t) throw new Error(`stand-in: no tenant ${tenantId}`);
    return t;
  }

  private newId(): string {
    return `5c80e6b9bb0d2000119933${String(this.nextId++).padStart(2, '0')}`;
  }

  private resource(tenant: Tenant, c: StoredOAuthClient): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: c.id,
      type: 'oauth-client',
      attributes: { client_id: c.clientId, client_secret: c.clientSecret },
    };
    if (tenant.visibleComponents.has(c.componentId)) {
      out.relationships = {
        component: {
          data: { id: c.componentId, type: 'component' },
          links: { self: `/v2/components/${c.componentId}` },
        },
      };
    }
    return out;
  }

  private list(tenant: Tenant, query: Record<string, string>): Answer {
    let items = [...tenant.clients.values()];
    const filter = query['filter[component]'];
    if (filter !== undefined)
      items = items.filter((c) => c.componentId === filter && tenant.visibleComponents.has(c.componentId));
    if (!this.pageSize) return [200, { data: items.map((c) => this.resource(tenant, c)), meta: {} }];
    const size = Number(query['page[size]'] ?? this.pageSize);
    const page = Number(query['page[number]'] ?? 1);
    const totalPages = Math.max(1, Math.ceil(items.length / size));
    const slice = items.slice((page - 1) * size, page * size);
    return [
      200,
      {
        data: slice.map((c) => this.resource(tenant, c)),
        meta: { page, per_page: size, total: items.length, total_pages: totalPages },
      },
    ];
  }

  /** Checks the documented body; answers the parsed input or an error answer. */
  private parseBody(body: unknown): { clientId: string; clientSecret: string; componentId: string } | Answer {
    const data = (body as OAuthClientBody | undefined)?.data;
    if (!data || typeof data !== 'object') return jsonApiError(400, 'Bad argument error', 'Missing data', '/data');
    if (data.type === undefined) return jsonApiError(400, 'Bad argument error', 'Missing type', '/data/type');
    if (data.type !== 'oauth-client')
      return jsonApiError(
        409,
        'Conflict',
        `Wrong type ${typeof data.type === 'string' ? data.type : JSON.stringify(data.type)}`,
        '/data/type',
      );
    const { client_id: clientId, client_secret: clientSecret } = data.attributes ?? {};
    if (typeof clientId !== 'string' || clientId === '') return missingAttribute('client_id');
    if (typeof clientSecret !== 'string' || clientSecret === '') return missingAttribute('client_secret');
    const component = data.relationships?.component?.data;
    if (!component || typeof component.id !== 'string')
      return jsonApiError(
        400,
        'Bad argument error',
        'Missing relationships.component.data.id',
        '/data/relationships/component/data/id',
      );
    if (component.type !== 'component')
      return jsonApiError(
        400,
        'Bad argument error',
        'relationships.component.data.type should be component',
        '/data/relationships/component/data/type',
      );
    return { clientId, clientSecret, componentId: component.id };
  }

  private create(tenant: Tenant, body: unknown): Answer {
    const input = this.parseBody(body);
    if (Array.isArray(input)) return input;
    if (!tenant.visibleComponents.has(input.componentId)) return componentNotFound(input.componentId);
    if ([...tenant.clients.values()].some((c) => c.componentId === input.componentId)) {
      return jsonApiError(
        409,
        'Conflict',
        `OAuth client for component ${input.componentId} already exists in this tenant`,
      );
    }
    const client: StoredOAuthClient = { id: this.newId(), ...input };
    while (tenant.clients.has(client.id)) client.id = this.newId();
    tenant.clients.set(client.id, client);
    return [201, { data: this.resource(tenant, client), meta: {} }];
  }

  private patch(tenant: Tenant, client: StoredOAuthClient, body: unknown): Answer {
    const input = this.parseBody(body);
    if (Array.isArray(input)) return input;
    if (!tenant.visibleComponents.has(input.componentId)) return componentNotFound(input.componentId);
    if ([...tenant.clients.values()].some((c) => c.id !== client.id && c.componentId === input.componentId)) {
      return jsonApiError(
        409,
        'Conflict',
        `OAuth client for component ${input.componentId} already exists in this tenant`,
      );
    }
    Object.assign(client, input);
    return [200, { data: this.resource(tenant, client), meta: {} }];
  }
}

/** The platform's error document: `{errors: [{status, title, detail, source?}]}`. */
const missingAttribute = (name: string): Answer =>
  jsonApiError(400, 'Bad argument error', `Missing attributes.${name}`, `/data/attributes/${name}`);

export function jsonApiError(status: number, title: string, detail: string, pointer?: string): Answer {
  return [status, { errors: [{ status, title, detail, ...(pointer ? { source: { pointer } } : {}) }] }];
}

function notFound(id: string): Answer {
  return [
    404,
    {
      errors: [
        {
          status: 404,
          title: 'Resource not found',
          detail: 'The resource is not found.',
          code: 404,
          meta: {},
          source: { parameter: { id } },
        },
      ],
    },
  ];
}

function componentNotFound(componentId: string): Answer {
  return [
    404,
    {
      errors: [
        {
          status: 404,
          title: 'Resource not found',
          detail: `Component ${componentId} is not found`,
          source: { pointer: '/data/relationships/component/data/id' },
        },
      ],
    },
  ];
}
