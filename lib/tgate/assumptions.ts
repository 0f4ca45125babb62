/**
 * What the component assumes about T-Gate, each marked documented (with T-Gate's page) or assumed, and
 * the fix when it does not hold: the one list `tgate doctor` checks, row by row. The facts themselves
 * come from the tables the component runs on (environments.ts, resources.ts, lib/auth's TGATE_PROFILE),
 * so a changed path or setting changes what is checked. docs/ASSUMPTIONS.md explains
 * them. T-Gate's pages are under https://t-gate-pmbt.readme.io/.
 */
import { TGATE_PROFILE } from '../auth/profiles';
import {
  MAX_PAGE_ITEMS,
  TGATE_MODEL_DOCS,
  TGATE_RESOURCE_NAMES,
  TGATE_RESOURCES,
  TGateResourceName,
} from './resources';

/** How an assumption is checked; `none`: it cannot be checked without changing something. */
export type AssumptionProbe =
  | 'token.refresh'
  | 'token.rotation'
  | 'token.expiresIn'
  | 'token.tokenType'
  | 'token.createdAt'
  | 'token.basicEncoding'
  | 'resource.path'
  | 'resource.paging'
  | 'resource.schema'
  | 'orders.uuidFilter'
  | 'none';

export interface Assumption {
  /** Stable name, e.g. `token.rotation`, `items.paging`. */
  id: string;
  probe: AssumptionProbe;
  resource?: TGateResourceName;
  /** What the component assumes, in a sentence. */
  assumes: string;
  /** T-Gate's page that documents it (relative to its docs site); absent: assumed. */
  documentedBy?: string;
  /** What to do when it does not hold (names the override variable where there is one). */
  fix: string;
  /** Why a `none` probe is not run. */
  notChecked?: string;
}

export interface AssumptionEndpoints {
  tokenUrl: string;
  apiBaseUrl: string;
}

const TOKEN_PAGE = 'reference/getaccesstoken-1';
const PAGINATION_PAGE = 'reference/pagination';
const PROFILE_FILE = 'lib/auth/profiles.ts (TGATE_PROFILE)';
const API_FIX =
  "set TGATE_API_BASE_URL if T-Gate's API lives elsewhere " + '(the resource paths are in lib/tgate/resources.ts)';

/** `/partner/v1/items`: the path as the server sees it, for messages. */
function apiPath(apiBaseUrl: string, path: string): string {
  return `${new URL(apiBaseUrl).pathname.replace(/\/$/, '')}${path}`;
}

function tokenAssumptions(tokenUrl: string): Assumption[] {
  const lifetime = TGATE_PROFILE.accessTokenLifetimeSeconds;
  const rotation = TGATE_PROFILE.rotatesRefreshTokens
    ? 'answers a new refresh token (rotation)'
    : 'keeps the refresh token';
  return [
    {
      id: 'token.refresh',
      probe: 'token.refresh',
      assumes: `a refresh_token grant at POST ${tokenUrl} (Basic client auth, form body) answers new tokens`,
      fix:
        "set TGATE_TOKEN_URI if T-Gate's token endpoint lives elsewhere; invalid_client means the tenant's " +
        'OAuth client (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET) is wrong, invalid_grant that the credential ' +
        'must be reconnected (tgate connect)',
    },
    {
      id: 'token.rotation',
      probe: 'token.rotation',
      assumes: `every refresh ${rotation}`,
      fix: `set rotatesRefreshTokens in ${PROFILE_FILE}; the component keeps the old refresh token when none comes`,
    },
    {
      id: 'token.expires_in',
      probe: 'token.expiresIn',
      documentedBy: TOKEN_PAGE,
      assumes: `expires_in gives the access token's lifetime in seconds${lifetime ? ` (documented: ${lifetime})` : ''}`,
      fix: 'without expires_in the component refreshes only after a 401; tell the maintainers what T-Gate answers',
    },
    {
      id: 'token.token_type',
      probe: 'token.tokenType',
      assumes: 'token_type is Bearer: the API is called with Authorization: Bearer <access token>',
      fix: 'the API calls in lib/tgate/client.ts send Bearer: tell the maintainers which scheme T-Gate wants',
    },
    {
      id: 'token.created_at',
      probe: 'token.createdAt',
      assumes: 'created_at is when the token was issued, in epoch seconds (Doorkeeper)',
      fix:
        'the expiry is computed from expires_in and the time the request was sent, so nothing breaks; ' +
        'tell the maintainers',
    },
    {
      id: 'token.basic_encoding',
      probe: 'token.basicEncoding',
      assumes: `Basic credentials are read ${
        TGATE_PROFILE.basicEncoding === 'raw'
          ? 'raw (base64 of id:secret as is, as Doorkeeper reads them)'
          : 'form-encoded first (RFC 6749 2.3.1)'
      }`,
      fix: `set basicEncoding in ${PROFILE_FILE} to the encoding T-Gate accepts`,
    },
  ];
}

