import { expect } from 'chai';
import { ComponentError, InvalidInputError, TransientError, UnexpectedError } from '../../../lib/errors';
import { runFunctionLocally } from '../../../lib/cli/sailorRun';
import { tokenMemory } from '../../../lib/auth';
import { MAX_JSON_DEPTH } from '../../../lib/http';
import { defineStep, newMessage, Step } from '../../../lib/step';
import { HttpError } from '../../../lib/http';
import { TGateRefusedError, TGateUnavailableError } from '../../../lib/tgate';
import { PlatformAccountsServer, startPlatformAccounts } from '../../helpers/platformAccounts';
import { Reply, ScriptedApi, SeenRequest, startScriptedApi } from '../../helpers/scriptedTGate';
import { runStep, StepOutcome } from '../../helpers/taskExec';

const records = (page: number): Array<{ id: number }> => Array.from({ length: 5 }, (_, i) => ({ id: page * 100 + i }));

/** A step that lists integration scopes page by page and emits each record as soon as its page came. */
const listing = defineStep({
  async run(step) {
    for await (const page of step.tgate.pages<{ id: number }>('integrationScopes', { pageSize: 5 })) {
      for (const record of page.items) await step.emitData(record);
    }
  },
});

describe('lib/step: what a failure becomes (settleFailure)', function () {
  this.timeout(10_000);
  const ENV = [
    'TGATE_CLIENT_ID',
    'TGATE_CLIENT_SECRET',
    'TGATE_API_BASE_URL',
    'TGATE_TOKEN_URI',
    'TGATE_RETRY_MAX_ATTEMPTS',
  ];
  const saved: Record<string, string | undefined> = {};
  let api: ScriptedApi | undefined;
  let platform: PlatformAccountsServer | undefined;
  const accounts: string[] = [];

  beforeEach(() => {
    for (const k of ENV) saved[k] = process.env[k];
  });
  afterEach(async () => {
    for (const k of ENV)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    for (const account of accounts.splice(0)) tokenMemory.forget(account);
    await api?.close();
    await platform?.close();
    api = undefined;
    platform = undefined;
  });

  /** Runs `step` (`listing`) in the sailor's TaskExec against a T-Gate that answers page n with `reply(n)`. */
  async function run(
    reply: (page: number, req: SeenRequest) => Reply,
    step: ReturnType<typeof defineStep> = listing,
  ): Promise<StepOutcome> {
    api = await startScriptedApi((req: SeenRequest) => reply(Number(req.query.get('page')), req));
    platform = await startPlatformAccounts();
    Object.assign(process.env, {
      TGATE_CLIENT_ID: 'spec-client',
      TGATE_CLIENT_SECRET: 'spec-secret',
      TGATE_API_BASE_URL: `${api.url}/partner/v1`,
      TGATE_TOKEN_URI: `${api.url}/oauth/token`,
      // One attempt: the HTTP client's own retries are lib/http's business, not this spec's.
      TGATE_RETRY_MAX_ATTEMPTS: '1',
    });
    const account = `step-${Math.random().toString(16).slice(2)}`;
    accounts.push(account);
    const cfg = {
      _account: account,
      environment: 'company-sandbox',
      oauth: { access_token: 'valid-access-token', refresh_token: 'refresh-token-0' },
    };
    platform.accounts.set(account, { keys: { oauth: { ...cfg.oauth } } });
    return runStep({ process: step as (...args: unknown[]) => unknown }, { body: {} }, cfg, platform);
  }

  const unavailable: Reply = { status: 503, body: { message: 'down for maintenance' } };

  it('scrubs a token refreshed during the message from a failure the step builds itself', async () => {
    const renewed = { access_token: 'access-token-renewed-1', refresh_token: 'refresh-token-renewed-1' };
    // T-Gate refuses the stored token once (401): the client refreshes, then reads with the new one.
    const quoting = defineStep({
      async run(step) {
        await step.tgate.page('integrationScopes', { pageSize: 5 });
        throw new ComponentError(`failed with ${renewed.access_token} and ${renewed.refresh_token}`);
      },
    });
    const outcome = await run((_page, req) => {
      if (req.path === '/oauth/token') return { body: { ...renewed, token_type: 'Bearer', expires_in: 7200 } };
      return req.authorization === 'Bearer valid-access-token' ? { status: 401 } : { body: records(1) };
    }, quoting);
    expect(api?.requests.map((r) => r.path)).to.deep.equal([
      '/partner/v1/integration_scopes',
      '/oauth/token',
      '/partner/v1/integration_scopes',
    ]);
    expect(outcome.errors.map((e) => e.message)).to.deep.equal(['failed with [redacted] and [redacted]']);
  });

  it('rebounds a transient failure when nothing was emitted yet', async () => {
    const outcome = await run(() => unavailable);
    expect(outcome.data).to.have.length(0);
    expect(outcome.errors).to.have.length(0);
    expect(outcome.rebounds).to.have.length(1);
    expect(api?.requests).to.have.length(1);
    expect(outcome.logLines.filter((l) => l.startsWith('Retrying the message later (rebound): '))).to.have.length(1);
  });

  it('turns a transient failure after data was emitted into an error, not a rebound', async () => {
    const outcome = await run((page) => (page === 1 ? { body: records(1) } : unavailable));
    expect(outcome.data.map((d) => (d.body as { id: number }).id)).to.deep.equal(records(1).map((r) => r.id));
    expect(outcome.rebounds).to.deep.equal([]);
    expect(outcome.errors).to.have.length(1);
    const [error] = outcome.errors;
    expect(error).to.be.instanceOf(ComponentError).and.not.instanceOf(TransientError);
    expect(error.cause).to.be.instanceOf(TGateUnavailableError);
    expect(error.message).to.contain('5 message(s) were already emitted for this input');
  });

  it('passes any other failure on as it is, before or after an emit, and never rebounds it', async () => {
    const refused: Reply = { status: 422, body: { message: 'brand_id is invalid' } };
    for (const reply of [() => refused, (page: number) => (page === 1 ? { body: records(1) } : refused)]) {
      const outcome = await run(reply);
      expect(outcome.rebounds).to.deep.equal([]);
      expect(outcome.errors).to.have.length(1);
      expect(outcome.errors[0]).to.be.instanceOf(TGateRefusedError);
      await api?.close();
      await platform?.close();
    }
  });
});

