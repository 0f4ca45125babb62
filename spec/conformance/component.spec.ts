/**
 * The component against a real Doorkeeper, through the sailor (TaskExec, runService.js), in both of
 * Doorkeeper's refresh modes: the access grant flow as the component builds it, refresh with stale cfgs,
 * single flight, verifyCredentials saving new keys, and several processes on one credential.
 */
import crypto from 'node:crypto';
import axios from 'axios';
import { expect } from 'chai';
import { OAuthClientMisconfiguredError, requestToken, TGATE_PROFILE, tokenMemory } from '../../lib/auth';
import { HttpClient, HttpError } from '../../lib/http';
import { buildAuthorizeUrl, codeFromRedirect } from '../../lib/tgate';
import { startPlatformAccounts, PlatformAccountsServer } from '../helpers/platformAccounts';
import { runRefreshRace, RaceServer, tag } from '../helpers/refreshRace';
import { runService } from '../helpers/runService';
import { connectViaGrantFlow, ConnectedTokens } from '../helpers/sandboxConnect';
import { loadFunction, runStep, StepOutcome } from '../helpers/taskExec';
import { Doorkeeper, DoorkeeperClient, RefreshMode, startDoorkeeper } from './helpers/doorkeeper';

const action = loadFunction('listIntegrationScopes');
const SCOPES = 45; // what the Doorkeeper app lists
const REDIRECT_URI = 'https://platform.example.io/callback/oauth2';
const http = new HttpClient({ service: 'T-Gate', timeoutMs: 10_000 });
const ENV_KEYS = ['TGATE_CLIENT_ID', 'TGATE_CLIENT_SECRET', 'TGATE_TOKEN_URI', 'TGATE_API_BASE_URL'] as const;

/** A Doorkeeper of the mode as the race's T-Gate, with its access tokens living `seconds`. */
function doorkeeperRaceServer(dk: Doorkeeper, client: DoorkeeperClient): (seconds: number) => Promise<RaceServer> {
  return async (seconds) => {
    await dk.setAccessTokenLifetime(seconds);
    return {
      tokenUrl: dk.tokenUrl,
      apiBaseUrl: dk.apiBaseUrl,
      client,
      connect: () => connectViaGrantFlow(dk, client),
      tokenRequests: async () =>
        (await dk.tokenRequests()).map((r) => ({
          at: r.at,
          status: r.status,
          refreshTokenTag: r.refresh_token_tag ?? '-',
        })),
      close: () => dk.setAccessTokenLifetime(7200),
    };
  };
}

function stepErrors(outcomes: StepOutcome[]): string[] {
  return outcomes.flatMap((o) => o.errors.map((e) => e.message));
}

