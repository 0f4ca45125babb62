/**
 * Order fixtures for the order action specs and bench/orders.ts, on the sandbox's seeded catalog.
 * Brand 101's branches open 10:00 to 02:00 in Riyadh; TUESDAY_NOON_RIYADH is inside those hours.
 */
import type { Sandbox } from '../../lib/sandbox';
import type { RequestRecord } from '../../lib/sandbox';

export const TUESDAY_NOON_RIYADH = '2026-12-01T09:00:00Z';
export const ORDERS_PATH = '/partner/v1/orders';

export type OrderBody = Record<string, unknown>;

/** One item node as T-Gate takes it: every node has item_id, quantity and children. */
export const line = (item_id: number, quantity: number | null, children: unknown[] = []) => ({
  item_id,
  quantity,
  children,
});

/**
 * A delivery order at branch 202 (brand 101, menu 301), total 66.50:
 * 2 x Chicken Shawarma (12) with Large (4) = 32; 1 x Fattoush (27) with 2 x cheese (3) and 1 x sauce (1.5) = 34.5.
 */
export function deliveryOrder(uuid: string, changes: OrderBody = {}): OrderBody {
  const order: OrderBody = {
    app_order_uuid: uuid,
    brand_id: 101,
    branch_id: 202,
    menu_id: 301,
    service_type: 'delivery',
    items: [
      line(1005, 2, [line(1004, null, [line(1003, 1)])]),
      line(1114, 1, [line(1113, null, [line(1111, 2), line(1112, 1)])]),
    ],
    total_price: 66.5,
    address: { full_address: '12 Olaya Street, Riyadh', lat: 24.69, lng: 46.68 },
    customer: { name: 'Sara Al-Qahtani', phone_number: '+966500000001' },
    notes: 'No onions, please',
  };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete order[key];
    else order[key] = value;
  }
  return order;
}

/** The requests the sandbox served after the first `since` of them, on the orders path (POST and GET). */
export function orderRequestsSince(
  sandbox: Sandbox,
  since: number,
): { posts: number; lookups: number; calculations: number; others: number; all: RequestRecord[] } {
  const fresh = sandbox.requestCount - since;
  const all = fresh > 0 ? sandbox.requests.slice(-fresh) : [];
  let posts = 0;
  let lookups = 0;
  let calculations = 0;
  let others = 0;
  for (const r of all) {
    if (r.method === 'POST' && r.path === ORDERS_PATH) posts += 1;
    else if (r.method === 'GET' && r.path === ORDERS_PATH && /(^|&)app_order_uuid=/.test(r.query)) lookups += 1;
    else if (r.method === 'POST' && r.path === `${ORDERS_PATH}/calculate`) calculations += 1;
    else if (r.path.startsWith('/partner/')) others += 1;
  }
  return { posts, lookups, calculations, others, all };
}
