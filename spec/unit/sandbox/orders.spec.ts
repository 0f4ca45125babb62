import { expect } from 'chai';
import { AxiosError, AxiosResponse } from 'axios';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { OrderRefusedError } from '../../../lib/sandbox/orderDesk';
import { CLIENT, bearer, http } from './support';

/** Tuesday 2026-12-01, 12:00 in Riyadh (brand 101's branches open 10:00 to 02:00), 11:00 in Cairo. */
const TUESDAY_NOON_RIYADH = '2026-12-01T09:00:00Z';

type Body = Record<string, unknown>;
const node = (item_id: number, quantity: number | null, children: unknown[] = []) => ({ item_id, quantity, children });

/**
 * A valid delivery order at branch 202 (brand 101, menu 301):
 *   2 x Chicken Shawarma (12) with size Large (4): (12 + 4) x 2 = 32
 *   1 x Fattoush (27) with extras 2 x cheese (3) and 1 x sauce (1.5): 27 + 6 + 1.5 = 34.5
 */
function validOrder(overrides: Body = {}): Body {
  return {
    brand_id: 101,
    branch_id: 202,
    menu_id: 301,
    service_type: 'delivery',
    app_order_uuid: 'partner-order-1',
    items: [
      node(1005, 2, [node(1004, null, [node(1003, 1)])]),
      node(1114, 1, [node(1113, null, [node(1111, 2), node(1112, 1)])]),
    ],
    total_price: 66.5,
    address: { full_address: '12 Olaya Street, Riyadh', lat: 24.69, lng: 46.68 },
    customer: { name: 'Sara Al-Qahtani', phone_number: '+966500000001' },
    notes: 'No onions, please',
    ...overrides,
  };
}

/** One plain product (Mutabbaq, 17) at a brand 102 branch, menu 304. */
const kabsaOrder = (branch_id: number, overrides: Body = {}): Body =>
  validOrder({ brand_id: 102, branch_id, menu_id: 304, items: [node(1205, 1)], total_price: 17, ...overrides });

/** A 422 in Rails' default errors shape, `{"<field>": ["<message>"]}`: its one field and full message. */
function railsRefusal(res: AxiosResponse): { field: string; text: string } {
  expect(res.status, JSON.stringify(res.data)).to.equal(422);
  const entries = Object.entries(res.data as Record<string, unknown>);
  expect(entries, JSON.stringify(res.data)).to.have.length(1);
  const [[field, messages]] = entries;
  expect(messages).to.be.an('array').with.length(1);
  return { field, text: `${field} ${(messages as string[])[0]}` };
}