for (const mode of ['grace', 'instant'] as RefreshMode[]) {
  describe(`the component against a real Doorkeeper (${mode} mode)`, function () {
    this.timeout(120_000);
    const client: DoorkeeperClient = {
      clientId: `tgate-partner-${crypto.randomBytes(3).toString('hex')}`,
      clientSecret: `s3cr3t+/=:${crypto.randomBytes(8).toString('hex')}`,
      redirectUris: [REDIRECT_URI],
    };
    let dk: Doorkeeper;
    let platform: PlatformAccountsServer;
    const saved: Record<string, string | undefined> = {};
    const accounts: string[] = [];

    before(async () => {
      dk = await startDoorkeeper({ mode, clients: [client] });
      console.log(`      Doorkeeper (${mode}) booted in ${dk.bootMs} ms`);
      platform = await startPlatformAccounts();
      for (const k of ENV_KEYS) saved[k] = process.env[k];
      Object.assign(process.env, {
        TGATE_CLIENT_ID: client.clientId,
        TGATE_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: dk.tokenUrl,
        TGATE_API_BASE_URL: dk.apiBaseUrl,
      });
    });
    after(async () => {
      for (const k of ENV_KEYS)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      for (const a of accounts) tokenMemory.forget(a);
      await platform?.close();
      await dk?.close();
    });

    /** A credential connected through the component's own grant flow, stored on the platform stand-in. */
    async function connected(): Promise<{
      cfg: { _account: string; environment: string; oauth: ConnectedTokens };
      tokens: ConnectedTokens;
    }> {
      const { url, state } = buildAuthorizeUrl(dk.authorizeUrl, client.clientId, REDIRECT_URI);
      const page = await axios.get(url, { maxRedirects: 0, proxy: false, validateStatus: () => true });
      expect(page.status, 'the grant page redirects').to.equal(302);
      const code = codeFromRedirect(page.headers.location as string, state);
      const tokens = (await requestToken(http, {
        tokenUrl: dk.tokenUrl,
        profile: TGATE_PROFILE,
        client,
        grant: { type: 'authorization_code', code, redirectUri: REDIRECT_URI },
      })) as ConnectedTokens;
      const account = `account-${crypto.randomBytes(4).toString('hex')}`;
      accounts.push(account);
      const cfg = { _account: account, environment: 'company-sandbox', oauth: { ...tokens } };
      platform.accounts.set(account, { keys: { environment: cfg.environment, oauth: { ...tokens } } });
      return { cfg, tokens };
    }
    const expired = <T extends { oauth: object }>(cfg: T): T => ({
      ...cfg,
      oauth: { ...cfg.oauth, expires_at: new Date(Date.now() - 1000).toISOString() },
    });
    const tokenRequestCount = async (): Promise<number> => (await dk.tokenRequests()).length;

    it('access grant flow: the authorize URL carries response_type=code, the code exchange uses raw Basic', async () => {
      const { tokens } = await connected();
      expect(Object.keys(tokens)).to.deep.equal([
        'access_token',
        'token_type',
        'expires_in',
        'refresh_token',
        'scope',
        'created_at',
      ]);
      expect(tokens).to.include({ token_type: 'Bearer', expires_in: 7200, scope: 'public' });
      // RFC 6749 2.3.1's form-encoded Basic, which the T-Gate profile sent before: Doorkeeper refuses this secret.
      const { url, state } = buildAuthorizeUrl(dk.authorizeUrl, client.clientId, REDIRECT_URI);
      const code = codeFromRedirect(
        (await axios.get(url, { maxRedirects: 0, proxy: false, validateStatus: () => true })).headers
          .location as string,
        state,
      );
      const refused = await requestToken(http, {
        tokenUrl: dk.tokenUrl,
        profile: { ...TGATE_PROFILE, basicEncoding: 'form' },
        client,
        grant: { type: 'authorization_code', code, redirectUri: REDIRECT_URI },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(OAuthClientMisconfiguredError);
      expect((refused as OAuthClientMisconfiguredError).oauthError).to.equal('invalid_client');
      expect((refused as Error).message).to.not.contain(client.clientSecret);
    });

    it('refreshes an expired token once, saves the keys, and a later step with the stale cfg still works', async () => {
      const { cfg, tokens } = await connected();
      const before = await tokenRequestCount();
      const first = await runStep(action, { body: {} }, expired(cfg), platform);
      expect(stepErrors([first])).to.deep.equal([]);
      expect(first.data).to.have.length(SCOPES);
      expect(first.updateKeys).to.have.length(1);
      const stored = platform.accounts.get(cfg._account)!.keys.oauth as ConnectedTokens;
      expect(stored.refresh_token).to.not.equal(tokens.refresh_token);

      // Another container: no memory of the refresh, and the cfg the platform handed it before the save.
      tokenMemory.forget(cfg._account);
      const stale = await runStep(action, { body: {} }, expired(cfg), platform);
      expect(stepErrors([stale])).to.deep.equal([]);
      expect(stale.data).to.have.length(SCOPES);
      const requests = (await dk.tokenRequests()).slice(before);
      // The second container re-read the stored credential before refreshing and found the new keys: its
      // stale refresh token (dead in either mode by now) was never sent.
      expect(requests.map((r) => [r.status, r.refresh_token_tag])).to.deep.equal([[200, tag(tokens.refresh_token)]]);
      expect(stale.updateKeys).to.deep.equal([]);
    });

    it('refreshes when Doorkeeper expired the token before the stored expiry (401), then replays', async () => {
      const { cfg } = await connected();
      await dk.expireAccessTokens();
      const before = await tokenRequestCount();
      const outcome = await runStep(action, { body: {} }, cfg, platform);
      expect(stepErrors([outcome])).to.deep.equal([]);
      expect(outcome.data).to.have.length(SCOPES);
      expect((await dk.tokenRequests()).slice(before).map((r) => r.status)).to.deep.equal([200]);
    });

    it('single flight: 20 concurrent messages with an expired token make one token request', async () => {
      const { cfg } = await connected();
      const before = await tokenRequestCount();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => runStep(action, { body: {} }, expired(cfg), platform)),
      );
      expect(stepErrors(outcomes)).to.deep.equal([]);
      expect(outcomes.map((o) => o.data.length)).to.deep.equal(Array(20).fill(SCOPES));
      expect((await tokenRequestCount()) - before).to.equal(1);
      expect(outcomes.reduce((n, o) => n + o.updateKeys.length, 0)).to.equal(1);
    });

    it('verifyCredentials (runService.js) refreshes an expired token and saves the new keys', async () => {
      const { cfg, tokens } = await connected();
      const env = {
        TGATE_CLIENT_ID: client.clientId,
        TGATE_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: dk.tokenUrl,
        TGATE_API_BASE_URL: dk.apiBaseUrl,
      };
      const run = await runService('verifyCredentials', expired(cfg), platform, env);
      expect(run.result).to.deep.equal({ status: 'success', data: { verified: true } });
      const stored = platform.accounts.get(cfg._account)!.keys.oauth as ConnectedTokens;
      expect(stored.refresh_token).to.not.equal(tokens.refresh_token);
      for (const secret of [
        client.clientSecret,
        tokens.access_token,
        tokens.refresh_token,
        stored.access_token,
        stored.refresh_token,
      ]) {
        expect(`${run.stdout}\n${run.stderr}`).to.not.contain(secret);
      }
      // The saved keys are the live ones.
      const api = await http.send({
        method: 'GET',
        url: `${dk.apiBaseUrl}/integration_scopes`,
        headers: { Authorization: `Bearer ${stored.access_token}` },
      });
      expect(api.status).to.equal(200);
    });

    it(`tells the mode from outside: refresh, then the old access token gets ${mode === 'grace' ? '200' : '401 "was revoked"'}; an expired one names why`, async () => {
      const { tokens } = await connected();
      await requestToken(http, {
        tokenUrl: dk.tokenUrl,
        profile: TGATE_PROFILE,
        client,
        grant: { type: 'refresh_token', refreshToken: tokens.refresh_token },
      });
      const old = await http
        .send({
          method: 'GET',
          url: `${dk.apiBaseUrl}/integration_scopes`,
          headers: { Authorization: `Bearer ${tokens.access_token}` },
        })
        .then(
          (r) => r.status,
          (e: HttpError) => e,
        );
      if (mode === 'grace') expect(old).to.equal(200);
      else
        expect((old as HttpError).message).to.equal(
          `T-Gate GET /partner/v1/integration_scopes answered 401: The access token was revoked`,
        );
      const { tokens: other } = await connected();
      await dk.expireAccessTokens();
      const gone = await http
        .send({
          method: 'GET',
          url: `${dk.apiBaseUrl}/integration_scopes`,
          headers: { Authorization: `Bearer ${other.access_token}` },
        })
        .catch((e: HttpError) => e);
      expect((gone as HttpError).message).to.equal(
        'T-Gate GET /partner/v1/integration_scopes answered 401: The access token expired',
      );
    });

    it('4 processes on one credential, 5-second tokens, saves taking 1 to 2 s: no message fails', async () => {
      const result = await runRefreshRace({
        containers: 4,
        messagesPerContainer: 6,
        accessTokenLifetimeSeconds: 5,
        minSaveDelayMs: 1000,
        maxSaveDelayMs: 2000,
        server: doorkeeperRaceServer(dk, client),
      });
      console.log(
        `      ${mode}: messages failed ${result.failed} of ${result.messages}; token requests ${result.tokenRequests} (${result.refusedTokenRequests} refused); saves ${result.saves}; ${(result.elapsedMs / 1000).toFixed(1)} s`,
      );
      expect(result.failures, result.timeline.join('\n')).to.deep.equal([]);
      expect(result.messages).to.equal(24);
      expect(result.tokenRequests).to.be.below(24);
    });
  });
}
