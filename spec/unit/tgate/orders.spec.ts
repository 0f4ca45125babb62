import { expect } from 'chai';
import { TransientError } from '../../../lib/errors';
import { HttpError } from '../../../lib/http';
import type { TGateClient } from '../../../lib/tgate/client';
import { TGateRefusedError, TGateUnavailableError } from '../../../lib/tgate/errors';
import {
  allowedStatusTargets,
  createOrderOnce,
  CreateOrderInput,
  isAmbiguousCreateFailure,
  isAppOrderUuidTaken,
  orderWriteError,
  planOrderUpdate,
  TGateAmbiguousCreateError,
  TGateOrderRefusedError,
  updateOrderChecked,
} from '../../../lib/tgate/orders';
import type { Order } from '../../../lib/tgate/records';

const failure = (status: number | undefined, data?: unknown, code?: string): HttpError =>
  new HttpError({ service: 'T-Gate', method: 'POST', path: '/orders', status, data, code, attempts: 1 });
const refused = (status: number, data?: unknown): TGateRefusedError => new TGateRefusedError(failure(status, data));
const unavailable = (status?: number, code?: string): TGateUnavailableError =>
  new TGateUnavailableError(failure(status, undefined, code));
const taken = (): TGateRefusedError => refused(422, { app_order_uuid: ['has already been taken'] });

const UUID = 'order-uuid-1';
const order = (fields: Partial<Order> = {}): Order =>
  ({
    id: 7,
    app_order_uuid: UUID,
    order_status: 'ready',
    service_type: 'delivery',
    payment_status: 'pending_payment',
    ...fields,
  }) as Order;
const input: CreateOrderInput = {
  brand_id: 1,
  branch_id: 2,
  menu_id: 3,
  service_type: 'delivery',
  items: [],
  app_order_uuid: UUID,
};

