import { expect } from 'chai';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { getMetaModel } from '../../../lib/triggers/pollCatalog';
import type { CatalogChange } from '../../../lib/triggers/pollCatalog';

/** The polling trigger's snapshot rules one at a time, and the output it describes to the mapper. */
describe('lib/triggers pollCatalog: its snapshot rules', function () {
  this.timeout(30_000);
  const trigger = loadFunction('pollCatalog');
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  const poll = (fields: Record<string, unknown>, snapshot: Record<string, unknown>): Promise<StepOutcome> =>
    runStep(trigger, { body: {} }, { ...world.cfg, resourceType: 'items', ...fields }, world.platform, { snapshot });
  const changes = (outcome: StepOutcome): string[] => outcome.data.map((d) => (d.body as CatalogChange).change);

  it('a snapshot of another listing, or of another version, is a first run', async () => {
    const first = await poll({ startMode: 'emitAll', maxSnapshotKB: 64 }, {});
    const { state, scope } = first.snapshots[first.snapshots.length - 1] as { state: string; scope: string };
    expect(JSON.parse(scope)[0]).to.equal('items');
    const again = await poll({ startMode: 'emitAll', maxSnapshotKB: 64 }, { v: 1, scope, state });
    expect(changes(again)).to.deep.equal([]);
    const otherScope = await poll(
      { startMode: 'emitAll', maxSnapshotKB: 64 },
      { v: 1, scope: '["sections",{}]', state },
    );
    expect(changes(otherScope)).to.deep.equal(changes(first));
    const otherVersion = await poll({ startMode: 'emitAll', maxSnapshotKB: 64 }, { v: 2, scope, state });
    expect(changes(otherVersion)).to.deep.equal(changes(first));
  });

  it('a snapshot without a state, or far too large, is set aside with an error saying what comes next', async () => {
    const none = await poll({ startMode: 'watchOnly', maxSnapshotKB: 1 }, { v: 1, scope: '["items",{}]' });
    expect(none.errors.map((e) => e.message)).to.deep.equal([
      "The trigger's snapshot was refused (the snapshot has no catalog state): it was set aside, and the next poll " +
        'starts over as a first run (startMode watchOnly: it only starts watching)',
    ]);
    expect(none.snapshots).to.deep.equal([{ v: 1, scope: '["items",{}]', startOver: true }]);
    const large = await poll(
      { startMode: 'emitAll', maxSnapshotKB: 1 },
      { v: 1, scope: '["items",{}]', state: 'A'.repeat(2049) },
    );
    expect(large.errors[0].message).to.include(
      '(the catalog state in the snapshot is 3 KB, far more than maxSnapshotKB allows)',
    );
    expect(large.errors[0].message).to.include('(startMode emitAll: it emits every record as created)');
    const atTheLimit = await poll(
      { startMode: 'emitAll', maxSnapshotKB: 1 },
      { v: 1, scope: '["items",{}]', state: 'A'.repeat(2048) },
    );
    expect(atTheLimit.errors[0].message).to.include(
      '(the snapshot does not hold a catalog state written by this component',
    );
  });

  it('watchOnly: the first poll only starts watching, the next ones emit what changed', async () => {
    const first = await poll({ startMode: 'watchOnly', maxSnapshotKB: 64 }, {});
    expect(first.data).to.deep.equal([]);
    const [item] = world.sandbox.store.allIds('items');
    world.sandbox.updateRecord('items', item, { price: 99.5 });
    const next = await poll({ startMode: 'watchOnly', maxSnapshotKB: 64 }, first.snapshots[first.snapshots.length - 1]);
    expect(next.data.map((d) => `${(d.body as CatalogChange).change} ${(d.body as CatalogChange).id}`)).to.deep.equal([
      `updated ${item}`,
    ]);
  });

  it('a record that left the narrowed listing is deleted, though T-Gate still has it', async () => {
    const fields = { startMode: 'emitAll', maxSnapshotKB: 64, resourceType: 'sections', menu_id: 301 };
    const first = await poll(fields, {});
    const ids = first.data.map((d) => (d.body as CatalogChange).id);
    expect(ids.length).to.be.greaterThan(0);
    world.sandbox.updateRecord('sections', ids[0], { menu_id: 302 });
    const next = await poll(fields, first.snapshots[first.snapshots.length - 1]);
    expect(next.errors).to.deep.equal([]);
    expect(next.data.map((d) => `${(d.body as CatalogChange).change} ${(d.body as CatalogChange).id}`)).to.deep.equal([
      `deleted ${ids[0]}`,
    ]);
  });

  it('describes each change for the mapper', async () => {
    const meta = (await getMetaModel({ resourceType: 'items' })) as { in: object; out: Record<string, unknown> };
    expect(meta.in).to.deep.equal({ type: 'object', properties: {} });
    const out = meta.out as {
      type: string;
      title: string;
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect([out.type, out.title]).to.deep.equal(['object', 'Catalog change']);
    expect(out.required).to.deep.equal(['change', 'resourceType', 'id', 'record']);
    expect(out.properties.change).to.deep.equal({
      type: 'string',
      enum: ['created', 'updated', 'deleted'],
      title: 'Change',
      description: 'What happened to the object since the last poll',
    });
    expect(out.properties.resourceType).to.deep.equal({
      type: 'string',
      title: 'Object type',
      description: 'The T-Gate resource type watched',
    });
    expect(out.properties.id).to.deep.equal({ type: 'integer', title: 'ID', description: "T-Gate's id of the object" });
    expect(out.properties.record).to.deep.include({
      type: ['object', 'null'],
      description: 'The object as T-Gate lists it now; null when it was deleted',
    });
    expect(out.properties.record.properties).to.have.property('price');
  });
});
