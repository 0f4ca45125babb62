import { expect } from 'chai';
import { AxiosError } from 'axios';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { basicAuthHeader } from '../../helpers/sandboxConnect';
import { CLIENT, bearer, form, http, postToken } from './support';

describe('sandbox: fault injection', () => {
  let sandbox: Sandbox;
  let token: string;
  let refreshToken: string;
  const scopes = () => http.get(`${sandbox.apiBaseUrl}/integration_scopes`, bearer(token));
  /** Refresh, and on success keep the new pair (rotation revokes the old one). */
  const refresh = async () => {
    const res = await postToken(
      sandbox.tokenUrl,
      form({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret),
    );
    if (res.status === 200) ({ access_token: token, refresh_token: refreshToken } = res.data);
    return res;
  };

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    ({ access_token: token, refresh_token: refreshToken } = await sandbox.issueTokens(CLIENT.clientId));
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('answers an injected status with its headers and a default body, once', async () => {
    sandbox.injectFault({ path: '/oauth/token', status: 429, headers: { 'Retry-After': '2' } });
    const usedRefreshToken = refreshToken;
    const faulted = await refresh();
    expect(faulted.status).to.equal(429);
    expect(faulted.headers['retry-after']).to.equal('2');
    expect(faulted.data).to.deep.equal({ message: 'Too Many Requests' });
    // The real handler did not run: the refresh token is still valid.
    const real = await refresh();
    expect(real.status).to.equal(200);
    expect(sandbox.tokenRequests.map((r) => r.status)).to.deep.equal([429, 200]);
    // A faulted token request is recorded too, with its body.
    expect(sandbox.tokenRequests[0].rawBody).to.equal(`grant_type=refresh_token&refresh_token=${usedRefreshToken}`);
    expect(sandbox.tokenRequests[0].grantType).to.equal('refresh_token');
  });

  it('answers an injected body, records an OAuth error code from it, and matches method and RegExp path', async () => {
    sandbox.injectFault({
      method: 'post',
      path: /^\/oauth/,
      status: 400,
      body: { error: 'invalid_grant', error_description: 'injected' },
    });
    const get = await http.get(sandbox.authorizeUrl, {
      params: { response_type: 'code', client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0] },
    });
    expect(get.status).to.equal(302); // the path matches, but GET does not
    const res = await refresh();
    expect(res.status).to.equal(400);
    expect(res.data).to.deep.equal({ error: 'invalid_grant', error_description: 'injected' });
    expect(sandbox.tokenRequests[0].error).to.equal('invalid_grant');
    expect(sandbox.tokenRequests[0].status).to.equal(400);
  });

  it('matches a string path exactly', async () => {
    sandbox.injectFault({ path: '/partner/v1/integration_scopes', status: 503 });
    expect((await refresh()).status).to.equal(200);
    expect((await http.get(`${sandbox.apiBaseUrl}/integration_scopes/`, bearer(token))).status).to.equal(404);
    const res = await scopes();
    expect(res.status).to.equal(503);
    expect(res.data).to.deep.equal({ message: 'Service Unavailable' });
  });

  it('delays the real answer by delayMs', async () => {
    sandbox.injectFault({ path: '/partner/v1/integration_scopes', delayMs: 250 });
    const started = Date.now();
    const res = await scopes();
    const took = Date.now() - started;
    expect(res.status).to.equal(200);
    expect(res.data).to.have.length(20);
    expect(took).to.be.at.least(240);
    const again = Date.now();
    await scopes();
    expect(Date.now() - again).to.be.below(200);
  });

  it('delays an injected status too', async () => {
    sandbox.injectFault({ delayMs: 150, status: 502 });
    const started = Date.now();
    const res = await scopes();
    expect(res.status).to.equal(502);
    expect(Date.now() - started).to.be.at.least(140);
  });

  it('drops the connection without answering', async () => {
    sandbox.injectFault({ path: '/oauth/token', drop: true });
    let caught: unknown;
    try {
      await refresh();
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(AxiosError);
    expect((caught as AxiosError).response).to.equal(undefined);
    expect((caught as AxiosError).code).to.be.oneOf(['ECONNRESET', 'ERR_SOCKET_HANG_UP', 'EPIPE']);
    expect(sandbox.tokenRequests).to.have.length(1);
    expect(sandbox.tokenRequests[0].status).to.equal(0);
    expect((await refresh()).status).to.equal(200);
  });

  it('applies a fault `times` times, then answers for real', async () => {
    sandbox.injectFault({ status: 500, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await scopes()).status);
    expect(statuses).to.deep.equal([500, 500, 200]);
  });

  it('applies times: Infinity until clearFaults()', async () => {
    sandbox.injectFault({ path: '/partner/v1/integration_scopes', status: 503, times: Infinity });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await scopes()).status);
    expect(statuses).to.deep.equal([503, 503, 503, 503, 503]);
    sandbox.clearFaults();
    expect((await scopes()).status).to.equal(200);
  });

  it('applies faults first in, first out', async () => {
    sandbox.injectFault({ status: 502 });
    sandbox.injectFault({ status: 504 });
    expect([(await scopes()).status, (await scopes()).status, (await scopes()).status]).to.deep.equal([502, 504, 200]);
  });

  it('refuses invalid fault specs', () => {
    expect(() => sandbox.injectFault({})).to.throw(/at least one/);
    expect(() => sandbox.injectFault({ status: 99 })).to.throw(/status/);
    expect(() => sandbox.injectFault({ status: 500, times: 0 })).to.throw(/times/);
    expect(() => sandbox.injectFault({ drop: true, status: 500 })).to.throw(/drop/);
    expect(() => sandbox.injectFault({ delayMs: -1 })).to.throw(/delayMs/);
  });

  it('close() does not wait for a pending delay', async () => {
    sandbox.injectFault({ delayMs: 5_000 });
    const pending = scopes().catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).to.be.below(1000);
    expect(await pending).to.be.instanceOf(AxiosError);
  });

  describe('over HTTP (/__sandbox/faults)', () => {
    const control = () => `${sandbox.url}/__sandbox/faults`;

    it('adds a fault with POST and clears faults with DELETE', async () => {
      const added = await http.post(control(), { path: '/oauth/token', status: 503, headers: { 'Retry-After': '1' } });
      expect(added.status).to.equal(201);
      const faulted = await refresh();
      expect(faulted.status).to.equal(503);
      expect(faulted.headers['retry-after']).to.equal('1');
      expect((await refresh()).status).to.equal(200);

      expect(
        (await http.post(control(), { path: '/partner/v1/integration_scopes', status: 500, times: 'Infinity' })).status,
      ).to.equal(201);
      expect((await scopes()).status).to.equal(500);
      expect((await scopes()).status).to.equal(500);
      const listed = await http.get(control());
      expect(listed.data.faults).to.deep.equal([
        { path: '/partner/v1/integration_scopes', status: 500, times: 'Infinity' },
      ]);
      const cleared = await http.delete(control());
      expect(cleared.status).to.equal(200);
      expect((await scopes()).status).to.equal(200);
    });

    it('accepts drop and delayMs over HTTP', async () => {
      await http.post(control(), [{ path: '/partner/v1/integration_scopes', drop: true }]);
      const dropped = await scopes().catch((err: unknown) => err);
      expect(dropped).to.be.instanceOf(AxiosError);
      await http.post(control(), { delayMs: 120 });
      const started = Date.now();
      expect((await scopes()).status).to.equal(200);
      expect(Date.now() - started).to.be.at.least(110);
    });

    it('is itself never faulted nor recorded', async () => {
      sandbox.injectFault({ status: 500, times: Infinity });
      const cleared = await http.delete(control());
      expect(cleared.status).to.equal(200);
      expect((await scopes()).status).to.equal(200);
      expect(sandbox.requests.map((r) => r.path)).to.deep.equal(['/partner/v1/integration_scopes']);
    });

    it('refuses invalid faults with 400 and adds nothing', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ path: 5, status: 500 }, /path/],
        [{ status: 'x' }, /status/],
        [{ status: 500, colour: 'red' }, /colour/],
        [{ path: '/oauth/token' }, /at least one/],
        [[{ status: 500 }, { status: 1000 }], /status/],
      ];
      for (const [body, pattern] of cases) {
        const res = await http.post(control(), body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.data.message).to.match(pattern);
      }
      const badJson = await http.post(control(), '{"status":', {
        headers: { 'Content-Type': 'application/json' },
        transformRequest: [(d: unknown) => d],
      });
      expect(badJson.status).to.equal(400);
      expect(badJson.data.message).to.contain('JSON');
      expect((await scopes()).status).to.equal(200);
    });
  });
});
