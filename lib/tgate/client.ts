import { HttpClient, HttpError, HttpMethod, HttpResponse, Logger, plainIdProblem, safeUrl } from '../http';
import { InvalidInputError } from '../errors';
import { TokenSession } from '../auth';
import { tgateError, TGateRefusedError } from './errors';
import { checkedRawPath } from './rawPath';
import { checkedMaxPages, checkedPageSize, pageDigest, RepeatedRecords, TGatePagingError } from './paging';
import { MAX_PAGE_ITEMS, TGATE_RESOURCES, TGateResourceName } from './resources';

export interface TGatePage<T> {
  items: T[];
  page: number;
  pageItems: number;
  totalCount?: number;
  totalPages?: number;
}

export interface TGateRequest {
  method: HttpMethod;
  path: string;
  params?: Record<string, string | number | boolean | undefined>;
  data?: unknown;
  /** Error statuses returned as answers (lib/http's answerStatuses). */
  answerStatuses?: readonly number[];
}

/** Refresh-and-replay rounds after a 401 when the rejected tokens came from another container. */
const MAX_REFRESHES_AFTER_401 = 3;

export interface TGateClientOptions {
  apiBaseUrl: string;
  session: TokenSession;
  http: HttpClient;
  logger?: Logger;
  /**
   * Pages one listing reads at most (default `DEFAULT_MAX_PAGES` in paging.ts); stepClient.ts fills it
   * from TGATE_MAX_PAGES.
   */
  maxPages?: number;
}

/** The T-Gate partner API: bearer auth through lib/auth, bounded retries through lib/http, pagination. */
export class TGateClient {
  constructor(private readonly options: TGateClientOptions) {
    checkedMaxPages(options.maxPages);
  }

  async request<T>(req: TGateRequest): Promise<HttpResponse<T>> {
    const used: { token?: string } = {};
    let next: string | undefined;
    for (let refreshes = 0; ; refreshes += 1) {
      try {
        return this.notRedirected(req, await this.send<T>(req, used, next));
      } catch (err) {
        const rejected = used.token;
        if (!(err instanceof HttpError) || err.status !== 401 || rejected === undefined) throw wrap(err);
        // A 401 right after our own refresh is final. One on a token read from the stored credential may
        // only mean another container rotated it since: refresh again, a bounded number of times.
        if (refreshes >= MAX_REFRESHES_AFTER_401 || (refreshes > 0 && this.options.session.issuedHere(rejected)))
          throw wrap(err);
        this.options.logger?.info?.(`T-Gate ${req.method} ${err.path} answered 401; refreshing the access token`);
        next = await this.options.session.accessTokenAfterRejection(rejected);
      }
    }
  }

  /** lib/http hands back a 3xx as an answer; from T-Gate's API it is never data, and is not followed. */
  private notRedirected<T>(req: TGateRequest, res: HttpResponse<T>): HttpResponse<T> {
    if (res.status < 300 || res.status >= 400) return res;
    const location = res.headers.location;
    let target = location;
    try {
      target = location && new URL(location, this.options.apiBaseUrl).href;
    } catch {
      /* name it as sent */
    }
    const where = target ? `a redirect to ${safeUrl(target)}` : 'a redirect without a Location';
    throw new TGateRefusedError(
      new HttpError({
        service: 'T-Gate',
        method: req.method,
        path: req.path,
        status: res.status,
        attempts: 1,
        detail: `${where}, which the component does not follow`,
      }),
      'Check TGATE_API_BASE_URL: it must name the partner API itself',
    );
  }

  private send<T>(req: TGateRequest, used: { token?: string }, firstToken?: string): Promise<HttpResponse<T>> {
    const url = `${this.options.apiBaseUrl}${req.path.startsWith('/') ? '' : '/'}${req.path}`;
    return this.options.http.send<T>(
      { method: req.method, url, params: req.params, data: req.data },
      {
        service: 'T-Gate',
        answerStatuses: req.answerStatuses,
        // The token is re-checked before every attempt: a 2-hour token can expire during a long retry.
        beforeAttempt: async (attempt) => {
          const token = attempt === 1 && firstToken ? firstToken : await this.options.session.accessToken();
          used.token = token;
          return { headers: { Authorization: `Bearer ${token}` } };
        },
      },
    );
  }

