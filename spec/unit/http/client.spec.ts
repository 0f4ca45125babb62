import http from 'node:http';
import { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { backoffDelay, DEFAULT_RETRY_POLICY, HttpClient, HttpError, parseRetryAfter } from '../../../lib/http';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handlers: Handler[]): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    const handler = handlers[Math.min(hits, handlers.length - 1)];
    hits += 1;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('lib/http', () => {
  describe('parseRetryAfter', () => {
    it('reads delta-seconds', () => {
      expect(parseRetryAfter('3')).to.equal(3000);
      expect(parseRetryAfter('0')).to.equal(0);
    });
    it('reads an HTTP date relative to now, never negative', () => {
      const now = Date.parse('2026-11-24T10:00:00Z');
      expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:07 GMT', now)).to.equal(7000);
      expect(parseRetryAfter('Tue, 24 Nov 2026 09:59:00 GMT', now)).to.equal(0);
    });
    it('ignores what it cannot read', () => {
      expect(parseRetryAfter(undefined)).to.equal(undefined);
      expect(parseRetryAfter('soon')).to.equal(undefined);
      expect(parseRetryAfter('')).to.equal(undefined);
    });
  });

  describe('backoffDelay', () => {
    it('grows exponentially, stays within [half, full] of the step, and is capped', () => {
      const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
      expect(backoffDelay(1, policy, () => 0)).to.equal(50);
      expect(backoffDelay(1, policy, () => 1)).to.equal(100);
      expect(backoffDelay(3, policy, () => 1)).to.equal(400);
      expect(backoffDelay(10, policy, () => 1)).to.equal(1000);
      expect(backoffDelay(10, policy, () => 0)).to.equal(500);
    });
  });

  describe('HttpClient.send', () => {
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    afterEach(async () => { await server?.close(); server = undefined; });

    function client(delays: number[], policy = {}): HttpClient {
      return new HttpClient({ service: 'Test API', policy: { baseDelayMs: 100, ...policy }, sleep: async (ms) => { delays.push(ms); }, random: () => 0 });
    }

    it('honours Retry-After on 429, then succeeds', async () => {
      server = await serve([json(429, { message: 'slow down' }, { 'Retry-After': '2' }), json(200, { ok: true })]);
      const delays: number[] = [];
      const res = await client(delays).send({ method: 'GET', url: `${server.url}/things` });
      expect(res.data).to.deep.equal({ ok: true });
      expect(delays).to.deep.equal([2000]);
      expect(server.hits()).to.equal(2);
    });

    it('fails at once when Retry-After is longer than the cap, saying so', async () => {
      server = await serve([json(429, { message: 'slow down' }, { 'Retry-After': '3600' })]);
      const delays: number[] = [];
      const err = await client(delays).send({ method: 'GET', url: `${server.url}/things` }).catch((e) => e);
      expect(err).to.be.instanceOf(HttpError);
      expect(err.status).to.equal(429);
      expect(err.message).to.contain('asked to retry after 3600 s');
      expect(delays).to.deep.equal([]);
    });

    it('retries 5xx with growing backoff and stops at the attempt bound', async () => {
      server = await serve([json(502, { message: 'bad gateway' })]);
      const delays: number[] = [];
      const err = await client(delays, { maxAttempts: 4 }).send({ method: 'GET', url: `${server.url}/things?token=abc` }).catch((e) => e);
      expect(server.hits()).to.equal(4);
      expect(delays).to.deep.equal([50, 100, 200]);
      expect(err.message).to.equal('Test API GET /things answered 502: bad gateway after 4 attempts (retry limit reached)');
      expect(err.message).not.to.contain('abc');
    });

    it('does not repeat a non-idempotent POST after a 500, but does after a 503', async () => {
      server = await serve([json(500, { message: 'boom' })]);
      const delays: number[] = [];
      await client(delays).send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } }).catch(() => undefined);
      expect(server.hits()).to.equal(1);
      await server.close();
      server = await serve([json(503, { message: 'maintenance' }), json(201, { id: 7 })]);
      const res = await client(delays).send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } });
      expect(res.status).to.equal(201);
      expect(server.hits()).to.equal(2);
    });

    it('does not retry other 4xx and keeps the server message', async () => {
      server = await serve([json(422, { errors: { quantity: ['must be positive'] } })]);
      const err = await client([]).send({ method: 'GET', url: `${server.url}/x` }).catch((e) => e);
      expect(server.hits()).to.equal(1);
      expect(err.status).to.equal(422);
      expect(err.message).to.equal('Test API GET /x answered 422: quantity must be positive');
    });

    it('retries dropped connections of idempotent requests and reports the network code', async () => {
      server = await serve([(req) => req.socket.destroy()]);
      const delays: number[] = [];
      const err = await client(delays, { maxAttempts: 3 }).send({ method: 'GET', url: `${server.url}/x` }).catch((e) => e);
      expect(server.hits()).to.equal(3);
      expect(err.status).to.equal(undefined);
      expect(err.code).to.equal('ECONNRESET');
      expect(err.message).to.contain('failed (ECONNRESET)');
    });

    it('asks beforeAttempt for fresh headers on every attempt', async () => {
      const seen: string[] = [];
      server = await serve([
        (req, res) => { seen.push(String(req.headers.authorization)); json(503, {})(req, res); },
        (req, res) => { seen.push(String(req.headers.authorization)); json(200, {})(req, res); },
      ]);
      let n = 0;
      await client([]).send({ method: 'GET', url: `${server.url}/x` }, {
        beforeAttempt: async () => { n += 1; return { headers: { Authorization: `Bearer token-${n}` } }; },
      });
      expect(seen).to.deep.equal(['Bearer token-1', 'Bearer token-2']);
    });

    it('never puts request headers or secret fields of the body into the error', async () => {
      server = await serve([json(400, { message: 'bad', access_token: 'leaked-token-value', nested: { client_secret: 'leaked-secret' } })]);
      const err = await client([]).send({ method: 'GET', url: `${server.url}/x`, headers: { Authorization: 'Bearer very-secret-token' } }).catch((e) => e);
      const everything = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.data)} ${err.stack}`;
      expect(everything).not.to.contain('very-secret-token');
      expect(everything).not.to.contain('leaked-token-value');
      expect(everything).not.to.contain('leaked-secret');
      expect(err.data.nested.client_secret).to.equal('[redacted]');
      expect(Object.keys(err)).not.to.include('config');
    });
  });
});
