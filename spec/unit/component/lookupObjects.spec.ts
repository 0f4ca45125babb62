import { expect } from 'chai';
import { createWorld, expectInputRefused, leakedSecrets, outcomeTexts, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { TGATE_RESOURCE_NAMES } from '../../../lib/tgate';

const action = loadFunction('lookupObjects');
const ITEMS = '/partner/v1/items';

type Item = { id: number; section_id: number; item_type: string };

/** lookupObjects through the sailor's TaskExec against the sandbox over HTTP. */
describe('action lookupObjects', function () {
  this.timeout(60_000);
  let world: World;
  const savedEnv: Record<string, string | undefined> = {};
  before(async () => {
    world = await createWorld();
    world.sandbox.seedCatalog({ items: 1000 });
  });
  after(async () => {
    await world?.close();
  });
  afterEach(() => {
    world.sandbox.clearFaults();
    for (const [k, v] of Object.entries(savedEnv))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  function setEnv(name: string, value: string): void {
    if (!(name in savedEnv)) savedEnv[name] = process.env[name];
    process.env[name] = value;
  }

  async function run(fields: Record<string, unknown>, body: Record<string, unknown> = {}): Promise<StepOutcome> {
    const outcome = await runStep(action, { body }, { ...world.cfg, ...fields }, world.platform);
    expect(
      leakedSecrets(world, outcomeTexts([outcome])),
      'secrets in logs, rebounds, errors or messages',
    ).to.deep.equal([]);
    return outcome;
  }
  /** The list requests one run made: `page=1&items=100` per request, in order. */
  async function listRequests(
    path: string,
    body: () => Promise<StepOutcome>,
  ): Promise<{ outcome: StepOutcome; queries: string[] }> {
    const before = world.sandbox.requestCount;
    const outcome = await body();
    const made = world.sandbox.requestCount - before;
    const recent = made === 0 ? [] : world.sandbox.requests.slice(-made);
    return { outcome, queries: recent.filter((r) => r.path === path).map((r) => r.query) };
  }
  const allItemIds = (): number[] =>
    world.sandbox.store.allIds('items').filter((id) => world.sandbox.store.getVisible('items', id));
  const bodies = <T>(o: StepOutcome): T[] => o.data.map((d) => d.body as T);
  const pageQueries = (n: number, size = 100): string[] =>
    Array.from({ length: n }, (_, i) => `page=${i + 1}&items=${size}`);

  // 1,000 items seeded, 824 of them in the integration scopes: nine T-Gate pages.
  describe('emit behaviours over a catalog larger than one page (1,000 items seeded, 824 in scope)', () => {
    it('emitIndividually (the default): one message per record, in T-Gate order, with the fewest requests', async () => {
      const { outcome, queries } = await listRequests(ITEMS, () => run({ resourceType: 'items' }));
      expect(outcome.errors).to.deep.equal([]);
      expect(bodies<Item>(outcome).map((b) => b.id)).to.deep.equal(allItemIds());
      expect(outcome.data).to.have.length(824);
      expect(queries).to.deep.equal(pageQueries(9));
    });

    it('emitPage: messages of pageSize records with their number and the total', async () => {
      const { outcome, queries } = await listRequests(ITEMS, () =>
        run({ resourceType: 'items', emitBehavior: 'emitPage', pageSize: '300' }),
      );
      expect(outcome.errors).to.deep.equal([]);
      const pages = bodies<{ results: Item[]; page: number; totalCount: number }>(outcome);
      expect(pages.map((p) => [p.page, p.results.length, p.totalCount])).to.deep.equal([
        [1, 300, 824],
        [2, 300, 824],
        [3, 224, 824],
      ]);
      expect(pages.flatMap((p) => p.results.map((r) => r.id))).to.deep.equal(allItemIds());
      expect(queries).to.deep.equal(pageQueries(9));
    });

    it('fetchAll: one message with every record and the total', async () => {
      const outcome = await run({ resourceType: 'items', emitBehavior: 'fetchAll' });
      expect(outcome.errors).to.deep.equal([]);
      const [all] = bodies<{ results: Item[]; totalCount: number }>(outcome);
      expect(outcome.data).to.have.length(1);
      expect(all.totalCount).to.equal(824);
      expect(all.results.map((r) => r.id)).to.deep.equal(allItemIds());
    });

    it('maxResults stops after that many records, asking T-Gate for no more pages than needed', async () => {
      const few = await listRequests(ITEMS, () => run({ resourceType: 'items', maxResults: '5' }));
      expect(bodies<Item>(few.outcome).map((b) => b.id)).to.deep.equal(allItemIds().slice(0, 5));
      expect(few.queries).to.deep.equal(['page=1&items=5']);
      const more = await listRequests(ITEMS, () =>
        run({ resourceType: 'items', maxResults: '150', emitBehavior: 'emitPage', pageSize: '100' }),
      );
      expect(bodies<{ results: Item[] }>(more.outcome).map((p) => p.results.length)).to.deep.equal([100, 50]);
      expect(more.queries).to.deep.equal(pageQueries(2));
    });

    it('fetchAll refuses a listing above fetchAllLimit from its first page, before collecting or emitting anything', async () => {
      const { outcome, queries } = await listRequests(ITEMS, () =>
        run({ resourceType: 'items', emitBehavior: 'fetchAll', fetchAllLimit: '823' }),
      );
      expect(outcome.data).to.deep.equal([]);
      expect(outcome.rebounds).to.deep.equal([]);
      expect(outcome.errors.map((e) => [e.name, (e as { field?: string }).field, e.message])).to.deep.equal([
        [
          'InvalidInputError',
          'emitBehavior',
          'The items listing has 824 records, more than the 823 that "Fetch all" puts in one message (fetchAllLimit): ' +
            'choose "Emit page by page" or "Emit individually", narrow the filters, or set maxResults',
        ],
      ]);
      expect(queries).to.deep.equal(['page=1&items=100']);
    });

    it('fetchAll within the cap thanks to maxResults emits that many', async () => {
      const outcome = await run({
        resourceType: 'items',
        emitBehavior: 'fetchAll',
        fetchAllLimit: '500',
        maxResults: '500',
      });
      expect(outcome.errors).to.deep.equal([]);
      expect(bodies<{ results: Item[] }>(outcome)[0].results).to.have.length(500);
    });
  });

  describe('filters', () => {
    it('section_id and item_type from the message, alone and together', async () => {
      const visible = allItemIds().map((id) => world.sandbox.getRecord('items', id)!);
      const inSection = await run({ resourceType: 'items' }, { section_id: 405 });
      expect(bodies<Item>(inSection).map((b) => b.id)).to.deep.equal(
        visible.filter((i) => i.section_id === 405).map((i) => i.id),
      );
      expect(inSection.data.length).to.be.above(20);
      const modifiers = await run(
        { resourceType: 'items', emitBehavior: 'fetchAll' },
        { item_type: 'modifier', section_id: '405' },
      );
      const wanted = visible.filter((i) => i.section_id === 405 && i.item_type === 'modifier').map((i) => i.id);
      expect(wanted.length).to.be.above(0);
      expect(bodies<{ results: Item[] }>(modifiers)[0].results.map((r) => r.id)).to.deep.equal(wanted);
    });

    it("brand_id on branches, from the message or from the step's Brand, the message winning", async () => {
      const ids = async (o: Promise<StepOutcome>): Promise<number[]> =>
        bodies<{ id: number }>(await o).map((b) => b.id);
      expect(await ids(run({ resourceType: 'branches' }, { brand_id: 102 }))).to.deep.equal([206, 207, 208, 209, 210]);
      expect(await ids(run({ resourceType: 'branches', brand_id: '103' }))).to.deep.equal([211, 212, 213, 214, 215]);
      expect(await ids(run({ resourceType: 'branches', brand_id: '103' }, { brand_id: 101 }))).to.deep.equal([
        201, 202, 203, 204, 205,
      ]);
    });

    it("the step's Branch narrows menus and branch special timings; its Menu narrows sections", async () => {
      const ids = async (o: Promise<StepOutcome>): Promise<number[]> =>
        bodies<{ id: number }>(await o).map((b) => b.id);
      expect(await ids(run({ resourceType: 'menus', branch_id: '212' }))).to.deep.equal([307, 308, 309]);
      // The Brand chosen only to find the Branch does not stand in the way.
      expect(await ids(run({ resourceType: 'menus', brand_id: '103', branch_id: '212' }))).to.deep.equal([
        307, 308, 309,
      ]);
      expect(await ids(run({ resourceType: 'branchSpecialTimings', branch_id: '201' }))).to.deep.equal([601]);
      expect(
        await ids(run({ resourceType: 'sections', brand_id: '101', branch_id: '201', menu_id: '302' })),
      ).to.deep.equal([403, 404]);
    });
  });

  describe('bad inputs: an error naming the field, and no request to T-Gate', () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string, string]> = [
      [
        'an unknown resource type',
        { resourceType: 'recipes' },
        {},
        'resourceType',
        `Invalid step configuration: resourceType must be one of ${TGATE_RESOURCE_NAMES.map((n) => `"${n}"`).join(', ')}`,
      ],
      ['no resource type', {}, {}, 'resourceType', 'Invalid step configuration: resourceType is required'],
      [
        'an unknown filter',
        { resourceType: 'items' },
        { colour: 'red' },
        'colour',
        'Invalid message body: colour is not a known field',
      ],
      [
        'a filter of another type',
        { resourceType: 'brands' },
        { section_id: 405 },
        'section_id',
        'Invalid message body: section_id is not a known field',
      ],
      [
        'an id filter that is not a number',
        { resourceType: 'items' },
        { section_id: 'four' },
        'section_id',
        'Invalid message body: section_id must match pattern "^[0-9]+$"',
      ],
      [
        'an id filter of the wrong JSON type',
        { resourceType: 'items' },
        { section_id: true },
        'section_id',
        'Invalid message body: section_id must be an integer or string',
      ],
      [
        'a text filter of the wrong JSON type',
        { resourceType: 'items' },
        { item_type: { is: 'product' } },
        'item_type',
        'Invalid message body: item_type must be a string',
      ],
      [
        'a negative id filter',
        { resourceType: 'items' },
        { section_id: -4 },
        'section_id',
        'section_id must be a whole number (a T-Gate id), got -4',
      ],
      [
        'an emit behaviour that does not exist',
        { resourceType: 'items', emitBehavior: 'emitSome' },
        {},
        'emitBehavior',
        'Invalid step configuration: emitBehavior must be one of "emitIndividually", "emitPage", "fetchAll"',
      ],
      [
        'a page size that is not a number',
        { resourceType: 'items', emitBehavior: 'emitPage', pageSize: 'ten' },
        {},
        'pageSize',
        'Invalid step configuration: pageSize must be an integer',
      ],
      [
        'a Brand the type cannot use',
        { resourceType: 'items', brand_id: '101' },
        {},
        'brand_id',
        "The step's Brand (brand_id) cannot narrow items: it narrows only branches. Clear Brand in the step, or choose one of those object types",
      ],
      [
        'a Branch the type cannot use',
        { resourceType: 'branches', branch_id: '201' },
        {},
        'branch_id',
        "The step's Branch (branch_id) cannot narrow branches: it narrows only menus, branch special timings, orders. Clear Branch in the step, or choose one of those object types",
      ],
      [
        'a Menu the type cannot use',
        { resourceType: 'menus', menu_id: '301' },
        {},
        'menu_id',
        "The step's Menu (menu_id) cannot narrow menus: it narrows only sections. Clear Menu in the step, or choose one of those object types",
      ],
    ];
    for (const [what, fields, body, field, message] of cases) {
      it(what, () => expectInputRefused(world, () => run(fields, body), field, message));
    }
  });

  describe('T-Gate overloaded or failing', () => {
    it('a 429 (Retry-After) and a 5xx during a long listing end in a complete, duplicate-free result', async () => {
      // Faults are taken in order by the requests they match: pages 1-4 pass, page 5 gets 429 then passes,
      // page 6 passes, page 7 gets a 503 then passes.
      world.sandbox.injectFault({ path: ITEMS, delayMs: 0, times: 4 });
      world.sandbox.injectFault({
        path: ITEMS,
        status: 429,
        headers: { 'Retry-After': '1' },
        body: { message: 'slow down' },
      });
      world.sandbox.injectFault({ path: ITEMS, delayMs: 0, times: 2 });
      world.sandbox.injectFault({ path: ITEMS, status: 503, body: { message: 'maintenance' } });
      const { outcome, queries } = await listRequests(ITEMS, () => run({ resourceType: 'items' }));
      expect(outcome.errors).to.deep.equal([]);
      expect(outcome.rebounds).to.deep.equal([]);
      const ids = bodies<Item>(outcome).map((b) => b.id);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids).to.deep.equal(allItemIds());
      expect(queries).to.deep.equal([
        ...pageQueries(5),
        'page=5&items=100',
        'page=6&items=100',
        'page=7&items=100',
        'page=7&items=100',
        'page=8&items=100',
        'page=9&items=100',
      ]);
    });

    it('a transient failure before anything is emitted becomes a rebound, so the platform retries the message', async () => {
      setEnv('TGATE_RETRY_MAX_ATTEMPTS', '2');
      world.sandbox.injectFault({ path: ITEMS, status: 503, body: { message: 'maintenance' }, times: Infinity });
      const outcome = await run({ resourceType: 'items' });
      expect(outcome.data).to.deep.equal([]);
      expect(outcome.errors).to.deep.equal([]);
      expect(outcome.rebounds).to.deep.equal([
        'T-Gate GET /partner/v1/items answered 503: maintenance after 2 attempts (retry limit reached)',
      ]);
    });

    it('a transient failure after records were emitted is an error saying so, not a rebound that would emit them again', async () => {
      setEnv('TGATE_RETRY_MAX_ATTEMPTS', '2');
      world.sandbox.injectFault({ path: ITEMS, delayMs: 0, times: 2 });
      world.sandbox.injectFault({ path: ITEMS, status: 503, body: { message: 'maintenance' }, times: Infinity });
      const outcome = await run({ resourceType: 'items' });
      expect(outcome.data).to.have.length(200);
      expect(outcome.rebounds).to.deep.equal([]);
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([
        'T-Gate GET /partner/v1/items answered 503: maintenance after 2 attempts (retry limit reached). ' +
          '200 message(s) were already emitted for this input, so it is not retried: a retry would emit them again',
      ]);
    });
  });

  describe('a listing that shifts while it is read', () => {
    // T-Gate lists by ascending id, so a listing never gives an id twice.
    it('an insert on an earlier page while page 2 is read: every record once, in id order', async () => {
      const ids = allItemIds();
      const back = world.sandbox.getRecord('items', ids[7])!;
      try {
        for (const emitBehavior of ['emitIndividually', 'fetchAll']) {
          world.sandbox.deleteRecord('items', back.id);
          world.sandbox.beforeListPage((request) => {
            if (request.resource !== 'items' || request.page !== 2) return;
            world.sandbox.beforeListPage(undefined);
            world.sandbox.createRecord('items', back); // lands on page 1, pushing its last record onto page 2
          });
          const outcome = await run({ resourceType: 'items', emitBehavior });
          expect(outcome.errors).to.deep.equal([]);
          const records =
            emitBehavior === 'fetchAll' ? bodies<{ results: Item[] }>(outcome)[0].results : bodies<Item>(outcome);
          const got = records.map((r) => r.id);
          expect(got, emitBehavior).to.deep.equal(ids.filter((id) => id !== back.id));
        }
      } finally {
        world.sandbox.beforeListPage(undefined);
      }
      expect(allItemIds()).to.deep.equal(ids);
    });
  });
});
