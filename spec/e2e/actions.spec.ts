/**
 * END-TO-END: Lookup Objects (plural) and Make Raw Request through the real sailor (run.js) on RabbitMQ,
 * against one embedded sandbox the steps share (the steps of one flow on one T-Gate) and the platform
 * stand-in. Each emitted record is compared with the sandbox's own store, never with a fixed value.
 *
 * Lookup Objects runs three steps, one per emit behaviour (a step's fields are fixed when its container
 * starts): one message per record, one per page, one with all. The per-record step also gets a transient
 * T-Gate failure (a rebound) and a bad filter (an error naming it, no request).
 */
import { expect } from 'chai';
import { startSandbox, Sandbox } from '../../lib/sandbox';
import type { StoredRecord } from '../../lib/sandbox/store';
import type { TGateResourceName } from '../../lib/tgate';
import { expectRefused } from './helpers/expectations';
import { leaks, receivedCount } from './helpers/leaks';
import { calculableOrder } from './helpers/orders';
import { Received } from './helpers/rabbit';
import { ONE_ATTEMPT, SentMessage, StepRun } from './helpers/stepRun';
import { sleep } from './helpers/wait';

describe('e2e: lookupObjects and rawRequest through run.js on RabbitMQ', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let individually: StepRun;
  let byPage: StepRun;
  let all: StepRun;
  let raw: StepRun;
  const runs = (): StepRun[] => [individually, byPage, all, raw].filter(Boolean);

  /** What T-Gate (the sandbox) lists for a resource and filters: every visible record in id order, and the count. */
  function listed(
    resource: TGateResourceName,
    filters: Record<string, string> = {},
  ): { records: StoredRecord[]; totalCount: number } {
    return sandbox.store.list(resource, { page: 1, items: 1_000_000, filters });
  }
  const bodies = (r: StepRun, list: Received[]): unknown[] => list.map((m) => r.decrypt(m).body);

  /** Waits until the input's data messages stop coming (the sailor acks the input after the last one). */
  async function dataFor(r: StepRun, m: SentMessage, count: number): Promise<Received[]> {
    await r.until(
      () => r.for('data', m).length >= count || r.for('error', m).length > 0 || r.for('rebound', m).length > 0,
      `${count} data messages for ${m.messageId}`,
    );
    await sleep(300); // a message too many, if any, arrives meanwhile
    expect(r.errorTexts(m), 'errors').to.deep.equal([]);
    expect(r.for('rebound', m), 'rebounds').to.have.length(0);
    return r.for('data', m);
  }

  before(async function () {
    this.timeout(60_000);
    sandbox = await startSandbox({});
    [individually, byPage, all, raw] = await Promise.all([
      StepRun.start({
        function: 'lookupObjects',
        fields: { resourceType: 'branches' },
        sharedSandbox: sandbox,
        stepEnv: ONE_ATTEMPT,
      }),
      // Text, as the platform sends a text field: "30".
      StepRun.start({
        function: 'lookupObjects',
        fields: { resourceType: 'items', emitBehavior: 'emitPage', pageSize: '30' },
        sharedSandbox: sandbox,
      }),
      StepRun.start({
        function: 'lookupObjects',
        fields: { resourceType: 'menus', emitBehavior: 'fetchAll' },
        sharedSandbox: sandbox,
      }),
      StepRun.start({ function: 'rawRequest', fields: { doNotThrow404: true }, sharedSandbox: sandbox }),
    ]);
  });
  after(async function () {
    this.timeout(30_000);
    await Promise.all(runs().map((r) => r.close()));
    await sandbox?.close();
  });
  afterEach(() => sandbox?.clearFaults());

  describe('lookupObjects', () => {
    it('emitIndividually: one data message per branch T-Gate lists for the brand filter, in order, each the stored record', async () => {
      const r = individually;
      const brand = String(listed('brands').records[0].id);
      const expected = listed('branches', { brand_id: brand });
      expect(
        expected.records.length,
        'the sandbox has branches of that brand (else the spec proves nothing)',
      ).to.be.greaterThan(1);
      expect(expected.records.length, 'the filter narrows the listing').to.be.lessThan(listed('branches').totalCount);
      const m = r.publish({ brand_id: brand });
      const data = await dataFor(r, m, expected.records.length);
      expect(bodies(r, data)).to.deep.equal(expected.records);
      for (const d of data)
        expect(d.headers).to.include({ parentMessageId: m.messageId, threadId: m.threadId, function: 'lookupObjects' });
      // Every one of them was asked for with the filter, in one request.
      const asked = sandbox.requests.filter((q) => q.path === '/partner/v1/branches');
      expect(asked[asked.length - 1].query).to.match(new RegExp(`(^|&)brand_id=${brand}(&|$)`));
    });

    it('emitPage: pages of pageSize records, numbered, with the total, together the whole listing', async () => {
      const r = byPage;
      const expected = listed('items');
      const pageSize = 30;
      const pages = Math.ceil(expected.records.length / pageSize);
      expect(pages, 'more than one emitted page').to.be.greaterThan(2);
      const m = r.publish({});
      const emitted = bodies(r, await dataFor(r, m, pages)) as Array<{
        results: unknown[];
        page: number;
        totalCount: number;
      }>;
      expect(emitted.map((p) => p.page)).to.deep.equal(Array.from({ length: pages }, (_, i) => i + 1));
      expect(emitted.map((p) => p.results.length)).to.deep.equal(
        Array.from({ length: pages }, (_, i) => Math.min(pageSize, expected.records.length - i * pageSize)),
      );
      expect(emitted.flatMap((p) => p.results)).to.deep.equal(expected.records);
      for (const p of emitted) expect(p.totalCount).to.equal(expected.totalCount);
    });

    it('fetchAll: one message with every menu and the total', async () => {
      const r = all;
      const expected = listed('menus');
      const m = r.publish({});
      const emitted = bodies(r, await dataFor(r, m, 1));
      expect(emitted).to.deep.equal([{ results: expected.records, totalCount: expected.totalCount }]);
    });

    it('T-Gate answering 503: the input goes to the rebound queue, no data, no error', async () => {
      const r = individually;
      sandbox.injectFault({ method: 'GET', path: '/partner/v1/branches', status: 503, times: Infinity });
      const before = sandbox.requests.filter((q) => q.path === '/partner/v1/branches').length;
      const m = r.publish({});
      const o = await r.outcome(m);
      await sleep(300);
      expect(r.errorTexts(m), 'errors').to.deep.equal([]);
      expect(r.for('data', m), 'data').to.have.length(0);
      expect(o.rebound).to.have.length(1);
      expect(String(o.rebound[0].headers.reboundReason)).to.match(/503/);
      expect(r.decrypt(o.rebound[0]), 'the rebound carries the input').to.deep.equal(m.payload);
      const tried = sandbox.requests.filter((q) => q.path === '/partner/v1/branches');
      expect(
        tried.slice(before).map((q) => q.status),
        'one attempt (TGATE_RETRY_MAX_ATTEMPTS=1), answered 503',
      ).to.deep.equal([503]);
    });

    it('a bad filter (brand_id "abc"): an error naming brand_id on the error queue, no request to T-Gate', async () => {
      await expectRefused(individually, { brand_id: 'abc' }, 'brand_id');
    });
  });

  describe('rawRequest', () => {
    it('GET /brands/{id}: status 200 and the stored brand as the body', async () => {
      const r = raw;
      const id = listed('brands').records[1].id;
      const m = r.publish({ method: 'GET', path: `/brands/${id}` });
      const [body] = bodies(r, await dataFor(r, m, 1)) as Array<{
        status: number;
        headers: Record<string, string>;
        body: unknown;
      }>;
      expect(body.status).to.equal(200);
      expect(body.body).to.deep.equal(sandbox.getRecord('brands', id));
      expect(body.headers['content-type']).to.match(/^application\/json/);
      expect(
        Object.keys(body.headers).map((h) => h.toLowerCase()),
        'no credential header echoed',
      ).to.not.include.members(['authorization', 'set-cookie']);
    });

    it('GET with a query: the page T-Gate serves for it', async () => {
      const r = raw;
      const m = r.publish({ method: 'GET', path: '/sections', query: { page: 2, items: 5 } });
      const [body] = bodies(r, await dataFor(r, m, 1)) as Array<{ status: number; body: unknown }>;
      expect(body.status).to.equal(200);
      expect(body.body).to.deep.equal(sandbox.store.list('sections', { page: 2, items: 5 }).records);
    });

    it("POST /orders/calculate with a body: the sandbox's own calculation", async () => {
      const r = raw;
      const order = calculableOrder(sandbox);
      const m = r.publish({ method: 'POST', path: '/orders/calculate', body: order });
      const [body] = bodies(r, await dataFor(r, m, 1)) as Array<{ status: number; body: unknown }>;
      expect(body.status).to.equal(200);
      expect(body.body).to.deep.equal(JSON.parse(JSON.stringify(sandbox.orders.calculate(order))));
    });

    it('a 404 with doNotThrow404: emitted as {status: 404}, no error', async () => {
      const r = raw;
      const missing = Math.max(...sandbox.store.allIds('items')) + 1000;
      const m = r.publish({ method: 'GET', path: `/items/${missing}` });
      const [body] = bodies(r, await dataFor(r, m, 1)) as Array<{ status: number }>;
      expect(body.status).to.equal(404);
      expect(
        sandbox.requests.filter((q) => q.path === `/partner/v1/items/${missing}`).map((q) => q.status),
      ).to.deep.equal([404]);
    });

    it('a path that leaves the API ("../oauth/token"): an error naming path, no request', async () => {
      const r = raw;
      const before = sandbox.requestCount;
      const m = r.publish({ method: 'GET', path: '../oauth/token' });
      const o = await r.outcome(m);
      await sleep(200);
      expect(o.data).to.have.length(0);
      expect(o.error).to.have.length(1);
      const { error } = r.decryptError(o.error[0]);
      expect(error.name).to.equal('InvalidInputError');
      expect(error.message).to.include('path');
      expect(sandbox.requestCount - before).to.equal(0);
    });
  });

  // Last (mocha runs a describe's own tests before its nested describes): over every message of the file.
  describe('secrets', () => {
    it("no client secret, API key or token in any message on any queue, nor in the containers' output", () => {
      for (const r of runs()) {
        expect(receivedCount(r), 'messages looked at').to.be.greaterThan(0);
        expect(leaks(r), `secrets leaked by the ${r.opts.function} step`).to.deep.equal([]);
      }
    });
  });
});