describe('sandbox: orders', () => {
  let sandbox: Sandbox;
  let token: string;
  const api = (path: string) => `${sandbox.apiBaseUrl}${path}`;
  const create = (body: Body): Promise<AxiosResponse> => http.post(api('/orders'), body, bearer(token));
  const calculate = (body: Body): Promise<AxiosResponse> => http.post(api('/orders/calculate'), body, bearer(token));
  const patch = (id: number, body: Body): Promise<AxiosResponse> =>
    http.patch(api(`/orders/${id}`), body, bearer(token));
  const byUuid = async (uuid: string) =>
    (await http.get(api('/orders'), { ...bearer(token), params: { app_order_uuid: uuid } })).data as Body[];

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT], now: TUESDAY_NOON_RIYADH });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
  });

  afterEach(async () => {
    await sandbox.close();
  });

  describe('calculate and create', () => {
    it('calculates the total bottom-up with a per-item breakdown, and creates the order with that total', async () => {
      const calculated = await calculate(validOrder({ app_order_uuid: undefined, total_price: undefined }));
      expect(calculated.status).to.equal(200);
      expect(calculated.data).to.deep.include({
        brand_id: 101,
        branch_id: 202,
        menu_id: 301,
        service_type: 'delivery',
        currency: 'SAR',
        total_price: 66.5,
      });
      const [shawarma, fattoush] = calculated.data.items;
      expect(shawarma).to.deep.include({
        item_id: 1005,
        item_type: 'product',
        quantity: 2,
        price: 12,
        total_basic_price_per_unit: 16,
        total_price: 32,
      });
      expect(shawarma.children[0]).to.deep.include({
        item_id: 1004,
        item_type: 'modifier_group',
        quantity: null,
        price: 0,
        total_price: 4,
      });
      expect(shawarma.children[0].children[0]).to.deep.include({ item_id: 1003, price: 4, total_price: 4 });
      expect(fattoush).to.deep.include({ total_basic_price_per_unit: 34.5, total_price: 34.5 });
      expect(sandbox.store.count('orders'), 'calculate stores nothing').to.equal(0);

      const created = await create(validOrder({ total_price: calculated.data.total_price }));
      expect(created.status).to.equal(201);
      expect(created.data).to.deep.include({
        id: 1,
        app_order_uuid: 'partner-order-1',
        brand_id: 101,
        branch_id: 202,
        menu_id: 301,
        service_type: 'delivery',
        order_status: 'pending',
        payment_status: 'pending_payment',
        total_price: 66.5,
        estimated_time: null,
        cancel_reason: null,
        notes: 'No onions, please',
        created_at: '2026-12-01T09:00:00.000Z',
        updated_at: '2026-12-01T09:00:00.000Z',
      });
      expect(created.data.items).to.deep.equal(validOrder().items);
      expect(created.data.address).to.deep.equal({ full_address: '12 Olaya Street, Riyadh', lat: 24.69, lng: 46.68 });
      expect(created.data.customer).to.deep.equal({ name: 'Sara Al-Qahtani', phone_number: '+966500000001' });

      expect((await http.get(api('/orders/1'), bearer(token))).data).to.deep.equal(created.data);
      expect(await byUuid('partner-order-1')).to.deep.equal([created.data]);
      expect(
        (await http.get(api('/orders'), { ...bearer(token), params: { order_status: 'pending', branch_id: 202 } }))
          .data,
      ).to.have.length(1);
    });

    it('accepts a total equal to two decimals, a pickup order without an address, and initial payment statuses', async () => {
      expect((await create(validOrder({ total_price: 66.499999 }))).status).to.equal(201);
      const pickup = await create(
        validOrder({ app_order_uuid: 'p-2', service_type: 'pickup', address: undefined, payment_status: 'paid' }),
      );
      expect(pickup.status).to.equal(201);
      expect(pickup.data).to.deep.include({ address: null, payment_status: 'paid' });
      expect(
        (await create(validOrder({ app_order_uuid: 'p-3', payment_status: 'free' }))).data.payment_status,
      ).to.equal('free');
    });

    it('takes orders at the default (real) clock: brand 103 is open around the clock', async () => {
      const realTime = await startSandbox({ clients: [CLIENT] });
      try {
        const { access_token } = await realTime.issueTokens(CLIENT.clientId);
        const res = await http.post(
          `${realTime.apiBaseUrl}/orders`,
          validOrder({
            brand_id: 103,
            branch_id: 211,
            menu_id: 307,
            service_type: 'pickup',
            items: [node(1211, 2)],
            total_price: 24,
          }),
          bearer(access_token),
        );
        expect(res.status, JSON.stringify(res.data)).to.equal(201);
      } finally {
        await realTime.close();
      }
    });

    it('answers 401 without a token and 400/415 for bodies that are not JSON', async () => {
      expect((await http.post(api('/orders'), validOrder())).status).to.equal(401);
      expect(
        (
          await http.post(api('/orders'), '{"brand_id":', {
            ...bearer(token),
            headers: { ...bearer(token).headers, 'Content-Type': 'application/json' },
            transformRequest: [(d: unknown) => d],
          })
        ).status,
      ).to.equal(400);
      expect(
        (
          await http.post(api('/orders'), 'brand_id=1', {
            headers: { ...bearer(token).headers, 'Content-Type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).to.equal(415);
    });
  });

  describe("refuses each of T-Gate's create-order constraints with 422 in Rails' shape, naming the field (the rule in process)", () => {
    /** [what, the sandbox set-up (optional), the body, rule, field, words of the message]. */
    const cases: Array<[string, ((s: Sandbox) => void) | undefined, Body, string, string, string]> = [
      [
        'an item without children',
        undefined,
        validOrder({ items: [{ item_id: 1199, quantity: 1 }] }),
        'Invalid or missing parameters',
        'items[0].children',
        'missing',
      ],
      [
        'a quantity of 0',
        undefined,
        validOrder({ items: [node(1199, 0)] }),
        'Invalid or missing parameters',
        'items[0].quantity',
        'integer >= 1',
      ],
      [
        'a null quantity on a product',
        undefined,
        validOrder({ items: [node(1199, null)] }),
        'Invalid or missing parameters',
        'items[0].quantity',
        'only for a modifier group',
      ],
      [
        'a null quantity on a modifier',
        undefined,
        validOrder({ items: [node(1005, 1, [node(1004, null, [node(1003, null)])])] }),
        'Invalid or missing parameters',
        'items[0].children[0].children[0].quantity',
        'only for a modifier group',
      ],
      [
        'no app_order_uuid',
        undefined,
        validOrder({ app_order_uuid: undefined }),
        'Invalid or missing parameters',
        'app_order_uuid',
        'app_order_uuid',
      ],
      [
        'a brand id that is text',
        undefined,
        validOrder({ brand_id: '101' }),
        'Invalid or missing parameters',
        'brand_id',
        'integer',
      ],
      [
        'a combination outside the integration scopes',
        undefined,
        validOrder({ brand_id: 104, branch_id: 216, menu_id: 310 }),
        'Integration scopes',
        'branch_id',
        'branch_id 216 is not granted with brand 104 and menu 310',
      ],
      [
        'a menu of another brand',
        undefined,
        validOrder({ menu_id: 304 }),
        'Integration scopes',
        'branch_id',
        'menu 304',
      ],
      [
        'a force-closed branch',
        undefined,
        validOrder({ branch_id: 205 }),
        'Branch working',
        'branch_id',
        'branch_id 205 is force-closed',
      ],
      [
        'a branch force-closed under the brand',
        undefined,
        kabsaOrder(210),
        'Branch working',
        'branch_id',
        'force-closed under brand 102',
      ],
      [
        'a branch outside its opening hours',
        (s) => s.setClock('2026-12-01T00:30:00Z'),
        validOrder(),
        'Branch working',
        'branch_id',
        'outside its opening hours',
      ],
      [
        'a branch on a force-closed special timing',
        (s) => s.setClock('2026-12-02T09:00:00Z'),
        kabsaOrder(206),
        'Branch working',
        'branch_id',
        'branch_id 206',
      ],
      [
        'a service the branch does not offer',
        undefined,
        validOrder({ service_type: 'dine_in' }),
        'Service type',
        'service_type',
        'dine_in is not offered by branch 202',
      ],
      [
        'a service that is not active',
        undefined,
        validOrder({ branch_id: 204 }),
        'Service type',
        'service_type',
        'delivery is not active in branch 204',
      ],
      [
        'an inactive menu',
        undefined,
        validOrder({ menu_id: 303 }),
        'Menu active',
        'menu_id',
        'menu_id 303 is inactive',
      ],
      ['a menu inactive in the branch', undefined, kabsaOrder(207), 'Menu active', 'menu_id', 'inactive in branch 207'],
      [
        'an item of another menu',
        undefined,
        validOrder({ items: [node(1201, 1)], total_price: 27 }),
        'Menu structure',
        'items[0].item_id',
        'not on menu 301',
      ],
      [
        'a modifier ordered on its own',
        undefined,
        validOrder({ items: [node(1003, 1)] }),
        'Menu structure',
        'items[0].item_id',
        'only products',
      ],
      [
        'a modifier group of another product',
        undefined,
        validOrder({ items: [node(1199, 1, [node(1004, null, [node(1003, 1)])])] }),
        'Menu structure',
        'items[0].children[0].item_id',
        'not a child of item 1199',
      ],
      [
        'an unknown item',
        undefined,
        validOrder({ items: [node(99999, 1)] }),
        'Menu structure',
        'items[0].item_id',
        'items[0].item_id 99999 does not exist',
      ],
      [
        'a force-closed section',
        undefined,
        validOrder({ items: [node(1222, 1)], total_price: 19.5 }),
        'Section open',
        'items[0].item_id',
        'section 402, which is force-closed',
      ],
      [
        'a section force-closed in the branch',
        undefined,
        validOrder({ menu_id: 302, items: [node(1201, 1)], total_price: 27 }),
        'Section open',
        'items[0].item_id',
        'section 403, which is force-closed in branch 202',
      ],
      [
        'a section outside its opening hours (breakfast on a Friday)',
        (s) => s.setClock('2026-12-04T09:00:00Z'),
        validOrder({ brand_id: 103, branch_id: 211, menu_id: 308, items: [node(1213, 1)], total_price: 17 }),
        'Section open',
        'items[0].item_id',
        'section 415, which is outside its opening hours',
      ],
      [
        'an inactive item',
        (s) => s.updateRecord('items', 1199, { is_active: false }),
        validOrder({ items: [node(1199, 1)], total_price: 22 }),
        'Item active',
        'items[0].item_id',
        'items[0].item_id 1199 is inactive',
      ],
      [
        'an item inactive in the branch',
        undefined,
        validOrder({ branch_id: 201, items: [node(1221, 1)], total_price: 17 }),
        'Item active',
        'items[0].item_id',
        'inactive in branch 201',
      ],
      [
        'an inactive modifier',
        (s) => s.updateRecord('items', 1003, { is_active: false }),
        validOrder(),
        'Item active',
        'items[0].children[0].children[0].item_id',
        'item_id 1003 is inactive',
      ],
      [
        'a required modifier group left out (min)',
        undefined,
        validOrder({ items: [node(1005, 1)], total_price: 12 }),
        'Modifier group',
        'items[0].children',
        'at least 1',
      ],
      [
        'too many choices (max)',
        undefined,
        validOrder({ items: [node(1005, 1, [node(1004, null, [node(1002, 1), node(1003, 1)])])] }),
        'Modifier group',
        'items[0].children[0]',
        'at most 1',
      ],
      [
        'too many of one modifier (max_num_of_same_item)',
        undefined,
        validOrder({ items: [node(1114, 1, [node(1113, null, [node(1111, 3)])])] }),
        'Modifier group',
        'items[0].children[0]',
        'item 1111 at most 2',
      ],
      [
        'more choices than max, spread over modifiers',
        undefined,
        validOrder({ items: [node(1114, 1, [node(1113, null, [node(1111, 2), node(1112, 2)])])] }),
        'Modifier group',
        'items[0].children[0]',
        'at most 3',
      ],
      [
        'a delivery without an address',
        undefined,
        validOrder({ address: undefined }),
        'Delivery address',
        'address.full_address',
        'required for delivery',
      ],
      [
        'a delivery without lat',
        undefined,
        validOrder({ address: { full_address: 'Olaya', lng: 46.6 } }),
        'Delivery address',
        'address.lat',
        'required for delivery',
      ],
      [
        'a delivery without lng',
        undefined,
        validOrder({ address: { full_address: 'Olaya', lat: 24.6 } }),
        'Delivery address',
        'address.lng',
        'required for delivery',
      ],
      [
        'a total that differs from the calculation',
        undefined,
        validOrder({ total_price: 66.49 }),
        'Total price',
        'total_price',
        'total_price does not match the calculated total 66.50 (got 66.49)',
      ],
    ];

    for (const [what, setUp, body, rule, field, words] of cases) {
      it(what, async () => {
        setUp?.(sandbox);
        const refusal = railsRefusal(await create(body));
        expect(refusal.field).to.equal(field);
        expect(refusal.text).to.contain(words);
        expect(() => sandbox.orders.create(body))
          .to.throw(OrderRefusedError)
          .with.property('rule', rule);
        expect(sandbox.store.count('orders')).to.equal(0);
      });
    }

    it('refuses a second create with a known app_order_uuid, saying it is taken', async () => {
      expect((await create(validOrder())).status).to.equal(201);
      const again = await create(validOrder({ service_type: 'pickup' }));
      expect(again.status).to.equal(422);
      expect(again.data, "Rails' uniqueness message, word for word").to.deep.equal({
        app_order_uuid: ['has already been taken'],
      });
      expect(sandbox.store.count('orders')).to.equal(1);
    });

    it('calculate applies the catalog rules too, but not the create-only ones', async () => {
      const closed = await calculate(validOrder({ branch_id: 205 }));
      expect(railsRefusal(closed).text).to.equal('branch_id 205 is force-closed');
      const noAddress = await calculate(validOrder({ address: undefined, total_price: 1, app_order_uuid: undefined }));
      expect(noAddress.status).to.equal(200);
    });

    it('accepts what the refusals refuse once the catalog or the clock allows it', async () => {
      // Past midnight in Riyadh (01:30) is still inside 10:00-02:00.
      sandbox.setClock('2026-12-01T22:30:00Z');
      expect((await create(validOrder({ app_order_uuid: 'late' }))).status).to.equal(201);
      // The same branch on the day before its force-closed special timing.
      sandbox.setClock(TUESDAY_NOON_RIYADH);
      expect((await create(kabsaOrder(206, { app_order_uuid: 'kabsa' }))).status).to.equal(201);
      // Breakfast on a Tuesday morning in Cairo.
      expect(
        (
          await create(
            validOrder({
              app_order_uuid: 'breakfast',
              brand_id: 103,
              branch_id: 211,
              menu_id: 308,
              items: [node(1213, 1)],
              total_price: 17,
            }),
          )
        ).status,
      ).to.equal(201);
      // The item inactive in branch 201 is sold in branch 202.
      expect(
        (await create(validOrder({ app_order_uuid: 'platter', items: [node(1221, 1)], total_price: 17 }))).status,
      ).to.equal(201);
      // Extras are optional (min 0).
      expect(
        (await create(validOrder({ app_order_uuid: 'plain-fattoush', items: [node(1114, 1)], total_price: 27 })))
          .status,
      ).to.equal(201);
    });
  });

  describe("updates: T-Gate's transitions for the partner, and the company moving orders along", () => {
    let orderId: number;

    beforeEach(async () => {
      orderId = (await create(validOrder())).data.id;
    });

    it('walks a delivery order pending -> ready (company) -> in_route -> done (partner)', async () => {
      const early = await patch(orderId, { order_status: 'in_route' });
      expect(railsRefusal(early).text).to.equal(
        'order_status "in_route" is not allowed: order 1 is pending (delivery); allowed: cancelled',
      );

      expect(sandbox.updateOrderAsCompany(orderId, { order_status: 'accepted' }).order_status).to.equal('accepted');
      const ready = await http.patch(`${sandbox.url}/__sandbox/orders/${orderId}`, {
        order_status: 'ready',
        estimated_time: '2026-12-01T09:40:00Z',
      });
      expect(ready.status).to.equal(200);
      expect(ready.data).to.include({ order_status: 'ready', estimated_time: '2026-12-01T09:40:00Z' });

      const skip = await patch(orderId, { order_status: 'done' });
      expect(skip.status).to.equal(422);
      expect(skip.data.order_status[0]).to.contain('order 1 is ready').and.contain('allowed: in_route, cancelled');

      expect((await patch(orderId, { order_status: 'in_route' })).data.order_status).to.equal('in_route');
      const back = await patch(orderId, { order_status: 'in_route' });
      expect(back.status).to.equal(422);
      expect(back.data.order_status[0]).to.contain('is in_route').and.contain('allowed: done, cancelled');
      sandbox.setClock('2026-12-01T09:35:00Z');
      const done = await patch(orderId, { order_status: 'done' });
      expect(done.data).to.include({ order_status: 'done', updated_at: '2026-12-01T09:35:00.000Z' });
      expect((await patch(orderId, { order_status: 'done' })).data.order_status[0])
        .to.contain('is done')
        .and.contain('allowed: cancelled');
    });

    it('refuses in_route and done for orders that are not delivery, naming why', async () => {
      const pickup = (
        await create(validOrder({ app_order_uuid: 'pickup-1', service_type: 'pickup', address: undefined }))
      ).data.id;
      sandbox.updateOrderAsCompany(pickup, { order_status: 'ready' });
      const res = await patch(pickup, { order_status: 'in_route' });
      expect(res.status).to.equal(422);
      expect(res.data.order_status[0]).to.contain('for delivery orders only').and.contain('allowed: cancelled');
    });

    it('cancels from any status with a reason, and only once', async () => {
      const noReason = await patch(orderId, { order_status: 'cancelled' });
      expect(noReason.status).to.equal(422);
      expect(railsRefusal(noReason).text).to.equal('cancel_reason is required to cancel an order');
      const cancelled = await patch(orderId, {
        order_status: 'cancelled',
        cancel_reason: 'Customer changed their mind',
      });
      expect(cancelled.status).to.equal(200);
      expect(cancelled.data).to.include({ order_status: 'cancelled', cancel_reason: 'Customer changed their mind' });
      const again = await patch(orderId, { order_status: 'cancelled', cancel_reason: 'again' });
      expect(again.status).to.equal(422);
      expect(again.data.order_status[0]).to.contain('is cancelled').and.contain('allowed: nothing');
      expect(() => sandbox.updateOrderAsCompany(orderId, { order_status: 'ready' })).to.throw(
        /cancelled and does not move/,
      );
    });

    it('changes payment_status freely among pending_payment, paid and free, and refuses others', async () => {
      for (const status of ['paid', 'free', 'pending_payment', 'paid']) {
        expect((await patch(orderId, { payment_status: status })).data.payment_status).to.equal(status);
      }
      const refused = await patch(orderId, { payment_status: 'refunded' });
      expect(refused.status).to.equal(422);
      expect(refused.data.payment_status[0]).to.contain('pending_payment, paid, free');
      expect((await patch(orderId, { notes: 'x' })).status, 'nothing to change').to.equal(422);
    });

    it('answers 404 for unknown orders and orders outside the scopes', async () => {
      expect((await patch(999, { payment_status: 'paid' })).status).to.equal(404);
      sandbox.deleteRecord('integrationScopes', 4); // brand 101, branch 202, menu 301
      sandbox.deleteRecord('integrationScopes', 5);
      sandbox.deleteRecord('integrationScopes', 6);
      expect((await patch(orderId, { payment_status: 'paid' })).status).to.equal(404);
    });

    it('refuses unknown company statuses and bad estimated times over HTTP', async () => {
      const control = `${sandbox.url}/__sandbox/orders/${orderId}`;
      expect(railsRefusal(await http.patch(control, { order_status: 'teleported' })).text).to.contain(
        'order_status must be one of',
      );
      expect((await http.patch(control, { estimated_time: 'soon' })).status).to.equal(422);
      expect((await http.patch(`${sandbox.url}/__sandbox/orders/999`, { order_status: 'ready' })).status).to.equal(404);
    });
  });

  describe('faults after the order was stored (what exactly-once creation must survive)', () => {
    const orderFault = { method: 'POST', path: '/partner/v1/orders', afterHandler: true };

    it('a 5xx answered after storing: the order exists, a retry is told the uuid is taken', async () => {
      sandbox.injectFault({ ...orderFault, status: 503 });
      expect((await create(validOrder())).status).to.equal(503);
      expect(await byUuid('partner-order-1')).to.have.length(1);
      const retry = await create(validOrder());
      expect(railsRefusal(retry).text).to.equal('app_order_uuid has already been taken');
    });

    it('a dropped connection after storing: the order exists', async () => {
      sandbox.injectFault({ ...orderFault, drop: true });
      const caught = await create(validOrder()).catch((err: unknown) => err);
      expect(caught).to.be.instanceOf(AxiosError);
      expect(await byUuid('partner-order-1')).to.have.length(1);
    });

    it('a timeout after storing (delay, then drop): the order exists before the client gives up', async () => {
      sandbox.injectFault({ ...orderFault, delayMs: 2_000, drop: true });
      const caught = await http
        .post(api('/orders'), validOrder(), { ...bearer(token), timeout: 100 })
        .catch((err: unknown) => err);
      expect((caught as AxiosError).code).to.equal('ECONNABORTED');
      expect(await byUuid('partner-order-1')).to.have.length(1);
    });

    it('a fault without afterHandler stores nothing', async () => {
      sandbox.injectFault({ method: 'POST', path: '/partner/v1/orders', status: 503 });
      expect((await create(validOrder())).status).to.equal(503);
      expect(await byUuid('partner-order-1')).to.deep.equal([]);
    });
  });

  describe('the sandbox clock', () => {
    it('is fixed by the option, set and released over HTTP, and refuses what is not a date', async () => {
      const clock = `${sandbox.url}/__sandbox/clock`;
      expect((await http.get(clock)).data).to.deep.equal({ now: '2026-12-01T09:00:00.000Z', fixed: true });
      expect((await http.put(clock, { now: '2026-12-01T00:30:00Z' })).data.now).to.equal('2026-12-01T00:30:00.000Z');
      expect(railsRefusal(await create(validOrder())).text).to.contain('branch_id 202 is outside its opening hours');
      const bad = await http.put(clock, { now: 'teatime' });
      expect(bad.status).to.equal(400);
      expect(bad.data.message).to.contain('teatime');
      const released = await http.delete(clock);
      expect(released.data.fixed).to.equal(false);
      expect(Math.abs(Date.parse(released.data.now) - sandbox.now().getTime())).to.be.below(60_000);
      expect(() => sandbox.setClock('not a date')).to.throw(TypeError);
    });
  });
});
