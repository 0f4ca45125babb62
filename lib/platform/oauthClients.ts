import { HttpClient, HttpError, HttpMethod, HttpResponse, KnownSecrets, Logger, RetryPolicy } from '../http';
import { plainIdProblem } from '../http/pathSegment';
import { PlatformApiError, PlatformInputError } from './errors';
import {
  COMPONENT_TYPE,
  JsonApiDocument,
  OAUTH_CLIENT_TYPE,
  OAuthClientRequestDocument,
  OAuthClientResource,
  describeJsonApiErrors,
  parseJsonApiErrors,
  toPositiveInt,
} from './jsonApi';

/** The platform API of elastic.io; white-label hosts (e.g. https://api.thatapp.io) work the same. */
export const DEFAULT_API_URL = 'https://api.elastic.io';

/** Name of the platform API in messages and retry log lines. */
export const PLATFORM_SERVICE = 'the platform API';

/** Pages read at most when a list answer carries `meta.total_pages`. */
const MAX_LIST_PAGES = 1000;

/** A tenant OAuth client, as the library hands it out. */
export interface OAuthClient {
  /** The platform's id of the OAuth client object (used by get, update, delete). */
  id: string;
  /** `attributes.client_id`: the OAuth client id issued by the provider. */
  clientId: string;
  /** `attributes.client_secret`, in plain text as the API returns it: mask it before showing it. */
  clientSecret: string;
  /** Undefined when the API sent no component relationship (the component was removed or is hidden). */
  componentId?: string;
  /** The resource object exactly as the API returned it. */
  resource: OAuthClientResource;
}

/** What `create` needs: every field is required by the API. */
export interface OAuthClientInput {
  clientId: string;
  clientSecret: string;
  componentId: string;
}

/** What `update` changes; fields left out keep their current value. */
export type OAuthClientChange = Partial<OAuthClientInput>;

export interface ListOptions {
  /** Sent as `filter[component]`, and applied to the answer as well. */
  componentId?: string;
}

export interface TenantOAuthClientsOptions {
  /** Root of the platform API, without `/v2`; defaults to {@link DEFAULT_API_URL}. */
  apiUrl?: string;
  /** The account's email (HTTP Basic user). */
  username: string;
  /** The account's API key (HTTP Basic password). Never appears in an error or log line. */
  apiKey: string;
  tenantId: string;
  /** Per-request timeout; 30 s by default. */
  timeoutMs?: number;
  /** Retry policy of 429, 5xx and network errors (see lib/http). */
  policy?: Partial<RetryPolicy>;
  /** Replaces the wait between retries (tests record the delays instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Receives one line per retry; never a secret. */
  logger?: Logger;
  userAgent?: string;
  /** Replaces the HTTP client (tests). */
  httpClient?: HttpClient;
}

/**
 * Checks and normalises the API root: http(s) only, no credentials, query or fragment, no trailing slash
 * and no trailing `/v2` (the client adds it). Plain http is only accepted for loopback hosts, since the
 * API key travels in every request. Throws {@link PlatformInputError} (field `apiUrl`).
 */
