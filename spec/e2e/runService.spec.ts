/**
 * END-TO-END: the sailor's other entry point, `runService.js`, as the platform runs it for the UI: the
 * real `node_modules/elasticio-sailor-nodejs/runService.js <method>` as a child process, its input in the
 * environment the platform gives it (ELASTICIO_CFG, ELASTICIO_ACTION_OR_TRIGGER, ELASTICIO_GET_MODEL_METHOD,
 * the tenant's OAuth client), its result POSTed to ELASTICIO_POST_RESULT_URL on the platform stand-in
 * (a loopback HTTP server), against the embedded sandbox. lib/cli/sailorRun.ts runServiceProcess does
 * exactly that; spec/helpers/runService.ts runs it at LOG_LEVEL trace so every line can be checked for
 * secrets.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import { startSandbox, Sandbox, SandboxClient } from '../../lib/sandbox';
import { TGATE_RESOURCES } from '../../lib/tgate';
import { runService, ServiceRun } from '../helpers/runService';
import { FakePlatformApi, startFakePlatformApi } from './helpers/fakePlatformApi';

describe('e2e: runService.js (verifyCredentials, a select model, dynamic metadata)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let platform: FakePlatformApi;
  const apiKey = `platform-api-key-${crypto.randomBytes(12).toString('hex')}`;
  const clients: SandboxClient[] = ['good', 'revoked'].map((name) => ({
    clientId: `e2e ${name} ${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: `secret/${crypto.randomBytes(10).toString('hex')}`,
    redirectUris: ['https://platform.example.io/callback/oauth2'],
  }));
  const [good, revoked] = clients;
  const cfgs = new Map<SandboxClient, Record<string, unknown>>();
  const runs: ServiceRun[] = [];

  const env = (client: SandboxClient): Record<string, string> => ({
    OAUTH_CLIENT_ID: client.clientId,
    OAUTH_CLIENT_SECRET: client.clientSecret,
    TGATE_TOKEN_URI: sandbox.tokenUrl,
    TGATE_API_BASE_URL: sandbox.apiBaseUrl,
  });
  async function service(
    method: 'verifyCredentials' | 'getMetaModel' | 'selectModel',
    client: SandboxClient,
    fields: Record<string, unknown> = {},
    target: { function?: string; model?: string } = {},
  ): Promise<ServiceRun> {
    const run = await runService(method, { ...cfgs.get(client), ...fields }, platform, env(client), undefined, target);
    runs.push(run);
    expect(run.code, `runService.js exit code\n${run.stderr}`).to.equal(0);
    expect(run.result, `a result POSTed to ELASTICIO_POST_RESULT_URL\n${run.stderr}`).to.not.equal(undefined);
    return run;
  }
  const apiCalls = (path: string): number => sandbox.requests.filter((r) => r.path === `/partner/v1${path}`).length;

  before(async function () {
    this.timeout(30_000);
    sandbox = await startSandbox({ clients });
    platform = await startFakePlatformApi({
      username: 'task-user@example.com',
      apiKey,
      flowId: 'flow-ui',
      stepId: 'step_1',
      step: { config: {}, snapshot: {}, is_passthrough: false, variables: {} },
    });
    for (const client of clients) {
      const tokens = await sandbox.issueTokens(client.clientId);
      const account = `account-${crypto.randomBytes(4).toString('hex')}`;
      const keys = { environment: 'company-sandbox', oauth: { ...tokens } };
      platform.accounts.set(account, { keys: JSON.parse(JSON.stringify(keys)) });
      cfgs.set(client, { _account: account, ...keys });
    }
  });
  after(async function () {
    await sandbox?.close();
    await platform?.close();
  });

  it('verifyCredentials with a good credential: verified true, after one call to T-Gate and no token request', async () => {
    const [tokenBefore, scopesBefore] = [sandbox.tokenRequests.length, apiCalls('/integration_scopes')];
    const run = await service('verifyCredentials', good);
    expect(run.result).to.deep.equal({ status: 'success', data: { verified: true } });
    expect(sandbox.tokenRequests.length - tokenBefore, 'token requests').to.equal(0);
    expect(apiCalls('/integration_scopes') - scopesBefore, 'T-Gate calls').to.equal(1);
  });

  it('verifyCredentials after T-Gate revoked the grant: verified false with a reason saying to reconnect, no secret in it', async () => {
    sandbox.revokeAll(revoked.clientId);
    const run = await service('verifyCredentials', revoked);
    expect(run.result!.status).to.equal('success');
    expect(run.result!.data.verified).to.equal(false);
    expect(run.result!.data.reason)
      .to.be.a('string')
      .and.match(/reconnect/i);
    const oauth = cfgs.get(revoked)!.oauth as Record<string, string>;
    const answer = JSON.stringify(run.result);
    for (const secret of [revoked.clientSecret, oauth.access_token, oauth.refresh_token])
      expect(answer).to.not.include(secret);
    expect(
      platform.calls.filter((c) => c.method === 'PUT'),
      'nothing saved',
    ).to.have.length(0);
  });

  it('select model "branches" of lookupObjects, narrowed by the chosen brand: the granted branches of that brand, labelled from the records', async () => {
    const brandId = sandbox.store.list('brands', { page: 1, items: 1 }).records[0].id;
    const scopes = sandbox.store.list('integrationScopes', { page: 1, items: 1_000_000 }).records as unknown as Array<{
      brand_id: number;
      branch_id: number;
    }>;
    const granted = new Set(scopes.filter((s) => s.brand_id === brandId).map((s) => s.branch_id));
    const branches = sandbox.store.list('branches', {
      page: 1,
      items: 1_000_000,
      filters: { brand_id: String(brandId) },
    }).records as unknown as Array<{ id: number; name_en: string | null; name_ar: string | null }>;
    const expected = Object.fromEntries(
      branches
        .filter((b) => granted.has(b.id))
        .map((b) => [String(b.id), b.name_en && b.name_ar ? `${b.name_en} (${b.name_ar})` : (b.name_en ?? b.name_ar)]),
    );
    expect(Object.keys(expected).length, 'granted branches of the brand').to.be.greaterThan(0);
    const allGranted = new Set(scopes.map((s) => s.branch_id));
    expect(Object.keys(expected).length, 'the brand narrows the choice').to.be.lessThan(allGranted.size);

    // The platform sends the step's fields so far with the credential; a select's key arrives as text.
    const run = await service(
      'selectModel',
      good,
      { resourceType: 'menus', brand_id: String(brandId) },
      { function: 'lookupObjects', model: 'branches' },
    );
    expect(run.result).to.deep.equal({ status: 'success', data: expected });
  });

  it("dynamic metadata (getMetaModel) of lookupObjects: in = the type's filters, out = one record or a page, by the step's fields", async () => {
    const items = TGATE_RESOURCES.items;
    const one = await service('getMetaModel', good, { resourceType: 'items' }, { function: 'lookupObjects' });
    expect(one.result!.status, JSON.stringify(one.result)).to.equal('success');
    const oneData = one.result!.data as { in: { properties: Record<string, unknown> }; out: unknown };
    expect(Object.keys(oneData.in.properties)).to.deep.equal(items.filters.map((f) => f.name));
    expect(oneData.out, 'emitIndividually: the item record').to.deep.equal(JSON.parse(JSON.stringify(items.schema)));

    const paged = await service(
      'getMetaModel',
      good,
      { resourceType: 'items', emitBehavior: 'emitPage' },
      { function: 'lookupObjects' },
    );
    const out = (paged.result!.data as { out: { properties: Record<string, { items?: unknown }>; required: string[] } })
      .out;
    expect(Object.keys(out.properties).sort()).to.deep.equal(['page', 'results', 'totalCount']);
    expect(out.properties.results.items, 'emitPage: results are item records').to.deep.equal(
      JSON.parse(JSON.stringify(items.schema)),
    );

    const none = await service('getMetaModel', good, {}, { function: 'lookupObjects' });
    expect(none.result!.status).to.equal('error');
    expect(none.result!.data.message).to.include('resourceType');
  });

  it('no client secret, API key or token in any result or in any line runService.js wrote', () => {
    expect(runs.length, 'runs looked at').to.be.greaterThan(4);
    const secrets = new Set<string>([apiKey]);
    for (const client of clients) {
      secrets.add(client.clientSecret);
      secrets.add(encodeURIComponent(client.clientSecret));
      const oauth = cfgs.get(client)!.oauth as Record<string, string>;
      secrets.add(oauth.access_token);
      secrets.add(oauth.refresh_token);
    }
    for (const call of platform.calls) {
      const oauth = (call.body as { keys?: { oauth?: Record<string, string> } } | undefined)?.keys?.oauth;
      if (oauth?.access_token) secrets.add(oauth.access_token);
      if (oauth?.refresh_token) secrets.add(oauth.refresh_token);
    }
    const texts = runs.flatMap((r) => [r.stdout, r.stderr, JSON.stringify(r.result)]);
    expect(texts.join('').length, 'trace-level output to look at').to.be.greaterThan(1000);
    expect([...secrets].filter((s) => texts.some((t) => t.includes(s)))).to.deep.equal([]);
  });
});
