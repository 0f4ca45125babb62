import http from 'node:http';
import { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import type { CatalogChange } from '../../../lib/triggers/pollCatalog';
import type { TGateRecords } from '../../../lib/tgate/records';
import { defaultIntegrationScopes } from '../../../lib/sandbox/seed';

const trigger = loadFunction('pollCatalog');
type Item = TGateRecords['items'];

/**
 * The polling trigger on a catalog that changes while a poll reads it: the sandbox's list hook changes
 * the catalog just before a page is served, as a restaurant editing its menu during a long poll would.
 * Through the sailor's TaskExec, the snapshot carried from one poll to the next as the platform does.
 */
describe('pollCatalog on a catalog that changes while it is read', function () {
  this.timeout(60_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  type Poll = StepOutcome & { snapshot: Record<string, unknown>; changes: CatalogChange[]; seen: string[] };
  async function poll(fields: Record<string, unknown>, snapshot: Record<string, unknown> = {}): Promise<Poll> {
    const cfg = { ...world.cfg, resourceType: 'items', ...fields };
    const outcome = await runStep(trigger, { body: {} }, cfg, world.platform, { snapshot });
    const changes = outcome.data.map((d) => d.body as CatalogChange);
    const seen = changes.map((c) => `${c.change} ${c.id}`);
    return { ...outcome, changes, seen, snapshot: outcome.snapshots[outcome.snapshots.length - 1] ?? snapshot };
  }
  /** Runs `change` once, just before page `page` of the listing of `resource` is served. */
  function onPage(page: number, change: () => void, resource = 'items'): void {
    world.sandbox.beforeListPage((request) => {
      if (request.resource !== resource || request.page !== page) return;
      world.sandbox.beforeListPage(undefined);
      change();
    });
  }
  const visibleItems = (): number[] => {
    const { store } = world.sandbox;
    return store.allIds('items').filter((id) => store.getVisible('items', id));
  };
  const snapshotBytes = (snapshots: Array<Record<string, unknown>>): number[] =>
    snapshots.map((s) => (typeof s.state === 'string' ? s.state.length : 0));
  const errorFields = (out: StepOutcome): Array<[string, string | undefined]> =>
    out.errors.map((e) => [e.name, (e as { field?: string }).field]);
  /** T-Gate's ids are global, so a company's are sparse: `count` more items, 2 to 19 million ids apart. */
  const addSparseItems = (count: number): void => {
    const template = world.sandbox.getRecord('items', visibleItems()[0]) as Item;
    let id = 10_000_000;
    for (let k = 1; k <= count; k += 1) {
      id += 2_100_000 + ((k * 2_654_435_761) % 2 ** 24);
      world.sandbox.createRecord('items', { ...template, id });
    }
  };
  const tooLarge = (listed: number, kb: number): RegExp =>
    new RegExp(
      `^Watching ${listed} items needs a snapshot of up to \\d+ KB, ` +
        `more than the ${kb} KB allowed \\(maxSnapshotKB\\)`,
    );

  it('a deletion on page 1 while page 2 is read: exactly that deletion, then nothing', async () => {
    world = await createWorld();
    const first = await poll({});
    const ids = visibleItems();
    expect(ids.length).to.be.above(150);
    const gone = ids[5];
    onPage(2, () => world.sandbox.deleteRecord('items', gone));
    const second = await poll({}, first.snapshot);
    expect(second.errors).to.deep.equal([]);
    // ids[100] moved onto page 1, already read: missing from this listing, yet still there. The deleted
    // record was read before it went, so the next poll reports it.
    expect(second.seen, `${ids[100]} is not deleted`).to.deep.equal([]);
    const third = await poll({}, second.snapshot);
    expect(third.errors).to.deep.equal([]);
    expect(third.seen).to.deep.equal([`deleted ${gone}`]);
    expect((await poll({}, third.snapshot)).seen).to.deep.equal([]);
  });

  it('a narrowed listing shifted under the poll: a record that still matches the narrowing is not deleted', async () => {
    // 150 more menus of branches 201 and 202, granted: the listing narrowed to branch 201 has two pages.
    const extra = Array.from({ length: 150 }, (_, k) => 1001 + k);
    const scopes = extra.map((menu, k) => ({ id: 1000 + k, brand_id: 101, branch_id: 201, menu_id: menu }));
    world = await createWorld({ integrationScopes: [...defaultIntegrationScopes(), ...scopes] });
    const template = world.sandbox.getRecord('menus', 301)!;
    for (const id of extra) world.sandbox.createRecord('menus', { ...template, id, branch_ids: [201, 202] });
    const narrowed = { resourceType: 'menus', branch_id: 201 };
    const first = await poll(narrowed);
    expect(first.errors).to.deep.equal([]);
    const listed = first.changes.map((c) => c.id);
    expect(listed.length).to.be.above(100);
    const gone = listed[5];
    onPage(2, () => world.sandbox.deleteRecord('menus', gone), 'menus');
    const second = await poll(narrowed, first.snapshot);
    expect(second.errors).to.deep.equal([]);
    // listed[100] moved onto page 1, already read: missing from this listing, yet still there and still of
    // branch 201 (among others), so it is not deleted; the deletion is reported by the next poll.
    expect(second.seen, `${listed[100]} is not deleted`).to.deep.equal([]);
    const third = await poll(narrowed, second.snapshot);
    expect(third.errors).to.deep.equal([]);
    expect(third.seen).to.deep.equal([`deleted ${gone}`]);
  });

  it('an insertion at the top while page 2 is read: nothing twice, the new record created once', async () => {
    world = await createWorld();
    const ids = visibleItems();
    const back = world.sandbox.getRecord('items', ids[10]) as Item;
    world.sandbox.deleteRecord('items', back.id);
    const first = await poll({});
    expect(first.changes).to.have.length(ids.length - 1);
    onPage(2, () => world.sandbox.createRecord('items', back));
    const second = await poll({}, first.snapshot);
    expect(second.errors).to.deep.equal([]);
    expect(second.seen, 'the record pushed onto page 2 is not new').to.deep.equal([]);
    const third = await poll({}, second.snapshot);
    expect(third.seen).to.deep.equal([`created ${back.id}`]);
    expect((await poll({}, third.snapshot)).seen).to.deep.equal([]);
  });

  it('a record listed twice in a first poll is taken once and the poll ends normally', async () => {
    world = await createWorld();
    const ids = visibleItems();
    const back = world.sandbox.getRecord('items', ids[3]) as Item;
    world.sandbox.deleteRecord('items', back.id);
    onPage(2, () => world.sandbox.createRecord('items', back));
    const first = await poll({});
    expect(first.errors).to.deep.equal([]);
    expect(first.seen).to.deep.equal(ids.filter((id) => id !== back.id).map((id) => `created ${id}`));
    expect((await poll({}, first.snapshot)).seen).to.deep.equal([`created ${back.id}`]);
  });

  it('sparse ids against a small maxSnapshotKB: refused before the first emit, every time', async () => {
    world = await createWorld();
    addSparseItems(220);
    const listed = visibleItems().length;
    expect(listed * 7, 'what a 7-bytes-a-record estimate allows').to.be.below(3 * 1024);
    for (let n = 0; n < 2; n += 1) {
      const out = await poll({ maxSnapshotKB: 3 });
      expect(out.changes, `poll ${n + 1}`).to.deep.equal([]);
      expect(out.snapshots).to.deep.equal([]);
      expect(errorFields(out)).to.deep.equal([['InvalidInputError', 'maxSnapshotKB']]);
      expect(out.errors[0].message).to.match(tooLarge(listed, 3));
    }
    // With room for the bound, the same listing is watched, and the state it saves is within the limit.
    const fits = await poll({ maxSnapshotKB: 6 });
    expect(fits.errors).to.deep.equal([]);
    expect(fits.changes).to.have.length(listed);
    expect(String(fits.snapshot.state).length)
      .to.be.above(3 * 1024)
      .and.below(6 * 1024);
  });

  it('sparse ids without total-count: the end is probed, too large a listing refused before any emit', async () => {
    world = await createWorld();
    addSparseItems(220);
    const listed = visibleItems().length;
    // The sandbox behind a proxy that drops pagy's total-count and total-pages, as an API without them.
    const proxy = http.createServer((req, res) => {
      const target = `${world.sandbox.url}${req.url}`;
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
        const { 'total-count': _count, 'total-pages': _pages, ...headers } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = process.env.TGATE_API_BASE_URL;
    process.env.TGATE_API_BASE_URL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/partner/v1`;
    try {
      for (let n = 0; n < 2; n += 1) {
        const out = await poll({ maxSnapshotKB: 3 });
        expect(out.changes, `poll ${n + 1}`).to.deep.equal([]);
        expect(errorFields(out)).to.deep.equal([['InvalidInputError', 'maxSnapshotKB']]);
        expect(out.errors[0].message).to.match(tooLarge(listed, 3));
      }
      const fits = await poll({ maxSnapshotKB: 6 });
      expect(fits.errors).to.deep.equal([]);
      expect(fits.changes.map((c) => c.id)).to.deep.equal(visibleItems());
    } finally {
      process.env.TGATE_API_BASE_URL = saved;
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  for (const [what, forged] of [
    ['an inflate bomb', zlib.deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 }).toString('base64')],
    ['garbage', 'this is no catalog state !!'],
    [
      'a state claiming a billion records',
      zlib.deflateRawSync(Buffer.from([1, 0x80, 0x94, 0xeb, 0xdc, 3, 1, 0, 0, 0, 0])).toString('base64'),
    ],
  ] as const) {
    it(`a forged snapshot (${what}) is refused once, and the trigger starts over as a first run`, async () => {
      world = await createWorld();
      const scope = JSON.stringify(['items', {}]);
      const refused = await poll({ startMode: 'emitAll' }, { v: 1, scope, state: forged });
      expect(refused.changes).to.deep.equal([]);
      expect(errorFields(refused)).to.deep.equal([['InvalidInputError', 'snapshot']]);
      expect(refused.errors[0].message).to.match(
        new RegExp(
          "^The trigger's snapshot was refused \\(.+\\): " +
            'it was set aside, and the next poll starts over as a first run ' +
            '\\(startMode emitAll: it emits every record as created\\)$',
        ),
      );
      const { message } = refused.errors[0];
      if (what === 'an inflate bomb') expect(message).to.contain('inflates to more than 3145728 bytes');
      const next = await poll({ startMode: 'emitAll' }, refused.snapshot);
      expect(next.errors).to.deep.equal([]);
      expect(next.changes.map((c) => c.id)).to.deep.equal(visibleItems());
      expect(next.logLines.some((l) => l.includes('starting over as a first run (startMode emitAll)'))).to.equal(true);
      expect((await poll({ startMode: 'emitAll' }, next.snapshot)).seen).to.deep.equal([]);
    });
  }

  describe('progress snapshots (the commit rule)', () => {
    it('a poll failing part way through over two batches of deletions saves them: the rest come once', async () => {
      world = await createWorld();
      world.sandbox.seedCatalog({ items: 1000 });
      const first = await poll({ startMode: 'watchOnly' });
      const ids = visibleItems();
      const doomed = ids.filter((_, i) => i % 2 === 0).slice(0, 350);
      for (const id of doomed) world.sandbox.deleteRecord('items', id);
      // Asking for the 251st deleted record fails: 250 deletions emitted, more than two batches of 100.
      world.sandbox.injectFault({ path: `/partner/v1/items/${doomed[250]}`, status: 403, times: Infinity });
      const broken = await poll({ startMode: 'watchOnly' }, first.snapshot);
      expect(broken.errors).to.have.length(1);
      expect(broken.seen).to.deep.equal(doomed.slice(0, 250).map((id) => `deleted ${id}`));
      world.sandbox.clearFaults();
      const resumed = await poll({ startMode: 'watchOnly' }, broken.snapshot);
      expect(resumed.errors).to.deep.equal([]);
      expect(resumed.seen).to.deep.equal(doomed.slice(250).map((id) => `deleted ${id}`));
      expect((await poll({ startMode: 'watchOnly' }, resumed.snapshot)).seen).to.deep.equal([]);
    });

    it('a first poll saves progress at growing intervals: killed before its last save, it repeats little', async () => {
      world = await createWorld();
      world.sandbox.seedCatalog({ items: 1000 });
      const first = await poll({});
      const n = first.changes.length;
      expect(n).to.equal(824);
      const bytes = snapshotBytes(first.snapshots);
      expect(bytes.length, 'snapshots saved').to.be.within(3, 8);
      expect(
        bytes.reduce((a, b) => a + b, 0),
        'all snapshot bytes',
      ).to.be.at.most(4 * bytes[bytes.length - 1]);
      // A container killed just before the final save: the platform keeps the last progress snapshot.
      const kept = first.snapshots[first.snapshots.length - 2] ?? {};
      const again = await poll({}, kept);
      expect(again.errors).to.deep.equal([]);
      const repeated = again.changes.length;
      expect(repeated, 'changes repeated')
        .to.be.above(0)
        .and.at.most(Math.max(100, (n - repeated) / 2));
      expect(again.seen).to.deep.equal(first.seen.slice(n - repeated));
    });

    it('a poll on a slow T-Gate saves its progress every 30 s as well', async () => {
      world = await createWorld({ fakeDate: true });
      world.sandbox.seedCatalog({ items: 1000 });
      // Each page after the first is served 31 s after the one before it.
      world.sandbox.beforeListPage((request) => {
        if (request.resource === 'items' && request.page > 1) world.clock!.tick(31_000);
      });
      const first = await poll({});
      expect(first.errors).to.deep.equal([]);
      const pages = Math.ceil(first.changes.length / 100);
      expect(pages).to.equal(9);
      // A save in each page after the first (30 s had passed), and the final one; by count alone, 3 to 8.
      expect(first.snapshots.length, 'snapshots saved').to.be.at.least(pages);
    });
  });
});
