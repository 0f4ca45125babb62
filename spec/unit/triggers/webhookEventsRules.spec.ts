import crypto from 'node:crypto';
import { expect } from 'chai';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { getMetaModel } from '../../../lib/triggers/webhookEvents';
import { TGATE_WEBHOOK_EVENTS } from '../../../lib/tgate/webhooks';
import eventSchema from '../../../lib/schemas/webhookEvent.out.json';

type Schema = {
  type?: unknown;
  title?: string;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
};
type Meta = { in: Schema; out: Schema & { required: string[] } };

/** The trigger's rules one at a time: its log lines, its event filter, a refused fetch, its metadata. */
describe('lib/triggers webhookEvents: its rules', function () {
  this.timeout(20_000);
  const trigger = loadFunction('webhookEvents');
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  const receive = (body: unknown, fields: Record<string, unknown> = {}): Promise<StepOutcome> =>
    runStep(
      trigger,
      { id: crypto.randomUUID(), body, headers: {}, attachments: {}, metadata: {} },
      { ...world.cfg, ...fields },
      world.platform,
    );
  const update = { id: 401, resource_type: 'section', action: 'update' };
  const logged = (outcome: StepOutcome, word: string): string[] => outcome.logLines.filter((l) => l.includes(word));

  it('logs what it received, and passes every event when the event filter is empty', async () => {
    const outcome = await receive(update, { events: [] });
    expect(outcome.data).to.have.length(1);
    expect(logged(outcome, 'Received')).to.have.length(1);
    expect(logged(outcome, 'Received')[0]).to.include('Received section.update for sections 401');
  });

  it('logs an event its filter leaves out, naming it', async () => {
    const outcome = await receive(update, { events: ['order.update'] });
    expect(outcome.data).to.deep.equal([]);
    expect(logged(outcome, 'Skipped')[0]).to.include(
      "Skipped section.update for sections 401: the step's event filter leaves section.update out",
    );
  });

  it('a fetch T-Gate answers 404 is a deletion, logged; any other refusal is an error, not a deletion', async () => {
    const gone = await receive({ id: 999_999, resource_type: 'item', action: 'update' }, { enrich: true });
    expect(gone.data.map((d) => (d.body as { deleted: boolean }).deleted)).to.deep.equal([true]);
    expect(logged(gone, 'any more')[0]).to.include(
      'T-Gate has no items 999999 any more: emitting item.update as deleted',
    );

    world.sandbox.injectFault({ path: '/partner/v1/sections/401', status: 403, body: { message: 'not yours' } });
    const refused = await receive(update, { enrich: true });
    expect(refused.data).to.deep.equal([]);
    expect(refused.errors.map((e) => e.message).join()).to.include('403');
  });

  describe('getMetaModel', () => {
    it('describes every event without a filter, and no input', async () => {
      const meta = (await getMetaModel(undefined as unknown as Record<string, unknown>)) as Meta;
      expect(meta.in).to.deep.equal({ type: 'object', properties: {} });
      expect(meta.out.properties!.event.enum).to.deep.equal(TGATE_WEBHOOK_EVENTS);
      expect(meta.out.required).to.deep.equal(eventSchema.required);
      expect(meta.out.properties).to.not.have.property('record');
    });

    it('with enrich (or "true"), adds deleted and the record, of one type or several', async () => {
      for (const enrich of [true, 'true']) {
        const one = (await getMetaModel({ enrich, events: ['item.update'] })) as Meta;
        expect(one.out.required, String(enrich)).to.deep.equal([...eventSchema.required, 'deleted', 'record']);
        expect(one.out.properties!.deleted).to.deep.include({ type: 'boolean', title: 'Deleted' });
        expect(one.out.properties!.deleted.description).to.match(
          /^true for a destroy, or when T-Gate no longer has the object/,
        );
        expect(one.out.properties!.record).to.deep.include({ type: ['object', 'null'], title: 'Record' });
        expect(one.out.properties!.record.description).to.match(/^The object as T-Gate serves it now/);
        expect(one.out.properties!.record.properties).to.have.property('price');
      }
      const several = (await getMetaModel({ enrich: true, events: ['item.update', 'order.update'] })) as Meta;
      expect(several.out.properties!.record.properties).to.equal(undefined);
      expect(several.out.properties!.record.description).to.match(/^The object as T-Gate serves it now/);
      expect(several.out.properties!.resourceType.enum).to.deep.equal(['items', 'orders']);
    });
  });
});
