/**
 * Controls for tests and benchmarks under /__sandbox (never faulted nor recorded):
 *   GET|POST|DELETE /__sandbox/faults                    list / add (JSON FaultSpec or array) / clear faults
 *   POST   /__sandbox/seed                               {"items"?: N, "integrationScopes"?: [...]}: reseed the catalog
 *   POST   /__sandbox/records/:resource                  create a record (id optional), 201
 *   GET    /__sandbox/records/:resource/:id              {"record", "meta"} whether in scope or not
 *   PATCH  /__sandbox/records/:resource/:id              merge fields, 200
 *   DELETE /__sandbox/records/:resource/:id              204
 *   GET    /__sandbox/changes?since=N                    {"changeCount", "changes": [{seq, at, resource, id, action}]}
 *
 * Every /__sandbox route answers only a request whose Host names the loopback interface: a web page the
 * developer visits cannot reach them through DNS rebinding (its Host is its own name), whatever address the
 * sandbox listens on. No answer carries a secret: webhook Meta Data comes back with its secret values hidden.
 */
import { IncomingMessage } from 'http';
import { TGATE_RESOURCE_NAMES, TGateResourceName, isTGateResourceName } from '../../tgate/resources';
import { FaultList, FaultSpecError } from '../faults';
import { mediaType } from '../httpUtil';
import { Answer, Route, RouteContext, message } from '../router';
import { SeedOptions, SeedSummary } from '../seed';
import { CatalogStore, StoreError } from '../store';
import { FaultSpec } from '../types';
import { CONTROL_PREFIX, FAULTS_CONTROL_PATH } from '../urls';

/** 127.0.0.0/8, `localhost` or `[::1]`, each with an optional port: the names of this machine's loopback. */
function isLoopbackHostHeader(host: string | undefined): boolean {
  if (typeof host !== 'string') return false;
  const match = /^(?:(localhost)|(127(?:\.\d{1,3}){3})|(\[::1\]))(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!match) return false;
  if (match[4] !== undefined && Number(match[4]) > 65535) return false;
  return match[2] === undefined || match[2].split('.').every((octet) => Number(octet) <= 255);
}

/** The answer refusing a control request addressed to another host, or undefined when it may go on. */
export function controlHostRefusal(req: IncomingMessage): Answer | undefined {
  if (isLoopbackHostHeader(req.headers.host)) return undefined;
  return message(
    403,
    `The ${CONTROL_PREFIX} control routes answer only requests addressed to this machine ` +
      '(Host 127.0.0.1, localhost or [::1], with the port): this request was addressed to another host',
  );
}

const SECRET_KEY = /secret|token|password|passwd|api[_-]?key|authorization|signature/i;
export const HIDDEN = '[hidden]';

/** Webhook Meta Data as a control route shows it: secret-looking values (secret, token, password...) hidden. */
export function metaDataShown(metaData: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  const hide = (value: unknown, depth: number): unknown => {
    if (!value || typeof value !== 'object') return value;
    if (depth > 20) return HIDDEN;
    if (Array.isArray(value)) return value.map((v) => hide(v, depth + 1));
    const entries = Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? HIDDEN : hide(v, depth + 1)]);
    return Object.fromEntries(entries);
  };
  return metaData && typeof metaData === 'object' ? (hide(metaData, 0) as Record<string, unknown>) : null;
}

type Parsed = { ok: true; value: unknown } | { ok: false; answer: Answer };

/** The body as JSON, or the answer refusing it (415 when not application/json, 400 when not JSON). */
export function jsonBody(req: IncomingMessage, rawBody: string): Parsed {
  if (mediaType(req.headers['content-type']) !== 'application/json')
    return { ok: false, answer: message(415, 'Send the body as application/json') };
  try {
    return { ok: true, value: JSON.parse(rawBody) };
  } catch {
    return { ok: false, answer: message(400, 'Invalid JSON body') };
  }
}

