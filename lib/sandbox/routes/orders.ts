/**
 * The partner API's order writes (T-Gate reference: Create Order, Update/Cancel Order; "Calculate order
 * total price API"), and the controls a test uses to play the company and the clock:
 *   POST  {orders}/calculate           the price and its breakdown, nothing stored (Bearer)
 *   POST  {orders}                     create: 201 with the order (Bearer)
 *   PATCH {orders}/:id                 order_status / payment_status as the partner may set them (Bearer)
 *   PATCH /__sandbox/orders/:id        {"order_status"?, "estimated_time"?}: the company moves the order along
 *   GET|PUT|DELETE /__sandbox/clock    read, fix ({"now": ISO 8601}) or release the sandbox clock
 * Lists and `GET {orders}/:id` are served with the catalog (routes/catalog.ts). Refusals answer 422 in
 * Rails' default shape, `{"<field>": ["<detail>"]}` (`{"app_order_uuid": ["has already been taken"]}`).
 */
import { SandboxClock } from '../clock';
import { OrderDesk, OrderRefusedError } from '../orderDesk';
import { Answer, Route, RouteContext, message } from '../router';
import { StoreError } from '../store';
import { CONTROL_PREFIX } from '../urls';
import { jsonBody } from './control';

/** Parse the JSON body, run the order operation, and turn its refusals into answers. */
function withOrderBody(ctx: RouteContext, status: number, act: (body: unknown) => unknown): Answer {
  const parsed = jsonBody(ctx.req, ctx.rawBody);
  if (!parsed.ok) return parsed.answer;
  try {
    return { status, headers: {}, body: act(parsed.value) };
  } catch (err) {
    if (err instanceof OrderRefusedError) return { status: err.status, headers: {}, body: err.body };
    if (err instanceof StoreError) return message(err.status, err.message);
    throw err;
  }
}

export function orderRoutes(desk: OrderDesk, ordersPath: string, calculatePath: string): Route[] {
  return [
    {
      method: 'POST',
      path: `${ordersPath}${calculatePath}`,
      auth: 'bearer',
      handle: (ctx) => withOrderBody(ctx, 200, (body) => desk.calculate(body)),
    },
    {
      method: 'POST',
      path: ordersPath,
      auth: 'bearer',
      handle: (ctx) => withOrderBody(ctx, 201, (body) => desk.create(body)),
    },
    {
      method: 'PATCH',
      path: `${ordersPath}/:id`,
      auth: 'bearer',
      handle: (ctx) => withOrderBody(ctx, 200, (body) => desk.updateAsPartner(Number(ctx.params.id), body)),
    },
  ];
}

export function orderControlRoutes(desk: OrderDesk, clock: SandboxClock): Route[] {
  const clockPath = `${CONTROL_PREFIX}/clock`;
  const clockAnswer = (): Answer => ({
    status: 200,
    headers: {},
    body: { now: clock.now().toISOString(), fixed: clock.fixedAt !== null },
  });
  return [
    {
      method: 'PATCH',
      path: `${CONTROL_PREFIX}/orders/:id`,
      handle: (ctx) => withOrderBody(ctx, 200, (body) => desk.updateAsCompany(Number(ctx.params.id), body ?? {})),
    },
    { method: 'GET', path: clockPath, handle: clockAnswer },
    {
      method: 'PUT',
      path: clockPath,
      handle(ctx) {
        const parsed = jsonBody(ctx.req, ctx.rawBody);
        if (!parsed.ok) return parsed.answer;
        try {
          clock.set((parsed.value as { now?: string | null } | null)?.now ?? null);
        } catch (err) {
          if (err instanceof TypeError) return message(400, err.message);
          throw err;
        }
        return clockAnswer();
      },
    },
    {
      method: 'DELETE',
      path: clockPath,
      handle() {
        clock.set(null);
        return clockAnswer();
      },
    },
  ];
}
