/**
 * END-TO-END: lookupObject through the real sailor (run.js) on RabbitMQ, against the embedded sandbox and
 * the platform stand-in: data out for a valid id, a transient T-Gate failure becomes a rebound, a bad
 * input an error naming the field. One container lives through all three messages.
 */
import { expect } from 'chai';
import { leaks, receivedCount } from './helpers/leaks';
import { StepRun } from './helpers/stepRun';

describe('e2e: lookupObject through run.js on RabbitMQ', function () {
  this.timeout(60_000);
  let run: StepRun | undefined;

  before(async function () {
    this.timeout(40_000);
    // One attempt per T-Gate request: a 503 is a transient failure at once, not after backing off.
    run = await StepRun.start({
      function: 'lookupObject',
      fields: { resourceType: 'branches' },
      stepEnv: { TGATE_RETRY_MAX_ATTEMPTS: '1' },
    });
  });
  after(async function () {
    this.timeout(20_000);
    await run?.close();
  });
  afterEach(() => run?.sandbox.clearFaults());

  it('a valid id: the record on the data queue, nothing else', async () => {
    const r = run!;
    const m = r.publish({ id: 212 });
    const o = await r.outcome(m);
    expect(
      o.error.map((e) => r.decryptError(e).error.message),
      'errors',
    ).to.deep.equal([]);
    expect(o.rebound, 'rebounds').to.have.length(0);
    expect(o.data).to.have.length(1);
    expect(r.decrypt(o.data[0]).body).to.deep.equal(r.sandbox.getRecord('branches', 212));
    expect(o.data[0].headers).to.include({
      parentMessageId: m.messageId,
      threadId: m.threadId,
      function: 'lookupObject',
      stepId: r.ids.stepId,
    });
  });

  it('T-Gate answering 503 every time: the input goes to the rebound queue, no data, no error', async () => {
    const r = run!;
    r.sandbox.injectFault({ method: 'GET', path: /^\/partner\/v1\/branches\//, status: 503, times: Infinity });
    const before = r.sandbox.requests.filter((q) => q.path === '/partner/v1/branches/213').length;
    const m = r.publish({ id: 213 });
    const o = await r.outcome(m);
    // Let a late data or error message (if any) arrive before asserting there is none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      r.for('error', m).map((e) => r.decryptError(e).error.message),
      'errors',
    ).to.deep.equal([]);
    expect(r.for('data', m), 'data').to.have.length(0);
    expect(o.rebound).to.have.length(1);
    const rebound = o.rebound[0];
    expect(rebound.headers.reboundIteration).to.equal(1);
    expect(String(rebound.headers.reboundReason)).to.match(/503/);
    // The rebound carries the input itself, for the platform to deliver again later.
    expect(r.decrypt(rebound)).to.deep.equal(m.payload);
    const tried = r.sandbox.requests.filter((q) => q.path === '/partner/v1/branches/213');
    expect(tried.length - before, 'requests to T-Gate (TGATE_RETRY_MAX_ATTEMPTS=1)').to.equal(1);
    expect(tried[tried.length - 1].status).to.equal(503);
  });

  it('a bad input (id ".."): an error naming the field on the error queue, no request to T-Gate', async () => {
    const r = run!;
    const before = r.sandbox.requestCount;
    const m = r.publish({ id: '..' });
    const o = await r.outcome(m);
    expect(o.data, 'data').to.have.length(0);
    expect(o.rebound, 'rebounds').to.have.length(0);
    expect(o.error).to.have.length(1);
    const { error, errorInput } = r.decryptError(o.error[0]);
    expect(error.name).to.equal('InvalidInputError');
    expect(error.message).to.equal('The branch id is "..", which is not an id but a step in a path');
    expect(errorInput).to.deep.equal(m.payload);
    expect(r.sandbox.requestCount - before, 'requests to T-Gate').to.equal(0);
    // Rejected by the sailor: dead-lettered from the input queue.
    await r.until(
      () => r.collector.get(r.topo.rejected).some((x) => x.headers.messageId === m.messageId),
      'the input dead-lettered',
    );
  });

  it("no client secret, API key or token in any message on any queue, nor in the containers' output", () => {
    const r = run!;
    expect(receivedCount(r), 'messages looked at').to.be.greaterThan(0);
    expect(leaks(r), 'secrets leaked').to.deep.equal([]);
  });
});
