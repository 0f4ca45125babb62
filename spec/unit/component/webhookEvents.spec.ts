import crypto from 'node:crypto';
import { Delivery, listen } from '../../helpers/webhookReceiver';
import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, requireComponentFile, runStep, StepOutcome } from '../../helpers/taskExec';
import { TGATE_WEBHOOK_EVENTS } from '../../../lib/tgate/webhooks';
import type { WebhookConfig } from '../../../lib/sandbox/webhooks';
import eventSchema from '../../../lib/schemas/webhookEvent.out.json';
import { newProduct } from '../../helpers/records';
const component = requireComponentFile('component.json') as any;

const trigger = loadFunction('webhookEvents') as ReturnType<typeof loadFunction> & {
  getMetaModel(cfg: Record<string, unknown>): Promise<{
    out: { properties: Record<string, { enum?: unknown[]; title?: string; properties?: object }>; required: string[] };
  }>;
};

const SECRET = `shared+secret/${crypto.randomBytes(6).toString('hex')}`;
const WRONG = `wrong+secret/${crypto.randomBytes(6).toString('hex')}`;
const NOW = '2026-12-01T09:00:00.000Z';

const PRODUCT = newProduct('Webhook Wrap', null);

interface Emitted {
  event: string;
  resourceType: string;
  action: string;
  id: number | string;
  receivedAt: string;
  delivery: Record<string, unknown>;
  deleted?: boolean;
  record?: Record<string, unknown> | null;
}

