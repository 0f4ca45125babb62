import { expect } from 'chai';
import { basicAuthHeader } from '../../helpers/sandboxConnect';
import { createWorld, leakedSecrets, outcomeTexts, TWO_HOURS_MS, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { connectForStep } from '../../../lib/tgate';
import { ReconnectRequiredError, tokenMemory } from '../../../lib/auth';

const action = loadFunction('listIntegrationScopes');
const SCOPES = 45; // the sandbox's default set

const texts = outcomeTexts;

function refreshBodies(world: World, since: number): string[] {
  return world.sandbox.tokenRequests.slice(since).map((r) => r.rawBody);
}

describe('token lifecycle through the sailor TaskExec against the sandbox', function () {
  this.timeout(30_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  it('sends the exact Basic header and form body when it refreshes, and saves the whole keys object', async () => {
    world = await createWorld({ fakeDate: true });
    const before = world.sandbox.tokenRequests.length;
    world.clock!.tick(TWO_HOURS_MS + 1000);

    const outcome = await runStep(action, { body: {} }, world.cfg, world.platform);

    expect(outcome.errors.map((e) => e.message)).to.deep.equal([]);
    expect(outcome.data).to.have.length(SCOPES);
    const requests = world.sandbox.tokenRequests.slice(before);
    expect(requests).to.have.length(1);
    expect(requests[0].authorization).to.equal(basicAuthHeader(world.client.clientId, world.client.clientSecret));
    // Raw "id:secret", as Doorkeeper reads it (the secret holds '/', '+' and '=').
    expect(Buffer.from(requests[0].authorization!.slice(6), 'base64').toString()).to.equal(
      `${world.client.clientId}:${world.client.clientSecret}`,
    );
    expect(requests[0].contentType).to.equal('application/x-www-form-urlencoded');
    expect(requests[0].rawBody).to.equal(
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(world.tokens.refresh_token)}`,
    );
    expect(requests[0].status).to.equal(200);

    expect(outcome.updateKeys).to.have.length(1);
    const saved = world.platform.accounts.get(world.cfg._account)!.keys as {
      environment: string;
      oauth: Record<string, unknown>;
    };
    expect(Object.keys(saved).sort()).to.deep.equal(['environment', 'oauth']);
    expect(saved.environment).to.equal('company-sandbox');
    expect(saved.oauth.refresh_token).to.be.a('string').and.not.equal(world.tokens.refresh_token);
    expect(saved.oauth.expires_at).to.equal(new Date(Date.now() + 7200 * 1000).toISOString());
    expect(leakedSecrets(world, texts([outcome]))).to.deep.equal([]);
  });

  it('uses a valid access token without asking for a new one', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const outcome = await runStep(action, { body: {} }, world.cfg, world.platform);
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.have.length(SCOPES);
    expect(world.sandbox.tokenRequests.length - before).to.equal(0);
    expect(outcome.updateKeys).to.deep.equal([]);
  });

  it('100 concurrent messages with an expired token make exactly one token request', async () => {
    world = await createWorld({ fakeDate: true });
    const before = world.sandbox.tokenRequests.length;
    world.clock!.tick(TWO_HOURS_MS + 1000);

    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => runStep(action, { body: {} }, world.cfg, world.platform)),
    );

    expect(world.sandbox.tokenRequests.length - before).to.equal(1);
    expect(outcomes.flatMap((o) => o.errors.map((e) => e.message))).to.deep.equal([]);
    expect(outcomes.map((o) => o.data.length)).to.deep.equal(Array(100).fill(SCOPES));
    expect(outcomes.reduce((n, o) => n + o.updateKeys.length, 0)).to.equal(1);
    expect(world.platform.calls.filter((c) => c.method === 'PUT')).to.have.length(1);
    expect(leakedSecrets(world, texts(outcomes))).to.deep.equal([]);
  });

  it('three messages whose cfg all carry the original tokens succeed against a rotating server', async () => {
    world = await createWorld({ fakeDate: true });
    const before = world.sandbox.tokenRequests.length;
    const outcomes: StepOutcome[] = [];
    for (let i = 0; i < 3; i += 1) {
      world.clock!.tick(TWO_HOURS_MS + 1000); // every message finds the previous access token expired
      outcomes.push(await runStep(action, { body: {} }, world.cfg, world.platform));
    }
    expect(outcomes.flatMap((o) => o.errors.map((e) => e.message))).to.deep.equal([]);
    expect(outcomes.map((o) => o.data.length)).to.deep.equal([SCOPES, SCOPES, SCOPES]);

    // Each refresh used the refresh token the previous one returned, never the dead one from cfg.
    const requests = world.sandbox.tokenRequests.slice(before);
    expect(requests.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    const saved = outcomes.map((o) => (o.updateKeys[0].oauth as { refresh_token: string }).refresh_token);
    expect(refreshBodies(world, before)).to.deep.equal([
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(world.tokens.refresh_token)}`,
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(saved[0])}`,
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(saved[1])}`,
    ]);
    expect(new Set(saved).size).to.equal(3);
    expect(
      (world.platform.accounts.get(world.cfg._account)!.keys.oauth as { refresh_token: string }).refresh_token,
    ).to.equal(saved[2]);
    expect(leakedSecrets(world, texts(outcomes))).to.deep.equal([]);
  });

  it('invalid_grant gives the reconnect error, and no retry storm', async () => {
    world = await createWorld({ fakeDate: true });
    const before = world.sandbox.tokenRequests.length;
    world.sandbox.revokeAll(world.client.clientId); // the company uninstalled the application
    world.clock!.tick(TWO_HOURS_MS + 1000);

    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => runStep(action, { body: {} }, world.cfg, world.platform)),
    );
    const later: StepOutcome[] = [];
    for (let i = 0; i < 5; i += 1) later.push(await runStep(action, { body: {} }, world.cfg, world.platform));

    for (const o of [...concurrent, ...later]) {
      expect(o.data).to.deep.equal([]);
      expect(o.errors).to.have.length(1);
      expect(o.errors[0].message).to.match(/^T-Gate credential must be reconnected: the refresh token was/);
      expect(o.errors[0].message).to.contain('Open the credential and authenticate again');
    }
    const requests = world.sandbox.tokenRequests.slice(before);
    expect(requests.map((r) => `${r.status} ${r.error}`)).to.deep.equal(['400 invalid_grant']);
    expect(world.platform.calls.filter((c) => c.method === 'PUT')).to.deep.equal([]);
    expect(leakedSecrets(world, texts([...concurrent, ...later]))).to.deep.equal([]);
  });

  it('a 401 leads to one refresh and one retry', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const apiBefore = world.apiRequests();
    // The stored expiry says the token is good, but T-Gate no longer knows it.
    const cfg = {
      ...world.cfg,
      oauth: {
        ...world.cfg.oauth,
        access_token: 'token-t-gate-forgot',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      },
    };

    const outcome = await runStep(action, { body: {} }, cfg, world.platform);

    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.have.length(SCOPES);
    expect(world.sandbox.tokenRequests.length - before).to.equal(1);
    expect(world.sandbox.requests.slice(-3).map((r) => `${r.method} ${r.path} ${r.status}`)).to.deep.equal([
      'GET /partner/v1/integration_scopes 401',
      'POST /oauth/token 200',
      'GET /partner/v1/integration_scopes 200',
    ]);
    expect(world.apiRequests() - apiBefore).to.equal(2);
  });

  it('a 401 for a credential without an id says T-Gate rejected a still-valid token, and requests no new one', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const { _account: _unused, ...unsaved } = world.cfg;
    const cfg = {
      ...unsaved,
      oauth: {
        ...world.cfg.oauth,
        access_token: 'token-t-gate-forgot',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      },
    };

    const outcome = await runStep(action, { body: {} }, cfg, world.platform);

    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0]).to.be.instanceOf(ReconnectRequiredError);
    expect(outcome.errors[0].message).to.equal(
      'T-Gate credential must be reconnected: T-Gate rejected the access token (401) before its stored expiry ' +
        'and a refreshed token could not be saved (the step has no credential id (cfg._account)), so the refresh was not attempted, ' +
        'to keep the stored refresh token valid. Open the credential and authenticate again.',
    );
    expect(world.sandbox.tokenRequests.length - before).to.equal(0);
    expect(leakedSecrets(world, texts([outcome]))).to.deep.equal([]);
  });

  it('a second 401 after the refresh is final, with a message saying to reconnect', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    world.sandbox.injectFault({
      path: '/partner/v1/integration_scopes',
      status: 401,
      body: { message: 'Invalid or expired access token' },
      times: 2,
    });

    const outcome = await runStep(action, { body: {} }, world.cfg, world.platform);

    expect(outcome.errors.map((e) => e.message)).to.deep.equal([
      'T-Gate GET /partner/v1/integration_scopes answered 401: Invalid or expired access token. T-Gate rejected the access token even after a refresh: reconnect the credential',
    ]);
    expect(world.sandbox.tokenRequests.length - before).to.equal(1);
  });

  it('a credential whose stored tokens another container rotated recovers', async () => {
    world = await createWorld({ fakeDate: true });
    world.clock!.tick(TWO_HOURS_MS + 1000);
    // Container B refreshes first and saves its new keys, as the sailor would after updateKeys.
    const containerB = await runStep(action, { body: {} }, world.cfg, world.platform);
    expect(containerB.errors).to.deep.equal([]);
    const savedByB = world.platform.accounts.get(world.cfg._account)!.keys.oauth as Record<string, string>;
    tokenMemory.forget(world.cfg._account); // container A: a different process, with the start-up cfg
    const before = world.sandbox.tokenRequests.length;
    const callsBefore = world.platform.calls.length;

    const containerA = await runStep(action, { body: {} }, world.cfg, world.platform);

    expect(containerA.errors).to.deep.equal([]);
    expect(containerA.data).to.have.length(SCOPES);
    // A re-reads the stored credential before refreshing and uses B's (still valid) tokens: no token request.
    expect(world.sandbox.tokenRequests.slice(before)).to.deep.equal([]);
    expect(world.platform.calls.slice(callsBefore).map((c) => `${c.method} ${c.path}`)).to.deep.equal([
      `GET /v1/accounts/${world.cfg._account}`,
    ]);
    expect(tokenMemory.current(world.cfg._account)?.refresh_token).to.equal(savedByB.refresh_token);
    expect(leakedSecrets(world, texts([containerA, containerB]))).to.deep.equal([]);
  });

  it('a rotated credential whose stored access token also expired is refreshed with the stored refresh token', async () => {
    world = await createWorld({ fakeDate: true });
    world.clock!.tick(TWO_HOURS_MS + 1000);
    await runStep(action, { body: {} }, world.cfg, world.platform); // container B rotates
    const savedByB = world.platform.accounts.get(world.cfg._account)!.keys.oauth as Record<string, string>;
    tokenMemory.forget(world.cfg._account);
    world.clock!.tick(TWO_HOURS_MS + 1000); // and B's access token expires too
    const before = world.sandbox.tokenRequests.length;

    const containerA = await runStep(action, { body: {} }, world.cfg, world.platform);

    expect(containerA.errors).to.deep.equal([]);
    expect(world.sandbox.tokenRequests.slice(before).map((r) => r.rawBody)).to.deep.equal([
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(world.tokens.refresh_token)}`,
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(savedByB.refresh_token)}`,
    ]);
  });

  it("a save that fails once is tried again by the sailor's platform API client, and the message succeeds", async () => {
    world = await createWorld({ fakeDate: true });
    world.clock!.tick(TWO_HOURS_MS + 1000);
    world.platform.failNextUpdates(1);
    const first = await runStep(action, { body: {} }, world.cfg, world.platform);
    // A save that fails on every try is in tokenSaveLag.spec: the sailor then fails the message.
    expect(first.errors).to.deep.equal([]);
    expect(first.data).to.have.length(SCOPES);
    expect(world.platform.calls.filter((c) => c.method === 'PUT').map((c) => c.status)).to.deep.equal([500, 200]);
    const second = await runStep(action, { body: {} }, world.cfg, world.platform);
    expect(second.errors).to.deep.equal([]);
    expect(world.sandbox.tokenRequests.filter((r) => r.grantType === 'refresh_token')).to.have.length(1);
    expect(leakedSecrets(world, texts([first, second]))).to.deep.equal([]);
  });
});