describe('lib/step: an error from outside the taxonomy is a bug (settleFailure)', function () {
  let platform: PlatformAccountsServer;
  before(async () => {
    platform = await startPlatformAccounts();
  });
  after(async () => {
    await platform.close();
  });

  const cfg = { _account: 'a-1', oauth: { access_token: 'access-token-4711' } };
  /** A step that emits `emits` records, then throws what `failure` gives. */
  const throwing = (failure: () => unknown, emits = 0) => ({
    process: defineStep({
      async run(step) {
        for (let i = 0; i < emits; i += 1) await step.emitData({ i });
        throw failure();
      },
    }) as (...args: unknown[]) => unknown,
  });

  it('wraps a TypeError in an UnexpectedError saying so, with it as the cause, no token and no rebound', async () => {
    for (const emits of [0, 1]) {
      const original = new TypeError('Cannot read properties of undefined (token access-token-4711)');
      const outcome = await runFunctionLocally(
        throwing(() => original, emits),
        { body: {} },
        cfg,
        platform,
      );
      expect(outcome.rebounds).to.deep.equal([]);
      expect(outcome.errors).to.have.length(1);
      const [error] = outcome.errors;
      expect(error).to.be.instanceOf(UnexpectedError).and.instanceOf(ComponentError);
      expect(error.cause).to.equal(original);
      expect(error.message).to.equal(
        'The component failed in a way it does not foresee, a bug to report to its ' +
          'maintainers: TypeError: Cannot read properties of undefined (token [redacted])',
      );
      expect(error.stack).to.contain('Caused by: TypeError: Cannot read properties of undefined');
      expect(`${error.message} ${error.stack}`).not.to.contain('access-token-4711');
    }
  });

  it('wraps a thrown value that is not an Error too', async () => {
    const outcome = await runFunctionLocally(
      throwing(() => 'just a string'),
      { body: {} },
      cfg,
      platform,
    );
    expect(outcome.errors[0]).to.be.instanceOf(UnexpectedError);
    expect(outcome.errors[0].message).to.match(/a bug to report to its maintainers: string just a string thrown$/);
  });

  it('passes every class of the taxonomy on as it is', async () => {
    for (const made of [
      new ComponentError('plain'),
      new InvalidInputError('id', 'bad id'),
      new TGateRefusedError(new HttpError({ service: 'T-Gate', method: 'GET', path: '/x', status: 404, attempts: 1 })),
    ]) {
      const outcome = await runFunctionLocally(
        throwing(() => made),
        { body: {} },
        cfg,
        platform,
      );
      expect(outcome.errors).to.deep.equal([made]);
    }
  });

  it("fails a spec that runs a step through the specs' runner when the step ends outside the taxonomy", async () => {
    const ranOff = throwing(() => new RangeError('page must be a whole number'));
    const err = await runStep(ranOff, { body: {} }, cfg, platform).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('OutsideTheTaxonomy');
    expect(err?.message).to.contain('RangeError: page must be a whole number');
  });
});

