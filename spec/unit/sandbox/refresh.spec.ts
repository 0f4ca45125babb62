import { expect } from 'chai';
import sinon from 'sinon';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { basicAuthHeader, connectViaGrantFlow } from '../../helpers/sandboxConnect';
import { CLIENT, OTHER_CLIENT, bearer, form, http, postToken } from './support';

describe('sandbox: tokens (refresh, expiry, revocation)', () => {
  let sandbox: Sandbox;
  let clock: sinon.SinonFakeTimers | undefined;
  const basic = basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret);
  const scopesUrl = () => `${sandbox.apiBaseUrl}/integration_scopes`;
  const refresh = (refreshToken: string, auth = basic) =>
    postToken(sandbox.tokenUrl, form({ grant_type: 'refresh_token', refresh_token: refreshToken }), auth);

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT, OTHER_CLIENT] });
  });

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await sandbox.close();
  });

  it('rotates the refresh token on every refresh; an old one then gives invalid_grant', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    const r1 = await refresh(first.refresh_token);
    expect(r1.status).to.equal(200);
    expect(Object.keys(r1.data)).to.deep.equal([
      'access_token',
      'token_type',
      'expires_in',
      'refresh_token',
      'created_at',
    ]);
    expect(r1.data.refresh_token).to.be.a('string').and.not.equal(first.refresh_token);
    expect(r1.data.access_token).to.be.a('string').and.not.equal(first.access_token);
    expect(r1.data.expires_in).to.equal(7200);

    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).to.equal(400);
    expect(reuse.data).to.deep.equal({
      error: 'invalid_grant',
      error_description: 'Invalid grant: refresh token is invalid',
    });

    const r2 = await refresh(r1.data.refresh_token);
    expect(r2.status).to.equal(200);
    expect(r2.data.refresh_token).to.not.equal(r1.data.refresh_token);
    expect((await refresh(r1.data.refresh_token)).data.error).to.equal('invalid_grant');
    expect(sandbox.tokenRequests.map((r) => r.grantType)).to.deep.equal([
      'authorization_code',
      'refresh_token',
      'refresh_token',
      'refresh_token',
      'refresh_token',
    ]);
  });

  it('accepts a refresh as JSON', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    const res = await postToken(
      sandbox.tokenUrl,
      JSON.stringify({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
      basic,
      'application/json; charset=utf-8',
    );
    expect(res.status).to.equal(200);
    expect(res.data.refresh_token).to.not.equal(first.refresh_token);
  });

  it('revokes the old access token with the old refresh token (Doorkeeper keeps both in one row)', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    expect((await http.get(scopesUrl(), bearer(first.access_token))).status).to.equal(200);
    const r1 = await refresh(first.refresh_token);
    expect((await http.get(scopesUrl(), bearer(first.access_token))).status).to.equal(401);
    expect((await http.get(scopesUrl(), bearer(r1.data.access_token))).status).to.equal(200);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 400]);
    expect(results.find((r) => r.status === 400)!.data.error).to.equal('invalid_grant');
  });

  it("refuses another client's refresh token", async () => {
    const mine = await connectViaGrantFlow(sandbox, CLIENT);
    const res = await refresh(mine.refresh_token, basicAuthHeader(OTHER_CLIENT.clientId, OTHER_CLIENT.clientSecret));
    expect(res.status).to.equal(400);
    expect(res.data.error).to.equal('invalid_grant');
    expect((await refresh(mine.refresh_token)).status).to.equal(200); // still valid for its owner
  });

  it('refuses a refresh without refresh_token', async () => {
    const res = await postToken(sandbox.tokenUrl, form({ grant_type: 'refresh_token' }), basic);
    expect(res.status).to.equal(400);
    expect(res.data).to.deep.equal({
      error: 'invalid_request',
      error_description: 'Missing parameter: `refresh_token`',
    });
  });

  it('expires access tokens after 2 hours (401 on the API), while the refresh token still works', async () => {
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const tokens = await connectViaGrantFlow(sandbox, CLIENT);
    clock.tick(7199_000);
    expect((await http.get(scopesUrl(), bearer(tokens.access_token))).status).to.equal(200);
    clock.tick(2_000);
    const expired = await http.get(scopesUrl(), bearer(tokens.access_token));
    expect(expired.status).to.equal(401);
    expect(expired.data).to.deep.equal({ message: 'Invalid or expired access token' });
    const renewed = await refresh(tokens.refresh_token);
    expect(renewed.status).to.equal(200);
    expect(renewed.data.created_at).to.equal(Math.floor(Date.now() / 1000));
    expect((await http.get(scopesUrl(), bearer(renewed.data.access_token))).status).to.equal(200);
  });

  it('honours accessTokenLifetimeSeconds and refreshTokenLifetimeSeconds', async () => {
    await sandbox.close();
    sandbox = await startSandbox({
      clients: [CLIENT],
      accessTokenLifetimeSeconds: 60,
      refreshTokenLifetimeSeconds: 120,
    });
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const tokens = await connectViaGrantFlow(sandbox, CLIENT);
    expect(tokens.expires_in).to.equal(60);
    clock.tick(61_000);
    expect((await http.get(scopesUrl(), bearer(tokens.access_token))).status).to.equal(401);
    clock.tick(60_000);
    const res = await refresh(tokens.refresh_token);
    expect(res.status).to.equal(400);
    expect(res.data.error_description).to.equal('Invalid grant: refresh token has expired');
  });

  it('revokeAll() kills every token of a client (the company uninstalled the app), and only of that client', async () => {
    const a = await connectViaGrantFlow(sandbox, CLIENT);
    const b = await connectViaGrantFlow(sandbox, CLIENT);
    const other = await connectViaGrantFlow(sandbox, OTHER_CLIENT);
    sandbox.revokeAll(CLIENT.clientId);
    expect((await http.get(scopesUrl(), bearer(a.access_token))).status).to.equal(401);
    expect((await http.get(scopesUrl(), bearer(b.access_token))).status).to.equal(401);
    expect((await refresh(a.refresh_token)).data.error).to.equal('invalid_grant');
    expect((await http.get(scopesUrl(), bearer(other.access_token))).status).to.equal(200);
  });

  it('issueTokens() issues working tokens without any HTTP token request', async () => {
    const tokens = await sandbox.issueTokens(CLIENT.clientId);
    expect(tokens.token_type).to.equal('Bearer');
    expect(tokens.expires_in).to.equal(7200);
    expect(tokens.created_at).to.be.closeTo(Date.now() / 1000, 2);
    expect(sandbox.tokenRequests).to.have.length(0);
    expect((await http.get(scopesUrl(), bearer(tokens.access_token))).status).to.equal(200);
    const renewed = await refresh(tokens.refresh_token);
    expect(renewed.status).to.equal(200);
  });

  it('issueTokens() rejects an unknown client', async () => {
    let caught: unknown;
    try {
      await sandbox.issueTokens('nobody');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error);
    expect((caught as Error).message).to.contain('nobody');
  });

  it('addClient() registers a client at run time', async () => {
    const late = { clientId: 'late-app', clientSecret: 'late-secret', redirectUris: ['http://127.0.0.1:1234/cb'] };
    const res = await http.get(sandbox.authorizeUrl, {
      params: { response_type: 'code', client_id: late.clientId, redirect_uri: late.redirectUris[0] },
    });
    expect(res.status).to.equal(400);
    sandbox.addClient(late);
    const tokens = await connectViaGrantFlow(sandbox, late);
    expect(tokens.access_token).to.be.a('string');
    expect(() => sandbox.addClient({ clientId: 'has:colon', clientSecret: 's', redirectUris: [] })).to.throw(/":"/);
    expect(() => sandbox.addClient({ clientId: 'x', clientSecret: '', redirectUris: [] })).to.throw(/clientSecret/);
  });
});

