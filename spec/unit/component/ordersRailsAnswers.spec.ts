import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { deliveryOrder, ORDERS_PATH, orderRequestsSince, TUESDAY_NOON_RIYADH } from '../../helpers/orders';
import { Reply, ScriptedApi, SeenRequest, startScriptedApi } from '../../helpers/scriptedTGate';
import type { Order } from '../../../lib/tgate';

const createOrder = loadFunction('createOrder');
const calculateOrder = loadFunction('calculateOrder');
const updateOrder = loadFunction('updateOrder');
const lookupObject = loadFunction('lookupObject');

const post = { method: 'POST', path: ORDERS_PATH };
const stored = { ...post, afterHandler: true };

type Emitted = { order: Order; outcome: string };

/**
 * createOrder against T-Gate answering the way a Rails application can: a 2xx that is not this message's
 * order, "taken" in Rails' shapes and as a 409, and T-Gate's own words in every Rails error shape.
 */
describe('action createOrder and the other T-Gate calls: answers the way a Rails app gives them', function () {
  this.timeout(60_000);
  let world: World;
  const run = (fn: typeof createOrder, body: Record<string, unknown>): Promise<StepOutcome> =>
    runStep(fn, { id: 'm-1', body }, world.cfg, world.platform);
  const emitted = (outcome: StepOutcome): Emitted[] => outcome.data.map((d) => d.body as Emitted);
  const requests = (since: number) => {
    const { posts, lookups } = orderRequestsSince(world.sandbox, since);
    return { posts, lookups };
  };
  /** The one error of a run that emitted nothing and did not rebound: its class name and message. */
  const onlyError = (outcome: StepOutcome): { name: string; message: string } => {
    expect(outcome.data, 'emitted').to.deep.equal([]);
    expect(outcome.rebounds, 'rebounds').to.deep.equal([]);
    expect(outcome.errors).to.have.length(1);
    expect(leakedSecrets(world, [outcome.errors[0].message, ...outcome.logLines])).to.deep.equal([]);
    return { name: outcome.errors[0].name, message: outcome.errors[0].message };
  };

  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(() => {
    world.sandbox.seedCatalog();
    world.sandbox.clearFaults();
    world.sandbox.setClock(TUESDAY_NOON_RIYADH);
  });

  describe("a 2xx that is not the message's order is ambiguous: looked up, never taken for the order", () => {
    const notTheOrder: Array<[string, Record<string, unknown>]> = [
      ['{"status":"ok"}', { status: 201, body: { status: 'ok' } }],
      ['an empty body (204)', { status: 204 }],
      ['a JSON list', { status: 200, body: [] }],
    ];
    for (const [what, answer] of notTheOrder) {
      it(`${what}, after T-Gate stored the order: the stored order is emitted (found), one lookup, no second POST`, async () => {
        world.sandbox.injectFault({ ...stored, ...answer });
        const since = world.sandbox.requestCount;
        const outcome = await run(createOrder, deliveryOrder('ambiguous-stored'));
        const [only] = [...world.sandbox.store.records('orders')];
        expect(emitted(outcome)).to.deep.equal([{ order: only, outcome: 'found' }]);
        expect(only.app_order_uuid).to.equal('ambiguous-stored');
        expect(requests(since)).to.deep.equal({ posts: 1, lookups: 1 });
      });
    }

    it('{"status":"ok"} with nothing stored: an error saying what came back, nothing emitted, no second POST', async () => {
      world.sandbox.injectFault({ ...post, status: 201, body: { status: 'ok' } });
      const since = world.sandbox.requestCount;
      const error = onlyError(await run(createOrder, deliveryOrder('ambiguous-lost')));
      expect(error.name).to.equal('TGateAmbiguousCreateError');
      expect(error.message).to.equal(
        'T-Gate answered 201 to creating order "ambiguous-lost" with a JSON object without an ' +
          'order id (keys "status"), not the order it created, and no order with this app_order_uuid is visible to this ' +
          'application. Nothing was emitted: check the order in T-Gate (and TGATE_API_BASE_URL) before sending the message again',
      );
      expect(requests(since)).to.deep.equal({ posts: 1, lookups: 1 });
      expect(world.sandbox.store.count('orders')).to.equal(0);
    });

    it("another order in the answer, this one stored: this message's order is emitted, never the other", async () => {
      const other = world.sandbox.orders.create(deliveryOrder('someone-else'));
      world.sandbox.injectFault({ ...stored, status: 201, body: other });
      const outcome = await run(createOrder, deliveryOrder('mine'));
      const mine = [...world.sandbox.store.records('orders')].find((o) => o.app_order_uuid === 'mine');
      expect(emitted(outcome)).to.deep.equal([{ order: mine, outcome: 'found' }]);
    });

    it('another order in the answer, nothing stored: an error naming the order that came back, nothing emitted', async () => {
      const other = world.sandbox.orders.create(deliveryOrder('someone-else'));
      world.sandbox.injectFault({ ...post, status: 201, body: other });
      const error = onlyError(await run(createOrder, deliveryOrder('mine')));
      expect(error.name).to.equal('TGateAmbiguousCreateError');
      expect(error.message).to.contain(
        `with order ${other.id} with app_order_uuid "someone-else", not the order it created`,
      );
      expect(world.sandbox.store.count('orders')).to.equal(1);
    });

    describe('from a scripted loopback T-Gate: an HTML page and an empty 200', () => {
      let api: ScriptedApi;
      let script: (req: SeenRequest) => Reply;
      before(async () => {
        api = await startScriptedApi((req) => script(req));
        process.env.TGATE_API_BASE_URL = `${api.url}/partner/v1`;
      });
      after(async () => {
        process.env.TGATE_API_BASE_URL = world.sandbox.apiBaseUrl;
        await api?.close();
      });
      /** POST answers `answer` and stores the order when `stores`; the lookup lists what is stored. */
      const scripted = (answer: Reply, stores: boolean): Order[] => {
        const orders: Order[] = [];
        script = (req) => {
          if (req.method === 'POST') {
            if (stores) orders.push({ ...deliveryOrder('scripted'), id: 41 } as unknown as Order);
            return answer;
          }
          const uuid = req.query.get('app_order_uuid');
          return { body: orders.filter((o) => o.app_order_uuid === uuid), headers: { 'current-page': '1' } };
        };
        return orders;
      };
      const html = '<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>';

      for (const [what, answer] of [
        ['an HTML page', { text: html }],
        ['an empty 200', {}],
      ] as Array<[string, Reply]>) {
        it(`${what}, the order stored: emitted as found after one lookup`, async () => {
          const orders = scripted(answer, true);
          const outcome = await run(createOrder, deliveryOrder('scripted'));
          expect(emitted(outcome)).to.deep.equal([{ order: orders[0], outcome: 'found' }]);
          expect(api.requests.slice(-2).map((r) => `${r.method} ${r.path}?${r.query.toString()}`)).to.deep.equal([
            'POST /partner/v1/orders?',
            'GET /partner/v1/orders?app_order_uuid=scripted&page=1&items=2',
          ]);
        });
      }

      it('an HTML page, nothing stored: an error saying an HTML page came back', async () => {
        scripted({ text: html }, false);
        const error = onlyError(await run(createOrder, deliveryOrder('scripted')));
        expect(error.name).to.equal('TGateAmbiguousCreateError');
        expect(error.message).to.match(
          /^T-Gate answered 200 to creating order "scripted" with an HTML page, not the order/,
        );
      });
    });
  });

  describe('"already taken" in each shape a Rails app answers: the order is looked up and emitted as found', () => {
    const taken: Array<[string, number, unknown]> = [
      [
        '422 {"app_order_uuid": ["has already been taken"]} (Rails\' default errors JSON)',
        422,
        { app_order_uuid: ['has already been taken'] },
      ],
      ['422 {"errors": {"app_order_uuid": [...]}}', 422, { errors: { app_order_uuid: ['has already been taken'] } }],
      [
        '422 {"errors": ["App order uuid has already been taken"]} (full messages)',
        422,
        { errors: ['App order uuid has already been taken'] },
      ],
      ['409 {"error": "Conflict"}', 409, { error: 'Conflict' }],
      ['409 {"status": 409, "error": "Conflict"} (Rails\' exception page)', 409, { status: 409, error: 'Conflict' }],
    ];
    for (const [what, status, body] of taken) {
      it(what, async () => {
        const existing = world.sandbox.orders.create(deliveryOrder('taken'));
        world.sandbox.injectFault({ ...post, status, body });
        const since = world.sandbox.requestCount;
        const outcome = await run(createOrder, deliveryOrder('taken'));
        expect(emitted(outcome)).to.deep.equal([{ order: existing, outcome: 'found' }]);
        expect(requests(since)).to.deep.equal({ posts: 1, lookups: 1 });
        expect(world.sandbox.store.count('orders')).to.equal(1);
      });
    }

    it("the sandbox's own answer to a second create is Rails' shape, and is read as taken", async () => {
      const first = emitted(await run(createOrder, deliveryOrder('twice')));
      const second = emitted(await run(createOrder, deliveryOrder('twice')));
      expect(second).to.deep.equal([{ order: first[0].order, outcome: 'found' }]);
      const refused = world.sandbox.requests.filter((r) => r.method === 'POST' && r.path === ORDERS_PATH).slice(-1)[0];
      expect(refused.status).to.equal(422);
    });

    it("a 409 whose order this application cannot see: an error with T-Gate's words, not a second POST", async () => {
      world.sandbox.injectFault({ ...post, status: 409, body: { error: 'Order already exists' } });
      const since = world.sandbox.requestCount;
      const error = onlyError(await run(createOrder, deliveryOrder('conflict-unseen')));
      expect(error.message)
        .to.contain('has already been taken, but no order with it is visible to this application')
        .and.contain('T-Gate answered 409: Order already exists');
      expect(requests(since)).to.deep.equal({ posts: 1, lookups: 1 });
    });
  });

  describe('T-Gate\'s own words from every Rails error shape reach the error, never only "Unprocessable Entity"', () => {
    const words = 'total_price does not match the calculated total 24.0';
    const shapes: Array<[string, unknown, string]> = [
      ["{field: [msgs]} (Rails' default)", { total_price: ['does not match the calculated total 24.0'] }, words],
      ['{errors: {field: [msgs]}}', { errors: { total_price: ['does not match the calculated total 24.0'] } }, words],
      [
        '{errors: [msgs]}',
        { errors: ['Total price does not match the calculated total 24.0'] },
        'Total price does not match the calculated total 24.0',
      ],
      ['{error: msg}', { error: words }, words],
      ['{message: msg}', { message: words }, words],
      ['{base: [msg]} (about the whole order: no field)', { base: ['Branch is closed now'] }, 'Branch is closed now'],
      [
        '{field: [two msgs], other: [msg]}',
        { total_price: ['is not a number', 'must be >= 0'], items: ["can't be blank"] },
        "total_price is not a number; total_price must be >= 0; items can't be blank",
      ],
    ];
    for (const [what, body, said] of shapes) {
      it(`createOrder, ${what}`, async () => {
        world.sandbox.injectFault({ ...post, status: 422, body });
        const error = onlyError(await run(createOrder, deliveryOrder('words')));
        expect(error.name).to.equal('TGateOrderRefusedError');
        expect(error.message).to.contain(`: ${said}. To fix:`).and.not.contain('Unprocessable Entity');
      });
    }

    it('calculateOrder, {field: [msgs]}', async () => {
      world.sandbox.injectFault({
        method: 'POST',
        path: `${ORDERS_PATH}/calculate`,
        status: 422,
        body: { menu_id: ['is inactive'] },
      });
      const error = onlyError(await run(calculateOrder, deliveryOrder('x', { app_order_uuid: undefined })));
      expect(error.message).to.equal(
        'T-Gate refused to calculate the order total (field menu_id): menu_id is inactive. ' +
          'To fix: check menu_id, then send a corrected message',
      );
    });

    it('updateOrder, {field: [msgs]} on the PATCH', async () => {
      const order = world.sandbox.orders.create(deliveryOrder('to-cancel'));
      world.sandbox.injectFault({
        method: 'PATCH',
        path: `${ORDERS_PATH}/${order.id}`,
        status: 422,
        body: { cancel_reason: ['is too long (maximum is 255 characters)'] },
      });
      const error = onlyError(await run(updateOrder, { id: order.id, order_status: 'cancelled', cancel_reason: 'x' }));
      expect(error.message).to.contain(
        `T-Gate refused to update order ${order.id} (field cancel_reason): ` +
          'cancel_reason is too long (maximum is 255 characters)',
      );
    });

    it("lookupObject, a 403 {field: [msgs]} on a GET: T-Gate's words in the message", async () => {
      world.sandbox.injectFault({
        method: 'GET',
        path: '/partner/v1/branches/202',
        status: 403,
        body: { branch_id: ['is outside your integration scopes'] },
      });
      const outcome = await runStep(
        lookupObject,
        { id: 'm-1', body: { id: 202 } },
        { ...world.cfg, resourceType: 'branches' },
        world.platform,
      );
      const error = onlyError(outcome);
      expect(error.message)
        .to.contain('GET /partner/v1/branches/202 answered 403: branch_id is outside your integration scopes')
        .and.not.contain('Forbidden');
    });
  });
});
