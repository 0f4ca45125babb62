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
import { HttpError } from '../http';
import { RefusedError, TransientError } from '../errors';
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
const CREATE_FIELDS = ['brand_id', 'branch_id', 'menu_id', 'service_type', 'app_order_uuid', 'items', 'total_price', 'address', 'customer', 'notes', 'payment_status'] as const;
const CALCULATE_FIELDS = ['brand_id', 'branch_id', 'menu_id', 'service_type', 'items'] as const;

function pick<T extends object>(source: T, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (source as Record<string, unknown>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** T-Gate refused an order write (422): names T-Gate's rule and the field, and says what to do. */
export class TGateOrderRefusedError extends RefusedError {
  /** T-Gate's rule, e.g. "Branch working" (from the answer's `rule`, else the start of its message). */
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

/** The `{message, rule, field}` of a refusal, as far as T-Gate's answer carries them. */
function refusalOf(err: TGateRefusedError): { message?: string; rule?: string; field?: string } {
  const data = err.cause instanceof HttpError ? err.cause.data : undefined;
  const body = data && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const message = text(body.message) ?? err.detail;
  return { message, rule: text(body.rule) ?? message?.match(/^([^:]{1,60}):/)?.[1], field: text(body.field) };
}

/** A 422 from an order write, as an error naming T-Gate's rule and field; anything else unchanged. */
export function orderWriteError(err: unknown, what: string): unknown {
  if (!(err instanceof TGateRefusedError) || err.status !== 422) return err;
  const { message, rule, field } = refusalOf(err);
  const named = [rule && `rule "${rule}"`, field && `field ${field}`].filter(Boolean).join(', ');
  const fix = field ? `check ${field} against that rule, then send a corrected message` : 'correct the message and send it again';
  return new TGateOrderRefusedError(`T-Gate refused to ${what}${named ? ` (${named})` : ''}: ${message ?? 'no reason given'}. To fix: ${fix}`, {
    rule, field, status: err.status, cause: err,
  });
}

/** "Has already been taken": T-Gate's answer to a second create with a known app_order_uuid. */
export function isAppOrderUuidTaken(err: unknown): boolean {
  if (!(err instanceof TGateRefusedError) || err.status !== 422) return false;
  const { message, field } = refusalOf(err);
  return /already been taken|already taken/i.test(message ?? '') && (field === undefined || field === 'app_order_uuid' || /app_order_uuid/i.test(message ?? ''));
}

/** Network codes that prove the request never left: nothing can have been created. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A create that failed so that T-Gate may have stored the order anyway: a 5xx (500, 502, 504 ... and a
 * 503 after lib/http's retries), a timeout after sending, a dropped connection. A 429 and a refused
 * connection are not ambiguous: nothing was done.
 */
export function isAmbiguousCreateFailure(err: unknown): boolean {
  if (!(err instanceof TGateUnavailableError)) return false;
  if (err.status !== undefined) return err.status >= 500;
  return !NOT_SENT_CODES.has(err.code ?? '');
}

/** The order with this app_order_uuid, or undefined (GET {orders}?app_order_uuid=..., one page). */
export async function findOrderByAppOrderUuid(tgate: TGateClient, uuid: string): Promise<Order | undefined> {
  const page = await tgate.page<Order>('orders', { filters: { app_order_uuid: uuid }, pageSize: 2 });
  // Compared here too: a T-Gate that ignored the filter must not hand back someone else's order.
  return page.items.find((order) => order && order.app_order_uuid === uuid);
}

/** T-Gate's Calculate Order Total Price: the total and the per-item breakdown; nothing is created. */
export async function calculateOrderTotal<C = Record<string, unknown>>(tgate: TGateClient, request: OrderCalculationRequest): Promise<C> {
  try {
    const res = await tgate.create<C>('orders', pick(request, CALCULATE_FIELDS), `${ORDERS.path}${ORDERS.writes.calculatePath}`);
    return res.data;
  } catch (err) {
    throw orderWriteError(err, 'calculate the order total');
  }
}

/** POSTs after an empty lookup at most: a second one is safe (the lookup found nothing; T-Gate keeps the uuid unique). */
export const MAX_CREATE_POSTS = 2;

/**
 * Creates the order once per app_order_uuid. One POST; only after an ambiguous failure or a "taken",
 * one lookup by app_order_uuid: found, the order is returned as `found`; not found after an ambiguous
 * failure, the POST is sent once more (it cannot create a second order: none exists, and T-Gate keeps the
 * uuid unique), and after a second ambiguous failure with nothing found the message is retried later
 * (TransientError: a rebound). A lookup that fails transiently rebounds too: the redelivered message is
 * told "taken" and finds the order.
 */
export async function createOrderOnce(tgate: TGateClient, input: CreateOrderInput): Promise<{ order: Order; outcome: CreateOutcome }> {
  const body = pick(input, CREATE_FIELDS);
  if (input.calculateTotal) body.total_price = (await calculateOrderTotal<{ total_price: number }>(tgate, input)).total_price;
  const uuid = input.app_order_uuid;
  for (let posts = 1; ; posts += 1) {
    let failure: unknown;
    try {
      return { order: (await tgate.create<Order>('orders', body)).data, outcome: 'created' };
    } catch (err) {
      failure = err;
    }
    const taken = isAppOrderUuidTaken(failure);
    if (!taken && !isAmbiguousCreateFailure(failure)) throw orderWriteError(failure, `create order ${JSON.stringify(uuid)}`);
    const found = await lookUpAfter(tgate, uuid, failure);
    if (found) return { order: found, outcome: 'found' };
    if (taken) {
      throw new TGateOrderRefusedError(`T-Gate says app_order_uuid ${JSON.stringify(uuid)} has already been taken, but no order with it is visible to this application (outside the integration scopes granted?). Check the order in T-Gate; send a new app_order_uuid only if it is really another order`, { rule: 'Unique app_order_uuid', field: 'app_order_uuid', status: 422, cause: failure });
    }
    if (posts >= MAX_CREATE_POSTS) {
      throw new TransientError(`Creating order ${JSON.stringify(uuid)} failed ${posts} times and T-Gate holds no order with this app_order_uuid: the message is retried later (${(failure as Error).message})`, { cause: failure });
    }
  }
}

async function lookUpAfter(tgate: TGateClient, uuid: string, failure: unknown): Promise<Order | undefined> {
  try {
    return await findOrderByAppOrderUuid(tgate, uuid);
  } catch (err) {
    if (err instanceof TransientError) {
      throw new TransientError(`Creating order ${JSON.stringify(uuid)} may have reached T-Gate (${(failure as Error).message}), and looking it up failed too (${err.message}): the message is retried later, and the retry finds the order if it was created`, { cause: err });
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
    return target !== order.order_status && within(rule.from, order.order_status) && within(rule.serviceTypes, order.service_type);
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
      const why = !within(rule.serviceTypes, order.service_type) ? ` (${change.order_status} is for ${(rule.serviceTypes as readonly string[]).join(', ')} orders only)` : '';
      throw new TGateOrderRefusedError(
        `Order ${order.id} is ${order.order_status} (${order.service_type}): T-Gate does not allow order_status ${change.order_status} from there${why}; allowed: ${allowed.join(', ') || 'nothing'}. Nothing was sent`,
        { rule: 'Invalid transition', field: 'order_status' },
      );
    }
    patch.order_status = change.order_status;
    if (change.cancel_reason !== undefined) patch.cancel_reason = change.cancel_reason;
  }
  if (change.payment_status !== undefined && change.payment_status !== order.payment_status) patch.payment_status = change.payment_status;
  return patch;
}

/**
 * Reads the order, refuses a transition T-Gate would refuse, and PATCHes only what is not yet in effect:
 * a retried update whose change already took (a retried `done`) succeeds as `unchanged` without a call.
 */
export async function updateOrderChecked(tgate: TGateClient, change: OrderChange): Promise<{ order: Order; outcome: UpdateOutcome }> {
  const order = await tgate.get<Order>('orders', change.id);
  const patch = planOrderUpdate(order, change);
  if (Object.keys(patch).length === 0) return { order, outcome: 'unchanged' };
  try {
    return { order: (await tgate.update<Order>('orders', change.id, patch)).data, outcome: 'updated' };
  } catch (err) {
    throw orderWriteError(err, `update order ${change.id}`);
  }
}
