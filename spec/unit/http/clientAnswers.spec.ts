import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { expect } from 'chai';
import { HttpClient, HttpClientOptions, HttpError, HttpRequest, MAX_TIMEOUT_MS } from '../../../lib/http';

/**
 * HttpClient against a scripted axios instance: each answer in turn is a response (`status`, `headers`,
 * `data`) or a rejection (`reject`). What axios throws and hands back in odd shapes, without a server.
 */
type Scripted = { status?: number; headers?: unknown; data?: unknown; reject?: unknown };
function scripted(answers: Scripted[], options: Partial<HttpClientOptions> = {}) {
  const configs: AxiosRequestConfig[] = [];
  const sleeps: number[] = [];
  const axiosInstance = {
    request: async (config: AxiosRequestConfig) => {
      configs.push(config);
      const answer = answers.shift() ?? { status: 200 };
      if ('reject' in answer) throw answer.reject;
      return { status: answer.status, headers: answer.headers, data: answer.data, statusText: '' };
    },
  } as unknown as AxiosInstance;
  const client = new HttpClient({
    service: 'T-Gate',
    axiosInstance,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...options,
  });
  return { client, configs, sleeps };
}
const failure = (promise: Promise<unknown>): Promise<HttpError> =>
  promise.then(
    () => {
      throw new Error('did not fail');
    },
    (e: HttpError) => e,
  );
const get = (url = 'http://tgate.example/partner/v1/orders'): HttpRequest => ({ method: 'GET', url });

describe('lib/http HttpClient: answers in every shape', () => {
  it('takes deadlines from 1 ms to the maximum, and refuses others, for the client and for one request', async () => {
    expect(() => new HttpClient({ service: 'x', timeoutMs: 1 })).not.to.throw();
    expect(() => new HttpClient({ service: 'x', timeoutMs: MAX_TIMEOUT_MS })).not.to.throw();
    expect(() => new HttpClient({ service: 'x', timeoutMs: 0 })).to.throw(RangeError);
    expect(() => new HttpClient({ service: 'x', timeoutMs: MAX_TIMEOUT_MS + 1 })).to.throw(RangeError);
    expect(() => new HttpClient({ service: 'x', maxResponseBytes: 0 })).to.throw(
      RangeError,
      'maxResponseBytes must be a whole number of bytes',
    );
    const err = await scripted([])
      .client.send({ ...get(), timeoutMs: 0 })
      .catch((e) => e);
    expect(err.message).to.equal(`timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got 0`);
  });

  it('repeats GET, HEAD, PUT and DELETE after a 502, and not POST or PATCH', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE'] as const) {
      const { client, configs } = scripted([{ status: 502 }, { status: 200, data: 'ok' }]);
      expect((await client.send({ method, url: 'http://tgate.example/x' })).data, method).to.equal('ok');
      expect(configs, method).to.have.length(2);
    }
    for (const method of ['POST', 'PATCH'] as const) {
      const { client, configs } = scripted([{ status: 502 }, { status: 200 }]);
      expect((await failure(client.send({ method, url: 'http://tgate.example/x' }))).status, method).to.equal(502);
      expect(configs, method).to.have.length(1);
    }
  });

  it("names host and port of a connection that never left, the scheme's default port too", async () => {
    const refused = { reject: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) };
    const once = { policy: { maxAttempts: 1 } };
    const cases: Array<[string, string]> = [
      ['http://tgate.example/x', 'tgate.example:80'],
      ['https://tgate.example/x', 'tgate.example:443'],
      ['https://tgate.example:8443/x', 'tgate.example:8443'],
    ];
    for (const [url, where] of cases) {
      const err = await failure(scripted([refused], once).client.send(get(url)));
      expect(err.message).to.equal(`T-Gate GET /x failed (ECONNREFUSED): cannot reach ${where}`);
    }
    const reset = { reject: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) };
    expect((await failure(scripted([reset], once).client.send(get()))).message).to.equal(
      'T-Gate GET /partner/v1/orders failed (ECONNRESET)',
    );
  });

  it('reads the network code from the error or its cause, and calls anything else a network error', async () => {
    const once = { policy: { maxAttempts: 1 } };
    const fromCause = await failure(
      scripted([{ reject: Object.assign(new Error('x'), { cause: { code: 'EPIPE' } }) }], once).client.send(get()),
    );
    expect(fromCause.code).to.equal('EPIPE');
    const odd = await failure(
      scripted([{ reject: Object.assign(new Error('x'), { code: 'ESOMETHING' }) }], once).client.send(get()),
    );
    expect(odd.code).to.equal('ESOMETHING');
    for (const thrown of [new Error('no code'), undefined, null]) {
      const err = await failure(scripted([{ reject: thrown }], once).client.send(get()));
      expect(err.code, String(thrown)).to.equal('network error');
      expect(err.message).to.equal('T-Gate GET /partner/v1/orders failed (network error)');
    }
  });

  it('clears its deadline once the answer is in', async () => {
    const { client, configs } = scripted([{ status: 200 }], { timeoutMs: 20 });
    await client.send(get());
    await new Promise((r) => setTimeout(r, 60));
    expect((configs[0].signal as AbortSignal).aborted).to.equal(false);
  });

  it('refuses a Retry-After beyond its limit, in seconds', async () => {
    const { client } = scripted([{ status: 429, headers: { 'retry-after': '120' } }], {
      policy: { maxRetryAfterMs: 60_000 },
    });
    const err = await failure(client.send(get()));
    expect(err.message).to.match(/\(asked to retry after 120 s, more than the 60 s this client waits\)$/);
  });

  it('may spend its whole retry time budget, and not a millisecond more', async () => {
    const answers = (): Scripted[] => [
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, data: 'ok' },
    ];
    const exact = scripted(answers(), { policy: { maxTotalDelayMs: 1000 } });
    expect((await exact.client.send(get())).data).to.equal('ok');
    expect(exact.sleeps).to.deep.equal([1000]);
    const over = scripted(answers(), { policy: { maxTotalDelayMs: 999 } });
    expect((await failure(over.client.send(get()))).message).to.match(/\(retry time budget spent\)$/);
  });

  it('flattens headers in any shape: lower-case names, lists joined, empty values left out', async () => {
    const plain = {
      'X-List': ['a', 'b'],
      'Content-Type': 'text/plain',
      'X-Null': null,
      'X-Undefined': undefined,
      'X-Number': 5,
    };
    const withToJSON = { toJSON: () => ({ 'X-From-Json': 'yes' }), 'X-Own': 'no' };
    const cases: Array<[unknown, Record<string, string>]> = [
      [plain, { 'x-list': 'a, b', 'content-type': 'text/plain', 'x-number': '5' }],
      [withToJSON, { 'x-from-json': 'yes' }],
      [undefined, {}],
      ['x-text: 1', {}],
    ];
    for (const [headers, flat] of cases) {
      const { client } = scripted([{ status: 200, headers }]);
      expect((await client.send(get())).headers, JSON.stringify(headers)).to.deep.equal(flat);
    }
  });

  describe('against a server', () => {
    let server: http.Server;
    let url: string;
    before(async () => {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('{"read":"as JSON"}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('reads a JSON body as JSON whatever its content type', async () => {
      const res = await new HttpClient({ service: 'T-Gate' }).send(get(url));
      expect(res.data).to.deep.equal({ read: 'as JSON' });
    });
  });
});