  /**
   * A request to any path under the API base (Make Raw Request); a path that could leave it is refused
   * before anything is sent.
   */
  async raw<T = unknown>(req: Omit<TGateRequest, 'path'> & { path: unknown }): Promise<HttpResponse<T>> {
    return this.request<T>({ ...req, path: checkedRawPath(this.options.apiBaseUrl, req.path) });
  }

  /**
   * A record by id. A missing id, an id that is not a plain identifier, or a resource without "get one"
   * is refused before any call.
   */
  async get<R = Record<string, unknown>>(resource: TGateResourceName, id: unknown): Promise<R> {
    const res = await this.request<R>({ method: 'GET', path: this.recordPath(resource, id) });
    if (!res.data || typeof res.data !== 'object' || Array.isArray(res.data)) {
      throw new TGateRefusedError(
        this.unexpected(
          'GET',
          this.recordPath(resource, id),
          res.status,
          `without a ${TGATE_RESOURCES[resource].singularTitle} record`,
        ),
      );
    }
    return res.data;
  }

  /** Creates a record (POST to the resource's path); never repeated after it may have reached T-Gate. */
  async create<R = Record<string, unknown>>(
    resource: TGateResourceName,
    body: unknown,
    path: string = TGATE_RESOURCES[resource].path,
  ): Promise<HttpResponse<R>> {
    return this.request<R>({ method: 'POST', path, data: body });
  }

  /** Changes a record (PATCH to its path). */
  async update<R = Record<string, unknown>>(
    resource: TGateResourceName,
    id: unknown,
    patch: unknown,
  ): Promise<HttpResponse<R>> {
    return this.request<R>({ method: 'PATCH', path: this.recordPath(resource, id), data: patch });
  }

  /** `{path}/{id}` of a record, with the id checked to be one plain path segment. */
  recordPath(resource: TGateResourceName, id: unknown): string {
    const spec = TGATE_RESOURCES[resource];
    if (!spec.getOne)
      throw new InvalidInputError(
        'resourceType',
        `T-Gate has no endpoint to get one of its ${spec.title}: list them instead`,
      );
    const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
    const problem = plainIdProblem(text);
    if (problem) throw new InvalidInputError('id', `The ${spec.singularTitle} id ${problem}`);
    return `${spec.path}/${text as string}`;
  }

  /**
   * One page of a list: `pageSize` records (T-Gate's `items`) within T-Gate's bounds, `filters` checked
   * against the resource table. Throws {@link TGatePagingError} when the paging headers contradict the
   * request, each other or the data.
   */
  async page<T>(resource: TGateResourceName, options: ListOptions & { page?: number } = {}): Promise<TGatePage<T>> {
    const spec = TGATE_RESOURCES[resource];
    const page = options.page ?? 1;
    const items = options.pageSize ?? MAX_PAGE_ITEMS;
    if (!Number.isInteger(page) || page < 1) throw new RangeError(`page must be a whole number from 1, got ${page}`);
    if (!Number.isInteger(items) || items < 1 || items > MAX_PAGE_ITEMS)
      throw new RangeError(`items per page must be a whole number from 1 to ${MAX_PAGE_ITEMS}, got ${items}`);
    const res = await this.request<unknown>({
      method: 'GET',
      path: spec.path,
      params: { ...checkedFilters(resource, options.filters), page, items },
    });
    const list = Array.isArray(res.data)
      ? res.data
      : res.data && typeof res.data === 'object' && Array.isArray((res.data as { data?: unknown }).data)
        ? (res.data as { data: unknown[] }).data
        : undefined;
    if (!list)
      throw new TGateRefusedError(this.unexpected('GET', spec.path, res.status, `without a list of ${spec.title}`));
    const headers = {
      currentPage: intHeader(res.headers['current-page']),
      pageItems: intHeader(res.headers['page-items']),
      totalCount: intHeader(res.headers['total-count']),
      totalPages: intHeader(res.headers['total-pages']),
    };
    return {
      items: list as T[],
      page,
      pageItems: checkedPageSize(spec.path, page, items, list.length, headers),
      totalCount: headers.totalCount,
      totalPages: headers.totalPages,
    };
  }

