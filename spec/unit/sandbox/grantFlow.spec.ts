import { expect } from 'chai';
import sinon from 'sinon';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { basicAuthHeader as basicAuthHeaderIn } from '../../../lib/auth';
import { authorizeViaGrantPage, basicAuthHeader, connectViaGrantFlow } from '../../helpers/sandboxConnect';
import { CLIENT, OTHER_CLIENT, OTHER_REDIRECT_URI, REDIRECT_URI, form, http, postToken } from './support';

describe('sandbox: access grant flow (GET /oauth, POST /oauth/token with a code)', () => {
  let sandbox: Sandbox;
  let clock: sinon.SinonFakeTimers | undefined;
  const basic = basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret);

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT, OTHER_CLIENT] });
  });

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await sandbox.close();
  });

  describe('the grant page', () => {
    it('redirects to the redirect_uri with a code (no state given: none returned)', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { response_type: 'code', client_id: CLIENT.clientId, redirect_uri: REDIRECT_URI },
      });
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.location);
      expect(`${location.origin}${location.pathname}`).to.equal(REDIRECT_URI);
      expect(location.searchParams.get('code')).to.match(/^[0-9a-f]{64}$/);
      expect(location.searchParams.has('state')).to.equal(false);
      expect(location.searchParams.has('error')).to.equal(false);
    });

    it('returns the state unchanged when one is given', async () => {
      const { state, code } = await authorizeViaGrantPage(sandbox, CLIENT, { state: 'st-4711.x~y' });
      expect(state).to.equal('st-4711.x~y');
      expect(code).to.have.length(64);
    });

    it('accepts any registered redirect_uri and keeps its own query', async () => {
      const { location } = await authorizeViaGrantPage(sandbox, CLIENT, { redirectUri: OTHER_REDIRECT_URI });
      const url = new URL(location);
      expect(`${url.origin}${url.pathname}`).to.equal('https://partner.example/tgate/callback');
      expect(url.searchParams.get('x')).to.equal('1');
      expect(url.searchParams.get('code')).to.have.length(64);
    });

    it('refuses a redirect_uri not registered for the client with 400 JSON and never redirects there', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { response_type: 'code', client_id: CLIENT.clientId, redirect_uri: 'https://attacker.example/cb' },
      });
      expect(res.status).to.equal(400);
      expect(res.headers.location).to.equal(undefined);
      expect(res.data.error).to.equal('invalid_client');
      expect(res.data.error_description).to.contain('redirect_uri');
    });

    it("refuses another client's redirect_uri", async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { response_type: 'code', client_id: CLIENT.clientId, redirect_uri: OTHER_CLIENT.redirectUris[0] },
      });
      expect(res.status).to.equal(400);
      expect(res.headers.location).to.equal(undefined);
    });

    it('refuses an unknown client with 400 JSON', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { response_type: 'code', client_id: 'no-such-app', redirect_uri: REDIRECT_URI },
      });
      expect(res.status).to.equal(400);
      expect(res.headers.location).to.equal(undefined);
      expect(res.data).to.deep.equal({
        error: 'invalid_client',
        error_description: 'Invalid client: unknown `client_id`',
      });
    });

    it('refuses a request without client_id', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { response_type: 'code', redirect_uri: REDIRECT_URI },
      });
      expect(res.status).to.equal(400);
      expect(res.data.error).to.equal('invalid_request');
      expect(res.data.error_description).to.contain('client_id');
    });

    it('refuses a request without response_type=code and does not redirect (Doorkeeper does the same)', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: { client_id: CLIENT.clientId, redirect_uri: REDIRECT_URI },
      });
      expect(res.status).to.equal(400);
      expect(res.headers.location).to.equal(undefined);
      expect(res.data.error).to.equal('invalid_request');
      expect(res.data.error_description).to.contain('response_type');
    });

    it('sends a denial (allowed=false) back to the registered redirect_uri as access_denied', async () => {
      const res = await http.get(sandbox.authorizeUrl, {
        params: {
          response_type: 'code',
          client_id: CLIENT.clientId,
          redirect_uri: REDIRECT_URI,
          state: 's1',
          allowed: 'false',
        },
      });
      expect(res.status).to.equal(302);
      const url = new URL(res.headers.location);
      expect(`${url.origin}${url.pathname}`).to.equal(REDIRECT_URI);
      expect(url.searchParams.get('error')).to.equal('access_denied');
      expect(url.searchParams.get('state')).to.equal('s1');
      expect(url.searchParams.has('code')).to.equal(false);
    });
  });

  describe('exchanging the code', () => {
    it('issues Doorkeeper-shaped tokens (the whole flow over HTTP, no state)', async () => {
      const before = Math.floor(Date.now() / 1000);
      const tokens = await connectViaGrantFlow(sandbox, CLIENT);
      expect(Object.keys(tokens)).to.deep.equal([
        'access_token',
        'token_type',
        'expires_in',
        'refresh_token',
        'created_at',
      ]);
      expect(tokens.token_type).to.equal('Bearer');
      expect(tokens.expires_in).to.equal(7200);
      expect(tokens.access_token).to.match(/^[0-9a-f]{64}$/);
      expect(tokens.refresh_token).to.match(/^[0-9a-f]{64}$/);
      expect(tokens.refresh_token).to.not.equal(tokens.access_token);
      expect(tokens.created_at).to.be.within(before, Math.floor(Date.now() / 1000));
      const api = await http.get(`${sandbox.apiBaseUrl}/integration_scopes`, {
        headers: { Authorization: `Bearer ${tokens.access_token}` },
      });
      expect(api.status).to.equal(200);
    });

    it('works the same with a state', async () => {
      const tokens = await connectViaGrantFlow(sandbox, CLIENT, { state: 'abc' });
      expect(tokens.token_type).to.equal('Bearer');
      expect(sandbox.requests[0].query).to.contain('state=abc');
    });

    it('accepts a JSON body (Rails/Doorkeeper does)', async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const res = await postToken(
        sandbox.tokenUrl,
        JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
        basic,
        'application/json',
      );
      expect(res.status).to.equal(200);
      expect(res.data.expires_in).to.equal(7200);
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    it('accepts a code only once', async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const body = form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      const first = await postToken(sandbox.tokenUrl, body, basic);
      const second = await postToken(sandbox.tokenUrl, body, basic);
      expect(first.status).to.equal(200);
      expect(second.status).to.equal(400);
      expect(second.data.error).to.equal('invalid_grant');
      expect(sandbox.tokenRequests.map((r) => [r.status, r.error])).to.deep.equal([
        [200, undefined],
        [400, 'invalid_grant'],
      ]);
    });

    it('lets a code expire after 10 minutes', async () => {
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const a = await authorizeViaGrantPage(sandbox, CLIENT);
      const b = await authorizeViaGrantPage(sandbox, CLIENT);
      clock.tick(599_000);
      const inTime = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code: a.code, redirect_uri: REDIRECT_URI }),
        basic,
      );
      expect(inTime.status).to.equal(200);
      clock.tick(2_000);
      const late = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code: b.code, redirect_uri: REDIRECT_URI }),
        basic,
      );
      expect(late.status).to.equal(400);
      expect(late.data).to.deep.equal({
        error: 'invalid_grant',
        error_description: 'Invalid grant: authorization code has expired',
      });
    });

    it('honours authorizationCodeLifetimeSeconds', async () => {
      await sandbox.close();
      sandbox = await startSandbox({ clients: [CLIENT], authorizationCodeLifetimeSeconds: 30 });
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      clock.tick(31_000);
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
        basic,
      );
      expect(res.data.error).to.equal('invalid_grant');
    });

    it('requires the redirect_uri used on the grant page, and keeps the code usable (as Doorkeeper does)', async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code, redirect_uri: OTHER_REDIRECT_URI }),
        basic,
      );
      expect(res.status).to.equal(400);
      expect(res.data.error).to.equal('invalid_grant');
      expect(res.data.error_description).to.contain('redirect_uri');
      const missing = await postToken(sandbox.tokenUrl, form({ grant_type: 'authorization_code', code }), basic);
      expect(missing.status).to.equal(400);
      expect(missing.data.error).to.equal('invalid_request');
      const right = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
        basic,
      );
      expect(right.status).to.equal(200);
    });

    it("refuses another client's code", async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
        basicAuthHeader(OTHER_CLIENT.clientId, OTHER_CLIENT.clientSecret),
      );
      expect(res.status).to.equal(400);
      expect(res.data.error).to.equal('invalid_grant');
    });
  });

  describe('client authentication at the token endpoint', () => {
    it('refuses client credentials sent only in the body with 401 invalid_client', async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const res = await postToken(
        sandbox.tokenUrl,
        form({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: CLIENT.clientId,
          client_secret: CLIENT.clientSecret,
        }),
      );
      expect(res.status).to.equal(401);
      expect(res.data.error).to.equal('invalid_client');
      expect(res.data.error_description).to.be.a('string').and.contain('Basic');
      expect(res.headers['www-authenticate']).to.match(/^Basic /);
    });

    it('refuses a wrong secret with 401 invalid_client', async () => {
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'refresh_token', refresh_token: 'x' }),
        basicAuthHeader(CLIENT.clientId, 'wrong'),
      );
      expect(res.status).to.equal(401);
      expect(res.data.error).to.equal('invalid_client');
    });

    it('refuses a Bearer header in place of Basic', async () => {
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'refresh_token', refresh_token: 'x' }),
        'Bearer abc',
      );
      expect(res.status).to.equal(401);
      expect(res.data.error).to.equal('invalid_client');
    });

    it('reads Basic credentials raw, as Doorkeeper does: a secret form-encoded first (RFC 6749 2.3.1) fails', async () => {
      const raw = basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret);
      const formEncoded = basicAuthHeaderIn(CLIENT.clientId, CLIENT.clientSecret, 'form');
      expect(formEncoded).to.not.equal(raw);
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const body = form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      const formRes = await postToken(sandbox.tokenUrl, body, formEncoded);
      expect(formRes.status).to.equal(401); // '%2B' is not '+': another secret
      const rawRes = await postToken(sandbox.tokenUrl, body, raw);
      expect(rawRes.status).to.equal(200);
    });

    it('splits at the first ":", so a secret may hold ":" and "%"', async () => {
      const tricky = {
        clientId: 'tricky~app',
        clientSecret: "a:b%c~d!e'f(g)*h",
        redirectUris: ['http://127.0.0.1:8765/tricky'],
      };
      sandbox.addClient(tricky);
      const { code } = await authorizeViaGrantPage(sandbox, tricky);
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'authorization_code', code, redirect_uri: tricky.redirectUris[0] }),
        basicAuthHeader(tricky.clientId, tricky.clientSecret),
      );
      expect(res.status).to.equal(200);
    });

    it('refuses a Basic header without ":"', async () => {
      const res = await postToken(
        sandbox.tokenUrl,
        form({ grant_type: 'refresh_token', refresh_token: 'x' }),
        'Basic ' + Buffer.from('partner-app').toString('base64'),
      );
      expect(res.status).to.equal(401);
      expect(res.data.error).to.equal('invalid_client');
    });
  });

  describe('malformed token requests', () => {
    it('refuses unknown and unsupported grant types', async () => {
      for (const grantType of [
        'password',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
        'magic',
      ]) {
        const res = await postToken(
          sandbox.tokenUrl,
          form({ grant_type: grantType, username: 'u', password: 'p' }),
          basic,
        );
        expect(res.status, grantType).to.equal(400);
        expect(res.data.error, grantType).to.equal('unsupported_grant_type');
      }
    });

    it('refuses a request without grant_type', async () => {
      const res = await postToken(sandbox.tokenUrl, form({ code: 'abc' }), basic);
      expect(res.status).to.equal(400);
      expect(res.data).to.deep.equal({
        error: 'invalid_request',
        error_description: 'Missing parameter: `grant_type`',
      });
    });

    it('refuses a body that is not valid JSON', async () => {
      const res = await postToken(sandbox.tokenUrl, '{"grant_type": ', basic, 'application/json');
      expect(res.status).to.equal(400);
      expect(res.data.error).to.equal('invalid_request');
      expect(res.data.error_description).to.contain('JSON');
    });

    it('refuses other content types', async () => {
      const res = await postToken(sandbox.tokenUrl, 'grant_type=refresh_token', basic, 'text/plain');
      expect(res.status).to.equal(400);
      expect(res.data.error).to.equal('invalid_request');
    });

    it('refuses a repeated parameter', async () => {
      const res = await postToken(sandbox.tokenUrl, 'grant_type=refresh_token&refresh_token=a&refresh_token=b', basic);
      expect(res.status).to.equal(400);
      expect(res.data.error_description).to.contain('refresh_token');
    });
  });

  describe('records', () => {
    it('records each token request exactly as received', async () => {
      const { code } = await authorizeViaGrantPage(sandbox, CLIENT);
      const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;
      const before = Date.now();
      await postToken(sandbox.tokenUrl, body, basic, 'application/x-www-form-urlencoded;charset=utf-8');
      await postToken(sandbox.tokenUrl, ' {"grant_type":"refresh_token"} ', undefined, 'application/json');
      expect(sandbox.tokenRequests).to.have.length(2);
      const [first, second] = sandbox.tokenRequests;
      expect(first.at).to.be.within(before, Date.now());
      expect({ ...first, at: 0 }).to.deep.equal({
        at: 0,
        method: 'POST',
        path: '/oauth/token',
        authorization: 'Basic cGFydG5lci1hcHA6cGEkJCB3b3JkKy89',
        contentType: 'application/x-www-form-urlencoded;charset=utf-8',
        rawBody: body,
        status: 200,
        grantType: 'authorization_code',
      });
      expect(Buffer.from(first.authorization!.slice(6), 'base64').toString()).to.equal('partner-app:pa$$ word+/=');
      expect({ ...second, at: 0 }).to.deep.equal({
        at: 0,
        method: 'POST',
        path: '/oauth/token',
        contentType: 'application/json',
        rawBody: ' {"grant_type":"refresh_token"} ',
        status: 401,
        grantType: 'refresh_token',
        error: 'invalid_client',
      });
    });

    it('records every request (grant page, token, API) in order', async () => {
      const tokens = await connectViaGrantFlow(sandbox, CLIENT, { state: 'q' });
      await http.get(`${sandbox.apiBaseUrl}/integration_scopes?page=2&items=5`, {
        headers: { Authorization: `Bearer ${tokens.access_token}` },
      });
      await http.get(`${sandbox.url}/nowhere`);
      expect(sandbox.requests.map((r) => [r.method, r.path, r.status])).to.deep.equal([
        ['GET', '/oauth', 302],
        ['POST', '/oauth/token', 200],
        ['GET', '/partner/v1/integration_scopes', 200],
        ['GET', '/nowhere', 404],
      ]);
      expect(sandbox.requests[2].query).to.equal('page=2&items=5');
      expect(sandbox.requests[3].query).to.equal('');
    });
  });
});
