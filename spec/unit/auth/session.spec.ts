import crypto from 'node:crypto';
import axios from 'axios';
import { expect } from 'chai';
import { HttpClient } from '../../../lib/http';
import { KeyPersistence, ReconnectRequiredError, TGATE_PROFILE, TokenMemory, TokenSession } from '../../../lib/auth';
import { startSandbox, Sandbox, SandboxClient } from '../../../lib/sandbox';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { connectViaGrantFlow, ConnectedTokens } from '../../helpers/sandboxConnect';

/**
 * The token session on its own: two sessions with separate memories stand for two containers of one
 * credential, against the sandbox (rotating refresh tokens) and the platform stand-in's accounts API.
 */
describe('lib/auth TokenSession: two containers, one credential', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let platform: LocalPlatform;
  let client: SandboxClient;
  let tokens: ConnectedTokens;
  const account = 'acc-session-spec';

  beforeEach(async () => {
    client = {
      clientId: 'session spec',
      clientSecret: crypto.randomBytes(12).toString('hex'),
      redirectUris: ['https://platform.example.io/cb'],
    };
    sandbox = await startSandbox({ clients: [client] });
    platform = await startLocalPlatform();
    tokens = await connectViaGrantFlow(sandbox, client);
    platform.accounts.set(account, { keys: { oauth: { ...tokens } } });
  });
  afterEach(async () => {
    await sandbox.close();
    await platform.close();
  });

  const auth = (): Record<string, string> => ({
    Authorization: `Basic ${Buffer.from(`${platform.username}:${platform.apiKey}`).toString('base64')}`,
  });
  const persistence = (): KeyPersistence => ({
    save: async (keys) => {
      await axios.put(`${platform.url}/v1/accounts/${account}`, { keys }, { headers: auth(), proxy: false });
    },
    load: async () =>
      (await axios.get(`${platform.url}/v1/accounts/${account}`, { headers: auth(), proxy: false })).data.keys,
  });
  function container(sleeps: number[] = [], realSleep = true, extra: Partial<KeyPersistence> = {}): TokenSession {
    return new TokenSession({
      credentialId: account,
      keys: { oauth: { ...tokens, expires_at: new Date(Date.now() - 1000).toISOString() } },
      profile: TGATE_PROFILE,
      tokenUrl: sandbox.tokenUrl,
      client,
      http: new HttpClient({ service: 'T-Gate' }),
      persistence: { ...persistence(), ...extra },
      memory: new TokenMemory(),
      sleep: async (ms) => {
        sleeps.push(ms);
        if (realSleep) await new Promise((r) => setTimeout(r, ms));
      },
    });
  }

  it("the container that loses the refresh waits for the winner's slow save and uses its tokens", async () => {
    platform.delayUpdates(1500);
    const before = sandbox.tokenRequests.length;
    const waits: number[] = [];
    const [a, b] = [container(), container(waits)];
    const [tokenA, tokenB] = await Promise.all([
      a.accessToken(),
      new Promise((r) => setTimeout(r, 50)).then(() => b.accessToken()),
    ]);

    expect(tokenB).to.equal(tokenA);
    expect(sandbox.tokenRequests.slice(before).map((r) => `${r.status} ${r.error ?? ''}`.trim())).to.deep.equal([
      '200',
      '400 invalid_grant',
    ]);
    expect(waits.length, 'B re-read the stored credential more than once while the save was pending').to.be.at.least(2);
    expect(b.currentKeys().refresh_token).to.equal(a.currentKeys().refresh_token);
  });

  it('gives up with the reconnect error once the window has passed, having waited no longer than it', async () => {
    platform.failNextUpdates(100); // the winner's save never lands
    const waits: number[] = [];
    const a = container();
    await a.accessToken();
    const err = await container(waits, false)
      .accessToken()
      .catch((e) => e);

    expect(err).to.be.instanceOf(ReconnectRequiredError);
    expect(err.message).to.match(
      /^T-Gate credential must be reconnected: the refresh token was rejected \(invalid_grant/,
    );
    expect(waits.reduce((s, w) => s + w, 0)).to.equal(6000);
    expect(waits[0]).to.equal(200);
  });

  it('uses tokens another container already saved, without a token request', async () => {
    const a = container();
    await a.accessToken();
    const before = sandbox.tokenRequests.length;
    const b = container();
    expect(await b.accessToken()).to.equal(a.currentKeys().access_token);
    expect(sandbox.tokenRequests.length - before).to.equal(0);
  });

  it('keeps the stored keys it does not know when it saves new tokens (a save replaces the keys entirely)', async () => {
    // E.g. a credential field a newer component version added: this session only knows `oauth`.
    platform.accounts.set(account, { keys: { oauth: { ...tokens }, added_later: 'kept' } });
    const a = container();
    await a.accessToken();
    const saved = platform.accounts.get(account)!.keys;
    expect(saved.added_later).to.equal('kept');
    expect((saved.oauth as { refresh_token: string }).refresh_token)
      .to.equal(a.currentKeys().refresh_token)
      .and.not.equal(tokens.refresh_token);
  });

  const refreshTokensSent = (since: number): string[] =>
    sandbox.tokenRequests.slice(since).map((r) => new URLSearchParams(r.rawBody).get('refresh_token') ?? '');
  const puts = (): number => platform.calls.filter((c) => c.method === 'PUT').length;

  it('single flight: 20 concurrent callers with an expired token make one token request, get one token', async () => {
    const before = sandbox.tokenRequests.length;
    const a = container();
    const got = await Promise.all(Array.from({ length: 20 }, () => a.accessToken()));
    expect(sandbox.tokenRequests.length - before).to.equal(1);
    expect(new Set(got).size).to.equal(1);
    expect(got[0]).to.equal(a.currentKeys().access_token).and.not.equal(tokens.access_token);
    expect(puts()).to.equal(1);
  });

  it('never goes back to a pair it rotated away from while the stored credential lags (a lost save)', async () => {
    platform.lagUpdates(Infinity); // saves are answered, but the stored credential keeps the start-up pair
    const before = sandbox.tokenRequests.length;
    const a = container();
    const first = await a.accessToken();
    // T-Gate rejects it (say, revoked): the refresh re-reads the stored credential, which holds the spent pair.
    const second = await a.accessTokenAfterRejection(first);

    expect(refreshTokensSent(before)).to.deep.equal([tokens.refresh_token, refreshTokensSent(before)[1]]);
    expect(refreshTokensSent(before)[1]).to.not.equal(tokens.refresh_token);
    expect(sandbox.tokenRequests.slice(before).map((r) => r.status)).to.deep.equal([200, 200]);
    expect(second).to.not.equal(first).and.not.equal(tokens.access_token);
    expect(a.currentKeys().access_token).to.equal(second);
  });

  it('never adopts stored keys carrying a refresh token it spent, whatever access token they hold', async () => {
    const before = sandbox.tokenRequests.length;
    const a = container();
    const first = await a.accessToken();
    // A stale save (from a process that held another access token with it) lands after this one.
    const stale = { access_token: 'held-elsewhere', refresh_token: tokens.refresh_token };
    platform.accounts.set(account, { keys: { oauth: stale } });
    const second = await a.accessTokenAfterRejection(first);

    expect(second).to.not.equal('held-elsewhere').and.not.equal(first);
    const sent = refreshTokensSent(before);
    expect(sent).to.have.length(2);
    expect(new Set(sent).size, 'a refresh token sent twice').to.equal(2);
    expect(a.currentKeys().refresh_token).to.not.equal(tokens.refresh_token);
  });

  it('a refresh token refused with invalid_grant is never sent again: the next call fails at once', async () => {
    sandbox.revokeAll(client.clientId); // the company uninstalled the application
    const before = sandbox.tokenRequests.length;
    const waits: number[] = [];
    const a = container(waits, false);
    const first = await a.accessToken().catch((e) => e);
    const waitedFirst = waits.length;
    const second = await a.accessToken().catch((e) => e);

    const answered = sandbox.tokenRequests.slice(before).map((r) => `${r.status} ${r.error}`);
    expect(answered).to.deep.equal(['400 invalid_grant']);
    expect(waits.length, 'the second call waited for newer tokens again').to.equal(waitedFirst);
    expect(first).to.be.instanceOf(ReconnectRequiredError);
    expect(second).to.be.instanceOf(ReconnectRequiredError);
    expect(second.message).to.equal(
      'T-Gate credential must be reconnected: the refresh token was already rejected ' +
        '(invalid_grant). Open the credential and authenticate again.',
    );
  });

  it('retries a failing save itself: 3 attempts, 0.5 s then 1 s apart, counted at the platform', async () => {
    platform.failNextUpdates(2);
    const waits: number[] = [];
    const a = container(waits, false);
    await a.accessToken();
    expect(puts()).to.equal(3);
    expect(waits).to.deep.equal([500, 1000]);
    const stored = platform.accounts.get(account)!.keys.oauth as { refresh_token: string };
    expect(stored.refresh_token).to.equal(a.currentKeys().refresh_token);
  });

  it('a save that must land (verifyCredentials) and fails 3 times ends with the reconnect error', async () => {
    platform.failNextUpdates(3);
    const err = await container([], false, { mustSave: true })
      .accessToken()
      .catch((e) => e);
    expect(err).to.be.instanceOf(ReconnectRequiredError);
    expect(err.message).to.match(/^T-Gate credential must be reconnected: T-Gate issued new tokens, /);
    expect(err.message).to.contain('but saving them to the credential failed 3 times (');
    expect(puts()).to.equal(3);
  });

  it('a save that need not land and fails 3 times: the session keeps and hands out the new tokens', async () => {
    platform.failNextUpdates(3);
    const a = container([], false);
    const token = await a.accessToken();
    expect(token).to.equal(a.currentKeys().access_token).and.not.equal(tokens.access_token);
    expect(puts()).to.equal(3);
  });
});