describe('trigger webhookEvents (Receive T-Gate Webhooks)', function () {
  this.timeout(20_000);
  let world: World;
  let receiver: Awaited<ReturnType<typeof listen>>;
  const outcomes: StepOutcome[] = [];
  const savedAttempts = process.env.TGATE_RETRY_MAX_ATTEMPTS;

  beforeEach(async () => {
    world = await createWorld({ fakeDate: true });
    world.clock!.setSystemTime(new Date(NOW));
    receiver = await listen();
  });

  afterEach(async () => {
    // No secret in any log line, error, rebound or emitted message of the test.
    const texts = outcomes
      .splice(0)
      .flatMap((o) => [
        ...o.logLines,
        ...o.rebounds,
        ...o.data.map((d) => JSON.stringify(d)),
        ...o.errors.map((e) => `${e.message}\n${e.stack}\n${JSON.stringify(e)}`),
      ]);
    const leaked = [...leakedSecrets(world, texts), ...[SECRET, WRONG].filter((s) => texts.join('\n').includes(s))];
    if (savedAttempts === undefined) delete process.env.TGATE_RETRY_MAX_ATTEMPTS;
    else process.env.TGATE_RETRY_MAX_ATTEMPTS = savedAttempts;
    await receiver.close();
    await world.close();
    expect(leaked, 'secrets in the outcome').to.deep.equal([]);
  });

  /** Configure the sandbox's webhook, make the changes, and take what reached the receiver. */
  async function deliveries(config: Omit<WebhookConfig, 'url'>, change: () => void): Promise<Delivery[]> {
    world.sandbox.configureWebhook({ url: receiver.url, ...config });
    change();
    await world.sandbox.webhooks.idle();
    expect(world.sandbox.webhooks.stats.failed, 'deliveries failed').to.equal(0);
    return receiver.got.splice(0);
  }

  /** Runs one delivery through the trigger as the platform does: the request's body and headers in a message. */
  async function receive(delivery: Delivery, fields: Record<string, unknown> = {}): Promise<StepOutcome> {
    const msg = {
      id: crypto.randomUUID(),
      body: delivery.body,
      headers: delivery.headers,
      attachments: {},
      metadata: {},
    };
    const outcome = await runStep(trigger, msg, { ...world.cfg, ...fields }, world.platform);
    outcomes.push(outcome);
    return outcome;
  }

  const emitted = (outcome: StepOutcome): Emitted[] => outcome.data.map((d) => d.body as Emitted);

  it('receives a real {id, resource_type, action} delivery with the secret, and fetches the updated item', async () => {
    const item = world.sandbox.createRecord('items', PRODUCT);
    const [update] = await deliveries(
      { events: ['item.update'], metaData: { secret: SECRET, partner: 'acme' } },
      () => {
        world.sandbox.updateRecord('items', item.id, { price: 21 });
      },
    );
    expect(update.body).to.deep.equal({
      id: item.id,
      resource_type: 'item',
      action: 'update',
      meta_data: { secret: SECRET, partner: 'acme' },
    });

    const outcome = await receive(update, { sharedSecret: SECRET, enrich: true });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([]);
    const [event] = emitted(outcome);
    expect(emitted(outcome)).to.have.length(1);
    expect(event).to.deep.include({
      event: 'item.update',
      resourceType: 'items',
      action: 'update',
      id: item.id,
      receivedAt: NOW,
      deleted: false,
      delivery: { id: item.id, resource_type: 'item', action: 'update', meta_data: { partner: 'acme' } },
    });
    expect(event.record).to.include({ id: item.id, price: 21, name_en: 'Webhook Wrap' });
  });

  it('receives a real {id, event_type} order.update after a status change, with the order fetched', async () => {
    const order = world.sandbox.createRecord('orders', {
      app_order_uuid: 'webhook-spec-1',
      brand_id: 101,
      branch_id: 202,
      menu_id: 301,
      service_type: 'pickup',
      order_status: 'pending',
      payment_status: 'paid',
      total_price: 22,
      items: [],
      created_at: NOW,
      updated_at: NOW,
    });
    const [update] = await deliveries(
      { bodyShape: 'event_type', events: ['order.update'], metaData: { secret: SECRET } },
      () => {
        world.sandbox.updateOrderAsCompany(order.id, { order_status: 'ready' });
      },
    );
    expect(update.body).to.deep.equal({ id: order.id, event_type: 'order.update', meta_data: { secret: SECRET } });

    const outcome = await receive(update, { sharedSecret: SECRET, enrich: 'true' });
    expect(outcome.errors).to.deep.equal([]);
    expect(emitted(outcome)).to.have.length(1);
    const [event] = emitted(outcome);
    expect(event).to.deep.include({
      event: 'order.update',
      resourceType: 'orders',
      action: 'update',
      id: order.id,
      deleted: false,
      delivery: { id: order.id, event_type: 'order.update', meta_data: {} },
    });
    expect(event.record).to.include({ id: order.id, order_status: 'ready' });
  });

  it('emits a destroy as deleted without fetching, and an update whose record is gone (404) as deleted', async () => {
    const item = world.sandbox.createRecord('items', PRODUCT);
    const [update, destroy] = await deliveries(
      { events: ['item.update', 'item.destroy'], metaData: { secret: SECRET } },
      () => {
        world.sandbox.updateRecord('items', item.id, { is_active: false });
        world.sandbox.deleteRecord('items', item.id);
      },
    );
    expect(destroy.body).to.include({ action: 'destroy' });

    const apiBefore = world.apiRequests();
    const gone = await receive(destroy, { sharedSecret: SECRET, enrich: true });
    expect(gone.errors).to.deep.equal([]);
    expect(emitted(gone)).to.have.length(1);
    expect(emitted(gone)[0]).to.deep.include({
      event: 'item.destroy',
      action: 'destroy',
      id: item.id,
      deleted: true,
      record: null,
    });
    expect(world.apiRequests(), 'a destroy is not fetched').to.equal(apiBefore);

    const late = await receive(update, { sharedSecret: SECRET, enrich: true });
    expect(late.errors).to.deep.equal([]);
    expect(late.rebounds).to.deep.equal([]);
    expect(emitted(late)).to.have.length(1);
    expect(emitted(late)[0]).to.deep.include({ event: 'item.update', id: item.id, deleted: true, record: null });
    expect(world.apiRequests(), 'the update was fetched').to.equal(apiBefore + 1);
  });

  it('refuses a wrong and a missing secret with an error naming the problem, emitting nothing and calling nothing', async () => {
    const [wrong] = await deliveries({ events: ['menu.update'], metaData: { secret: WRONG } }, () => {
      world.sandbox.updateRecord('menus', 301, { is_active: false });
    });
    world.sandbox.webhooks.clear();
    const [missing] = await deliveries({ events: ['menu.update'], metaData: { partner: 'acme' } }, () => {
      world.sandbox.updateRecord('menus', 301, { is_active: true });
    });
    world.sandbox.webhooks.clear();
    const [bare] = await deliveries({ events: ['menu.update'], bodyShape: 'event_type' }, () => {
      world.sandbox.updateRecord('menus', 301, { is_active: false });
    });
    const apiBefore = world.apiRequests();

    const refusedWrong = await receive(wrong, { sharedSecret: SECRET, enrich: true });
    expect(refusedWrong.data).to.deep.equal([]);
    expect(refusedWrong.rebounds).to.deep.equal([]);
    expect(refusedWrong.errors.map((e) => e.message)).to.have.length(1);
    expect(refusedWrong.errors[0].message).to.match(
      /^Webhook delivery refused: its meta_data\.secret does not match the step's Shared secret\. Nothing was emitted/,
    );

    for (const delivery of [missing, bare]) {
      const refused = await receive(delivery, { sharedSecret: SECRET, enrich: true });
      expect(refused.data).to.deep.equal([]);
      expect(refused.errors).to.have.length(1);
      expect(refused.errors[0].message).to.match(
        /^Webhook delivery refused: it carries no meta_data\.secret, and the step's Shared secret is set/,
      );
    }
    expect(world.apiRequests(), 'nothing fetched for a refused delivery').to.equal(apiBefore);

    // The same delivery is accepted once the step's secret matches.
    const accepted = await receive(wrong, { sharedSecret: WRONG });
    expect(accepted.errors).to.deep.equal([]);
    expect(emitted(accepted).map((e) => [e.event, e.id])).to.deep.equal([['menu.update', 301]]);
  });

  it('rebounds a delivery whose fetch fails for a transient reason, emitting nothing', async () => {
    process.env.TGATE_RETRY_MAX_ATTEMPTS = '1';
    const [update] = await deliveries({ events: ['branch.update'], metaData: { secret: SECRET } }, () => {
      world.sandbox.updateRecord('branches', 203, { is_force_closed: true });
    });
    world.sandbox.injectFault({ method: 'GET', path: '/partner/v1/branches/203', status: 503, times: Infinity });

    const outcome = await receive(update, { sharedSecret: SECRET, enrich: true });
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.rebounds).to.have.length(1);
    expect(outcome.rebounds[0]).to.contain('503');

    world.sandbox.clearFaults();
    const retried = await receive(update, { sharedSecret: SECRET, enrich: true });
    expect(retried.rebounds).to.deep.equal([]);
    expect(emitted(retried).map((e) => [e.event, e.record?.id, e.record?.is_force_closed])).to.deep.equal([
      ['branch.update', 203, true],
    ]);
  });

  it('passes on only the chosen events: others emit nothing and are no error', async () => {
    const item = world.sandbox.createRecord('items', PRODUCT);
    const got = await deliveries({ events: ['item.update', 'section.update'], metaData: { secret: SECRET } }, () => {
      world.sandbox.updateRecord('items', item.id, { price: 30 });
      world.sandbox.updateRecord('sections', 401, { is_force_closed: true });
    });
    expect(got.map((d) => d.body.resource_type)).to.deep.equal(['item', 'section']);
    const fields = { sharedSecret: SECRET, events: ['section.update', 'order.update'] };

    const skipped = await receive(got[0], fields);
    expect(skipped.data).to.deep.equal([]);
    expect(skipped.errors).to.deep.equal([]);
    expect(skipped.rebounds).to.deep.equal([]);

    const passed = await receive(got[1], fields);
    expect(passed.errors).to.deep.equal([]);
    expect(emitted(passed).map((e) => [e.event, e.resourceType, e.id])).to.deep.equal([
      ['section.update', 'sections', 401],
    ]);
    expect(emitted(passed)[0]).to.not.have.property('record');
  });

  it('accepts deliveries without a secret when the step has none, passing on the Meta Data without its secret', async () => {
    const [update] = await deliveries(
      { events: ['section.update'], bodyShape: 'event_type', metaData: { secret: SECRET, store: 7 } },
      () => {
        world.sandbox.updateRecord('sections', 401, { force_closed_in_branches: [203] });
      },
    );
    const outcome = await receive(update);
    expect(outcome.errors).to.deep.equal([]);
    expect(emitted(outcome)[0]).to.deep.equal({
      event: 'section.update',
      resourceType: 'sections',
      action: 'update',
      id: 401,
      receivedAt: NOW,
      delivery: { id: 401, event_type: 'section.update', meta_data: { store: 7 } },
    });
  });

  it('reports a body it cannot read as an error naming what is wrong, never dropping it silently', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { id: 5, event_type: 'brand.update', meta_data: { secret: SECRET } },
        /T-Gate sends no webhook with event_type "brand\.update"/,
      ],
      [
        { id: 5, resource_type: 'item', action: 'archive', meta_data: { secret: SECRET } },
        /no webhook for resource_type "item" with action "archive"/,
      ],
      [
        { event_type: 'item.update', meta_data: { secret: SECRET } },
        /it has no id \(the body has the fields event_type, meta_data\)/,
      ],
      [{ id: 5, meta_data: { secret: SECRET } }, /it names no event/],
      [
        { id: 5, event_type: 'item.update', resource_type: 'section', action: 'update', meta_data: { secret: SECRET } },
        /event_type item\.update contradicts its resource_type and action \(section\.update\)/,
      ],
    ];
    for (const [body, pattern] of cases) {
      const outcome = await receive({ body: body as Record<string, unknown>, headers: {} }, { sharedSecret: SECRET });
      expect(outcome.data, JSON.stringify(body)).to.deep.equal([]);
      expect(
        outcome.errors.map((e) => e.message),
        JSON.stringify(body),
      ).to.have.length(1);
      expect(outcome.errors[0].message)
        .to.match(/^Not a T-Gate webhook delivery this trigger can read: /)
        .and.match(pattern);
    }
    // Without a secret configured a non-object body is reported as such.
    const list = await receive({ body: [1, 2] as unknown as Record<string, unknown>, headers: {} });
    expect(list.errors.map((e) => e.message)[0]).to.match(/its body is a list, not a JSON object/);
  });

  it('refuses a body nested 20,000 deep: by its secret first, then by its depth, with clear errors and nothing done', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20_000; i += 1) deep = { x: deep };
    const apiBefore = world.apiRequests();
    const delivery = (body: unknown) => ({ body: body as Record<string, unknown>, headers: {} });

    const unauthenticated = await receive(delivery({ id: 5, event_type: 'item.update', deep }), {
      sharedSecret: SECRET,
      enrich: true,
    });
    expect(unauthenticated.data).to.deep.equal([]);
    expect(unauthenticated.errors.map((e) => e.message)).to.have.length(1);
    expect(unauthenticated.errors[0].message).to.match(/^Webhook delivery refused: it carries no meta_data\.secret/);

    const wrong = await receive(delivery({ id: 5, event_type: 'item.update', deep, meta_data: { secret: WRONG } }), {
      sharedSecret: SECRET,
    });
    expect(wrong.errors.map((e) => e.message)[0]).to.match(
      /^Webhook delivery refused: its meta_data\.secret does not match/,
    );

    for (const fields of [{ sharedSecret: SECRET, enrich: true }, {}]) {
      const tooDeep = await receive(
        delivery({ id: 5, event_type: 'item.update', deep, meta_data: { secret: SECRET } }),
        fields,
      );
      expect(tooDeep.data).to.deep.equal([]);
      expect(tooDeep.rebounds).to.deep.equal([]);
      expect(tooDeep.errors.map((e) => e.message)).to.deep.equal([
        'The message body is nested more than 100 levels deep, more than this component reads: nothing was done with it',
      ]);
    }

    // Meta Data sent as a JSON text is parsed after the body's check: it is held to the same depth.
    const deepText = `{"secret": ${JSON.stringify(SECRET)}, "x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const deepMeta = await receive(delivery({ id: 5, event_type: 'item.update', meta_data: deepText }), {
      sharedSecret: SECRET,
    });
    expect(deepMeta.data).to.deep.equal([]);
    expect(deepMeta.errors.map((e) => e.message)[0]).to.match(
      /^Not a T-Gate webhook delivery this trigger can read: its meta_data is nested more than 100 levels deep/,
    );
    expect(world.apiRequests(), 'nothing fetched').to.equal(apiBefore);
  });

  it('declares its events in component.json and describes its output for the mapper', async () => {
    expect(Object.keys(component.triggers.webhookEvents.fields.events.model)).to.deep.equal(TGATE_WEBHOOK_EVENTS);
    expect(component.triggers.webhookEvents.fields.sharedSecret.viewClass).to.equal('PasswordFieldView');
    expect(eventSchema.properties.event.enum, 'lib/schemas/webhookEvent.out.json').to.deep.equal(TGATE_WEBHOOK_EVENTS);
    const plain = (await trigger.getMetaModel({})).out;
    expect(plain.properties.event.enum).to.deep.equal(TGATE_WEBHOOK_EVENTS);
    expect(plain.properties).to.not.have.property('record');
    const items = (await trigger.getMetaModel({ enrich: true, events: ['item.update', 'item.destroy'] })).out;
    expect(items.properties.event.enum).to.deep.equal(['item.update', 'item.destroy']);
    expect(items.properties.resourceType.enum).to.deep.equal(['items']);
    expect(items.properties.record.properties).to.have.property('price');
    expect(items.required).to.include.members(['deleted', 'record']);
    const mixed = (await trigger.getMetaModel({ enrich: true, events: ['item.update', 'order.update'] })).out;
    expect(mixed.properties.resourceType.enum).to.deep.equal(['items', 'orders']);
    expect(mixed.properties.record.title).to.equal('Record');
  });
});