describe('lib/step: fields, body and emits (defineStep)', function () {
  this.timeout(10_000);
  let platform: PlatformAccountsServer;
  before(async () => {
    platform = await startPlatformAccounts();
  });
  after(async () => {
    await platform.close();
  });

  type Fields = { pageSize: number; name?: string };
  const fields = {
    type: 'object',
    properties: { pageSize: { type: 'integer', minimum: 1, default: 20 }, name: { type: 'string' } },
    additionalProperties: false,
  };
  /**
   * Emits what the step saw; `body` (a function of the fields) requires `id` of the type named by `name`.
   * Built in each spec, not at load, so that what defineStep does is part of the spec.
   */
  const seeing = (): ReturnType<typeof defineStep> =>
    defineStep<Fields, { id: unknown }>({
      fields,
      body: (f) => ({
        type: 'object',
        required: ['id'],
        properties: { id: { type: f.name === 'text' ? 'string' : 'integer' } },
      }),
      async run(step: Step<Fields, { id: unknown }>) {
        (step.body as { touched?: boolean }).touched = true;
        await step.emitData({ fields: step.fields, body: step.body, emitted: step.emitted });
        await step.emitData({ emitted: step.emitted, msgBody: step.msg.body, snapshot: step.snapshot });
      },
    });
  const run = (msg: unknown, cfg: Record<string, unknown>, snapshot?: Record<string, unknown>): Promise<StepOutcome> =>
    runStep(
      { process: seeing() as (...args: unknown[]) => unknown },
      msg,
      { _account: 'a-1', oauth: { access_token: 't' }, ...cfg },
      platform,
      { snapshot },
    );

  it('reads only the fields the schema names: "" and null are not set, defaults filled, text read as a number', async () => {
    let outcome = await run({ body: { id: 1 } }, { pageSize: '', name: null });
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as { fields: unknown }).fields).to.deep.equal({ pageSize: 20 });
    outcome = await run({ body: { id: 'x' } }, { pageSize: '50', name: 'text' });
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as { fields: unknown }).fields).to.deep.equal({ pageSize: 50, name: 'text' });
  });

  it('refuses a bad field or a body that does not match the schema the fields choose, emitting nothing', async () => {
    for (const [cfg, body, field] of [
      [{ pageSize: '0' }, { id: 1 }, 'pageSize'],
      [{}, { id: 'x' }, 'id'],
      [{ name: 'text' }, { id: 1 }, 'id'],
      [{}, {}, 'id'],
    ] as const) {
      const outcome = await run({ body }, cfg);
      expect(outcome.data, JSON.stringify([cfg, body])).to.have.length(0);
      expect(outcome.rebounds).to.have.length(0);
      expect(outcome.errors).to.have.length(1);
      expect(outcome.errors[0]).to.be.instanceOf(InvalidInputError).with.property('field', field);
    }
  });

  it('refuses a body nested deeper than it reads, before copying or checking it', async () => {
    let body: unknown = { id: 1 };
    for (let i = 0; i < MAX_JSON_DEPTH; i += 1) body = { id: 1, inner: body };
    const outcome = await run({ body }, {});
    expect(outcome.data).to.have.length(0);
    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0]).to.be.instanceOf(InvalidInputError).with.property('field', 'body');
    expect(outcome.errors[0].message).to.include(
      `The message body is nested more than ${MAX_JSON_DEPTH} levels deep, ` +
        'more than this component reads: nothing was done with it',
    );
  });

  it('gives the step a copy of the body, counts its emits, and passes the snapshot on', async () => {
    const outcome = await run({ body: { id: 3 } }, {}, { cursor: 'c-1' });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data.map((d) => d.body)).to.deep.equal([
      { fields: { pageSize: 20 }, body: { id: 3, touched: true }, emitted: 0 },
      { emitted: 1, msgBody: { id: 3 }, snapshot: { cursor: 'c-1' } },
    ]);
  });

  it('emits each data message as the platform expects it, with an id of its own', async () => {
    const outcome = await run({ body: { id: 3 } }, {});
    const [first, second] = outcome.data as Array<Record<string, unknown>>;
    for (const message of [first, second]) {
      expect(message).to.include.keys('id', 'body', 'attachments', 'headers', 'metadata');
      expect(message.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(first.id).not.to.equal(second.id);
    expect(newMessage({ a: 1 })).to.deep.include({ body: { a: 1 }, attachments: {}, headers: {}, metadata: {} });
  });

  it('connects to T-Gate once per message, on first use', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      TGATE_CLIENT_ID: 'spec-client',
      TGATE_CLIENT_SECRET: 'spec-secret',
      TGATE_API_BASE_URL: 'http://127.0.0.1:9/partner/v1',
      TGATE_TOKEN_URI: 'http://127.0.0.1:9/oauth/token',
    });
    try {
      const twice = defineStep({
        async run(step) {
          await step.emitData({ same: step.tgate === step.tgate });
        },
      });
      const outcome = await runStep(
        { process: twice as (...args: unknown[]) => unknown },
        { body: {} },
        { _account: 'a-2', environment: 'company-sandbox', oauth: { access_token: 't' } },
        platform,
      );
      expect(outcome.errors).to.deep.equal([]);
      expect(outcome.data.map((d) => d.body)).to.deep.equal([{ same: true }]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      tokenMemory.forget('a-2');
    }
  });

  it("scrubs the credential's tokens (as stored, or trimmed) from a failure the step itself builds", async () => {
    const leaky = defineStep({
      async run(step) {
        const oauth = step.cfg.oauth as Record<string, string>;
        throw new ComponentError(`failed with ${oauth.access_token.trim()} and ${oauth.refresh_token}`);
      },
    });
    const cfg = { _account: 'a-3', oauth: { access_token: ' access-token-1 ', refresh_token: 'refresh-token-1' } };
    const outcome = await runStep({ process: leaky as (...args: unknown[]) => unknown }, { body: {} }, cfg, platform);
    expect(outcome.errors.map((e) => e.message)).to.deep.equal(['failed with [redacted] and [redacted]']);
  });
});
