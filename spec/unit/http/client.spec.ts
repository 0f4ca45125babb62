import http from 'node:http';
import { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { ComponentError } from '../../../lib/errors';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  HttpClient,
  HttpError,
  KnownSecrets,
  mayHaveTakenEffect,
  neverSent,
  parseRetryAfter,
} from '../../../lib/http';

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
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
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

  describe('mayHaveTakenEffect: the one rule for a request that may have reached the server', () => {
    it('an answer took effect unless it is a 429 or a 503 (not processed)', () => {
      for (const status of [200, 201, 400, 404, 409, 422, 500, 502, 504]) {
        expect(mayHaveTakenEffect({ status }), `${status}`).to.equal(true);
      }
      for (const status of [429, 503]) expect(mayHaveTakenEffect({ status }), `${status}`).to.equal(false);
    });
    it('no answer may have taken effect, unless the connection was never made', () => {
      for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ERESPONSETOOLARGE', undefined]) {
        expect(mayHaveTakenEffect({ code }), `${code}`).to.equal(true);
        expect(neverSent(code), `${code}`).to.equal(false);
      }
      for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']) {
        expect(mayHaveTakenEffect({ code }), code).to.equal(false);
        expect(neverSent(code), code).to.equal(true);
      }
    });
    it('reads the status before the code: an answer was received, whatever the code says', () => {
      expect(mayHaveTakenEffect({ status: 500, code: 'ECONNREFUSED' })).to.equal(true);
      expect(mayHaveTakenEffect({ status: 503, code: 'ECONNRESET' })).to.equal(false);
    });
  });

  describe('HttpError', () => {
    it('is a ComponentError named HttpError, with no cause (the library error holds the request)', () => {
      const err = new HttpError({ service: 'Test API', method: 'get', path: '/x', status: 500, attempts: 1 });
      expect(err).to.be.instanceOf(ComponentError);
      expect(err.name).to.equal('HttpError');
      expect(err.cause).to.equal(undefined);
      expect(err.message).to.equal('Test API GET /x answered 500');
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
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    function client(delays: number[], policy = {}): HttpClient {
      return new HttpClient({
        service: 'Test API',
        policy: { baseDelayMs: 100, ...policy },
        sleep: async (ms) => {
          delays.push(ms);
        },
        random: () => 0,
      });
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
      const err = await client(delays)
        .send({ method: 'GET', url: `${server.url}/things` })
        .catch((e) => e);
      expect(err).to.be.instanceOf(HttpError);
      expect(err.status).to.equal(429);
      expect(err.message).to.contain('asked to retry after 3600 s');
      expect(delays).to.deep.equal([]);
    });

    it('retries 5xx with growing backoff and stops at the attempt bound', async () => {
      server = await serve([json(502, { message: 'bad gateway' })]);
      const delays: number[] = [];
      const err = await client(delays, { maxAttempts: 4 })
        .send({ method: 'GET', url: `${server.url}/things?token=abc` })
        .catch((e) => e);
      expect(server.hits()).to.equal(4);
      expect(delays).to.deep.equal([50, 100, 200]);
      expect(err.message).to.equal(
        'Test API GET /things answered 502: bad gateway after 4 attempts (retry limit reached)',
      );
      expect(err.message).not.to.contain('abc');
    });

    it('does not repeat a non-idempotent POST after a 500, but does after a 503', async () => {
      server = await serve([json(500, { message: 'boom' })]);
      const delays: number[] = [];
      await client(delays)
        .send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } })
        .catch(() => undefined);
      expect(server.hits()).to.equal(1);
      await server.close();
      server = await serve([json(503, { message: 'maintenance' }), json(201, { id: 7 })]);
      const res = await client(delays).send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } });
      expect(res.status).to.equal(201);
      expect(server.hits()).to.equal(2);
    });

    describe('a request that may have reached the server', () => {
      /** Reads the whole request, counts it as received, then resets the connection without answering. */
      const received: string[] = [];
      const resetAfterReading: Handler = (req) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          received.push(`${req.method} ${body}`);
          req.socket.resetAndDestroy();
        });
      };
      beforeEach(() => {
        received.length = 0;
      });

      it('never repeats a POST after ECONNRESET: the server got it once', async () => {
        server = await serve([resetAfterReading, json(201, { id: 7 })]);
        const delays: number[] = [];
        const err = await client(delays)
          .send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } })
          .catch((e) => e);
        expect(received).to.deep.equal(['POST {"a":1}']);
        expect(server.hits()).to.equal(1);
        expect(delays).to.deep.equal([]);
        expect(err).to.be.instanceOf(HttpError);
        expect(err.code).to.equal('ECONNRESET');
        expect(err.attempts).to.equal(1);
      });

      it('nor a POST marked not idempotent, nor a PUT so marked; a POST marked idempotent is repeated', async () => {
        server = await serve([resetAfterReading, resetAfterReading, json(201, { id: 7 })]);
        await client([])
          .send({ method: 'PUT', url: `${server.url}/orders/7`, data: { a: 2 } }, { idempotent: false })
          .catch(() => undefined);
        await client([])
          .send({ method: 'POST', url: `${server.url}/orders`, data: { a: 3 } }, { idempotent: false })
          .catch(() => undefined);
        expect(received).to.deep.equal(['PUT {"a":2}', 'POST {"a":3}']);
        const res = await client([]).send(
          { method: 'POST', url: `${server.url}/search`, data: { q: 1 } },
          { idempotent: true },
        );
        expect(res.status).to.equal(201);
        expect(server.hits()).to.equal(3);
      });

      it('repeats a POST exactly when it cannot have taken effect (mayHaveTakenEffect)', async () => {
        for (const status of [429, 500, 502, 503, 504]) {
          server = await serve([json(status, { message: 'no' }, { 'Retry-After': '0' }), json(201, { id: 7 })]);
          await client([])
            .send({ method: 'POST', url: `${server.url}/orders`, data: { a: 1 } })
            .catch(() => undefined);
          expect(server.hits(), `POST answered ${status}`).to.equal(mayHaveTakenEffect({ status }) ? 1 : 2);
          await server.close();
        }
        server = undefined;
      });

      it('repeats a POST whose connection was refused (it cannot have been sent)', async () => {
        server = await serve([json(201, { id: 7 })]);
        const { url } = server;
        await server.close();
        server = undefined;
        let attempts = 0;
        const err = await client([], { maxAttempts: 3 })
          .send(
            { method: 'POST', url: `${url}/orders`, data: { a: 1 } },
            {
              beforeAttempt: async () => {
                attempts += 1;
              },
            },
          )
          .catch((e) => e);
        expect(err.code).to.equal('ECONNREFUSED');
        expect(attempts).to.equal(3);
      });
    });

    describe('at the edges of the retry rules', () => {
      it('retries a GET after a plain 500, with backoff even when the 500 carries Retry-After', async () => {
        server = await serve([json(500, {}, { 'Retry-After': '30' }), json(200, { ok: 1 })]);
        const delays: number[] = [];
        await client(delays).send({ method: 'GET', url: `${server.url}/x` });
        expect(server.hits()).to.equal(2);
        expect(delays).to.deep.equal([50]);
      });

      it('adds up to a second of jitter to Retry-After, and waits a Retry-After exactly at the cap', async () => {
        server = await serve([
          json(503, {}, { 'Retry-After': '2' }),
          json(429, {}, { 'Retry-After': '60' }),
          json(200, {}),
        ]);
        const delays: number[] = [];
        const http = new HttpClient({
          service: 'Test API',
          policy: { baseDelayMs: 5000 },
          sleep: async (ms) => {
            delays.push(ms);
          },
          random: () => 1,
        });
        await http.send({ method: 'GET', url: `${server.url}/x` });
        expect(delays).to.deep.equal([3000, 61_000]);
      });

      it('stops when the next wait would spend more than the retry time budget, saying so', async () => {
        server = await serve([json(502, {})]);
        const delays: number[] = [];
        const err = await client(delays, { maxTotalDelayMs: 160 })
          .send({ method: 'GET', url: `${server.url}/x` })
          .catch((e) => e);
        expect(delays).to.deep.equal([50, 100]);
        expect(server.hits()).to.equal(3);
        expect(err.message).to.equal(
          'Test API GET /x answered 502: Bad Gateway after 3 attempts (retry time budget spent)',
        );
      });

      it('says "retry limit reached" only when it did retry', async () => {
        server = await serve([json(502, {})]);
        const once = await client([], { maxAttempts: 1 })
          .send({ method: 'GET', url: `${server.url}/x` })
          .catch((e) => e);
        expect(once.message).to.equal('Test API GET /x answered 502: Bad Gateway');
        const twice = await client([], { maxAttempts: 2 })
          .send({ method: 'GET', url: `${server.url}/x` })
          .catch((e) => e);
        expect(twice.message).to.equal(
          'Test API GET /x answered 502: Bad Gateway after 2 attempts (retry limit reached)',
        );
      });

      it('logs each retry as one line naming the service, the call, the cause and the wait', async () => {
        server = await serve([json(503, {}), json(200, {})]);
        const lines: string[] = [];
        const http = new HttpClient({
          service: 'Test API',
          policy: { baseDelayMs: 100 },
          sleep: async () => undefined,
          random: () => 0,
          logger: { info: (l) => lines.push(l) },
        });
        await http.send({ method: 'GET', url: `${server.url}/x?token=abc` }, { service: 'Other API' });
        expect(lines).to.deep.equal(['Other API GET /x: 503, retry 1 of 4 in 50 ms']);
      });
    });

    describe('what is sent and what comes back', () => {
      it('sends Accept and the User-Agent, which request headers override', async () => {
        const seen: Array<[unknown, unknown]> = [];
        server = await serve([
          (req, res) => {
            seen.push([req.headers.accept, req.headers['user-agent']]);
            json(200, {})(req, res);
          },
        ]);
        await new HttpClient({ service: 'Test API', userAgent: 'spec-agent' }).send({
          method: 'GET',
          url: `${server.url}/x`,
        });
        await new HttpClient({ service: 'Test API', userAgent: 'spec-agent' }).send({
          method: 'GET',
          url: `${server.url}/x`,
          headers: { Accept: 'text/plain' },
        });
        expect(seen).to.deep.equal([
          ['application/json', 'spec-agent'],
          ['text/plain', 'spec-agent'],
        ]);
      });

      it('never follows a redirect: the 302 is the answer and the other server gets nothing', async () => {
        const other = await serve([json(200, { stolen: true })]);
        try {
          server = await serve([
            (_req, res) => {
              res.writeHead(302, { Location: `${other.url}/elsewhere` });
              res.end();
            },
          ]);
          const res = await client([]).send({
            method: 'GET',
            url: `${server.url}/x`,
            headers: { Authorization: 'Bearer t' },
          });
          expect(res.status).to.equal(302);
          expect(res.headers.location).to.equal(`${other.url}/elsewhere`);
          expect(other.hits()).to.equal(0);
        } finally {
          await other.close();
        }
      });

      it('keeps a body that is not JSON as text, and flattens headers to lower-case strings', async () => {
        server = await serve([
          (_req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json', 'X-Count': '3', 'Set-Cookie': ['a=1', 'b=2'] });
            res.end('not json {');
          },
        ]);
        const res = await client([]).send({ method: 'GET', url: `${server.url}/x` });
        expect(res.data).to.equal('not json {');
        expect(res.headers['x-count']).to.equal('3');
        expect(res.headers['set-cookie']).to.equal('a=1, b=2');
      });

      it("takes a per-request deadline over the client's", async () => {
        server = await serve([() => undefined]);
        const started = Date.now();
        const err = await new HttpClient({ service: 'Test API', timeoutMs: 60_000, policy: { maxAttempts: 1 } })
          .send({ method: 'GET', url: `${server.url}/x`, timeoutMs: 300 })
          .catch((e) => e);
        expect(err.code).to.equal('ETIMEDOUT');
        expect(Date.now() - started).to.be.below(5000);
      });

      it('refuses a response-size cap that is not a whole number from 1', () => {
        for (const bad of [0, -1, 1.5])
          expect(() => new HttpClient({ service: 'Test API', maxResponseBytes: bad })).to.throw(
            RangeError,
            /^maxResponseBytes must be a whole number of bytes/,
          );
      });
    });

    it('does not retry other 4xx and keeps the server message', async () => {
      server = await serve([json(422, { errors: { quantity: ['must be positive'] } })]);
      const err = await client([])
        .send({ method: 'GET', url: `${server.url}/x` })
        .catch((e) => e);
      expect(server.hits()).to.equal(1);
      expect(err.status).to.equal(422);
      expect(err.message).to.equal('Test API GET /x answered 422: quantity must be positive');
    });

    it('reads the reason of a 401 with an empty body from WWW-Authenticate (Doorkeeper answers so)', async () => {
      server = await serve([
        (_req, res) => {
          res.writeHead(401, {
            'WWW-Authenticate':
              'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token expired"',
          });
          res.end();
        },
      ]);
      const err = await client([])
        .send({ method: 'GET', url: `${server.url}/x` })
        .catch((e) => e);
      expect(err.message).to.equal('Test API GET /x answered 401: The access token expired');
    });

    it('retries dropped connections of idempotent requests and reports the network code', async () => {
      server = await serve([(req) => req.socket.destroy()]);
      const delays: number[] = [];
      const err = await client(delays, { maxAttempts: 3 })
        .send({ method: 'GET', url: `${server.url}/x` })
        .catch((e) => e);
      expect(server.hits()).to.equal(3);
      expect(err.status).to.equal(undefined);
      expect(err.code).to.equal('ECONNRESET');
      expect(err.message).to.contain('failed (ECONNRESET)');
    });

    it('asks beforeAttempt for fresh headers on every attempt', async () => {
      const seen: string[] = [];
      server = await serve([
        (req, res) => {
          seen.push(String(req.headers.authorization));
          json(503, {})(req, res);
        },
        (req, res) => {
          seen.push(String(req.headers.authorization));
          json(200, {})(req, res);
        },
      ]);
      let n = 0;
      await client([]).send(
        { method: 'GET', url: `${server.url}/x` },
        {
          beforeAttempt: async () => {
            n += 1;
            return { headers: { Authorization: `Bearer token-${n}` } };
          },
        },
      );
      expect(seen).to.deep.equal(['Bearer token-1', 'Bearer token-2']);
    });

    it('never puts request headers or secret fields of the body into the error', async () => {
      server = await serve([
        json(400, { message: 'bad', access_token: 'leaked-token-value', nested: { client_secret: 'leaked-secret' } }),
      ]);
      const err = await client([])
        .send({ method: 'GET', url: `${server.url}/x`, headers: { Authorization: 'Bearer very-secret-token' } })
        .catch((e) => e);
      const everything = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.data)} ${err.stack}`;
      expect(everything).not.to.contain('very-secret-token');
      expect(everything).not.to.contain('leaked-token-value');
      expect(everything).not.to.contain('leaked-secret');
      expect(err.data.nested.client_secret).to.equal('[redacted]');
      expect(Object.keys(err)).not.to.include('config');
    });

    it('bounds the whole exchange: a server that trickles a byte every 200 ms is cut at the deadline', async () => {
      server = await serve([
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('[');
          const timer = setInterval(() => {
            if (!res.destroyed) res.write(' ');
          }, 200);
          res.on('close', () => clearInterval(timer));
        },
      ]);
      const started = Date.now();
      const err = await new HttpClient({ service: 'Test API', timeoutMs: 1000, policy: { maxAttempts: 1 } })
        .send({ method: 'GET', url: `${server.url}/slow` })
        .catch((e) => e);
      const took = Date.now() - started;
      expect(err).to.be.instanceOf(HttpError);
      expect(err.code).to.equal('ETIMEDOUT');
      expect(err.message).to.equal('Test API GET /slow failed (ETIMEDOUT): no complete answer within 1000 ms');
      expect(took).to.be.within(900, 3000);
    });

    it('refuses a zero, negative, fractional or huge timeout with a message naming it', () => {
      for (const bad of [0, -1, 1.5, Number.NaN, 24 * 3600 * 1000]) {
        expect(() => new HttpClient({ service: 'Test API', timeoutMs: bad })).to.throw(
          RangeError,
          /^timeoutMs must be a whole number of milliseconds from 1 to 600000, got /,
        );
      }
    });

    it('caps the response body and fails without a retry', async () => {
      const big = JSON.stringify({ filler: 'x'.repeat(300_000) });
      server = await serve([json(200, JSON.parse(big))]);
      const delays: number[] = [];
      const err = await new HttpClient({
        service: 'Test API',
        maxResponseBytes: 100_000,
        sleep: async (ms) => {
          delays.push(ms);
        },
      })
        .send({ method: 'GET', url: `${server.url}/huge` })
        .catch((e) => e);
      expect(err).to.be.instanceOf(HttpError);
      expect(err.code).to.equal('ERESPONSETOOLARGE');
      expect(err.message).to.equal(
        'Test API GET /huge failed (ERESPONSETOOLARGE): the answer is larger than the 100000-byte limit',
      );
      expect(server.hits()).to.equal(1);
      expect(delays).to.deep.equal([]);
    });

    it('scrubs the secrets a request carries, and known ones, even when the server echoes them in its own words', async () => {
      const basic = Buffer.from('my-client:s3cr3t/va+lue').toString('base64');
      server = await serve([
        (req, res) => {
          let body = '';
          req.on('data', (c) => {
            body += c;
          });
          req.on('end', () =>
            json(400, {
              error: 'invalid_grant',
              error_description: `refresh token ${new URLSearchParams(body).get('refresh_token')} was revoked; client my-client (secret s3cr3t/va+lue); key platform-key-123`,
              echo: { auth: req.headers.authorization },
            })(req, res),
          );
        },
      ]);
      const http = new HttpClient({ service: 'Test API', secrets: new KnownSecrets(['platform-key-123']) });
      const err = await http
        .send({
          method: 'POST',
          url: `${server.url}/token`,
          headers: { Authorization: `Basic ${basic}` },
          data: 'grant_type=refresh_token&refresh_token=rt-echoed-4567',
        })
        .catch((e) => e);
      const everything = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.data)} ${err.stack}`;
      for (const secret of ['rt-echoed-4567', 's3cr3t/va+lue', 'my-client', basic, 'platform-key-123'])
        expect(everything).not.to.contain(secret);
      expect(err.message).to.equal(
        'Test API POST /token answered 400: invalid_grant: refresh token [redacted] was revoked; client [redacted] (secret [redacted]); key [redacted]',
      );
    });
  });
});