  /**
   * Every page of a list, one page held at a time. Stops at an empty or short page or at total-pages;
   * fails on a page that repeats an earlier one (the API ignored `page`) and beyond the page cap
   * (`maxPages` here, else the client's, else `DEFAULT_MAX_PAGES`). A record that a shift of the
   * listing brings again is given once ({@link RepeatedRecords}); a page left empty by that is skipped.
   */
  async *pages<T>(resource: TGateResourceName, options: ListOptions = {}): AsyncGenerator<TGatePage<T>> {
    const maxPages = checkedMaxPages(options.maxPages ?? this.options.maxPages);
    const items = options.pageSize ?? MAX_PAGE_ITEMS;
    const { path } = TGATE_RESOURCES[resource];
    const raise =
      'If the listing really is that long, raise the limit with TGATE_MAX_PAGES (the maxPages option of TGateClient).';
    const seen = new Map<string, number>();
    const repeated = new RepeatedRecords();
    for (let n = 1; ; n += 1) {
      if (n > maxPages)
        throw new TGatePagingError(
          path,
          n,
          `stopped after ${maxPages} pages of ${items}, the most one listing reads (maxPages). ${raise}`,
        );
      const page = await this.page<T>(resource, { ...options, page: n });
      if (page.items.length === 0) return;
      if (page.totalPages !== undefined && page.totalPages > maxPages) {
        throw new TGatePagingError(
          path,
          n,
          `T-Gate says the listing has ${page.totalPages} pages of ${items}, ` +
            `more than the ${maxPages} one listing reads (maxPages). ${raise}`,
        );
      }
      // A page equal to an earlier one means T-Gate ignored `page`: following it would never end.
      const digest = pageDigest(page.items);
      const earlier = seen.get(digest);
      if (earlier !== undefined) {
        throw new TGatePagingError(
          path,
          n,
          `the answer repeats page ${earlier}: the API ignored the page parameter, so the listing stopped here`,
        );
      }
      seen.set(digest, n);
      const fresh = repeated.fresh(page.items);
      if (fresh.length > 0) yield fresh === page.items ? page : { ...page, items: fresh };
      if (page.items.length < page.pageItems || (page.totalPages !== undefined && n >= page.totalPages)) return;
    }
  }

  /** Every record of a list, fetched page by page (see {@link pages}). */
  async *all<T>(resource: TGateResourceName, options: ListOptions = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(resource, options)) yield* page.items;
  }

  private unexpected(method: string, path: string, status: number, what: string): HttpError {
    return new HttpError({
      service: 'T-Gate',
      method,
      path: `${new URL(this.options.apiBaseUrl).pathname.replace(/\/$/, '')}${path}`,
      status,
      attempts: 1,
      detail: `an answer ${what}`,
    });
  }
}

export interface ListOptions {
  /** T-Gate's `items` per page, 1 to {@link MAX_PAGE_ITEMS} (the default: the fewest requests). */
  pageSize?: number;
  /** List filters by query parameter name, as the resource table declares them. */
  filters?: Record<string, unknown>;
  /** Pages one listing reads at most. */
  maxPages?: number;
}

/** The filters of a list, checked against the resource table: unknown names and wrong types are refused. */
function checkedFilters(
  resource: TGateResourceName,
  filters: Record<string, unknown> = {},
): Record<string, string | number> {
  const spec = TGATE_RESOURCES[resource];
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '') continue;
    const filter = spec.filters.find((f) => f.name === name);
    if (!filter) {
      const known = spec.filters.map((f) => f.name);
      throw new InvalidInputError(
        name,
        `${spec.title} cannot be filtered by "${name}"` +
          `${known.length ? `: the filters are ${known.join(', ')}` : ': they take no filters'}`,
      );
    }
    if (filter.type === 'integer') {
      const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
        throw new InvalidInputError(
          name,
          `${name} must be a whole number (a T-Gate id), got ${JSON.stringify(value).slice(0, 60)}`,
        );
      out[name] = n;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new InvalidInputError(name, `${name} must be text, got ${JSON.stringify(value).slice(0, 60)}`);
      out[name] = String(value);
    }
  }
  return out;
}

/** A whole non-negative number, or undefined: a header that is not one is not used. */
function intHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function wrap(err: unknown): unknown {
  if (!(err instanceof HttpError) || err.service !== 'T-Gate') return err;
  return tgateError(err);
}
