import axios from 'axios';
import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { deliveryOrder, ORDERS_PATH, orderRequestsSince, TUESDAY_NOON_RIYADH } from '../../helpers/orders';
import type { FaultSpec } from '../../../lib/sandbox';

const createOrder = loadFunction('createOrder');

/** Short enough that a delayed answer is a timeout; every real answer on loopback is far quicker. */
const TIMEOUT_MS = 400;
const ENV = { TGATE_HTTP_TIMEOUT_MS: String(TIMEOUT_MS), TGATE_RETRY_MAX_ATTEMPTS: '2' };

const post = { method: 'POST', path: ORDERS_PATH };
const stored = { ...post, afterHandler: true };

/**
 * What the sandbox does to one message's create, and what the action must then do: POSTs and lookups
 * (GET /orders?app_order_uuid=) for the order, the outcome it emits, and how many deliveries it takes.
 */
interface FaultKind {
  count: number;
  faults: FaultSpec[];
  posts: number;
  lookups: number;
  outcome: 'created' | 'found';
  /** 2: the first delivery rebounds and the platform delivers the message again. */
  deliveries?: number;
}

const KINDS: Record<string, FaultKind> = {
  // 10% 5xx: half before the order is stored, half after.
  '5xx before storing': { count: 50, faults: [{ ...post, status: 500 }], posts: 2, lookups: 1, outcome: 'created' },
  '5xx after storing': { count: 30, faults: [{ ...stored, status: 502 }], posts: 1, lookups: 1, outcome: 'found' },
  '503 after storing (lib/http retries it: "taken")': {
    count: 10,
    faults: [{ ...stored, status: 503 }],
    posts: 2,
    lookups: 1,
    outcome: 'found',
  },
  '5xx after storing, then the lookup fails (rebound)': {
    count: 10,
    faults: [
      { ...stored, status: 500 },
      { method: 'GET', path: ORDERS_PATH, status: 500, times: 2 },
    ],
    posts: 2,
    lookups: 3,
    outcome: 'found',
    deliveries: 2,
  },
  // 5% timeouts after storing: the answer comes long after the client gave up.
  'timeout after storing': {
    count: 50,
    faults: [{ ...stored, delayMs: 5 * TIMEOUT_MS }],
    posts: 1,
    lookups: 1,
    outcome: 'found',
  },
  'connection dropped after storing': {
    count: 20,
    faults: [{ ...stored, drop: true }],
    posts: 1,
    lookups: 1,
    outcome: 'found',
  },
  'connection dropped before storing': {
    count: 10,
    faults: [{ ...post, drop: true }],
    posts: 2,
    lookups: 1,
    outcome: 'created',
  },
};