/** Answers for each call, in turn: a value is the answer's data (create: status 201), an Error is thrown. */
type Answer = unknown;
function fakeTGate(answers: { create?: Answer[]; page?: Answer[]; get?: Answer[]; update?: Answer[] }) {
  const calls: string[] = [];
  const sent: unknown[] = [];
  const next = async (kind: keyof typeof answers, what: string): Promise<unknown> => {
    calls.push(what);
    const answer = answers[kind]?.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const tgate = {
    create: async (_resource: string, body: unknown, path = '/orders') => {
      sent.push(body);
      const data = await next('create', `POST ${path}`);
      return { status: 201, data, headers: {} };
    },
    page: async (_resource: string, options: { filters?: Record<string, unknown>; pageSize?: number }) => {
      const items = await next(
        'page',
        `GET /orders?app_order_uuid=${String(options.filters?.app_order_uuid)}&per=${options.pageSize}`,
      );
      return { items: items ?? [] };
    },
    get: async (_resource: string, id: unknown) => next('get', `GET /orders/${String(id)}`),
    update: async (_resource: string, id: unknown, patch: unknown) => {
      sent.push(patch);
      return { status: 200, data: await next('update', `PATCH /orders/${String(id)}`), headers: {} };
    },
  };
  return { tgate: tgate as unknown as TGateClient, calls, sent };
}
const LOOKUP = `GET /orders?app_order_uuid=${UUID}&per=2`;

describe('lib/tgate/orders', () => {
  describe('isAppOrderUuidTaken', () => {
    it('reads "taken" for app_order_uuid in each shape a Rails app answers, and a 409', () => {
      expect(isAppOrderUuidTaken(taken())).to.equal(true);
      expect(isAppOrderUuidTaken(refused(422, { errors: { app_order_uuid: ['already exists'] } }))).to.equal(true);
      expect(isAppOrderUuidTaken(refused(422, { message: 'App order uuid has already been taken' }))).to.equal(true);
      expect(isAppOrderUuidTaken(refused(422, { message: 'app_order_uuid already taken' }))).to.equal(true);
      const withOthers = refused(422, { app_order_uuid: ['has already been taken'], notes: ['is too long'] });
      expect(isAppOrderUuidTaken(withOthers)).to.equal(true);
      expect(isAppOrderUuidTaken(refused(409, { message: 'Conflict' }))).to.equal(true);
    });

    it('does not read "taken" for another field, other words, another status or another error', () => {
      expect(isAppOrderUuidTaken(refused(422, { name: ['has already been taken'] }))).to.equal(false);
      const otherField = refused(422, { errors: { name: ['App order uuid has already been taken'] } });
      expect(isAppOrderUuidTaken(otherField)).to.equal(false);
      expect(isAppOrderUuidTaken(refused(422, { message: 'Name has already been taken' }))).to.equal(false);
      expect(isAppOrderUuidTaken(refused(422, { app_order_uuid: ['is invalid'] }))).to.equal(false);
      expect(isAppOrderUuidTaken(refused(400, { app_order_uuid: ['has already been taken'] }))).to.equal(false);
      expect(isAppOrderUuidTaken(unavailable(409))).to.equal(false);
      expect(isAppOrderUuidTaken(new Error('app_order_uuid has already been taken'))).to.equal(false);
    });
  });

  describe('isAmbiguousCreateFailure', () => {
    it('a 5xx but 503, a timeout and a dropped connection may have created the order', () => {
      expect([500, 502, 504].map((s) => isAmbiguousCreateFailure(unavailable(s)))).to.deep.equal([true, true, true]);
      expect(isAmbiguousCreateFailure(unavailable(undefined, 'ECONNRESET'))).to.equal(true);
      expect(isAmbiguousCreateFailure(unavailable(undefined, 'ECONNABORTED'))).to.equal(true);
      expect(isAmbiguousCreateFailure(unavailable(undefined, undefined))).to.equal(true);
    });

    it('a 429, a 503, a request that never left, and a refusal did not (lib/http mayHaveTakenEffect)', () => {
      expect(isAmbiguousCreateFailure(unavailable(429))).to.equal(false);
      expect(isAmbiguousCreateFailure(unavailable(503))).to.equal(false);
      for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])
        expect(isAmbiguousCreateFailure(unavailable(undefined, code)), code).to.equal(false);
      expect(isAmbiguousCreateFailure(refused(500))).to.equal(false);
    });
  });

  describe('orderWriteError', () => {
    it("a 422 about one field names it, with T-Gate's words and what to do", () => {
      const cause = refused(422, { total_price: ['does not match'] });
      const err = orderWriteError(cause, 'create order "x"') as TGateOrderRefusedError;
      expect(err).to.be.instanceOf(TGateOrderRefusedError);
      expect(err.message).to.equal(
        'T-Gate refused to create order "x" (field total_price): total_price does not match. ' +
          'To fix: check total_price, then send a corrected message',
      );
      expect([err.field, err.status, err.cause, err.rule]).to.deep.equal(['total_price', 422, cause, undefined]);
    });

    it('a 422 about several fields, or with no words, names none', () => {
      const err = orderWriteError(
        refused(422, { items: ['is empty'], notes: ['too long'] }),
        'update order 7',
      ) as TGateOrderRefusedError;
      expect(err.message).to.equal(
        'T-Gate refused to update order 7: items is empty; notes too long. ' +
          'To fix: correct the message and send it again',
      );
      expect(err.field).to.equal(undefined);
      expect((orderWriteError(refused(422, {}), 'update order 7') as Error).message).to.equal(
        'T-Gate refused to update order 7: no reason given. To fix: correct the message and send it again',
      );
    });

    it('leaves any other error as it is', () => {
      for (const err of [refused(400, { notes: ['bad'] }), unavailable(500), new Error('x')])
        expect(orderWriteError(err, 'x')).to.equal(err);
    });
  });

  describe('status transitions', () => {
    it('allows what T-Gate allows from each status and service type', () => {
      expect(allowedStatusTargets({ order_status: 'ready', service_type: 'delivery' })).to.deep.equal([
        'in_route',
        'cancelled',
      ]);
      expect(allowedStatusTargets({ order_status: 'in_route', service_type: 'delivery' })).to.deep.equal([
        'done',
        'cancelled',
      ]);
      expect(allowedStatusTargets({ order_status: 'ready', service_type: 'pickup' })).to.deep.equal(['cancelled']);
      expect(allowedStatusTargets({ order_status: 'cancelled', service_type: 'delivery' })).to.deep.equal([]);
    });

    it('plans only what is not in effect; a cancel reason only with a status change', () => {
      const cancelled = order({ order_status: 'cancelled' });
      expect(
        planOrderUpdate(cancelled, {
          id: 7,
          order_status: 'cancelled',
          cancel_reason: 'x',
          payment_status: 'pending_payment',
        }),
      ).to.deep.equal({});
      expect(planOrderUpdate(order(), { id: 7, order_status: 'cancelled', cancel_reason: 'closed' })).to.deep.equal({
        order_status: 'cancelled',
        cancel_reason: 'closed',
      });
      expect(planOrderUpdate(order(), { id: 7, order_status: 'in_route' })).to.deep.equal({ order_status: 'in_route' });
      expect(planOrderUpdate(order(), { id: 7, payment_status: 'paid' })).to.deep.equal({ payment_status: 'paid' });
    });

    it('refuses a transition T-Gate would refuse, saying why and what is allowed', () => {
      const refusal = (o: Order, status: 'in_route' | 'done' | 'cancelled'): TGateOrderRefusedError => {
        try {
          planOrderUpdate(o, { id: 7, order_status: status });
        } catch (err) {
          return err as TGateOrderRefusedError;
        }
        throw new Error('not refused');
      };
      const pickup = refusal(order({ service_type: 'pickup' }), 'in_route');
      expect(pickup.message).to.equal(
        'Order 7 is ready (pickup): T-Gate does not allow order_status in_route from there ' +
          '(in_route is for delivery orders only); allowed: cancelled. Nothing was sent',
      );
      expect([pickup.rule, pickup.field]).to.deep.equal(['Invalid transition', 'order_status']);
      expect(refusal(order(), 'done').message).to.equal(
        'Order 7 is ready (delivery): T-Gate does not allow order_status done from there; ' +
          'allowed: in_route, cancelled. Nothing was sent',
      );
      expect(refusal(order({ order_status: 'cancelled' }), 'done').message).to.match(
        /from there; allowed: nothing\. Nothing was sent$/,
      );
    });
  });

  describe('createOrderOnce', () => {
    it('sends one POST with the fields T-Gate takes, and returns the created order', async () => {
      const { tgate, calls, sent } = fakeTGate({ create: [order()] });
      const result = await createOrderOnce(tgate, {
        ...input,
        notes: undefined,
        calculateTotal: false,
        extra: 'x',
      } as CreateOrderInput);
      expect(result).to.deep.equal({ order: order(), outcome: 'created' });
      expect(calls).to.deep.equal(['POST /orders']);
      expect(sent).to.deep.equal([
        { brand_id: 1, branch_id: 2, menu_id: 3, service_type: 'delivery', app_order_uuid: UUID, items: [] },
      ]);
    });

    it('with calculateTotal, asks for the total first and sends it', async () => {
      const { tgate, calls, sent } = fakeTGate({ create: [{ total_price: 12.5 }, order()] });
      await createOrderOnce(tgate, { ...input, total_price: 1, calculateTotal: true });
      expect(calls).to.deep.equal(['POST /orders/calculate', 'POST /orders']);
      expect(sent[0]).to.deep.equal({ brand_id: 1, branch_id: 2, menu_id: 3, service_type: 'delivery', items: [] });
      expect(sent[1]).to.include({ total_price: 12.5 });
    });

    it('a refused calculation is an order refusal, and nothing is created', async () => {
      const { tgate, calls } = fakeTGate({ create: [refused(422, { items: ['is empty'] })] });
      const err = await createOrderOnce(tgate, { ...input, calculateTotal: true }).catch((e) => e);
      expect(err).to.be.instanceOf(TGateOrderRefusedError);
      expect(err.message).to.match(/^T-Gate refused to calculate the order total \(field items\)/);
      expect(calls).to.deep.equal(['POST /orders/calculate']);
    });

    it('after an ambiguous failure, looks the order up and returns it as found', async () => {
      const { tgate, calls } = fakeTGate({
        create: [unavailable(502)],
        page: [[order({ app_order_uuid: 'another' }), order()]],
      });
      expect(await createOrderOnce(tgate, input)).to.deep.equal({ order: order(), outcome: 'found' });
      expect(calls).to.deep.equal(['POST /orders', LOOKUP]);
    });

    it('after an ambiguous failure with nothing found, sends the POST once more', async () => {
      const { tgate, calls } = fakeTGate({
        create: [unavailable(undefined, 'ECONNRESET'), order()],
        page: [[order({ app_order_uuid: 'another' })]],
      });
      expect(await createOrderOnce(tgate, input)).to.deep.equal({ order: order(), outcome: 'created' });
      expect(calls).to.deep.equal(['POST /orders', LOOKUP, 'POST /orders']);
    });

    it('after two ambiguous failures with nothing found, rebounds', async () => {
      const last = unavailable(502);
      const { tgate, calls } = fakeTGate({ create: [unavailable(500), last], page: [[], []] });
      const err = await createOrderOnce(tgate, input).catch((e) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect(err.cause).to.equal(last);
      expect(err.message).to.match(
        new RegExp(
          '^Creating order "order-uuid-1" failed 2 times and T-Gate holds no order with this app_order_uuid: ' +
            'the message is retried later \\(T-Gate POST /orders answered 502\\)$',
        ),
      );
      expect(calls).to.deep.equal(['POST /orders', LOOKUP, 'POST /orders', LOOKUP]);
    });

    it('"taken": the order found is returned; none visible is a refusal naming the rule', async () => {
      const found = fakeTGate({ create: [taken()], page: [[order()]] });
      expect(await createOrderOnce(found.tgate, input)).to.deep.equal({ order: order(), outcome: 'found' });

      const hidden = fakeTGate({ create: [taken()], page: [[]] });
      const err = await createOrderOnce(hidden.tgate, input).catch((e) => e);
      expect(err).to.be.instanceOf(TGateOrderRefusedError).and.not.instanceOf(TGateAmbiguousCreateError);
      expect(err.message).to.match(
        /^T-Gate says app_order_uuid "order-uuid-1" has already been taken, but no order with it is visible/,
      );
      expect(err.message).to.match(/T-Gate answered 422: app_order_uuid has already been taken$/);
      expect([err.rule, err.field, err.status]).to.deep.equal(['Unique app_order_uuid', 'app_order_uuid', 422]);
      expect(hidden.calls).to.deep.equal(['POST /orders', LOOKUP]);
      const conflict = await createOrderOnce(fakeTGate({ create: [refused(409)], page: [[]] }).tgate, input).catch(
        (e) => e,
      );
      expect(conflict.message).to.match(/\(outside the integration scopes granted\?\)\. .* T-Gate answered 409$/);
    });

    it('a failure that created nothing is thrown without a lookup', async () => {
      for (const first of [unavailable(429), unavailable(undefined, 'ECONNREFUSED')]) {
        const { tgate, calls } = fakeTGate({ create: [first] });
        expect(await createOrderOnce(tgate, input).catch((e) => e)).to.equal(first);
        expect(calls).to.deep.equal(['POST /orders']);
      }
      const { tgate, calls } = fakeTGate({ create: [refused(422, { notes: ['too long'] })] });
      const err = await createOrderOnce(tgate, input).catch((e) => e);
      expect(err.message).to.match(/^T-Gate refused to create order "order-uuid-1" \(field notes\): notes too long/);
      expect(calls).to.deep.equal(['POST /orders']);
    });

    it('a lookup failing transiently rebounds, saying both failures; a refused lookup is thrown as it is', async () => {
      const lookupFailure = unavailable(503);
      const { tgate } = fakeTGate({ create: [unavailable(500)], page: [lookupFailure] });
      const err = await createOrderOnce(tgate, input).catch((e) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect(err.cause).to.equal(lookupFailure);
      expect(err.message).to.equal(
        'Creating order "order-uuid-1" may have reached T-Gate (T-Gate POST /orders answered 500), and ' +
          'looking it up failed too (T-Gate POST /orders answered 503): the message is retried later, ' +
          'and the retry finds the order if it was created',
      );

      const forbidden = refused(403);
      expect(
        await createOrderOnce(fakeTGate({ create: [unavailable(500)], page: [forbidden] }).tgate, input).catch(
          (e) => e,
        ),
      ).to.equal(forbidden);
    });

    describe("a 2xx that is not this message's order", () => {
      const answers: Array<[unknown, string]> = [
        [undefined, 'an empty body'],
        [null, 'an empty body'],
        ['', 'an empty body'],
        [' <html>', 'an HTML page'],
        ['created', 'text of 7 characters'],
        ['1 < 2', 'text of 5 characters'],
        [[order()], 'a JSON list of 1'],
        [42, 'a JSON number'],
        [{ id: 9, app_order_uuid: 'another' }, 'order 9 with app_order_uuid "another"'],
        [{ app_order_uuid: UUID }, 'a JSON object without an order id (keys "app_order_uuid")'],
        [{ id: null, app_order_uuid: UUID }, 'order null with app_order_uuid "order-uuid-1"'],
        [{ id: 9 }, 'a JSON object without an app_order_uuid (keys "id")'],
        [{}, 'a JSON object without an order id'],
      ];
      for (const [data, described] of answers) {
        it(`${JSON.stringify(data) ?? 'no body'}: looked up; none found, an error saying "${described}"`, async () => {
          const { tgate, calls } = fakeTGate({ create: [data], page: [[]] });
          const err = await createOrderOnce(tgate, input).catch((e) => e);
          expect(err).to.be.instanceOf(TGateAmbiguousCreateError);
          expect(err.message).to.equal(
            `T-Gate answered 201 to creating order "order-uuid-1" with ${described}, not the order it created, ` +
              'and no order with this app_order_uuid is visible to this application. ' +
              'Nothing was emitted: check the order in T-Gate ' +
              '(and TGATE_API_BASE_URL) before sending the message again',
          );
          expect([err.field, err.status]).to.deep.equal(['app_order_uuid', 201]);
          expect(calls).to.deep.equal(['POST /orders', LOOKUP]);
        });
      }

      it('an order found by the lookup is returned as found', async () => {
        const { tgate } = fakeTGate({ create: [''], page: [[order()]] });
        expect(await createOrderOnce(tgate, input)).to.deep.equal({ order: order(), outcome: 'found' });
      });

      it('keys and an unknown uuid are quoted cut short', async () => {
        const keys = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${'k'.repeat(45)}${i}`, i]));
        const many = await createOrderOnce(fakeTGate({ create: [keys], page: [[]] }).tgate, input).catch((e) => e);
        expect(many.message).to.include(
          `(keys ${Array(8)
            .fill(JSON.stringify('k'.repeat(40)))
            .join(', ')}), not the order`,
        );
        const long = await createOrderOnce(
          fakeTGate({ create: [{ id: 1, app_order_uuid: 'u'.repeat(90) }], page: [[]] }).tgate,
          input,
        ).catch((e) => e);
        expect(long.message).to.include(`order 1 with app_order_uuid "${'u'.repeat(80)}", not the order`);
      });
    });
  });

  describe('updateOrderChecked', () => {
    it('sends nothing when the change is in effect', async () => {
      const { tgate, calls } = fakeTGate({ get: [order({ order_status: 'done' })] });
      expect(await updateOrderChecked(tgate, { id: 7, order_status: 'done' })).to.deep.equal({
        order: order({ order_status: 'done' }),
        outcome: 'unchanged',
      });
      expect(calls).to.deep.equal(['GET /orders/7']);
    });

    it('PATCHes what is not in effect, and words a 422 as an order refusal', async () => {
      const { tgate, calls, sent } = fakeTGate({ get: [order()], update: [order({ order_status: 'in_route' })] });
      expect(await updateOrderChecked(tgate, { id: 7, order_status: 'in_route' })).to.deep.equal({
        order: order({ order_status: 'in_route' }),
        outcome: 'updated',
      });
      expect(calls).to.deep.equal(['GET /orders/7', 'PATCH /orders/7']);
      expect(sent).to.deep.equal([{ order_status: 'in_route' }]);

      const refusing = fakeTGate({ get: [order()], update: [refused(422, { order_status: ['cannot change'] })] });
      const err = await updateOrderChecked(refusing.tgate, { id: 7, order_status: 'cancelled' }).catch((e) => e);
      expect(err.message).to.match(
        /^T-Gate refused to update order 7 \(field order_status\): order_status cannot change/,
      );
    });
  });
});