export function normalizeApiUrl(raw: string): string {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PlatformInputError(
      'apiUrl',
      `not a valid URL: "${value.slice(0, 200)}" (expected the platform API, e.g. ${DEFAULT_API_URL})`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PlatformInputError('apiUrl', `the API URL must start with https:// (got ${url.protocol}//...)`);
  }
  if (url.username || url.password) {
    throw new PlatformInputError(
      'apiUrl',
      'the API URL must not contain credentials; they come from the environment or a profile',
    );
  }
  if (url.search || url.hash) {
    throw new PlatformInputError(
      'apiUrl',
      `the API URL must not have a query or fragment (expected e.g. ${DEFAULT_API_URL})`,
    );
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    throw new PlatformInputError(
      'apiUrl',
      `refusing to send the API key over plain http to ${url.host}; use https://${url.host}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
  return `${url.origin}${path}`;
}

/** The documented request body of create and update. */
function oauthClientRequestBody(input: OAuthClientInput): OAuthClientRequestDocument {
  return {
    data: {
      type: OAUTH_CLIENT_TYPE,
      attributes: { client_id: input.clientId, client_secret: input.clientSecret },
      relationships: { component: { data: { id: input.componentId, type: COMPONENT_TYPE } } },
    },
  };
}

function requireText(field: keyof OAuthClientInput | 'username' | 'apiKey', value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PlatformInputError(field, `${what} is missing or empty`);
  }
  return value;
}

/** An id that goes into a URL path (tenant, OAuth client) or names a component: a plain id only. */
function requireId(field: 'id' | 'tenantId' | 'componentId', value: unknown, what: string): string {
  const problem = plainIdProblem(value);
  if (problem) throw new PlatformInputError(field, `${what} ${problem}`);
  return value as string;
}

/**
 * Tenant OAuth clients over the platform v2 API: `/v2/tenants/{TENANT_ID}/oauth-clients`, HTTP Basic
 * (email and API key), JSON:API bodies. Errors are {@link PlatformApiError} (the API refused or failed)
 * or {@link PlatformInputError} (refused before sending). 429 and 5xx are retried with capped, jittered
 * backoff, honouring `Retry-After`; a create (POST) is only retried on 429, 503 and refused connections,
 * since repeating it after it may have reached the server could meet the client it created.
 *
 * @example
 * const clients = createTenantOAuthClients({ apiUrl: 'https://api.elastic.io', username, apiKey, tenantId });
 * const created = await clients.create({ clientId: 'abc', clientSecret, componentId: '5a0c...' });
 * await clients.update(created.id, { clientSecret: rotated });
 */
export class TenantOAuthClients {
  readonly apiUrl: string;
  readonly tenantId: string;
  private readonly origin: string;
  private readonly http: HttpClient;
  private readonly authorization: string;
  /** Every secret this client has sent or received, removed from any message it builds. */
  private readonly secrets = new KnownSecrets();

  constructor(options: TenantOAuthClientsOptions) {
    this.apiUrl = normalizeApiUrl(options.apiUrl ?? DEFAULT_API_URL);
    this.origin = new URL(this.apiUrl).origin;
    this.tenantId = requireId('tenantId', options.tenantId, 'the tenant id');
    const username = requireText('username', options.username, 'the username (email)');
    const apiKey = requireText('apiKey', options.apiKey, 'the API key');
    const token = Buffer.from(`${username}:${apiKey}`, 'utf8').toString('base64');
    this.authorization = `Basic ${token}`;
    this.secrets.add(apiKey).addAuthorization(this.authorization);
    this.http =
      options.httpClient ??
      new HttpClient({
        service: PLATFORM_SERVICE,
        timeoutMs: options.timeoutMs,
        policy: options.policy,
        logger: options.logger,
        sleep: options.sleep,
        random: options.random,
        userAgent: options.userAgent ?? 'tgate-oauth-clients',
        secrets: this.secrets,
      });
  }

  /** `GET .../oauth-clients[?filter[component]=ID]`, every page when the answer has `meta.total_pages`. */
  async list(options: ListOptions = {}): Promise<OAuthClient[]> {
    const filter: Record<string, string> = {};
    if (options.componentId !== undefined) {
      filter['filter[component]'] = requireId('componentId', options.componentId, 'the component id');
    }
    const url = this.collectionUrl();
    const first = await this.call<JsonApiDocument<unknown>>('GET', url, { params: filter });
    const seen = new Map<string, OAuthClient>();
    const add = (doc: JsonApiDocument<unknown>, method: string, path: string): void => {
      if (!Array.isArray(doc.data)) throw this.badResponse(method, path, 'its "data" is not a list');
      for (const item of doc.data) {
        const client = this.toClient(item, method, path);
        if (!seen.has(client.id)) seen.set(client.id, client);
      }
    };
    add(first, 'GET', this.pathOf(url));
    const totalPages = toPositiveInt(first.meta?.total_pages);
    if (totalPages !== undefined && totalPages > 1) {
      if (totalPages > MAX_LIST_PAGES) {
        throw this.badResponse(
          'GET',
          this.pathOf(url),
          `it claims ${totalPages} pages, more than the ${MAX_LIST_PAGES} this client reads`,
        );
      }
      const perPage = toPositiveInt(first.meta?.per_page);
      for (let page = 2; page <= totalPages; page += 1) {
        const params: Record<string, string | number> = { ...filter, 'page[number]': page };
        if (perPage !== undefined) params['page[size]'] = perPage;
        add(await this.call<JsonApiDocument<unknown>>('GET', url, { params }), 'GET', this.pathOf(url));
      }
    }
    const all = [...seen.values()];
    return options.componentId === undefined ? all : all.filter((c) => c.componentId === options.componentId);
  }

  /** `GET .../oauth-clients/{id}`. */
  async get(id: string): Promise<OAuthClient> {
    const url = this.itemUrl(id);
    const doc = await this.call<JsonApiDocument<unknown>>('GET', url);
    return this.toClient(doc.data, 'GET', this.pathOf(url));
  }

  /** `POST .../oauth-clients` with the documented body; one client per component per tenant. */
  async create(input: OAuthClientInput): Promise<OAuthClient> {
    const body = oauthClientRequestBody({
      clientId: requireText('clientId', input.clientId, 'the OAuth client id (client_id)'),
      clientSecret: requireText('clientSecret', input.clientSecret, 'the OAuth client secret'),
      componentId: requireId('componentId', input.componentId, 'the component id'),
    });
    this.secrets.add(input.clientSecret);
    const url = this.collectionUrl();
    const doc = await this.call<JsonApiDocument<unknown>>('POST', url, { data: body, idempotent: false });
    return this.toClient(doc?.data, 'POST', this.pathOf(url));
  }

  /**
   * Reads the client, merges the change and PATCHes the whole documented body (the documentation marks
   * every field required on PATCH). A client whose component was removed or hidden needs `componentId`.
   */
  async update(id: string, change: OAuthClientChange): Promise<OAuthClient> {
    const given = (['clientId', 'clientSecret', 'componentId'] as const).filter((k) => change[k] !== undefined);
    if (given.length === 0)
      throw new PlatformInputError('change', 'nothing to change: give a client id, a client secret or a component');
    for (const k of given) {
      if (k === 'componentId') requireId(k, change[k], 'the component id');
      else
        requireText(k, change[k], k === 'clientSecret' ? 'the OAuth client secret' : 'the OAuth client id (client_id)');
    }
    this.secrets.add(change.clientSecret);
    const current = await this.get(id);
    const componentId = change.componentId ?? current.componentId;
    if (componentId === undefined) {
      throw new PlatformInputError(
        'componentId',
        `OAuth client ${id} has no component (it was removed or is hidden); give the component to update it`,
      );
    }
    const merged: OAuthClientInput = {
      clientId: change.clientId ?? current.clientId,
      clientSecret: change.clientSecret ?? current.clientSecret,
      componentId,
    };
    const url = this.itemUrl(id);
    // The body is the whole object, so repeating it is safe.
    const response = await this.callRaw('PATCH', url, { data: oauthClientRequestBody(merged), idempotent: true });
    if (response.status === 204 || response.data === '' || response.data === undefined) {
      return {
        ...merged,
        id,
        resource: {
          ...current.resource,
          attributes: {
            ...current.resource.attributes,
            client_id: merged.clientId,
            client_secret: merged.clientSecret,
          },
        },
      };
    }
    return this.toClient(this.json<JsonApiDocument<unknown>>(response, 'PATCH', url).data, 'PATCH', this.pathOf(url));
  }

  /**
   * `DELETE .../oauth-clients/{id}`. The API refuses while a flow uses the client: see
   * {@link isClientInUseError}.
   */
  async delete(id: string): Promise<void> {
    const url = this.itemUrl(id);
    const response = await this.callRaw('DELETE', url);
    // A web app on the wrong host may answer any request with 200 and a page: that deleted nothing.
    const empty = response.data === undefined || response.data === null || response.data === '';
    if (response.status !== 204 && !empty) this.json(response, 'DELETE', url);
  }

  private collectionUrl(): string {
    return `${this.apiUrl}/v2/tenants/${encodeURIComponent(this.tenantId)}/oauth-clients`;
  }

  private itemUrl(id: string): string {
    return `${this.collectionUrl()}/${encodeURIComponent(requireId('id', id, 'the OAuth client object id'))}`;
  }

  private pathOf(url: string): string {
    return new URL(url).pathname;
  }

  /** Removes every known secret from a text (the same mechanism as every other HTTP error here). */
  private scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  private async call<T>(
    method: HttpMethod,
    url: string,
    extra: { params?: Record<string, string | number>; data?: unknown; idempotent?: boolean } = {},
  ): Promise<T> {
    return this.json<T>(await this.callRaw(method, url, extra), method, url);
  }

  private async callRaw(
    method: HttpMethod,
    url: string,
    extra: { params?: Record<string, string | number>; data?: unknown; idempotent?: boolean } = {},
  ): Promise<HttpResponse<unknown>> {
    const path = this.pathOf(url);
    let response: HttpResponse<unknown>;
    try {
      response = await this.http.send<unknown>(
        {
          method,
          url,
          params: extra.params && Object.keys(extra.params).length ? extra.params : undefined,
          data: extra.data,
          headers: {
            Authorization: this.authorization,
            Accept: 'application/json',
            ...(extra.data !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
        },
        { idempotent: extra.idempotent },
      );
    } catch (err) {
      throw this.fromHttpError(err, method, path);
    }
    if (response.status < 200 || response.status >= 300) {
      const where = response.headers.location
        ? ` redirecting to ${this.scrub(safeOrigin(response.headers.location))}`
        : '';
      throw this.notApi(method, path, response.status, where ? where.trim() : 'instead of JSON');
    }
    return response;
  }

  private json<T>(response: HttpResponse<unknown>, method: string, url: string): T {
    const path = url.startsWith('http') ? this.pathOf(url) : url;
    const foreign = foreignAnswer(response.headers['content-type'], response.data, 'success');
    if (foreign) throw this.notApi(method, path, response.status, foreign);
    return response.data as T;
  }

  /** `what`: how it answered, e.g. "with an HTML page". */
  private notApi(method: string, path: string, status: number, what: string): PlatformApiError {
    return new PlatformApiError({
      kind: 'not-json',
      method,
      path,
      origin: this.origin,
      status,
      message: this.scrub(
        `${this.apiUrl} answered ${status} ${what} (${method} ${path}): ` +
          `this does not look like the platform API (expected e.g. ${DEFAULT_API_URL})`,
      ),
    });
  }

  private badResponse(method: string, path: string, why: string): PlatformApiError {
    return new PlatformApiError({
      kind: 'bad-response',
      method,
      path,
      origin: this.origin,
      message: `${PLATFORM_SERVICE} ${method} ${path} gave an unexpected answer: ${why}`,
    });
  }

  private toClient(data: unknown, method: string, path: string): OAuthClient {
    if (!data || typeof data !== 'object' || Array.isArray(data))
      throw this.badResponse(method, path, 'no "data" object');
    const r = data as Record<string, unknown>;
    const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined;
    if (!id) throw this.badResponse(method, path, 'an OAuth client without an id');
    const attributes = (r.attributes && typeof r.attributes === 'object' ? r.attributes : {}) as Record<
      string,
      unknown
    >;
    const clientId = typeof attributes.client_id === 'string' ? attributes.client_id : '';
    const clientSecret = typeof attributes.client_secret === 'string' ? attributes.client_secret : '';
    this.secrets.add(clientSecret);
    const rel = (r.relationships && typeof r.relationships === 'object' ? r.relationships : {}) as Record<
      string,
      unknown
    >;
    const component = (rel.component && typeof rel.component === 'object' ? rel.component : {}) as Record<
      string,
      unknown
    >;
    const componentData = (component.data && typeof component.data === 'object' ? component.data : {}) as Record<
      string,
      unknown
    >;
    const componentId =
      typeof componentData.id === 'string' || typeof componentData.id === 'number'
        ? String(componentData.id)
        : undefined;
    return {
      id,
      clientId,
      clientSecret,
      ...(componentId !== undefined ? { componentId } : {}),
      resource: data as OAuthClientResource,
    };
  }

  private fromHttpError(err: unknown, method: string, path: string): Error {
    if (!(err instanceof HttpError)) {
      const message = err instanceof Error ? err.message : String(err);
      return new PlatformApiError({
        kind: 'network',
        method,
        path,
        origin: this.origin,
        message: this.scrub(`${PLATFORM_SERVICE} ${method} ${path} failed: ${message}`),
      });
    }
    const tries = err.attempts > 1 ? ` after ${err.attempts} attempts` : '';
    if (err.status === undefined) {
      return new PlatformApiError({
        kind: 'network',
        method,
        path,
        origin: this.origin,
        code: err.code,
        attempts: err.attempts,
        message: this.scrub(
          `${PLATFORM_SERVICE} at ${this.origin} could not be reached for ${method} ${path} ` +
            `(${err.code ?? 'network error'})${tries}`,
        ),
      });
    }
    const foreign =
      err.status < 500 && err.status !== 429
        ? foreignAnswer(err.headers?.['content-type'], err.data, 'error')
        : undefined;
    if (foreign) return this.notApi(method, path, err.status, foreign);
    const errors = parseJsonApiErrors(err.data).map((e) => ({
      ...e,
      ...(e.title !== undefined ? { title: this.scrub(e.title) } : {}),
      ...(e.detail !== undefined ? { detail: this.scrub(e.detail) } : {}),
    }));
    let said = describeJsonApiErrors(errors);
    if (!said && typeof err.data === 'string') {
      said = /^\s*</.test(err.data)
        ? "an HTML page, not the platform API's JSON: is the API URL right?"
        : err.data.trim().slice(0, 200) || undefined;
    }
    const gaveUp = /\(([^()]*)\)$/.exec(err.message)?.[1];
    const why = gaveUp && /retry|budget|asked to retry/.test(gaveUp) ? ` (${gaveUp})` : '';
    return new PlatformApiError({
      kind: 'http',
      method,
      path,
      origin: this.origin,
      status: err.status,
      errors,
      attempts: err.attempts,
      message: this.scrub(
        `${PLATFORM_SERVICE} ${method} ${path} answered ${err.status}${said ? `: ${said}` : ''}${tries}${why}`,
      ),
    });
  }
}

/**
 * How an answer that is not the platform API's looks ("with an HTML page"), or undefined for a JSON:API
 * document (`data`, `errors` or `meta`; an error answer needs `errors`). An empty error body is left to
 * the status.
 */
function foreignAnswer(contentType: string | undefined, data: unknown, kind: 'success' | 'error'): string | undefined {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const empty = data === undefined || data === null || data === '';
  if (kind === 'error' && empty) return undefined;
  if (/html/.test(type) || (typeof data === 'string' && /^\s*</.test(data))) return 'with an HTML page';
  if (!/json/.test(type) || typeof data !== 'object' || data === null) {
    return `with ${type || 'no content type'}, not JSON`;
  }
  const doc = data as Record<string, unknown>;
  const isDocument =
    kind === 'error' ? doc.errors !== undefined : ['data', 'errors', 'meta'].some((k) => doc[k] !== undefined);
  return isDocument ? undefined : 'with JSON that is not a JSON:API document';
}

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split('?')[0];
  }
}

/** Factory for {@link TenantOAuthClients}. */
export function createTenantOAuthClients(options: TenantOAuthClientsOptions): TenantOAuthClients {
  return new TenantOAuthClients(options);
}
