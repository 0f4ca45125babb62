import http from 'node:http';
import { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createWorld, leakedSecrets, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { ComponentError, InvalidInputError, TransientError } from '../../../lib/errors';
import { TGateRefusedError } from '../../../lib/tgate';
import { SAFE_RESPONSE_HEADERS } from '../../../lib/http';

const action = loadFunction('rawRequest');

interface Emitted {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A loopback server standing in for the attacker's host: it records every request it gets. */
async function attackerHost(): Promise<{ host: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function texts(outcome: StepOutcome): string[] {
  return [
    ...outcome.logLines,
    ...outcome.rebounds,
    ...outcome.errors.map((e) => `${e.message}\n${e.stack}\n${JSON.stringify(e)}`),
    ...outcome.data.map((d) => JSON.stringify(d)),
  ];
}

describe('action rawRequest (Make Raw Request)', function () {
  this.timeout(20_000);
  let world: World;
  const savedAttempts = process.env.TGATE_RETRY_MAX_ATTEMPTS;

  async function run(body: Record<string, unknown>, fields: Record<string, unknown> = {}): Promise<StepOutcome> {
    const outcome = await runStep(action, { body }, { ...world.cfg, ...fields }, world.platform);
    expect(leakedSecrets(world, texts(outcome)), 'secrets in logs, errors, rebounds or messages').to.deep.equal([]);
    return outcome;
  }

  /** The partner API requests the sandbox received after `from` (an index into its request log). */
  function apiRequestsSince(from: number): string[] {
    return world.sandbox.requests
      .slice(from)
      .filter((r) => r.path.startsWith('/partner/v1'))
      .map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''} ${r.status}`);
  }

  afterEach(async () => {
    if (savedAttempts === undefined) delete process.env.TGATE_RETRY_MAX_ATTEMPTS;
    else process.env.TGATE_RETRY_MAX_ATTEMPTS = savedAttempts;
    await world?.close();
  });

  it('GETs a catalog path with a query and emits status, safe lower-cased headers and body', async () => {
    world = await createWorld();
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'GET', path: '/branches', query: { brand_id: 101, items: 3, page: 1 } });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.have.length(1);
    const { status, headers, body } = outcome.data[0].body as Emitted;
    expect(status).to.equal(200);
    expect(body).to.have.length(3);
    for (const branch of body as Array<{ brand_ids: number[] }>) expect(branch.brand_ids).to.include(101);
    expect(headers).to.include({ 'current-page': '1', 'page-items': '3' });
    expect(headers['content-type']).to.match(/^application\/json/);
    for (const name of Object.keys(headers)) expect(SAFE_RESPONSE_HEADERS.has(name), name).to.equal(true);
    expect(apiRequestsSince(from)).to.deep.equal(['GET /partner/v1/branches?brand_id=101&items=3&page=1 200']);
  });

  it('keeps a query written in the path and adds the query object to it', async () => {
    world = await createWorld();
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'GET', path: 'integration_scopes?page=2', query: { items: 5 } });
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as Emitted).body).to.have.length(5);
    expect((outcome.data[0].body as { body: Array<{ id: number }> }).body[0].id).to.equal(6);
    expect(apiRequestsSince(from)).to.deep.equal(['GET /partner/v1/integration_scopes?page=2&items=5 200']);
  });

  it("sends a POST body once and maps T-Gate's 4xx to an error naming status, method and path", async () => {
    world = await createWorld();
    const from = world.sandbox.requests.length;
    const outcome = await run(
      { method: 'POST', path: '/items', body: { name: 'Falafel wrap', price: 12.5 } },
      { doNotThrow404: false },
    );
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([]);
    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0]).to.be.instanceOf(TGateRefusedError);
    expect(outcome.errors[0].message).to.equal(
      'T-Gate POST /partner/v1/items answered 404: Not found: POST /partner/v1/items. ' +
        'T-Gate has no such record, or it is outside the integration scopes the company granted',
    );
    expect(apiRequestsSince(from)).to.deep.equal(['POST /partner/v1/items 404']);
  });

  it('does not repeat a POST that may have reached T-Gate: a 500 is an error, not a retry or a rebound', async () => {
    world = await createWorld();
    world.sandbox.injectFault({
      method: 'POST',
      path: '/partner/v1/orders',
      status: 500,
      body: { message: 'internal error' },
      times: Infinity,
    });
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'POST', path: '/orders', body: { app_order_uuid: 'a1' } });
    expect(outcome.rebounds).to.deep.equal([]);
    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0]).to.be.instanceOf(ComponentError).and.not.instanceOf(TransientError);
    expect(outcome.errors[0].message).to.equal(
      'T-Gate POST /partner/v1/orders answered 500: internal error. The POST may have reached T-Gate, ' +
        'so it is neither retried nor sent again later (it could take effect twice): check in T-Gate whether it did before sending it again',
    );
    expect(apiRequestsSince(from)).to.deep.equal(['POST /partner/v1/orders 500']);
  });

  it('retries a POST that T-Gate answered 503 (not processed)', async () => {
    world = await createWorld();
    // A path with no route: after the retried 503, the sandbox's real answer is a 404.
    world.sandbox.injectFault({
      method: 'POST',
      path: '/partner/v1/payments',
      status: 503,
      headers: { 'Retry-After': '0' },
    });
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'POST', path: '/payments', body: { amount: 1 } }, { doNotThrow404: true });
    expect(outcome.errors).to.deep.equal([]);
    expect(apiRequestsSince(from).map((r) => r.split(' ').pop())).to.deep.equal(['503', '404']);
  });

  describe('an answer that echoes the credential', () => {
    it('emits a 2xx with the token and client secret replaced in its headers and body, and nothing else changed', async () => {
      world = await createWorld();
      const token = world.tokens.access_token;
      const secret = world.client.clientSecret;
      world.sandbox.injectFault({
        path: '/partner/v1/brands',
        status: 200,
        headers: { Link: `</partner/v1/brands?page=2&access_token=${token}>; rel="next"`, 'X-Request-Id': 'req-7' },
        body: {
          echo: `Bearer ${token}`,
          [`key-${token}`]: 1,
          auth: { client_secret: secret, code: 'abc123', password_hint: 'kept' },
        },
      });
      const outcome = await run({ method: 'GET', path: '/brands' });
      expect(outcome.errors).to.deep.equal([]);
      const emitted = outcome.data[0].body as Emitted;
      expect(emitted.status).to.equal(200);
      expect(emitted.body).to.deep.equal({
        echo: 'Bearer [redacted]',
        'key-[redacted]': 1,
        auth: { client_secret: '[redacted]', code: 'abc123', password_hint: 'kept' },
      });
      expect(emitted.headers).to.include({
        link: '</partner/v1/brands?page=2&access_token=[redacted]>; rel="next"',
        'x-request-id': 'req-7',
      });
    });
  });

  describe('a 404', () => {
    it("is emitted raw with doNotThrow404: nothing cut or renamed, only the credential's values replaced", async () => {
      world = await createWorld();
      const token = world.tokens.access_token;
      let deep: unknown = 'bottom';
      for (let i = 0; i < 12; i += 1) deep = { level: deep };
      const body = {
        message: 'no such thing',
        ids: Array.from({ length: 120 }, (_, i) => i),
        text: 'x'.repeat(5000),
        token: 'public-looking-token',
        secret_question: 'kept',
        code: 'E404',
        password: 'not ours',
        deep,
        echo: `token ${token} is fine`,
      };
      world.sandbox.injectFault({ path: '/partner/v1/brands/777', status: 404, body });
      const outcome = await run({ method: 'GET', path: '/brands/777' }, { doNotThrow404: true });
      expect(outcome.errors).to.deep.equal([]);
      const emitted = outcome.data[0].body as Emitted;
      expect(emitted.status).to.equal(404);
      expect(emitted.body).to.deep.equal({ ...body, echo: 'token [redacted] is fine' });
    });

    it('is emitted as {status: 404, headers, body} with doNotThrow404', async () => {
      world = await createWorld();
      const outcome = await run({ method: 'GET', path: '/brands/104' }, { doNotThrow404: true });
      expect(outcome.errors).to.deep.equal([]);
      expect(outcome.data).to.have.length(1);
      const emitted = outcome.data[0].body as Emitted;
      expect(emitted.status).to.equal(404);
      expect(emitted.body).to.deep.equal({ message: 'Not found: brand 104' });
      expect(emitted.headers['content-type']).to.match(/^application\/json/);
      for (const name of Object.keys(emitted.headers)) expect(SAFE_RESPONSE_HEADERS.has(name), name).to.equal(true);
    });

    it('keeps only the safe headers of the answer: no cookie, no authentication challenge', async () => {
      world = await createWorld();
      world.sandbox.injectFault({
        path: '/partner/v1/brands/999',
        status: 404,
        body: { message: 'gone' },
        headers: {
          'Set-Cookie': 'session=abc123',
          'WWW-Authenticate': 'Bearer realm="t-gate"',
          'X-Request-Id': 'req-42',
          ETag: '"v7"',
        },
      });
      const outcome = await run({ method: 'GET', path: '/brands/999' }, { doNotThrow404: true });
      const emitted = outcome.data[0].body as Emitted;
      expect(emitted).to.deep.include({ status: 404, body: { message: 'gone' } });
      expect(emitted.headers).to.include({ 'x-request-id': 'req-42', etag: '"v7"' });
      expect(emitted.headers).not.to.have.any.keys('set-cookie', 'www-authenticate', 'Set-Cookie', 'X-Request-Id');
    });

    it('is an error naming status, method and path without it', async () => {
      world = await createWorld();
      const outcome = await run({ method: 'GET', path: '/brands/104' });
      expect(outcome.data).to.deep.equal([]);
      expect(outcome.errors.map((e) => e.message)).to.deep.equal([
        'T-Gate GET /partner/v1/brands/104 answered 404: Not found: brand 104. T-Gate has no such record, or it is outside the integration scopes the company granted',
      ]);
    });

    it('is the only refusal doNotThrow404 turns into data: a 403 stays an error', async () => {
      world = await createWorld();
      world.sandbox.injectFault({
        path: '/partner/v1/brands/101',
        status: 403,
        body: { message: 'Forbidden, Unauthorized action' },
      });
      const outcome = await run({ method: 'GET', path: '/brands/101' }, { doNotThrow404: true });
      expect(outcome.data).to.deep.equal([]);
      expect(outcome.errors).to.have.length(1);
      expect(outcome.errors[0]).to.be.instanceOf(TGateRefusedError);
      expect(outcome.errors[0].message).to.match(
        /^T-Gate GET \/partner\/v1\/brands\/101 answered 403: Forbidden, Unauthorized action/,
      );
    });
  });

  describe('refuses every way out of the T-Gate API before any request', () => {
    let attacker: Awaited<ReturnType<typeof attackerHost>>;
    before(async () => {
      attacker = await attackerHost();
    });
    after(async () => {
      await attacker.close();
    });

    const escapes: Array<[string, (host: string) => string]> = [
      ['an absolute URL', (h) => `http://${h}/x`],
      ['an absolute URL with an upper-case scheme', (h) => `HTTP://${h}/x`],
      ['a javascript: URL', (h) => `javascript:fetch('http://${h}/x')`],
      ['a scheme-relative //host', (h) => `//${h}/x`],
      ['a backslash host \\\\host', (h) => `\\\\${h}\\x`],
      ['a slash-backslash /\\host', (h) => `/\\${h}/x`],
      ['../ out of the base', () => '../x'],
      ['/a/../../ out of the base', () => '/a/../../x'],
      ['..;/ (read as ../ by a Java server or proxy)', () => '..;/x'],
      ['/.;/', () => '/.;/x'],
      ['/items/..;jsessionid=1/', () => '/items/..;jsessionid=1/x'],
      ['%2e%2e;/', () => '/%2e%2e;/x'],
      ['%2e%2e/', () => '%2e%2e/x'],
      ['%2E%2E%2F', () => '%2E%2E%2Fx'],
      ['.%2e', () => '/.%2e/x'],
      ['double-encoded %252e', () => '/%252e%252e/x'],
      ['@ user info', (h) => `@${h}/x`],
      ['user info in an absolute URL', (h) => `http://user:pw@${h}/x`],
      ['control characters', (h) => `/items\r\nHost: ${h}`],
      ['a fragment', () => '/items#x'],
    ];
    for (const [what, make] of escapes) {
      it(`${what}`, async () => {
        world = await createWorld();
        const before = world.sandbox.requestCount;
        const path = make(attacker.host);
        const outcome = await run({ method: 'GET', path });
        expect(outcome.data).to.deep.equal([]);
        expect(outcome.rebounds).to.deep.equal([]);
        expect(outcome.errors).to.have.length(1);
        expect(outcome.errors[0]).to.be.instanceOf(InvalidInputError);
        expect((outcome.errors[0] as InvalidInputError).field).to.equal('path');
        expect(outcome.errors[0].message).to.match(/^The path .*give a path relative to the T-Gate API base/);
        // Nothing was sent: no API call, no token request, nothing to the other host.
        expect(world.sandbox.requestCount).to.equal(before);
        expect(attacker.requests).to.deep.equal([]);
      });
    }
  });

  it('refuses a body with GET and an unknown method, naming the field, before any request', async () => {
    world = await createWorld();
    const before = world.sandbox.requestCount;
    const withBody = await run({ method: 'GET', path: '/brands', body: { x: 1 } });
    expect(withBody.errors.map((e) => e.message)).to.deep.equal([
      'A GET request takes no body: remove body, or choose POST, PUT or PATCH as the method',
    ]);
    expect((withBody.errors[0] as InvalidInputError).field).to.equal('body');
    const badMethod = await run({ method: 'TRACE', path: '/brands' });
    expect(badMethod.errors.map((e) => e.message)).to.deep.equal([
      'Invalid message body: method must be one of "GET", "POST", "PUT", "PATCH", "DELETE"',
    ]);
    const badQuery = await run({ method: 'GET', path: '/brands', query: { brand_id: { $gt: 1 } } });
    expect(badQuery.errors.map((e) => e.message)).to.deep.equal([
      'Invalid message body: query.brand_id must be a string or number or boolean',
    ]);
    expect(world.sandbox.requestCount).to.equal(before);
  });

  it('rebounds a 5xx that outlasts the retries', async () => {
    world = await createWorld();
    process.env.TGATE_RETRY_MAX_ATTEMPTS = '2';
    world.sandbox.injectFault({
      path: '/partner/v1/brands',
      status: 502,
      body: { message: 'bad gateway' },
      times: Infinity,
    });
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'GET', path: '/brands' });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([
      'T-Gate GET /partner/v1/brands answered 502: bad gateway after 2 attempts (retry limit reached)',
    ]);
    expect(apiRequestsSince(from)).to.deep.equal(['GET /partner/v1/brands 502', 'GET /partner/v1/brands 502']);
  });

  it('refreshes the token once after a 401 and retries with the new one', async () => {
    world = await createWorld();
    const tokensBefore = world.sandbox.tokenRequests.length;
    world.sandbox.injectFault({
      path: '/partner/v1/brands/101',
      status: 401,
      body: { message: 'Invalid or expired access token' },
    });
    const from = world.sandbox.requests.length;
    const outcome = await run({ method: 'GET', path: '/brands/101' });
    expect(outcome.errors).to.deep.equal([]);
    expect((outcome.data[0].body as Emitted).status).to.equal(200);
    expect(((outcome.data[0].body as Emitted).body as { id: number }).id).to.equal(101);
    expect(world.sandbox.tokenRequests.slice(tokensBefore).map((r) => r.grantType)).to.deep.equal(['refresh_token']);
    expect(apiRequestsSince(from)).to.deep.equal(['GET /partner/v1/brands/101 401', 'GET /partner/v1/brands/101 200']);
    expect(outcome.updateKeys).to.have.length(1);
  });
});
