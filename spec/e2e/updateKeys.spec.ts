/**
 * END-TO-END: `updateKeys` reaches the platform with the MERGED keys. A step starts with a credential whose
 * access token has expired (both sides agree: the cfg's expires_at is past, and the sandbox, which issues
 * 2-second tokens, answers 401 to it). One message makes the component refresh; the token endpoint is
 * reached through a loopback proxy that records what the sandbox issued. The platform stand-in must then
 * receive exactly one PUT /v1/accounts/{account} whose keys are the whole stored keys object with `oauth`
 * replaced by the merge of the old oauth and the sandbox's answer (new access and refresh tokens, our
 * absolute expires_at), and store exactly that.
 */
import axios from 'axios';
import { expect } from 'chai';
import { startSandbox, Sandbox } from '../../lib/sandbox';
import { leaks, receivedCount } from './helpers/leaks';
import { RecordingProxy, startRecordingProxy } from './helpers/recordingProxy';
import { StepRun } from './helpers/stepRun';
import { sleep, sleepUntil } from './helpers/wait';

const LIFETIME_S = 2;

describe('e2e: updateKeys through run.js: the platform stores the merged keys', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let proxy: RecordingProxy;
  let run: StepRun;
  let storedBefore: Record<string, unknown>;
  let startedAt: number;

  before(async function () {
    this.timeout(40_000);
    sandbox = await startSandbox({ accessTokenLifetimeSeconds: LIFETIME_S });
    proxy = await startRecordingProxy(sandbox.tokenUrl);
    startedAt = Date.now();
    run = await StepRun.start({
      function: 'lookupObject',
      fields: { resourceType: 'brands' },
      sharedSandbox: sandbox,
      stepEnv: { TGATE_TOKEN_URI: proxy.url },
      // The credential as the platform stores it, its absolute expiry already past.
      // `added_later`: a key this component version does not declare (a newer version's field), to be kept.
      credential: (keys) => ({
        ...keys,
        added_later: 'kept',
        oauth: { ...keys.oauth, expires_at: new Date(Date.now() - 60_000).toISOString() },
      }),
    });
    storedBefore = JSON.parse(JSON.stringify(run.platform.accounts.get(run.ids.account)!.keys));
  });
  after(async function () {
    this.timeout(20_000);
    await run?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  it('an expired token: one refresh, one PUT /v1/accounts/{account} with the whole keys object, oauth merged with what the sandbox issued', async () => {
    const original = storedBefore.oauth as Record<string, string>;
    // Make the sandbox agree the token has expired, and check that it does.
    await sleepUntil(startedAt + LIFETIME_S * 1000 + 300);
    const probe = await axios.get(`${sandbox.apiBaseUrl}/brands`, {
      headers: { Authorization: `Bearer ${original.access_token}` },
      proxy: false,
      validateStatus: () => true,
    });
    expect(probe.status, 'the sandbox refuses the original access token').to.equal(401);

    const brand = sandbox.store.list('brands', { page: 1, items: 1 }).records[0];
    const m = run.publish({ id: brand.id });
    const o = await run.outcome(m);
    await sleep(300);
    expect(
      run.for('error', m).map((e) => run.decryptError(e).error.message),
      'errors',
    ).to.deep.equal([]);
    expect(
      o.data.map((d) => run.decrypt(d).body),
      'the record, fetched with the new token',
    ).to.deep.equal([sandbox.getRecord('brands', brand.id)]);

    // One refresh, with the stored refresh token; what the sandbox issued is recorded.
    expect(
      proxy.exchanges.map((x) => [x.method, x.status]),
      'token requests',
    ).to.deep.equal([['POST', 200]]);
    const [exchange] = proxy.exchanges;
    expect(Object.fromEntries(new URLSearchParams(exchange.requestBody))).to.deep.equal({
      grant_type: 'refresh_token',
      refresh_token: original.refresh_token,
    });
    const issued = JSON.parse(exchange.responseBody) as Record<string, unknown>;
    expect(issued.refresh_token, 'a rotated refresh token').to.be.a('string').and.not.equal(original.refresh_token);
    expect(issued.access_token).to.be.a('string').and.not.equal(original.access_token);

    // Exactly one PUT, to this credential, with the whole keys object: every stored key kept, oauth merged.
    const puts = run.platform.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => [c.path, c.status])).to.deep.equal([[`/v1/accounts/${run.ids.account}`, 200]]);
    const body = puts[0].body as { keys: { oauth: Record<string, unknown> } & Record<string, unknown> };
    expect(Object.keys(body)).to.deep.equal(['keys']);
    const { expires_at: expiresAt, ...oauth } = body.keys.oauth;
    const { expires_at: _old, ...originalRest } = original;
    expect(
      { ...body.keys, oauth },
      'keys = stored keys, oauth = old oauth merged with the issued tokens',
    ).to.deep.equal({
      ...storedBefore,
      oauth: { ...originalRest, ...issued },
    });
    expect(Object.keys(body.keys).sort(), 'no key lost, none added').to.deep.equal(Object.keys(storedBefore).sort());
    // Our absolute expiry: from when the refresh was sent, plus expires_in.
    const lifetimeMs = Number(issued.expires_in) * 1000;
    expect(Date.parse(String(expiresAt)) - puts[0].at, 'expires_at - the PUT (ms)').to.be.within(
      lifetimeMs - 2000,
      lifetimeMs,
    );

    // The platform stand-in stored exactly that, and the sandbox honours the saved access token.
    expect(run.platform.accounts.get(run.ids.account)!.keys).to.deep.equal(body.keys);
    const check = await axios.get(`${sandbox.apiBaseUrl}/brands`, {
      headers: { Authorization: `Bearer ${String(oauth.access_token)}` },
      proxy: false,
      validateStatus: () => true,
    });
    expect(check.status, 'the saved access token is the live one').to.equal(200);
  });

  it("no client secret, API key or token (old or issued) in any message on any queue, nor in the container's output", () => {
    const issued = proxy.exchanges.map((x) => JSON.parse(x.responseBody) as Record<string, string>);
    const tokens = issued.flatMap((t) => [t.access_token, t.refresh_token]).filter(Boolean);
    expect(tokens, 'tokens issued').to.have.length(2);
    expect(receivedCount(run), 'messages looked at').to.be.greaterThan(0);
    expect(leaks(run, tokens)).to.deep.equal([]);
  });
});
