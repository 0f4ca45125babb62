import { expect } from 'chai';
import { ComponentError, TransientError } from '../../../lib/errors';
import { tokenMemory } from '../../../lib/auth';
import { defineStep } from '../../../lib/step';
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
  const ENV = ['TGATE_CLIENT_ID', 'TGATE_CLIENT_SECRET', 'TGATE_API_BASE_URL', 'TGATE_TOKEN_URI', 'TGATE_RETRY_MAX_ATTEMPTS'];
  const saved: Record<string, string | undefined> = {};
  let api: ScriptedApi | undefined;
  let platform: PlatformAccountsServer | undefined;
  const accounts: string[] = [];

  beforeEach(() => { for (const k of ENV) saved[k] = process.env[k]; });
  afterEach(async () => {
    for (const k of ENV) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    for (const account of accounts.splice(0)) tokenMemory.forget(account);
    await api?.close();
    await platform?.close();
    api = undefined;
    platform = undefined;
  });

  /** Runs `listing` in the sailor's TaskExec against a T-Gate that answers page n with `reply(n)`. */
  async function run(reply: (page: number) => Reply): Promise<StepOutcome> {
    api = await startScriptedApi((req: SeenRequest) => reply(Number(req.query.get('page'))));
    platform = await startPlatformAccounts();
    Object.assign(process.env, {
      TGATE_CLIENT_ID: 'spec-client', TGATE_CLIENT_SECRET: 'spec-secret',
      TGATE_API_BASE_URL: `${api.url}/partner/v1`, TGATE_TOKEN_URI: `${api.url}/oauth/token`,
      // One attempt: the HTTP client's own retries are lib/http's business, not this spec's.
      TGATE_RETRY_MAX_ATTEMPTS: '1',
    });
    const account = `step-${Math.random().toString(16).slice(2)}`;
    accounts.push(account);
    const cfg = { _account: account, environment: 'company-sandbox', oauth: { access_token: 'valid-access-token' } };
    return runStep({ process: listing as (...args: unknown[]) => unknown }, { body: {} }, cfg, platform);
  }

  const unavailable: Reply = { status: 503, body: { message: 'down for maintenance' } };

  it('rebounds a transient failure when nothing was emitted yet', async () => {
    const outcome = await run(() => unavailable);
    expect(outcome.data).to.have.length(0);
    expect(outcome.errors).to.have.length(0);
    expect(outcome.rebounds).to.have.length(1);
    expect(api?.requests).to.have.length(1);
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
