/**
 * T-Gate's orders as the component writes them (reference: Create Order, Update/Cancel Order, and the
 * "Calculate order total price API"): calculate, create exactly once per `app_order_uuid`, and update by
 * T-Gate's transition table, refusing before any call what T-Gate would refuse.
 *
 * Exactly once rests on one fact: T-Gate keeps `app_order_uuid` unique ("must be unique per order"), so a
 * second create with it is refused ("has already been taken") instead of creating a second order. On top
 * of that, a create that may have reached T-Gate (a timeout, a 5xx, a dropped connection) is never blindly
 * repeated: the order is looked up by its `app_order_uuid` first, and emitted as found when it exists.
 */
import { RefusedError, TransientError } from '../errors';
import { mayHaveTakenEffect } from '../http';
import type { TGateClient } from './client';
import { TGateRefusedError, TGateUnavailableError } from './errors';
import type { Order, OrderItem } from './records';
import { TGATE_RESOURCES } from './resources';

const ORDERS = TGATE_RESOURCES.orders;

/** What the Calculate Order Total Price API takes. */
export interface OrderCalculationRequest {
  brand_id: number;
  branch_id: number;
  menu_id: number;
  service_type: string;
  items: OrderItem[];
}

/** What createOrder takes: T-Gate's create body, plus `calculateTotal` (never sent). */
export interface CreateOrderInput extends OrderCalculationRequest {
  app_order_uuid: string;
  total_price?: number;
  calculateTotal?: boolean;
  address?: { full_address: string; lat: number; lng: number } | null;
  customer?: { name?: string; phone_number?: string; email?: string } | null;
  notes?: string | null;
  payment_status?: Order['payment_status'];
}

export type CreateOutcome = 'created' | 'found';
export type UpdateOutcome = 'updated' | 'unchanged';

/** The fields of a create request T-Gate takes: anything else in the message is not sent. */
const CREATE_FIELDS = [
  'brand_id',
  'branch_id',
  'menu_id',
  'service_type',
  'app_order_uuid',
  'items',
  'total_price',
  'address',
  'customer',
  'notes',
  'payment_status',
] as const;
const CALCULATE_FIELDS = ['brand_id', 'branch_id', 'menu_id', 'service_type', 'items'] as const;