function resourceAssumptions(apiBaseUrl: string, name: TGateResourceName): Assumption[] {
  const spec = TGATE_RESOURCES[name];
  const path = apiPath(apiBaseUrl, spec.path);
  const rows: Assumption[] = [
    {
      id: `${name}.path`,
      probe: 'resource.path',
      resource: name,
      assumes: `GET ${path} answers a list of ${spec.title}`,
      fix: API_FIX,
    },
  ];
  if (spec.paged) {
    rows.push({
      id: `${name}.paging`,
      probe: 'resource.paging',
      resource: name,
      documentedBy: PAGINATION_PAGE,
      assumes:
        `items=${MAX_PAGE_ITEMS} (an assumed ceiling) honoured; current-page, page-items, total-count, ` +
        'total-pages present and consistent',
      fix:
        'the page size is MAX_PAGE_ITEMS in lib/tgate/resources.ts; without the headers the component pages ' +
        'until a short page',
    });
  }
  rows.push({
    id: `${name}.schema`,
    probe: 'resource.schema',
    resource: name,
    documentedBy: TGATE_MODEL_DOCS[name],
    assumes:
      `${spec.title} have the fields and types of the ${(spec.schema as { title?: string }).title ?? name} ` +
      'schema (lib/schemas)',
    fix: 'the record schemas are in lib/schemas/*.out.json: tell the maintainers which fields differ',
  });
  return rows;
}

/** Every assumption the doctor checks, in the order it reports them, for these endpoints. */
export function tgateAssumptions(endpoints: AssumptionEndpoints): Assumption[] {
  const ordersPath = apiPath(endpoints.apiBaseUrl, TGATE_RESOURCES.orders.path);
  return [
    ...tokenAssumptions(endpoints.tokenUrl),
    ...TGATE_RESOURCE_NAMES.flatMap((name) => resourceAssumptions(endpoints.apiBaseUrl, name)),
    {
      id: 'orders.app_order_uuid',
      probe: 'orders.uuidFilter',
      resource: 'orders',
      assumes:
        `GET ${ordersPath}?app_order_uuid=U filters: a uuid no order has answers [], ` +
        "an order's own uuid that order",
      fix:
        'the lookup after an ambiguous create reads one page filtered by app_order_uuid (lib/tgate/orders.ts): ' +
        "ask T-Gate for the parameter that filters by the partner's order id and set it in lib/tgate/resources.ts",
    },
    {
      id: 'webhooks',
      probe: 'none',
      assumes: 'deliveries are {id, resource_type, action} or {id, event_type}, the Meta Data as meta_data',
      fix: 'send a test delivery from Webhook Management to the webhookEvents trigger',
      notChecked:
        "out of scope: webhooks need the app's marketplace listing (Webhook Management), " +
        'which the doctor does not touch',
    },
  ];
}
