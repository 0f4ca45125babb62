import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createWorld, leakedSecrets, serviceEnv, World } from '../../helpers/world';
import { runService, ServiceRun } from '../../helpers/runService';
import { COMPONENT_ROOT } from '../../helpers/taskExec';

/**
 * verifyCredentials through the sailor's real runService.js. The child process has its own clock,
 * so expiry is expressed in the stored keys (expires_at) rather than by faking time.
 */
describe('verifyCredentials through runService.js', function () {
  this.timeout(40_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  const envFor = serviceEnv;
  const expired = (w: World): Record<string, unknown> => ({
    ...w.cfg,
    oauth: { ...w.cfg.oauth, expires_at: new Date(Date.now() - 60_000).toISOString() },
  });
  const noLeaks = (w: World, run: ServiceRun): void => {
    expect(leakedSecrets(w, [run.stdout, run.stderr, JSON.stringify(run.result)])).to.deep.equal([]);
  };

  it('verifies a credential with a valid access token with one API call and no token request', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const run = await runService('verifyCredentials', world.cfg, world.platform, envFor(world));
    expect(run.result).to.deep.equal({ status: 'success', data: { verified: true } });
    expect(world.sandbox.tokenRequests.length - before).to.equal(0);
    expect(
      world.sandbox.requests.filter((r) => r.path === '/partner/v1/integration_scopes').map((r) => r.query),
    ).to.deep.equal(['page=1&items=1']);
    noLeaks(world, run);
  });

  it('scrubs the token and client secret from the reason when T-Gate redirects to a URL holding them', async () => {
    world = await createWorld();
    world.sandbox.injectFault({
      path: '/partner/v1/integration_scopes',
      status: 302,
      headers: { Location: `/partner/v1/cb/${world.tokens.access_token}/${world.client.clientSecret}` },
    });
    const run = await runService('verifyCredentials', world.cfg, world.platform, envFor(world));
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.match(
      /answered 302: a redirect to http:\/\/127\.0\.0\.1:\d+\/partner\/v1\/cb\/\[redacted\]\/\[redacted\], which/,
    );
    noLeaks(world, run);
  });

  it('refreshes an expired token and saves the new keys through the platform API', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const run = await runService('verifyCredentials', expired(world), world.platform, envFor(world));
    expect(run.result).to.deep.equal({ status: 'success', data: { verified: true } });
    expect(world.sandbox.tokenRequests.slice(before).map((r) => r.rawBody)).to.deep.equal([
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(world.tokens.refresh_token)}`,
    ]);
    const puts = world.platform.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.path)).to.deep.equal([`/v1/accounts/${world.cfg._account}`]);
    const keys = (puts[0].body as { keys: { environment: string; oauth: Record<string, unknown> } }).keys;
    expect(keys.environment).to.equal('company-sandbox');
    expect(keys.oauth.refresh_token).to.be.a('string').and.not.equal(world.tokens.refresh_token);
    expect(keys.oauth.expires_at).to.be.a('string');
    noLeaks(world, run);
  });

  it('does not refresh a credential that cannot be saved yet (no _account): it would burn the refresh token', async () => {
    world = await createWorld();
    const before = world.sandbox.tokenRequests.length;
    const { _account: _unused, ...unsaved } = expired(world);
    const run = await runService('verifyCredentials', unsaved, world.platform, envFor(world));
    expect(run.result?.status).to.equal('success');
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.equal(
      'T-Gate credential must be reconnected: the access token has expired and a refreshed token could not be saved ' +
        '(the credential is not saved yet, so it has no id to save new tokens under), so the refresh was not attempted, ' +
        'to keep the stored refresh token valid. Open the credential and authenticate again.',
    );
    expect(world.sandbox.tokenRequests.length - before).to.equal(0);
    // The stored refresh token still works.
    const check = await runService('verifyCredentials', expired(world), world.platform, envFor(world));
    expect(check.result?.data.verified).to.equal(true);
  });

  it('answers verified: false with the reconnect message when T-Gate revoked the grant', async () => {
    world = await createWorld();
    world.sandbox.revokeAll(world.client.clientId);
    const run = await runService('verifyCredentials', world.cfg, world.platform, envFor(world));
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.match(
      /^T-Gate credential must be reconnected: the refresh token was rejected \(invalid_grant/,
    );
    noLeaks(world, run);
  });

  it('answers verified: false naming the client id/secret when the tenant OAuth client is wrong', async () => {
    world = await createWorld();
    const run = await runService(
      'verifyCredentials',
      expired(world),
      world.platform,
      envFor(world, { OAUTH_CLIENT_SECRET: 'not-the-secret' }),
    );
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.contain(
      'T-Gate OAuth client is misconfigured: the token endpoint rejected the client id or secret (invalid_client',
    );
    expect(run.result?.data.reason).to.contain('OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET');
    expect(`${run.stdout}${run.stderr}`).not.to.contain('not-the-secret');
    noLeaks(world, run);
  });

  it('answers verified: false when the environment variables of the OAuth client are missing', async () => {
    world = await createWorld();
    const run = await runService(
      'verifyCredentials',
      world.cfg,
      world.platform,
      envFor(world, { OAUTH_CLIENT_ID: undefined, OAUTH_CLIENT_SECRET: '' }),
    );
    expect(run.result?.data).to.deep.equal({
      verified: false,
      reason:
        'T-Gate OAuth client is misconfigured: OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET are not set (nor TGATE_CLIENT_ID / ' +
        'TGATE_CLIENT_SECRET, their names for local runs); the tenant needs an OAuth client for this component (tgate oauth-clients create)',
    });
  });

  it("reads the client from the platform's names first, and from the TGATE_ names when they are not set", async () => {
    world = await createWorld();
    const { OAUTH_CLIENT_ID: id, OAUTH_CLIENT_SECRET: secret } = envFor(world) as Record<string, string>;
    const aliases = await runService(
      'verifyCredentials',
      expired(world),
      world.platform,
      envFor(world, {
        OAUTH_CLIENT_ID: undefined,
        OAUTH_CLIENT_SECRET: undefined,
        TGATE_CLIENT_ID: id,
        TGATE_CLIENT_SECRET: secret,
      }),
    );
    expect(aliases.result?.data.verified, JSON.stringify(aliases.result)).to.equal(true);
    // The refresh rotated the tokens: the second run starts from what the platform now stores.
    const cfg = { ...world.cfg, ...world.platform.accounts.get(world.cfg._account)!.keys };
    const both = await runService(
      'verifyCredentials',
      { ...cfg, oauth: { ...(cfg.oauth as object), expires_at: new Date(0).toISOString() } },
      world.platform,
      envFor(world, { TGATE_CLIENT_ID: 'stale-app', TGATE_CLIENT_SECRET: 'stale-secret-value' }),
    );
    expect(both.result?.data.verified, JSON.stringify(both.result)).to.equal(true);
  });

  it('answers verified: false (not true) when the compiled code is missing', async () => {
    world = await createWorld();
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-nodist-'));
    try {
      fs.copyFileSync(path.join(COMPONENT_ROOT, 'component.json'), path.join(bare, 'component.json'));
      fs.copyFileSync(path.join(COMPONENT_ROOT, 'verifyCredentials.js'), path.join(bare, 'verifyCredentials.js'));
      const run = await runService('verifyCredentials', world.cfg, world.platform, envFor(world), bare);
      expect(run.result?.data.verified).to.equal(false);
      expect(run.result?.data.reason).to.equal(
        'The T-Gate component cannot verify credentials: its compiled code (dist/) is missing. The component build must run `npm install`, which compiles it.',
      );
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it('names the environment when T-Gate answers 404 (wrong API base URL)', async () => {
    world = await createWorld();
    const run = await runService(
      'verifyCredentials',
      world.cfg,
      world.platform,
      envFor(world, { TGATE_API_BASE_URL: `${world.sandbox.url}/nowhere` }),
    );
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.match(
      /^T-Gate GET \/nowhere\/integration_scopes answered 404: .*Check the credential's environment \(Production or Sandbox\) and TGATE_API_BASE_URL$/,
    );
  });

  it('retries a failing save of refreshed keys, and verifies once it lands', async () => {
    world = await createWorld();
    world.platform.failNextUpdates(1);
    const run = await runService('verifyCredentials', expired(world), world.platform, envFor(world));
    expect(run.result).to.deep.equal({ status: 'success', data: { verified: true } });
    const puts = world.platform.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.status)).to.deep.equal([500, 200]);
    const stored = world.platform.accounts.get(world.cfg._account)!.keys.oauth as Record<string, string>;
    expect(stored.refresh_token).not.to.equal(world.tokens.refresh_token);
    noLeaks(world, run);
  });

  it('answers not verified, saying what happened, when the refreshed keys cannot be saved', async () => {
    world = await createWorld();
    world.platform.failNextUpdates(100);
    const run = await runService('verifyCredentials', expired(world), world.platform, envFor(world));
    expect(run.result?.status).to.equal('success');
    expect(run.result?.data.verified).to.equal(false);
    expect(run.result?.data.reason).to.match(
      /^T-Gate credential must be reconnected: T-Gate issued new tokens, but saving them to the credential failed 3 times \(.+\)\. T-Gate has retired the previous refresh token, so the credential as stored no longer works\. If the platform API is failing, wait until it works again\. Open the credential and authenticate again\.$/,
    );
    // Three saves by the component (the platform's API client may retry each one itself).
    const puts = world.platform.calls.filter((c) => c.method === 'PUT').map((c) => c.status);
    expect(puts.length).to.be.at.least(3);
    expect(new Set(puts)).to.deep.equal(new Set([500]));
    noLeaks(world, run);
  });
});