/** A deterministic shuffle (mulberry32), so a failure names the same message every run. */
function shuffled<T>(list: T[], seed: number): T[] {
  let a = seed;
  const random = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('action createOrder: exactly once per app_order_uuid', function () {
  this.timeout(180_000);
  let world: World;
  const saved: Record<string, string | undefined> = {};
  const run = (body: Record<string, unknown>): Promise<StepOutcome> =>
    runStep(createOrder, { id: `msg-${String(body.app_order_uuid)}`, body }, world.cfg, world.platform);
  const emitted = (outcome: StepOutcome) =>
    outcome.data.map((d) => d.body as { order: { id: number; app_order_uuid: string }; outcome: string });

  before(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  beforeEach(() => {
    world.sandbox.seedCatalog();
    world.sandbox.clearFaults();
    world.sandbox.setClock(TUESDAY_NOON_RIYADH);
  });

  it('1,000 messages with 5xx answers, timeouts and dropped connections: 1,000 orders, each emitted once, with the fewest requests', async () => {
    const { sandbox } = world;
    const plan = shuffled(
      [
        ...Object.entries(KINDS).flatMap(([kind, spec]) => Array.from({ length: spec.count }, () => kind)),
        ...Array.from({ length: 1000 - Object.values(KINDS).reduce((n, k) => n + k.count, 0) }, () => 'no fault'),
      ],
      20261201,
    );
    expect(plan).to.have.length(1000);
    const emittedIds = new Map<string, number>();
    const wrong: string[] = [];
    const totals = { posts: 0, lookups: 0 };
    const said: string[] = [];

    for (let i = 0; i < plan.length; i++) {
      const kind = plan[i];
      const expected = KINDS[kind] ?? { faults: [], posts: 1, lookups: 0, outcome: 'created', deliveries: 1 };
      const uuid = `order-${String(i).padStart(4, '0')}`;
      for (const fault of expected.faults) sandbox.injectFault({ ...fault });
      const since = sandbox.requestCount;
      const outcomes: StepOutcome[] = [];
      // A rebound is the platform delivering the same message again: run it again, as the platform would.
      do outcomes.push(await run(deliveryOrder(uuid)));
      while (outcomes[outcomes.length - 1].rebounds.length > 0 && outcomes.length < 3);
      const requests = orderRequestsSince(sandbox, since);
      said.push(...outcomes.flatMap((o) => [...o.rebounds, ...o.errors.map((e) => e.message)]));
      totals.posts += requests.posts;
      totals.lookups += requests.lookups;
      const bodies = outcomes.flatMap(emitted);
      // Every injected fault was used up by this message's requests: each fault really happened.
      const pending = (await axios.get(`${sandbox.url}/__sandbox/faults`, { proxy: false })).data.faults.length;
      const got = {
        pending,
        deliveries: outcomes.length,
        errors: outcomes.flatMap((o) => o.errors.map((e) => e.message)),
        emitted: bodies.length,
        uuid: bodies[0]?.order.app_order_uuid,
        outcome: bodies[0]?.outcome,
        posts: requests.posts,
        lookups: requests.lookups,
      };
      const want = {
        pending: 0,
        deliveries: expected.deliveries ?? 1,
        errors: [],
        emitted: 1,
        uuid,
        outcome: expected.outcome,
        posts: expected.posts,
        lookups: expected.lookups,
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        wrong.push(`${uuid} (${kind}): got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      if (bodies[0]) emittedIds.set(uuid, bodies[0].order.id);
    }

    expect(wrong.slice(0, 5), `${wrong.length} message(s) went wrong`).to.deep.equal([]);
    expect(said.length, 'the rebounds said why').to.equal(
      KINDS['5xx after storing, then the lookup fails (rebound)'].count,
    );
    expect(leakedSecrets(world, said)).to.deep.equal([]);
    const orders = [...sandbox.store.records('orders')];
    expect(orders).to.have.length(1000);
    const uuids = new Set(orders.map((o) => o.app_order_uuid));
    expect(uuids.size, 'no app_order_uuid twice').to.equal(1000);
    for (const order of orders)
      expect(emittedIds.get(order.app_order_uuid), `the order emitted for ${order.app_order_uuid}`).to.equal(order.id);
    expect(new Set(emittedIds.values()).size, 'no order emitted for two messages').to.equal(1000);
    // One POST per order, plus a second only where the first provably did not create it (or lib/http retried a 503).
    expect(totals).to.deep.equal({
      posts: 1000 + Object.values(KINDS).reduce((n, k) => n + k.count * (k.posts - 1), 0),
      lookups: Object.values(KINDS).reduce((n, k) => n + k.count * k.lookups, 0),
    });
  });

  it('the same message delivered twice emits the same order twice and creates it once', async () => {
    const { sandbox } = world;
    const since = sandbox.requestCount;
    const first = emitted(await run(deliveryOrder('delivered-twice')));
    const second = emitted(await run(deliveryOrder('delivered-twice')));
    expect(first.map((b) => b.outcome)).to.deep.equal(['created']);
    expect(second.map((b) => b.outcome)).to.deep.equal(['found']);
    expect(second[0].order).to.deep.equal(first[0].order);
    expect([...sandbox.store.records('orders')].map((o) => o.app_order_uuid)).to.deep.equal(['delivered-twice']);
    const requests = orderRequestsSince(sandbox, since);
    expect(
      { posts: requests.posts, lookups: requests.lookups },
      'the second POST is refused as taken, then one lookup',
    ).to.deep.equal({ posts: 2, lookups: 1 });
  });

  it('two ambiguous failures with nothing found: a rebound saying so; the redelivered message creates the order', async () => {
    const { sandbox } = world;
    sandbox.injectFault({ ...post, status: 500, times: 2 });
    const since = sandbox.requestCount;
    const first = await run(deliveryOrder('twice-failed'));
    expect(first.data).to.deep.equal([]);
    expect(first.errors).to.deep.equal([]);
    expect(first.rebounds).to.have.length(1);
    expect(first.rebounds[0])
      .to.contain('failed 2 times')
      .and.contain('no order with this app_order_uuid')
      .and.contain('retried later');
    expect({
      posts: orderRequestsSince(sandbox, since).posts,
      lookups: orderRequestsSince(sandbox, since).lookups,
    }).to.deep.equal({ posts: 2, lookups: 2 });
    expect(sandbox.store.count('orders')).to.equal(0);
    const again = await run(deliveryOrder('twice-failed'));
    expect(emitted(again).map((b) => b.outcome)).to.deep.equal(['created']);
    expect(sandbox.store.count('orders')).to.equal(1);
  });

  it('a "taken" in another shape (Rails errors object) is recognised too: the order is looked up and emitted as found', async () => {
    const { sandbox } = world;
    const existing = sandbox.orders.create(deliveryOrder('rails-shaped'));
    sandbox.injectFault({ ...post, status: 422, body: { errors: { app_order_uuid: ['has already been taken'] } } });
    const since = sandbox.requestCount;
    const outcome = await run(deliveryOrder('rails-shaped'));
    expect(emitted(outcome)).to.deep.equal([{ order: existing, outcome: 'found' }]);
    const requests = orderRequestsSince(sandbox, since);
    expect({ posts: requests.posts, lookups: requests.lookups }).to.deep.equal({ posts: 1, lookups: 1 });
  });

  it('"taken" while the order is outside the integration scopes granted: an error saying so, not a second order', async () => {
    const { sandbox } = world;
    sandbox.orders.create(deliveryOrder('hidden'));
    for (const scope of [...sandbox.store.records('integrationScopes')]) {
      if (scope.brand_id === 101 && scope.branch_id === 202) sandbox.deleteRecord('integrationScopes', scope.id);
    }
    const outcome = await run(
      deliveryOrder('hidden', {
        brand_id: 102,
        branch_id: 206,
        menu_id: 304,
        items: [{ item_id: 1205, quantity: 1, children: [] }],
        total_price: 17,
      }),
    );
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([]);
    expect(outcome.errors.map((e) => e.message)).to.have.length(1);
    expect(outcome.errors[0].message).to.contain(
      'has already been taken, but no order with it is visible to this application',
    );
    expect(sandbox.store.count('orders')).to.equal(1);
  });

  it('calculateTotal with the calculation failing: a rebound, nothing created, no create sent', async () => {
    const { sandbox } = world;
    sandbox.injectFault({ method: 'POST', path: `${ORDERS_PATH}/calculate`, status: 500 });
    const since = sandbox.requestCount;
    const outcome = await run(deliveryOrder('calc-down', { calculateTotal: true, total_price: undefined }));
    expect(outcome.rebounds).to.have.length(1);
    expect(orderRequestsSince(sandbox, since).posts).to.equal(0);
    expect(sandbox.store.count('orders')).to.equal(0);
  });

  it('a 429 is not ambiguous: no lookup, a rebound, nothing created', async () => {
    const { sandbox } = world;
    sandbox.injectFault({ ...post, status: 429, headers: { 'Retry-After': '0' }, times: 2 });
    const since = sandbox.requestCount;
    const outcome = await run(deliveryOrder('rate-limited'));
    expect(outcome.rebounds).to.have.length(1);
    expect(outcome.data).to.deep.equal([]);
    const requests = orderRequestsSince(sandbox, since);
    expect({ posts: requests.posts, lookups: requests.lookups }).to.deep.equal({ posts: 2, lookups: 0 });
    expect(sandbox.store.count('orders')).to.equal(0);
  });
});
