import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import type { CatalogChange } from '../../../lib/triggers/pollCatalog';

const trigger = loadFunction('pollCatalog');

/**
 * The polling trigger through the sailor's TaskExec against the sandbox's catalog, snapshot carried from
 * one poll to the next as the platform does.
 */
describe('Get New, Updated and Deleted Catalog Objects (pollCatalog)', function () {
  this.timeout(60_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  async function poll(
    fields: Record<string, unknown>,
    snapshot: Record<string, unknown> = {},
  ): Promise<StepOutcome & { snapshot: Record<string, unknown>; changes: CatalogChange[] }> {
    const outcome = await runStep(trigger, { body: {} }, { ...world.cfg, ...fields }, world.platform, { snapshot });
    const changes = outcome.data.map((d) => d.body as CatalogChange);
    return { ...outcome, changes, snapshot: outcome.snapshots[outcome.snapshots.length - 1] ?? snapshot };
  }
  const listed = async (resource: string): Promise<number> => {
    const res = await fetch(`${world.sandbox.apiBaseUrl}/${resource}?items=1`, {
      headers: { Authorization: `Bearer ${world.tokens.access_token}` },
    });
    return Number(res.headers.get('total-count'));
  };
  const apiCalls = (): number => world.sandbox.requests.filter((r) => r.path.startsWith('/partner/v1/items')).length;

  it('emits every item on the first poll, then nothing while the catalog is unchanged', async () => {
    world = await createWorld();
    const total = await listed('items');
    expect(total).to.be.above(100); // more than one page

    const first = await poll({ resourceType: 'items' });
    expect(first.errors).to.deep.equal([]);
    expect(first.changes).to.have.length(total);
    expect(new Set(first.changes.map((c) => c.id)).size).to.equal(total);
    expect(
      first.changes.every((c) => c.change === 'created' && c.resourceType === 'items' && c.record?.id === c.id),
    ).to.equal(true);

    const before = apiCalls();
    const second = await poll({ resourceType: 'items' }, first.snapshot);
    expect(second.errors).to.deep.equal([]);
    expect(second.changes).to.deep.equal([]);
    expect(apiCalls() - before, 'one request per page of 100').to.equal(Math.ceil(total / 100));
    const state = String((second.snapshot as { state: string }).state);
    expect(state.length / total, 'snapshot bytes per record').to.be.below(10);
    expect(
      leakedSecrets(world, [...first.logLines, ...second.logLines, JSON.stringify(second.snapshot)]),
    ).to.deep.equal([]);
  });

  it('after edits, additions and deletions emits exactly those', async () => {
    world = await createWorld();
    const first = await poll({ resourceType: 'items' });
    const [a, b, c] = first.changes.slice(0, 3).map((ch) => ch.id);
    const lastPageItem = first.changes[first.changes.length - 1].id;
    world.sandbox.updateRecord('items', a, { name_en: 'Renamed by the company' });
    world.sandbox.updateRecord('items', lastPageItem, { price: 99.5 });
    world.sandbox.deleteRecord('items', b);
    const template = first.changes[2].record as Record<string, unknown>;
    const added = world.sandbox.createRecord('items', { ...template, id: undefined, name_en: 'New dish' });

    const next = await poll({ resourceType: 'items' }, first.snapshot);
    expect(next.errors).to.deep.equal([]);
    const seen = next.changes.map((ch) => `${ch.change} ${ch.id}`).sort();
    expect(seen).to.deep.equal(
      [`created ${added.id}`, `deleted ${b}`, `updated ${a}`, `updated ${lastPageItem}`].sort(),
    );
    expect(next.changes.find((ch) => ch.id === a)!.record!.name_en).to.equal('Renamed by the company');
    expect(next.changes.find((ch) => ch.id === b)!.record).to.equal(null);
    expect(c).to.not.equal(undefined);

    const quiet = await poll({ resourceType: 'items' }, next.snapshot);
    expect(quiet.changes).to.deep.equal([]);
  });

  it('watchOnly: the first poll emits nothing and only starts watching', async () => {
    world = await createWorld();
    const first = await poll({ resourceType: 'sections', startMode: 'watchOnly' });
    expect(first.changes).to.deep.equal([]);
    expect(first.snapshots).to.have.length(1);
    const some = await listed('sections');
    expect(some).to.be.above(0);
    const next = await poll({ resourceType: 'sections', startMode: 'watchOnly' }, first.snapshot);
    expect(next.changes).to.deep.equal([]);
  });

  it('a poll interrupted by faults, then resumed, emits each change exactly once', async () => {
    world = await createWorld();
    const first = await poll({ resourceType: 'items' });
    const ids = first.changes.map((ch) => ch.id);
    const early = ids[1]; // on page 1
    const late = ids[ids.length - 1]; // on the last page
    world.sandbox.updateRecord('items', early, { name_en: 'Changed early' });
    world.sandbox.updateRecord('items', late, { name_en: 'Changed late' });
    // Every page after the first fails for good: the poll stops after emitting page 1's change.
    world.sandbox.injectFault({
      path: '/partner/v1/items',
      query: /(^|&)page=([2-9]|\d\d+)(&|$)/,
      status: 500,
      times: Infinity,
    });
    const broken = await poll({ resourceType: 'items' }, first.snapshot);
    expect(broken.changes.map((ch) => ch.id)).to.deep.equal([early]);
    expect(broken.errors.length + broken.rebounds.length).to.equal(1);
    expect(broken.snapshots, 'the change emitted is committed at once').to.have.length(1);

    world.sandbox.clearFaults();
    const resumed = await poll({ resourceType: 'items' }, broken.snapshot);
    expect(resumed.errors).to.deep.equal([]);
    expect(resumed.changes.map((ch) => `${ch.change} ${ch.id}`)).to.deep.equal([`updated ${late}`]);
  });

  it('refuses a listing whose state would pass maxSnapshotKB, before emitting anything', async () => {
    world = await createWorld();
    const out = await poll({ resourceType: 'items', maxSnapshotKB: 1 });
    expect(out.changes).to.deep.equal([]);
    expect(out.errors.map((e) => e.message)).to.have.length(1);
    expect(out.errors[0].message).to.match(
      /^Watching \d+ items needs a snapshot of up to \d+ KB, more than the 1 KB allowed \(maxSnapshotKB\): narrow the listing/,
    );
  });

  it('narrows to a branch, and refuses a narrowing the type cannot use', async () => {
    world = await createWorld();
    const menus = await poll({ resourceType: 'menus', branch_id: '201' }); // a select's key arrives as text
    expect(menus.errors).to.deep.equal([]);
    expect(menus.changes.length).to.be.above(0);
    expect(menus.changes.every((ch) => (ch.record as { branch_ids: number[] }).branch_ids.includes(201))).to.equal(
      true,
    );
    const bad = await poll({ resourceType: 'brands', menu_id: 301 });
    expect(bad.errors.map((e) => e.message)).to.deep.equal([
      "The step's Menu (menu_id) cannot narrow brands: it narrows only sections. Clear Menu in the step, or choose one of those object types",
    ]);
    expect(bad.changes).to.deep.equal([]);
  });
});
