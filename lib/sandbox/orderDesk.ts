/**
 * The sandbox's orders: calculate, create and update by T-Gate's rules (orderRules.ts) against the
 * catalog store, at the sandbox clock's "now"; and the company's side, which moves an order along
 * (accepted, ready, ...) the way a restaurant would.
 */
import type { Order } from '../tgate/records';
import { SandboxClock } from './clock';
import {
  INITIAL_ORDER_STATUS,
  ORDER_RULES,
  ORDER_STATUSES,
  OrderCalculation,
  OrderCatalog,
  OrderRequest,
  OrderStatus,
  Refusal,
  appOrderUuidTaken,
  calculateOrder,
  checkCatalogRules,
  checkDeliveryAddress,
  checkPartnerUpdate,
  checkTotalPrice,
  parseOrderRequest,
  refuse,
} from './orderRules';
import { CatalogStore, StoreError } from './store';

/** An order request T-Gate's rules refuse (answered 422 in Rails' default shape, `{"<field>": ["<detail>"]}`). */
export class OrderRefusedError extends Error {
  readonly status = 422;
  readonly rule: string;
  readonly field: string;
  readonly detail: string;

  constructor(refusal: Refusal) {
    super(refusal.message);
    this.name = 'OrderRefusedError';
    this.rule = refusal.rule;
    this.field = refusal.field;
    this.detail = refusal.detail;
  }

  /** The answer body, as Rails renders `record.errors`. */
  get body(): Record<string, string[]> {
    return { [this.field]: [this.detail] };
  }
}

/** What the company may change on an order in the sandbox (from code or PATCH /__sandbox/orders/{id}). */
export interface CompanyOrderUpdate {
  order_status?: OrderStatus;
  /** ISO 8601, or null to clear. */
  estimated_time?: string | null;
}

function storeCatalog(store: CatalogStore): OrderCatalog {
  return {
    integrationScopes: () => store.records('integrationScopes'),
    branch: (id) => store.find('branches', id),
    menu: (id) => store.find('menus', id),
    section: (id) => store.find('sections', id),
    item: (id) => store.find('items', id),
    openingHourGroup: (id) => store.find('openingHourGroups', id),
    specialTimingGroups(branchId) {
      const branch = store.find('branches', branchId);
      return (branch?.branch_special_timing_ids ?? [])
        .map((id) => store.find('branchSpecialTimings', id))
        .map((timing) => (timing ? store.find('openingHourGroups', timing.opening_hour_group_id) : undefined))
        .filter((group): group is NonNullable<typeof group> => group !== undefined);
    },
  };
}

function orThrow<T>(checked: { ok: true; value: T } | { ok: false; refusal: Refusal }): T {
  if (!checked.ok) throw new OrderRefusedError(checked.refusal);
  return checked.value;
}

function refuseIf(refusal: Refusal | undefined): void {
  if (refusal) throw new OrderRefusedError(refusal);
}

export class OrderDesk {
  private readonly catalog: OrderCatalog;

  constructor(
    private readonly store: CatalogStore,
    private readonly clock: SandboxClock,
  ) {
    this.catalog = storeCatalog(store);
  }

  /** T-Gate's Calculate Order Total Price: the catalog rules, then the bottom-up price. */
  calculate(body: unknown): OrderCalculation {
    return this.priced(orThrow(parseOrderRequest(body, false)));
  }

  private priced(request: OrderRequest): OrderCalculation {
    refuseIf(checkCatalogRules(request, this.catalog, this.clock.now()));
    return calculateOrder(request, this.store.find('branches', request.branch_id)!, this.catalog);
  }

  /** T-Gate's Create Order: every constraint, then the order is stored in its initial status. */
  create(body: unknown): Order {
    const request = orThrow(parseOrderRequest(body, true));
    // A known app_order_uuid is refused first, so a retried create says "taken" whatever the catalog says now.
    const uuid = request.app_order_uuid!;
    if (this.findByAppOrderUuid(uuid)) throw new OrderRefusedError(appOrderUuidTaken());
    const calculation = this.priced(request);
    refuseIf(checkDeliveryAddress(request));
    refuseIf(checkTotalPrice(request.total_price!, calculation));
    const now = this.clock.now().toISOString();
    return this.store.create('orders', {
      app_order_uuid: uuid,
      brand_id: request.brand_id,
      branch_id: request.branch_id,
      menu_id: request.menu_id,
      service_type: request.service_type,
      order_status: INITIAL_ORDER_STATUS,
      payment_status: request.payment_status ?? 'pending_payment',
      total_price: calculation.total_price,
      estimated_time: null,
      items: request.items,
      address: request.address ?? null,
      customer: request.customer ?? null,
      notes: request.notes ?? null,
      cancel_reason: null,
      created_at: now,
      updated_at: now,
    });
  }

  /** Unique across every order, in scope or not (a linear scan: sandbox order books are small). */
  findByAppOrderUuid(uuid: string): Readonly<Order> | undefined {
    for (const order of this.store.records('orders')) if (order.app_order_uuid === uuid) return order;
    return undefined;
  }

  /** T-Gate's Update/Cancel Order, as the partner: the transitions it allows (404 when not visible). */
  updateAsPartner(id: number, body: unknown): Order {
    const order = this.store.getVisible('orders', id) as Order | undefined;
    if (!order) throw new StoreError(404, `Not found: order ${id}`);
    const patch = orThrow(checkPartnerUpdate(order, body));
    return this.store.update('orders', id, { ...patch, updated_at: this.clock.now().toISOString() });
  }

  /** The company moves an order along (any known status, from any status but done or cancelled). */
  updateAsCompany(id: number, update: CompanyOrderUpdate): Order {
    const order = this.store.find('orders', id);
    if (!order) throw new StoreError(404, `No order ${id}`);
    const patch: Partial<Order> = {};
    if (update.order_status !== undefined) {
      if (!ORDER_STATUSES.includes(update.order_status)) {
        const known = ORDER_STATUSES.join(', ');
        throw new OrderRefusedError(refuse(ORDER_RULES.parameters, 'order_status', `must be one of ${known}`));
      }
      if (order.order_status === 'done' || order.order_status === 'cancelled') {
        const why = `cannot change: order ${id} is ${order.order_status} and does not move any more`;
        throw new OrderRefusedError(refuse(ORDER_RULES.transition, 'order_status', why));
      }
      patch.order_status = update.order_status;
    }
    if (update.estimated_time !== undefined) {
      if (
        update.estimated_time !== null &&
        (typeof update.estimated_time !== 'string' || Number.isNaN(Date.parse(update.estimated_time)))
      ) {
        throw new OrderRefusedError(
          refuse(ORDER_RULES.parameters, 'estimated_time', 'must be an ISO 8601 time or null'),
        );
      }
      patch.estimated_time = update.estimated_time;
    }
    return this.store.update('orders', id, { ...patch, updated_at: this.clock.now().toISOString() });
  }
}
