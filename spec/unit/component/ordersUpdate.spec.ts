import { expect } from 'chai';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { deliveryOrder, ORDERS_PATH, orderRequestsSince, TUESDAY_NOON_RIYADH } from '../../helpers/orders';
import { ORDER_STATUSES } from '../../../lib/sandbox/orderRules';
import { allowedStatusTargets, PARTNER_ORDER_STATUSES } from '../../../lib/tgate';
import type { Order } from '../../../lib/tgate';
import updateOut from '../../../lib/schemas/updateOrder.out.json';
import Ajv from 'ajv';

const updateOrder = loadFunction('updateOrder');

describe("action updateOrder: T-Gate's transitions, refused before any call, and updates already in effect", function () {
  this.timeout(60_000);
  let world: World;
  const run = (body: Record<string, unknown>): Promise<StepOutcome> =>
    runStep(updateOrder, { id: 'u-1', body }, world.cfg, world.platform);
  const result = (outcome: StepOutcome) => outcome.data[0]?.body as { order: Order; outcome: string } | undefined;
  /** The partner API requests the sandbox served since `since`, as "METHOD path". */
  const callsSince = (since: number): string[] =>
    orderRequestsSince(world.sandbox, since)
      .all.filter((r) => r.path.startsWith(ORDERS_PATH))
      .map((r) => `${r.method} ${r.path}`);
  const newOrder = (uuid: string, changes: Record<string, unknown> = {}): Order =>
    world.sandbox.orders.create(deliveryOrder(uuid, changes));

  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(() => {
    world.sandbox.seedCatalog();
    world.sandbox.setClock(TUESDAY_NOON_RIYADH);
  });

  it('walks a delivery order ready -> in_route -> done with one GET and one PATCH each', async () => {
    const order = newOrder('walk');
    world.sandbox.updateOrderAsCompany(order.id, { order_status: 'ready' });
    for (const target of ['in_route', 'done']) {
      const since = world.sandbox.requestCount;
      const outcome = await run({ id: order.id, order_status: target });
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([]);
      expect(result(outcome)).to.deep.include({ outcome: 'updated' });
      expect(result(outcome)!.order.order_status).to.equal(target);
      expect(new Ajv({ strict: false }).validate(updateOut, result(outcome)), 'conforms to the out schema').to.equal(
        true,
      );
      expect(callsSince(since)).to.deep.equal([`GET ${ORDERS_PATH}/${order.id}`, `PATCH ${ORDERS_PATH}/${order.id}`]);
    }
  });

  it('a retried done (already in effect) succeeds as unchanged, with only the GET', async () => {
    const order = newOrder('retried-done');
    world.sandbox.updateOrderAsCompany(order.id, { order_status: 'ready' });
    world.sandbox.orders.updateAsPartner(order.id, { order_status: 'in_route' });
    expect(result(await run({ id: order.id, order_status: 'done' }))!.outcome).to.equal('updated');
    const since = world.sandbox.requestCount;
    const again = await run({ id: order.id, order_status: 'done' });
    expect(again.errors).to.deep.equal([]);
    expect(result(again)!.outcome).to.equal('unchanged');
    expect(result(again)!.order.order_status).to.equal('done');
    expect(callsSince(since)).to.deep.equal([`GET ${ORDERS_PATH}/${order.id}`]);
  });

  it('a PATCH answered 5xx after it took effect rebounds; the redelivered message finds it in effect', async () => {
    const order = newOrder('patch-5xx');
    world.sandbox.updateOrderAsCompany(order.id, { order_status: 'ready' });
    world.sandbox.injectFault({ method: 'PATCH', path: `${ORDERS_PATH}/${order.id}`, status: 500, afterHandler: true });
    const first = await run({ id: order.id, order_status: 'in_route', payment_status: 'paid' });
    expect(first.rebounds).to.have.length(1);
    expect(first.data).to.deep.equal([]);
    const since = world.sandbox.requestCount;
    const second = await run({ id: order.id, order_status: 'in_route', payment_status: 'paid' });
    expect(result(second)).to.deep.include({ outcome: 'unchanged' });
    expect(result(second)!.order).to.deep.include({ order_status: 'in_route', payment_status: 'paid' });
    expect(callsSince(since)).to.deep.equal([`GET ${ORDERS_PATH}/${order.id}`]);
  });

  it('cancels with a reason; a retried cancel is unchanged', async () => {
    const order = newOrder('cancel');
    const outcome = await run({
      id: order.id,
      order_status: 'cancelled',
      cancel_reason: 'Customer changed their mind',
    });
    expect(result(outcome)!.order).to.deep.include({
      order_status: 'cancelled',
      cancel_reason: 'Customer changed their mind',
    });
    const again = await run({ id: order.id, order_status: 'cancelled', cancel_reason: 'Customer changed their mind' });
    expect(result(again)!.outcome).to.equal('unchanged');
  });

  it('changes payment_status freely, and sends only what changes', async () => {
    const order = newOrder('payment');
    for (const status of ['paid', 'free', 'pending_payment']) {
      expect(result(await run({ id: order.id, payment_status: status }))!.order.payment_status).to.equal(status);
    }
    const since = world.sandbox.requestCount;
    expect(result(await run({ id: order.id, payment_status: 'pending_payment' }))!.outcome).to.equal('unchanged');
    expect(callsSince(since)).to.have.length(1);
  });

  describe('every refused transition is refused before any PATCH, naming the current status and the allowed targets', () => {
    /** Every status the company can put an order in, for delivery and pickup, against every partner target. */
    const cases: Array<{ status: string; service: string; target: string }> = [];
    for (const service of ['delivery', 'pickup']) {
      for (const status of ORDER_STATUSES)
        for (const target of PARTNER_ORDER_STATUSES) cases.push({ status, service, target });
    }

    it('agrees with T-Gate (the sandbox) on every status, service type and target', async () => {
      const disagreements: string[] = [];
      let n = 0;
      for (const { status, service, target } of cases) {
        n += 1;
        const order = newOrder(`t-${n}`, service === 'pickup' ? { service_type: 'pickup', address: undefined } : {});
        if (status !== 'pending') world.sandbox.store.update('orders', order.id, { order_status: status });
        const current = world.sandbox.getRecord('orders', order.id)!;
        const since = world.sandbox.requestCount;
        const outcome = await run({
          id: order.id,
          order_status: target,
          ...(target === 'cancelled' ? { cancel_reason: 'test' } : {}),
        });
        const calls = callsSince(since);
        const allowed = allowedStatusTargets(current);
        const what = `${service} order ${status} -> ${target}`;
        if (status === target) {
          if (result(outcome)?.outcome !== 'unchanged' || calls.length !== 1)
            disagreements.push(
              `${what}: expected unchanged with only the GET, got ${JSON.stringify({ errors: outcome.errors.map((e) => e.message), calls })}`,
            );
          continue;
        }
        // What T-Gate itself answers, asked directly (on a copy of the order in the same state).
        const probe = newOrder(`p-${n}`, service === 'pickup' ? { service_type: 'pickup', address: undefined } : {});
        world.sandbox.store.update('orders', probe.id, { order_status: status });
        let tgateAllows = true;
        try {
          world.sandbox.orders.updateAsPartner(probe.id, { order_status: target, cancel_reason: 'test' });
        } catch {
          tgateAllows = false;
        }
        if (tgateAllows) {
          if (result(outcome)?.outcome !== 'updated')
            disagreements.push(
              `${what}: T-Gate allows it, the action said ${outcome.errors.map((e) => e.message).join('; ')}`,
            );
          continue;
        }
        const message = outcome.errors[0]?.message ?? '';
        const names =
          message.includes(`Order ${order.id} is ${status} (${service})`) &&
          message.includes(`allowed: ${allowed.join(', ') || 'nothing'}`);
        if (outcome.data.length !== 0 || !names || calls.some((c) => c.startsWith('PATCH'))) {
          disagreements.push(
            `${what}: expected a refusal naming the status and the allowed targets with no PATCH, got ${JSON.stringify({ message, calls })}`,
          );
        }
      }
      expect(disagreements).to.deep.equal([]);
    });

    it('says why in_route is refused for a pickup order', async () => {
      const order = newOrder('pickup', { service_type: 'pickup', address: undefined });
      world.sandbox.updateOrderAsCompany(order.id, { order_status: 'ready' });
      const outcome = await run({ id: order.id, order_status: 'in_route' });
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([
        `Order ${order.id} is ready (pickup): T-Gate does not allow order_status in_route from there (in_route is for delivery orders only); allowed: cancelled. Nothing was sent`,
      ]);
    });
  });

  describe('bad input, refused before any request', () => {
    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['no id', { order_status: 'done' }, 'id is required'],
      ['an id that is text', { id: 'abc', order_status: 'done' }, 'id must be an integer'],
      ['nothing to change', { id: 1 }, 'order_status is required; payment_status is required'],
      [
        'a status the partner cannot set',
        { id: 1, order_status: 'ready' },
        'order_status must be one of "in_route", "done", "cancelled"',
      ],
      ['a cancel without a reason', { id: 1, order_status: 'cancelled' }, 'cancel_reason is required'],
      ['an unknown payment status', { id: 1, payment_status: 'refunded' }, 'payment_status must be one of'],
    ];
    for (const [what, body, words] of bad) {
      it(what, async () => {
        const since = world.sandbox.requestCount;
        const outcome = await run(body);
        expect(outcome.errors).to.have.length(1);
        expect(outcome.errors[0].message)
          .to.match(/^Invalid message body: /)
          .and.contain(words);
        expect(world.sandbox.requestCount - since).to.equal(0);
      });
    }

    it("an unknown order is T-Gate's 404, named", async () => {
      const outcome = await run({ id: 999, payment_status: 'paid' });
      expect(outcome.errors.map((e) => e.message)[0]).to.contain('GET /partner/v1/orders/999 answered 404');
    });
  });
});
