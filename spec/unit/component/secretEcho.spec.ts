import http from 'node:http';
import { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';
import { PlatformAccountsServer, startPlatformAccounts } from '../../helpers/platformAccounts';
import { tokenMemory } from '../../../lib/auth';

const action = loadFunction('listIntegrationScopes');

const CLIENT_ID = 'echoed-client-id-42';
const CLIENT_SECRET = 'echoed+client/secret=99';
const ACCESS = 'echoed-access-token-7f3a';
const REFRESH = 'echoed-refresh-token-c0de';

type Reply = (req: http.IncomingMessage, body: string) => { status: number; body: unknown };

/** A token endpoint and partner API that put whatever secret they received into their error messages. */
async function hostileServer(reply: Reply): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { status, body: out } = reply(req, body);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        ...(status >= 300 && status < 400 ? { Location: (out as { location: string }).location } : {}),
      });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('no secret in an error, even when a server echoes it', function () {
  this.timeout(20_000);
  let server: Awaited<ReturnType<typeof hostileServer>> | undefined;
  let platform: PlatformAccountsServer;
  const saved = { ...process.env };

  async function run(reply: Reply, expired: boolean): Promise<StepOutcome> {
    server = await hostileServer(reply);
    platform = await startPlatformAccounts();
    Object.assign(process.env, {
      TGATE_CLIENT_ID: CLIENT_ID,
      TGATE_CLIENT_SECRET: CLIENT_SECRET,
      TGATE_TOKEN_URI: `${server.url}/oauth/token`,
      TGATE_API_BASE_URL: `${server.url}/partner/v1`,
    });
    const oauth = {
      access_token: ACCESS,
      refresh_token: REFRESH,
      expires_at: new Date(Date.now() + (expired ? -1000 : 3600_000)).toISOString(),
    };
    const account = `echo-${Math.random().toString(16).slice(2)}`;
    platform.accounts.set(account, { keys: { environment: 'company-sandbox', oauth } });
    return runStep(action, { body: {} }, { _account: account, environment: 'company-sandbox', oauth }, platform);
  }

  function leaks(outcome: StepOutcome): string[] {
    const text = [
      ...outcome.logLines,
      ...outcome.rebounds,
      ...outcome.errors.map((e) => `${e.message}\n${e.stack}\n${JSON.stringify(e)}`),
      ...outcome.data.map((d) => JSON.stringify(d)),
    ].join('\n');
    const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString(
      'base64',
    );
    return [CLIENT_ID, CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET), ACCESS, REFRESH, basic].filter((s) =>
      text.includes(s),
    );
  }

  afterEach(async () => {
    await server?.close();
    await platform?.close();
    tokenMemory.forget();
    for (const k of ['TGATE_CLIENT_ID', 'TGATE_CLIENT_SECRET', 'TGATE_TOKEN_URI', 'TGATE_API_BASE_URL']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('a token endpoint that echoes the refresh token in error_description', async () => {
    const outcome = await run(
      (_req, body) => ({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: `refresh_token ${new URLSearchParams(body).get('refresh_token')} is malformed`,
        },
      }),
      true,
    );
    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0].message).to.equal(
      'T-Gate OAuth client is misconfigured: the token endpoint refused the refresh token request (invalid_request (refresh_token [redacted] is malformed))',
    );
    expect(leaks(outcome)).to.deep.equal([]);
  });

  it('a token endpoint whose 500 message holds the client id and secret', async () => {
    const outcome = await run((req) => {
      const [id, secret] = Buffer.from(String(req.headers.authorization).slice(6), 'base64')
        .toString()
        .split(':')
        .map((v) => decodeURIComponent(v.replace(/\+/g, ' ')));
      return { status: 500, body: { message: `could not authenticate ${id} with ${secret}` } };
    }, true);
    // A 500 is transient: the message is rebounded, and the reason is scrubbed too.
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.rebounds).to.have.length(1);
    expect(outcome.rebounds[0]).to.contain('could not authenticate [redacted] with [redacted]');
    expect(leaks(outcome)).to.deep.equal([]);
  });

  it('a 3xx whose Location carries the access token and the client secret in its path', async () => {
    const outcome = await run(
      (req) => ({
        status: 302,
        body: {
          location: `/partner/v1/callback/${String(req.headers.authorization).slice(7)}/${CLIENT_SECRET}/${CLIENT_ID}?x=1`,
        },
      }),
      false,
    );
    expect(outcome.errors).to.have.length(1);
    expect(outcome.errors[0].message).to.match(
      /^T-Gate GET \/integration_scopes answered 302: a redirect to http:\/\/127\.0\.0\.1:\d+\/partner\/v1\/callback\/\[redacted\]\/\[redacted\]\/\[redacted\], which the component does not follow/,
    );
    expect(leaks(outcome)).to.deep.equal([]);
  });

  for (const status of [401, 403]) {
    it(`an API ${status} that echoes the access token`, async () => {
      const outcome = await run(
        (req) =>
          req.url?.startsWith('/oauth/token')
            ? {
                status: 200,
                body: {
                  access_token: `${ACCESS}-next`,
                  refresh_token: `${REFRESH}-next`,
                  expires_in: 7200,
                  token_type: 'Bearer',
                },
              }
            : {
                status,
                body: { message: `access token ${String(req.headers.authorization).slice(7)} is not allowed here` },
              },
        false,
      );
      expect(outcome.errors).to.have.length(1);
      expect(outcome.errors[0].message).to.match(
        new RegExp(
          `^T-Gate GET /partner/v1/integration_scopes answered ${status}: access token \\[redacted\\] is not allowed here`,
        ),
      );
      expect(leaks(outcome)).to.deep.equal([]);
      const text = outcome.errors.map((e) => `${e.message} ${e.stack}`).join('\n');
      expect(text).not.to.contain(`${ACCESS}-next`);
    });
  }
});
