/**
 * END-TO-END: the webhook trigger webhookEvents through the real sailor (run.js) on RabbitMQ. The sandbox
 * delivers a real webhook to a small loopback receiver (standing in for the platform's webhook gateway);
 * the delivery's body and headers become the input message, as the platform does; the container emits
 * the normalised event, with the record fetched from T-Gate.
 */
import crypto from 'node:crypto';
import { listen } from '../helpers/webhookReceiver';
import { expect } from 'chai';
import { leaks, receivedCount } from './helpers/leaks';
import { StepRun } from './helpers/stepRun';
import { sleep } from './helpers/wait';

const SECRET = `shared+secret/${crypto.randomBytes(6).toString('hex')}`;

describe('e2e: webhookEvents through run.js on RabbitMQ (a real sandbox delivery as the input)', function () {
  this.timeout(60_000);
  let run: StepRun | undefined;
  let receiver: Awaited<ReturnType<typeof listen>> | undefined;

  before(async function () {
    this.timeout(40_000);
    receiver = await listen();
    run = await StepRun.start({ function: 'webhookEvents', fields: { sharedSecret: SECRET, enrich: true } });
  });
  after(async function () {
    this.timeout(20_000);
    await run?.close();
    await receiver?.close();
  });

  it('a branch.update delivery: one data message with the normalised event and the fetched record; the secret nowhere', async () => {
    const r = run!;
    r.sandbox.configureWebhook({
      url: receiver!.url,
      events: ['branch.update'],
      metaData: { secret: SECRET, partner: 'acme' },
    });
    // A critical field of a branch (a name change fires nothing, as on T-Gate).
    const closed = !r.sandbox.getRecord('branches', 212)!.is_force_closed;
    r.sandbox.updateRecord('branches', 212, { is_force_closed: closed });
    await r.sandbox.webhooks.idle();
    expect(r.sandbox.webhooks.stats.failed, 'deliveries failed').to.equal(0);
    expect(receiver!.got).to.have.length(1);
    const [delivery] = receiver!.got;
    expect(delivery.body).to.deep.equal({
      id: 212,
      resource_type: 'branch',
      action: 'update',
      meta_data: { secret: SECRET, partner: 'acme' },
    });

    const m = r.publish(delivery.body, delivery.headers);
    const o = await r.outcome(m);
    await sleep(300);
    expect(
      r.for('error', m).map((e) => r.decryptError(e).error.message),
      'errors',
    ).to.deep.equal([]);
    expect(r.for('rebound', m), 'rebounds').to.have.length(0);
    expect(o.data).to.have.length(1);
    const event = r.decrypt(o.data[0]).body as Record<string, unknown>;
    expect(event).to.deep.include({
      event: 'branch.update',
      resourceType: 'branches',
      action: 'update',
      id: 212,
      deleted: false,
      delivery: { id: 212, resource_type: 'branch', action: 'update', meta_data: { partner: 'acme' } },
    });
    expect(event.record).to.include({ id: 212, is_force_closed: closed });
    expect(new Date(String(event.receivedAt)).getTime(), 'receivedAt').to.be.closeTo(Date.now(), 60_000);
    expect(JSON.stringify(event)).to.not.include(SECRET);
    expect(r.sailors[0].stdout + r.sailors[0].stderr, 'the shared secret in the container output').to.not.include(
      SECRET,
    );
  });

  it('a delivery with the wrong secret: an error, no data', async () => {
    const r = run!;
    const m = r.publish({
      id: 212,
      resource_type: 'branch',
      action: 'update',
      meta_data: { secret: 'not-the-secret' },
    });
    const o = await r.outcome(m);
    expect(o.data, 'data').to.have.length(0);
    expect(o.error).to.have.length(1);
    expect(r.decryptError(o.error[0]).error.message).to.match(/secret/i);
  });

  it("no client secret, API key or token in any message on any queue, nor in the containers' output", () => {
    const r = run!;
    expect(receivedCount(r), 'messages looked at').to.be.greaterThan(0);
    expect(leaks(r, [SECRET]), 'secrets leaked').to.deep.equal([]);
  });
});
