import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { deliveryOrder, line, OrderBody, orderRequestsSince, TUESDAY_NOON_RIYADH } from '../../helpers/orders';
import type { Sandbox } from '../../../lib/sandbox';
import createOut from '../../../lib/schemas/createOrder.out.json';
import calculateOut from '../../../lib/schemas/calculateOrder.out.json';
import Ajv from 'ajv';
import { forAjv } from '../../../lib/schemas/validate';

/** Problems of an emitted body against the action's out schema ([] when it conforms). */
function outProblems(schema: object, body: unknown): string[] {
  const check = new Ajv({ allErrors: true, strict: false }).compile(forAjv(schema));
  return check(body) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const calculateOrder = loadFunction('calculateOrder');
const createOrder = loadFunction('createOrder');

/** One plain product (Mutabbaq, 17) at a brand 102 branch, menu 304. */
const kabsa = (uuid: string, branch_id: number, changes: OrderBody = {}): OrderBody =>
  deliveryOrder(uuid, { brand_id: 102, branch_id, menu_id: 304, items: [line(1205, 1)], total_price: 17, ...changes });

describe("actions calculateOrder and createOrder: T-Gate's create-order rules through the sailor", function () {
  this.timeout(30_000);
  let world: World;
  let sandbox: Sandbox;
  const run = (fn: typeof createOrder, body: OrderBody): Promise<StepOutcome> =>
    runStep(fn, { id: 'm-1', body }, world.cfg, world.platform);

  before(async () => {
    world = await createWorld();
    sandbox = world.sandbox;
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(() => {
    sandbox.seedCatalog();
    sandbox.setClock(TUESDAY_NOON_RIYADH);
  });

  it('calculates the total and the per-item breakdown, creating nothing', async () => {
    const outcome = await run(
      calculateOrder,
      deliveryOrder('ignored', { app_order_uuid: undefined, total_price: undefined, address: undefined }),
    );
    expect(outcome.errors).to.deep.equal([]);
    const body = outcome.data[0].body as {
      total_price: number;
      currency: string;
      items: Array<{ total_price: number; children: unknown[] }>;
    };
    expect(outcome.data).to.have.length(1);
    expect(body).to.deep.include({ brand_id: 101, branch_id: 202, menu_id: 301, currency: 'SAR', total_price: 66.5 });
    expect(body.items.map((i) => i.total_price)).to.deep.equal([32, 34.5]);
    expect(sandbox.store.count('orders')).to.equal(0);
    expect(outProblems(calculateOut, body)).to.deep.equal([]);
  });

  it("creates an order in one POST and emits it as created, in T-Gate's field names", async () => {
    const since = sandbox.requestCount;
    const outcome = await run(createOrder, deliveryOrder('first-order'));
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.have.length(1);
    const { order, outcome: how } = outcome.data[0].body as { order: Record<string, unknown>; outcome: string };
    expect(how).to.equal('created');
    expect(order).to.deep.include({
      app_order_uuid: 'first-order',
      brand_id: 101,
      branch_id: 202,
      total_price: 66.5,
      order_status: 'pending',
      notes: 'No onions, please',
    });
    expect(order.address).to.deep.equal({ full_address: '12 Olaya Street, Riyadh', lat: 24.69, lng: 46.68 });
    const requests = orderRequestsSince(sandbox, since);
    expect({ posts: requests.posts, lookups: requests.lookups, calculations: requests.calculations }).to.deep.equal({
      posts: 1,
      lookups: 0,
      calculations: 0,
    });
    expect(outProblems(createOut, outcome.data[0].body)).to.deep.equal([]);
  });

  it('with calculateTotal: true, calculates first and sends that total (any total in the message is replaced)', async () => {
    const since = sandbox.requestCount;
    const outcome = await run(createOrder, deliveryOrder('calc-first', { total_price: 1, calculateTotal: true }));
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as { order: { total_price: number } }).order.total_price).to.equal(66.5);
    const requests = orderRequestsSince(sandbox, since);
    expect({ posts: requests.posts, calculations: requests.calculations }).to.deep.equal({ posts: 1, calculations: 1 });
  });

  it('sends only the fields T-Gate takes: a T-Gate-shaped order with extra fields passes straight through', async () => {
    const outcome = await run(
      createOrder,
      deliveryOrder('passed-through', { id: 77, order_status: 'done', created_at: 'yesterday' }),
    );
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as { order: { order_status: string; id: number } }).order.order_status).to.equal(
      'pending',
    );
  });

  describe('accepted when the catalog and the clock allow it', () => {
    const accepted: Array<[string, (s: Sandbox) => void, OrderBody]> = [
      [
        'past midnight in Riyadh, inside 10:00-02:00 (branch working)',
        (s) => s.setClock('2026-12-01T22:30:00Z'),
        deliveryOrder('late'),
      ],
      [
        "the day before a force-closed special timing, in another brand's granted scope and menu (branch working, integration scopes, menu active)",
        () => undefined,
        kabsa('kabsa', 206),
      ],
      [
        'pickup where delivery is not active (service type)',
        () => undefined,
        deliveryOrder('pickup-204', { branch_id: 204, service_type: 'pickup', address: undefined }),
      ],
      [
        'the same order under a new app_order_uuid (unique app_order_uuid)',
        (s) => {
          s.orders.create(deliveryOrder('earlier'));
        },
        deliveryOrder('later'),
      ],
      [
        'breakfast on a Tuesday morning in Cairo (section open)',
        () => undefined,
        deliveryOrder('breakfast', {
          brand_id: 103,
          branch_id: 211,
          menu_id: 308,
          items: [line(1213, 1)],
          total_price: 17,
        }),
      ],
      [
        'an item inactive in another branch (item active)',
        () => undefined,
        deliveryOrder('platter', { items: [line(1221, 1)], total_price: 17 }),
      ],
      [
        'an optional modifier group left out (modifier group min 0)',
        () => undefined,
        deliveryOrder('plain', { items: [line(1114, 1)], total_price: 27 }),
      ],
      [
        'pickup without an address (delivery address)',
        () => undefined,
        deliveryOrder('pickup', { service_type: 'pickup', address: undefined }),
      ],
      [
        'a total equal to two decimals (total price)',
        () => undefined,
        deliveryOrder('rounded', { total_price: 66.499999 }),
      ],
    ];
    for (const [what, setUp, body] of accepted) {
      it(what, async () => {
        setUp(sandbox);
        const before = sandbox.store.count('orders');
        const outcome = await run(createOrder, body);
        expect(outcome.errors.map((e) => e.message)).to.deep.equal([]);
        expect((outcome.data[0].body as { outcome: string }).outcome).to.equal('created');
        expect(sandbox.store.count('orders')).to.equal(before + 1);
      });
    }
  });

  describe("refused by T-Gate (422, Rails' errors shape): an error with T-Gate's words and the field, nothing emitted or created", () => {
    /** [what, set-up, body, field, T-Gate's words (the full message: field, then its message)]. */
    const refused: Array<[string, ((s: Sandbox) => void) | undefined, OrderBody, string, string]> = [
      [
        'outside the integration scopes',
        undefined,
        deliveryOrder('x', { brand_id: 104, branch_id: 216, menu_id: 310 }),
        'branch_id',
        'branch_id 216 is not granted with brand 104 and menu 310',
      ],
      ['a force-closed branch', undefined, deliveryOrder('x', { branch_id: 205 }), 'branch_id', 'force-closed'],
      [
        'a branch force-closed under the brand',
        undefined,
        kabsa('x', 210),
        'branch_id',
        'force-closed under brand 102',
      ],
      [
        'a branch outside its opening hours',
        (s) => s.setClock('2026-12-01T00:30:00Z'),
        deliveryOrder('x'),
        'branch_id',
        'outside its opening hours',
      ],
      [
        'a service the branch does not offer',
        undefined,
        deliveryOrder('x', { service_type: 'dine_in' }),
        'service_type',
        'service_type dine_in is not offered by branch 202',
      ],
      ['a service that is not active', undefined, deliveryOrder('x', { branch_id: 204 }), 'service_type', 'not active'],
      ['an inactive menu', undefined, deliveryOrder('x', { menu_id: 303 }), 'menu_id', 'inactive'],
      ['a menu inactive in the branch', undefined, kabsa('x', 207), 'menu_id', 'inactive in branch 207'],
      [
        'an item of another menu',
        undefined,
        deliveryOrder('x', { items: [line(1201, 1)], total_price: 27 }),
        'items[0].item_id',
        'not on menu 301',
      ],
      [
        'a force-closed section',
        undefined,
        deliveryOrder('x', { items: [line(1222, 1)], total_price: 19.5 }),
        'items[0].item_id',
        'force-closed',
      ],
      [
        'a section outside its hours (breakfast on a Friday)',
        (s) => s.setClock('2026-12-04T09:00:00Z'),
        deliveryOrder('x', { brand_id: 103, branch_id: 211, menu_id: 308, items: [line(1213, 1)], total_price: 17 }),
        'items[0].item_id',
        'outside its opening hours',
      ],
      [
        'an inactive item',
        (s) => s.updateRecord('items', 1199, { is_active: false }),
        deliveryOrder('x', { items: [line(1199, 1)], total_price: 22 }),
        'items[0].item_id',
        'inactive',
      ],
      [
        'an item inactive in the branch',
        undefined,
        deliveryOrder('x', { branch_id: 201, items: [line(1221, 1)], total_price: 17 }),
        'items[0].item_id',
        'inactive in branch 201',
      ],
      [
        'a required modifier group left out (min)',
        undefined,
        deliveryOrder('x', { items: [line(1005, 1)], total_price: 12 }),
        'items[0].children',
        'at least 1',
      ],
      [
        'too many choices (max)',
        undefined,
        deliveryOrder('x', { items: [line(1005, 1, [line(1004, null, [line(1002, 1), line(1003, 1)])])] }),
        'items[0].children[0]',
        'at most 1',
      ],
      [
        'too many of one modifier (max_num_of_same_item)',
        undefined,
        deliveryOrder('x', { items: [line(1114, 1, [line(1113, null, [line(1111, 3)])])] }),
        'items[0].children[0]',
        'at most 2',
      ],
      [
        'a total that differs from the calculation',
        undefined,
        deliveryOrder('x', { total_price: 66.49 }),
        'total_price',
        'total_price does not match the calculated total 66.50',
      ],
    ];
    for (const [what, setUp, body, field, words] of refused) {
      it(what, async () => {
        setUp?.(sandbox);
        const outcome = await run(createOrder, body);
        expect(outcome.data).to.deep.equal([]);
        expect(outcome.rebounds).to.deep.equal([]);
        expect(outcome.errors).to.have.length(1);
        const err = outcome.errors[0] as Error & { field?: string };
        expect(err.message)
          .to.match(/^T-Gate refused to create order "x" \(field /)
          .and.contain(`(field ${field}): `)
          .and.contain(words)
          .and.contain(`To fix: check ${field}`)
          .and.not.contain('Unprocessable Entity');
        expect(err.field).to.equal(field);
        expect(sandbox.store.count('orders')).to.equal(0);
        expect(leakedSecrets(world, [err.message, ...outcome.logLines])).to.deep.equal([]);
      });
    }

    it("calculateOrder says T-Gate's words too", async () => {
      const outcome = await run(calculateOrder, deliveryOrder('x', { branch_id: 205, app_order_uuid: undefined }));
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([
        'T-Gate refused to calculate the order total (field branch_id): branch_id 205 is force-closed. To fix: check branch_id, then send a corrected message',
      ]);
    });
  });

  describe('bad input: refused before any request, naming the field', () => {
    const bad: Array<[string, OrderBody, string]> = [
      [
        'a quantity that is not whole, deep in the tree',
        deliveryOrder('x', { items: [line(1005, 1), line(1114, 1, [line(1113, null, [line(1111, 1.5)])])] }),
        'items[1].children[0].children[0].quantity must be an integer or null',
      ],
      [
        'an item without children',
        deliveryOrder('x', { items: [{ item_id: 1199, quantity: 1 }] }),
        'items[0].children is required',
      ],
      ['a quantity of 0', deliveryOrder('x', { items: [line(1199, 0)] }), 'items[0].quantity must be >= 1'],
      ['no app_order_uuid', deliveryOrder('x', { app_order_uuid: undefined }), 'app_order_uuid is required'],
      ['a blank app_order_uuid', deliveryOrder('x', { app_order_uuid: '   ' }), 'app_order_uuid must match pattern'],
      ['a brand id that is text', deliveryOrder('x', { brand_id: '101' }), 'brand_id must be an integer'],
      [
        'no total_price and no calculateTotal',
        deliveryOrder('x', { total_price: undefined }),
        'total_price is required',
      ],
      ['a delivery without an address', deliveryOrder('x', { address: undefined }), 'address is required'],
      [
        'a delivery address without lat',
        deliveryOrder('x', { address: { full_address: 'Olaya', lng: 46.6 } }),
        'address.lat is required',
      ],
      [
        'a latitude out of range',
        deliveryOrder('x', { address: { full_address: 'Olaya', lat: 124.6, lng: 46.6 } }),
        'address.lat must be <= 90',
      ],
      [
        'an unknown payment status',
        deliveryOrder('x', { payment_status: 'refunded' }),
        'payment_status must be one of "pending_payment", "paid", "free"',
      ],
      ['no items', deliveryOrder('x', { items: [] }), 'items must NOT have fewer than 1 items'],
    ];
    for (const [what, body, words] of bad) {
      it(what, async () => {
        const since = sandbox.requestCount;
        const outcome = await run(createOrder, body);
        expect(outcome.data).to.deep.equal([]);
        expect(outcome.errors).to.have.length(1);
        expect(outcome.errors[0].message)
          .to.match(/^Invalid message body: /)
          .and.contain(words);
        expect(sandbox.requestCount - since, 'no request').to.equal(0);
      });
    }

    it('calculateOrder validates the same item tree', async () => {
      const since = sandbox.requestCount;
      const outcome = await run(calculateOrder, {
        brand_id: 101,
        branch_id: 202,
        menu_id: 301,
        service_type: 'pickup',
        items: [line(1005, 2, [line(1004, null, [line(1003, 'one' as unknown as number)])])],
      });
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([
        'Invalid message body: items[0].children[0].children[0].quantity must be an integer or null',
      ]);
      expect(sandbox.requestCount - since).to.equal(0);
    });
  });
});