function pick<T extends object>(source: T, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (source as Record<string, unknown>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** T-Gate refused an order write (422), or would: names the field and T-Gate's words, and says what to do. */
export class TGateOrderRefusedError extends RefusedError {
  /** The rule of T-Gate's guides this component checked itself ("Invalid transition"); T-Gate's answers name none. */
  readonly rule?: string;
  readonly field?: string;
  readonly status?: number;

  constructor(message: string, extra: { rule?: string; field?: string; status?: number; cause?: unknown } = {}) {
    super(message, { cause: extra.cause });
    this.rule = extra.rule;
    this.field = extra.field;
    this.status = extra.status;
  }
}

/** The field a refusal is about: the one field T-Gate's words name (several or none: undefined). */
function refusedField(err: TGateRefusedError): string | undefined {
  const fields = new Set(err.errors.map((w) => w.field));
  const [only] = fields;
  return fields.size === 1 ? only : undefined;
}

/** A 422 from an order write, as an error with T-Gate's own words and the field; anything else unchanged. */
export function orderWriteError(err: unknown, what: string): unknown {
  if (!(err instanceof TGateRefusedError) || err.status !== 422) return err;
  const field = refusedField(err);
  const fix = field ? `check ${field}, then send a corrected message` : 'correct the message and send it again';
  const words = err.detail ?? 'no reason given';
  const named = field ? ` (field ${field})` : '';
  return new TGateOrderRefusedError(`T-Gate refused to ${what}${named}: ${words}. To fix: ${fix}`, {
    field,
    status: err.status,
    cause: err,
  });
}

const TAKEN = /already (been )?taken|already exists/i;

/**
 * "This order may exist": T-Gate's answer to a second create with a known app_order_uuid, in the shapes a
 * Rails app gives it: 422 `{"app_order_uuid": ["has already been taken"]}` (Rails' default errors JSON),
 * 422 `{"errors": {"app_order_uuid": [...]}}`, a full message ("App order uuid has already been taken"),
 * or a 409 Conflict.
 */
export function isAppOrderUuidTaken(err: unknown): boolean {
  if (!(err instanceof TGateRefusedError)) return false;
  if (err.status === 409) return true;
  if (err.status !== 422) return false;
  return err.errors.some(
    (w) =>
      TAKEN.test(w.message) &&
      (w.field === 'app_order_uuid' || (w.field === undefined && /app[ _]order[ _]uuid/i.test(w.message))),
  );
}

/**
 * A create that failed so that T-Gate may have stored the order anyway (lib/http's mayHaveTakenEffect): a
 * 5xx but 503 (500, 502, 504 ...), a timeout after sending, a dropped connection. A 429, a 503 (both "not
 * processed") and a refused connection are not ambiguous: nothing was done, and the message is retried later.
 */
export function isAmbiguousCreateFailure(err: unknown): boolean {
  return err instanceof TGateUnavailableError && mayHaveTakenEffect(err);
}

/** The order with this app_order_uuid, or undefined (GET {orders}?app_order_uuid=..., one page). */
export async function findOrderByAppOrderUuid(tgate: TGateClient, uuid: string): Promise<Order | undefined> {
  const page = await tgate.page<Order>('orders', { filters: { app_order_uuid: uuid }, pageSize: 2 });
  // Compared here too: a T-Gate that ignored the filter must not hand back someone else's order.
  return page.items.find((order) => order && order.app_order_uuid === uuid);
}

/** T-Gate's Calculate Order Total Price: the total and the per-item breakdown; nothing is created. */
export async function calculateOrderTotal<C = Record<string, unknown>>(
  tgate: TGateClient,
  request: OrderCalculationRequest,
): Promise<C> {
  try {
    const res = await tgate.create<C>(
      'orders',
      pick(request, CALCULATE_FIELDS),
      `${ORDERS.path}${ORDERS.writes.calculatePath}`,
    );
    return res.data;
  } catch (err) {
    throw orderWriteError(err, 'calculate the order total');
  }
}

/**
 * POSTs after an empty lookup at most: a second one is safe (the lookup found nothing; T-Gate keeps the
 * uuid unique).
 */
export const MAX_CREATE_POSTS = 2;

/** Whether a create's answer is this message's order: an object with an `id` and the message's uuid. */
function isOwnOrder(data: unknown, uuid: string): data is Order {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const order = data as Partial<Order>;
  return order.id !== undefined && order.id !== null && order.app_order_uuid === uuid;
}

/** What a create's 2xx carried instead of the order, in words that quote no value but T-Gate's ids. */
function describeAnswer(data: unknown): string {
  if (data === undefined || data === null || data === '') return 'an empty body';
  if (typeof data === 'string') return /^\s*</.test(data) ? 'an HTML page' : `text of ${data.length} characters`;
  if (Array.isArray(data)) return `a JSON list of ${data.length}`;
  if (typeof data !== 'object') return `a JSON ${typeof data}`;
  const order = data as Record<string, unknown>;
  if (order.id !== undefined && order.app_order_uuid !== undefined) {
    const uuid = typeof order.app_order_uuid === 'string' ? order.app_order_uuid : JSON.stringify(order.app_order_uuid);
    const other = JSON.stringify(uuid.slice(0, 80));
    return `order ${JSON.stringify(order.id)} with app_order_uuid ${other}`;
  }
  const keys = Object.keys(order)
    .slice(0, 8)
    .map((k) => JSON.stringify(k.slice(0, 40)));
  const missing = order.id === undefined ? 'an order id' : 'an app_order_uuid';
  return `a JSON object without ${missing}${keys.length ? ` (keys ${keys.join(', ')})` : ''}`;
}

/** A 2xx to a create that is not the message's order: T-Gate may or may not have stored it. */
export class TGateAmbiguousCreateError extends TGateOrderRefusedError {}

/**
 * Creates the order once per app_order_uuid. One POST; only after an ambiguous failure or a "taken",
 * one lookup by app_order_uuid: found, the order is returned as `found`; not found after an ambiguous
 * failure, the POST is sent once more (it cannot create a second order: none exists, and T-Gate keeps the
 * uuid unique), and after a second ambiguous failure with nothing found the message is retried later
 * (TransientError: a rebound). A lookup that fails transiently rebounds too: the redelivered message is
 * told "taken" and finds the order. A 2xx whose body is not this message's order (empty, HTML, another
 * order) is looked up the same way; nothing found, it is an error saying what came back: another order
 * is never emitted.
 */
export async function createOrderOnce(
  tgate: TGateClient,
  input: CreateOrderInput,
): Promise<{ order: Order; outcome: CreateOutcome }> {
  const body = pick(input, CREATE_FIELDS);
  if (input.calculateTotal)
    body.total_price = (await calculateOrderTotal<{ total_price: number }>(tgate, input)).total_price;
  const uuid = input.app_order_uuid;
  for (let posts = 1; ; posts += 1) {
    let failure: unknown;
    try {
      const res = await tgate.create<unknown>('orders', body);
      if (isOwnOrder(res.data, uuid)) return { order: res.data, outcome: 'created' };
      const what = `creating order ${JSON.stringify(uuid)} with ${describeAnswer(res.data)}`;
      failure = new TGateAmbiguousCreateError(`T-Gate answered ${res.status} to ${what}, not the order it created`, {
        field: 'app_order_uuid',
        status: res.status,
      });
    } catch (err) {
      failure = err;
    }
    if (failure instanceof TGateAmbiguousCreateError) {
      const found = await lookUpAfter(tgate, uuid, failure);
      if (found) return { order: found, outcome: 'found' };
      throw new TGateAmbiguousCreateError(
        `${failure.message}, and no order with this app_order_uuid is visible to this application. ` +
          'Nothing was emitted: check the order in T-Gate (and TGATE_API_BASE_URL) before sending the message again',
        { field: 'app_order_uuid', status: failure.status },
      );
    }
    const taken = isAppOrderUuidTaken(failure);
    if (!taken && !isAmbiguousCreateFailure(failure))
      throw orderWriteError(failure, `create order ${JSON.stringify(uuid)}`);
    const found = await lookUpAfter(tgate, uuid, failure);
    if (found) return { order: found, outcome: 'found' };
    if (taken) {
      const refused = failure as TGateRefusedError;
      throw new TGateOrderRefusedError(
        `T-Gate says app_order_uuid ${JSON.stringify(uuid)} has already been taken, ` +
          'but no order with it is visible to this application (outside the integration scopes granted?). ' +
          'Check the order in T-Gate; send a new app_order_uuid only if it is really another order. ' +
          `T-Gate answered ${refused.status}${refused.detail ? `: ${refused.detail}` : ''}`,
        { rule: 'Unique app_order_uuid', field: 'app_order_uuid', status: refused.status, cause: failure },
      );
    }
    if (posts >= MAX_CREATE_POSTS) {
      throw new TransientError(
        `Creating order ${JSON.stringify(uuid)} failed ${posts} times ` +
          'and T-Gate holds no order with this app_order_uuid: ' +
          `the message is retried later (${(failure as Error).message})`,
        { cause: failure },
      );
    }
  }
}

async function lookUpAfter(tgate: TGateClient, uuid: string, failure: unknown): Promise<Order | undefined> {
  try {
    return await findOrderByAppOrderUuid(tgate, uuid);
  } catch (err) {
    if (err instanceof TransientError) {
      throw new TransientError(
        `Creating order ${JSON.stringify(uuid)} may have reached T-Gate (${(failure as Error).message}), ` +
          `and looking it up failed too (${err.message}): ` +
          'the message is retried later, and the retry finds the order if it was created',
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * The order_status values a partner may set (reference: Update/Cancel Order): each target, the statuses
 * it may come from ('any': every status but the target itself) and the service types it applies to.
 */
export const ORDER_STATUS_TRANSITIONS = {
  in_route: { from: ['ready'], serviceTypes: ['delivery'] },
  done: { from: ['in_route'], serviceTypes: ['delivery'] },
  cancelled: { from: 'any', serviceTypes: 'any' },
} as const satisfies Record<string, { from: readonly string[] | 'any'; serviceTypes: readonly string[] | 'any' }>;

export type PartnerOrderStatus = keyof typeof ORDER_STATUS_TRANSITIONS;
export const PARTNER_ORDER_STATUSES = Object.keys(ORDER_STATUS_TRANSITIONS) as PartnerOrderStatus[];

const within = (list: readonly string[] | 'any', value: string): boolean => list === 'any' || list.includes(value);

/** The targets T-Gate allows from the order's current status and service type. */
export function allowedStatusTargets(order: Pick<Order, 'order_status' | 'service_type'>): PartnerOrderStatus[] {
  return PARTNER_ORDER_STATUSES.filter((target) => {
    const rule = ORDER_STATUS_TRANSITIONS[target];
    return (
      target !== order.order_status &&
      within(rule.from, order.order_status) &&
      within(rule.serviceTypes, order.service_type)
    );
  });
}

export interface OrderChange {
  id: number;
  order_status?: PartnerOrderStatus;
  cancel_reason?: string;
  payment_status?: Order['payment_status'];
}

/**
 * The PATCH body that brings the order to the change, leaving out what is already in effect (an empty
 * body: nothing to send). A transition T-Gate would refuse throws, naming the current status and the
 * allowed targets.
 */
export function planOrderUpdate(order: Order, change: OrderChange): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (change.order_status !== undefined && change.order_status !== order.order_status) {
    const allowed = allowedStatusTargets(order);
    if (!allowed.includes(change.order_status)) {
      const rule = ORDER_STATUS_TRANSITIONS[change.order_status];
      const why = !within(rule.serviceTypes, order.service_type)
        ? ` (${change.order_status} is for ${(rule.serviceTypes as readonly string[]).join(', ')} orders only)`
        : '';
      throw new TGateOrderRefusedError(
        `Order ${order.id} is ${order.order_status} (${order.service_type}): ` +
          `T-Gate does not allow order_status ${change.order_status} from there${why}; ` +
          `allowed: ${allowed.join(', ') || 'nothing'}. Nothing was sent`,
        { rule: 'Invalid transition', field: 'order_status' },
      );
    }
    patch.order_status = change.order_status;
    if (change.cancel_reason !== undefined) patch.cancel_reason = change.cancel_reason;
  }
  if (change.payment_status !== undefined && change.payment_status !== order.payment_status)
    patch.payment_status = change.payment_status;
  return patch;
}

/**
 * Reads the order, refuses a transition T-Gate would refuse, and PATCHes only what is not yet in effect:
 * a retried update whose change already took (a retried `done`) succeeds as `unchanged` without a call.
 */
export async function updateOrderChecked(
  tgate: TGateClient,
  change: OrderChange,
): Promise<{ order: Order; outcome: UpdateOutcome }> {
  const order = await tgate.get<Order>('orders', change.id);
  const patch = planOrderUpdate(order, change);
  if (Object.keys(patch).length === 0) return { order, outcome: 'unchanged' };
  try {
    return { order: (await tgate.update<Order>('orders', change.id, patch)).data, outcome: 'updated' };
  } catch (err) {
    throw orderWriteError(err, `update order ${change.id}`);
  }
}