function addFaults(faults: FaultList, ctx: RouteContext): Answer {
  const parsed = jsonBody(ctx.req, ctx.rawBody);
  if (!parsed.ok) return parsed.answer;
  const specs = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
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
    if (err instanceof FaultSpecError) return message(400, `Invalid fault: ${err.message}`);
    throw err;
  }
  for (const spec of checked) faults.add(spec);
  return { status: 201, headers: {}, body: { message: 'fault added', pending: faults.size } };
}

function faultRoute(faults: FaultList): Route {
  return {
    method: '*',
    path: FAULTS_CONTROL_PATH,
    handle(ctx) {
      switch (ctx.method) {
        case 'DELETE':
          faults.clear();
          return { status: 200, headers: {}, body: { message: 'faults cleared', pending: 0 } };
        case 'GET':
          return { status: 200, headers: {}, body: { faults: faults.describe() } };
        case 'POST':
          return addFaults(faults, ctx);
        default:
          return message(405, `Method not allowed: ${ctx.method} ${FAULTS_CONTROL_PATH}`, {
            allow: 'GET, POST, DELETE',
          });
      }
    },
  };
}

/** Runs a store operation on a named resource and turns refusals into answers. */
function onResource(ctx: RouteContext, act: (resource: TGateResourceName, body: unknown) => Answer): Answer {
  const resource = ctx.params.resource;
  if (!isTGateResourceName(resource))
    return message(404, `Unknown resource ${resource} (known: ${TGATE_RESOURCE_NAMES.join(', ')})`);
  let body: unknown;
  if (ctx.method === 'POST' || ctx.method === 'PATCH') {
    const parsed = jsonBody(ctx.req, ctx.rawBody);
    if (!parsed.ok) return parsed.answer;
    if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
      return message(400, 'Send one record as a JSON object');
    body = parsed.value;
  }
  try {
    return act(resource, body);
  } catch (err) {
    if (err instanceof StoreError) return message(err.status, err.message);
    throw err;
  }
}

export function controlRoutes(
  faults: FaultList,
  store: CatalogStore,
  seed: (options: SeedOptions) => SeedSummary,
): Route[] {
  const records = `${CONTROL_PREFIX}/records/:resource`;
  return [
    faultRoute(faults),
    {
      method: 'POST',
      path: `${CONTROL_PREFIX}/seed`,
      handle({ req, rawBody }) {
        const parsed = rawBody.trim() === '' ? { ok: true as const, value: {} } : jsonBody(req, rawBody);
        if (!parsed.ok) return parsed.answer;
        try {
          return { status: 200, headers: {}, body: seed(parsed.value as SeedOptions) };
        } catch (err) {
          if (err instanceof RangeError || err instanceof TypeError) return message(400, err.message);
          throw err;
        }
      },
    },
    {
      method: 'POST',
      path: records,
      handle: (ctx) =>
        onResource(ctx, (resource, body) => ({
          status: 201,
          headers: {},
          body: store.create(resource, body as object),
        })),
    },
    {
      method: 'GET',
      path: `${records}/:id`,
      handle: (ctx) =>
        onResource(ctx, (resource) => {
          const id = Number(ctx.params.id);
          const record = store.peek(resource, id);
          return record
            ? { status: 200, headers: {}, body: { record, meta: store.meta(resource, id) } }
            : message(404, `No ${resource} record ${id}`);
        }),
    },
    {
      method: 'PATCH',
      path: `${records}/:id`,
      handle: (ctx) =>
        onResource(ctx, (resource, body) => ({
          status: 200,
          headers: {},
          body: store.update(resource, Number(ctx.params.id), body as object),
        })),
    },
    {
      method: 'DELETE',
      path: `${records}/:id`,
      handle: (ctx) =>
        onResource(ctx, (resource) => {
          store.delete(resource, Number(ctx.params.id));
          return { status: 204, headers: {} };
        }),
    },
    {
      method: 'GET',
      path: `${CONTROL_PREFIX}/changes`,
      handle({ url }) {
        const since = url.searchParams.get('since') ?? '0';
        if (!/^\d{1,15}$/.test(since)) return message(400, 'Invalid parameter `since`: must be an integer >= 0');
        return {
          status: 200,
          headers: {},
          body: { changeCount: store.changeCount, changes: store.changesSince(Number(since)) },
        };
      },
    },
  ];
}