describe('T-Gate client retries against the sandbox', function () {
  this.timeout(30_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  function client(delays: number[], onSleep?: () => void) {
    const ctx = { emit: async () => true, logger: { info: () => undefined, warn: () => undefined } };
    return connectForStep(ctx, world.cfg, {
      sleep: async (ms) => {
        delays.push(ms);
        onSleep?.();
      },
    });
  }

  it('honours Retry-After (seconds) on 429', async () => {
    world = await createWorld();
    world.sandbox.injectFault({ path: '/partner/v1/integration_scopes', status: 429, headers: { 'Retry-After': '7' } });
    const delays: number[] = [];
    const page = await client(delays).page('integrationScopes', { page: 1, pageSize: 5 });
    expect(page.items).to.have.length(5);
    expect(delays).to.have.length(1);
    expect(delays[0]).to.be.within(7000, 7300);
  });

  it('honours Retry-After (HTTP date) on 429', async () => {
    world = await createWorld();
    const at = new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000);
    world.sandbox.injectFault({
      path: '/partner/v1/integration_scopes',
      status: 429,
      headers: { 'Retry-After': at.toUTCString() },
    });
    const delays: number[] = [];
    await client(delays).page('integrationScopes', { page: 1, pageSize: 5 });
    expect(delays).to.have.length(1);
    expect(delays[0]).to.be.within(18_000, 21_400);
  });

  it('stops retrying 5xx at the bound and names status, method and path', async () => {
    world = await createWorld();
    const apiBefore = world.apiRequests();
    world.sandbox.injectFault({
      path: '/partner/v1/integration_scopes',
      status: 503,
      body: { message: 'maintenance' },
      times: Infinity,
    });
    const delays: number[] = [];
    const err = await client(delays)
      .page('integrationScopes', { page: 1, pageSize: 5 })
      .catch((e) => e);
    expect(err.message).to.equal(
      'T-Gate GET /partner/v1/integration_scopes answered 503: maintenance after 5 attempts (retry limit reached)',
    );
    expect(world.apiRequests() - apiBefore).to.equal(5);
    expect(delays).to.have.length(4);
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).to.be.greaterThan(delays[i - 1] * 0.9);
  });

  it('retries dropped connections, then succeeds', async () => {
    world = await createWorld();
    world.sandbox.injectFault({ path: '/partner/v1/integration_scopes', drop: true, times: 2 });
    const delays: number[] = [];
    const page = await client(delays).page('integrationScopes', { page: 2, pageSize: 20 });
    expect(page.items.map((s) => (s as { id: number }).id)).to.have.length(20);
    expect(delays).to.have.length(2);
  });

  it('re-checks the token inside the retry loop: a token that expires mid-retry is refreshed, not replayed', async () => {
    world = await createWorld({ fakeDate: true });
    const before = world.sandbox.tokenRequests.length;
    const apiBefore = world.apiRequests();
    world.sandbox.injectFault({ path: '/partner/v1/integration_scopes', status: 503 });
    const delays: number[] = [];
    const page = await client(delays, () => world.clock!.tick(TWO_HOURS_MS)).page('integrationScopes', {
      page: 1,
      pageSize: 5,
    });
    expect(page.items).to.have.length(5);
    expect(world.sandbox.tokenRequests.length - before).to.equal(1);
    // 503, then straight to 200 with the new token: no 401 round trip.
    expect(world.apiRequests() - apiBefore).to.equal(2);
  });

  it('maps T-Gate 4xx errors to messages with status, method, path and T-Gate message (no query)', async () => {
    world = await createWorld();
    world.sandbox.injectFault({
      path: '/partner/v1/integration_scopes',
      status: 403,
      body: { message: 'Forbidden, Unauthorized action' },
    });
    const err = await client([])
      .page('integrationScopes', { page: 3, pageSize: 10 })
      .catch((e) => e);
    expect(err.name).to.equal('TGateRefusedError');
    expect(err.status).to.equal(403);
    expect(err.message).to.equal(
      'T-Gate GET /partner/v1/integration_scopes answered 403: Forbidden, Unauthorized action. T-Gate refused the action: check that the company granted this application the integration scopes it needs',
    );
  });

  it('pages through a list one page at a time using the pagination headers', async () => {
    world = await createWorld();
    const seen: number[][] = [];
    for await (const page of client([]).pages<{ id: number }>('integrationScopes', { pageSize: 20 })) {
      seen.push([page.page, page.items.length, page.totalPages ?? -1, page.totalCount ?? -1]);
    }
    expect(seen).to.deep.equal([
      [1, 20, 3, 45],
      [2, 20, 3, 45],
      [3, 5, 3, 45],
    ]);
    const ids: number[] = [];
    for await (const scope of client([]).all<{ id: number }>('integrationScopes', { pageSize: 7 })) ids.push(scope.id);
    expect(ids).to.have.length(45);
    expect(new Set(ids).size).to.equal(45);
  });
});
