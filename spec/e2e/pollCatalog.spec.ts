/**
 * END-TO-END: the polling trigger pollCatalog through the real sailor (run.js) on RabbitMQ, with its
 * snapshot carried as the platform carries it:
 * - within one container, the sailor keeps the last snapshot in memory and hands it to the next poll;
 * - a new container reads the snapshot from the platform's step data (the platform stand-in serves the
 *   snapshot the previous container published on the snapshot queue).
 * The `it`s build on each other.
 */
import { expect } from 'chai';
import { leaks, receivedCount } from './helpers/leaks';
import type { Received } from './helpers/rabbit';
import { SentMessage, StepRun } from './helpers/stepRun';
import { sleep } from './helpers/wait';

interface Change {
  change: string;
  resourceType: string;
  id: number;
  record: Record<string, unknown> | null;
}
interface Snapshot {
  v: number;
  scope: string;
  state: string;
}

/** After the poll's last snapshot, wait this long for anything late before asserting "nothing more". */
const SETTLE_MS = 400;

describe('e2e: pollCatalog through run.js on RabbitMQ, with its snapshot', function () {
  this.timeout(60_000);
  this.bail(true);
  let run: StepRun | undefined;
  let lastSnapshot: Snapshot | undefined;

  before(async function () {
    this.timeout(40_000);
    run = await StepRun.start({ function: 'pollCatalog', fields: { resourceType: 'branches' } });
  });
  after(async function () {
    this.timeout(20_000);
    await run?.close();
  });

  const snapshotsFor = (m: SentMessage): Received[] => run!.for('snapshot', m);
  const parse = (r: Received): Snapshot => JSON.parse(r.content.toString('utf8')) as Snapshot;

  /** One poll: the platform's timer message; waits for its final snapshot (the trigger always ends with one). */
  async function poll(): Promise<{ changes: Change[]; snapshot: Snapshot; snapshots: number }> {
    const r = run!;
    const m = r.publish({});
    await r.until(
      () => snapshotsFor(m).length > 0 || r.for('error', m).length > 0,
      `the snapshot of poll ${m.messageId}`,
    );
    await sleep(SETTLE_MS);
    expect(
      r.for('error', m).map((e) => r.decryptError(e).error.message),
      'errors',
    ).to.deep.equal([]);
    expect(r.for('rebound', m), 'rebounds').to.have.length(0);
    const snaps = snapshotsFor(m);
    const snapshot = parse(snaps[snaps.length - 1]);
    lastSnapshot = snapshot;
    return { changes: r.for('data', m).map((d) => r.decrypt(d).body as Change), snapshot, snapshots: snaps.length };
  }

  const visibleBranches = (): number[] =>
    run!.sandbox.store
      .allIds('branches')
      .filter((id) => run!.sandbox.store.getVisible('branches', id))
      .sort((a, b) => a - b);

  it('first poll: every branch in scope as created, and a snapshot on the snapshot queue', async () => {
    const { changes, snapshot } = await poll();
    const expected = visibleBranches();
    expect(expected.length).to.be.above(1);
    expect(changes.map((c) => c.id).sort((a, b) => a - b)).to.deep.equal(expected);
    expect(
      changes.every(
        (c) => c.change === 'created' && c.resourceType === 'branches' && (c.record as { id?: number }).id === c.id,
      ),
    ).to.equal(true);
    expect(snapshot).to.include({ v: 1 });
    expect(snapshot.state).to.be.a('string').and.not.equal('');
  });

  it("second poll in the same container (the sailor's in-memory snapshot): nothing, after no change", async () => {
    const { changes, snapshots } = await poll();
    expect(changes).to.deep.equal([]);
    expect(snapshots).to.equal(1);
  });

  it('after a sandbox updateRecord: exactly the changed record', async () => {
    const id = visibleBranches()[0];
    run!.sandbox.updateRecord('branches', id, { name_en: 'Renamed during the e2e run' });
    const { changes } = await poll();
    expect(changes.map((c) => [c.change, c.id])).to.deep.equal([['updated', id]]);
    expect(changes[0].record).to.include({ id, name_en: 'Renamed during the e2e run' });
  });

  it("a new container reads the snapshot from the platform's step data: nothing, then exactly the changed record", async () => {
    const r = run!;
    await r.sailors[0].kill();
    // The platform stores the snapshot the step published and gives it to the next container in the step data.
    r.stepData.snapshot = lastSnapshot as unknown as Record<string, unknown>;
    const second = r.startContainer();
    await second.waitForIpc('init:ended', 20_000);

    const quiet = await poll();
    expect(quiet.changes, 'a fresh container with the stored snapshot').to.deep.equal([]);

    const id = visibleBranches()[1];
    r.sandbox.updateRecord('branches', id, { name_en: 'Renamed again' });
    const { changes } = await poll();
    expect(changes.map((c) => [c.change, c.id])).to.deep.equal([['updated', id]]);
  });

  it("no client secret, API key or token in any message on any queue, nor in the containers' output", () => {
    const r = run!;
    expect(receivedCount(r), 'messages looked at').to.be.greaterThan(0);
    expect(leaks(r), 'secrets leaked').to.deep.equal([]);
  });
});