describe('sandbox: grace mode (Doorkeeper with the previous_refresh_token column)', () => {
  let sandbox: Sandbox;
  const basic = basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret);
  const scopesUrl = () => `${sandbox.apiBaseUrl}/integration_scopes`;
  const refresh = (refreshToken: string) =>
    postToken(sandbox.tokenUrl, form({ grant_type: 'refresh_token', refresh_token: refreshToken }), basic);

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT], refreshGrace: true });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('keeps the old pair alive until the new access token is first used, then revokes it', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    const r1 = await refresh(first.refresh_token);
    expect(r1.status).to.equal(200);
    expect((await http.get(scopesUrl(), bearer(first.access_token))).status).to.equal(200);
    // A second refresh with the old token inside the window succeeds: a second live chain.
    const r2 = await refresh(first.refresh_token);
    expect(r2.status).to.equal(200);
    expect(r2.data.refresh_token).to.not.equal(r1.data.refresh_token);
    expect((await http.get(scopesUrl(), bearer(r1.data.access_token))).status).to.equal(200);
    expect((await http.get(scopesUrl(), bearer(first.access_token))).status).to.equal(401);
    expect((await refresh(first.refresh_token)).data.error).to.equal('invalid_grant');
    // Both chains live on.
    expect((await refresh(r1.data.refresh_token)).status).to.equal(200);
    expect((await refresh(r2.data.refresh_token)).status).to.equal(200);
  });

  it('lets both of two concurrent refreshes with the same token win', async () => {
    const first = await connectViaGrantFlow(sandbox, CLIENT);
    const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(results.map((r) => r.status)).to.deep.equal([200, 200]);
  });
});
