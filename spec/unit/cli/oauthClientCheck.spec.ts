import { expect } from 'chai';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { freePort, RunOptions, RunResult, tgate } from './tgateRunner';

/** A secret where raw and form Basic encoding differ: T-Gate (Doorkeeper) reads it raw. */
const CLIENT = {
  clientId: 'check-app',
  clientSecret: 'check+secret/=7f3a9c1d',
  redirectUris: ['http://127.0.0.1:8765/callback'],
};
const WRONG_SECRET = 'not-the-secret-5e4d3c2b';
const USER = 'ops@example.com';
const API_KEY = 'KEY-check-0123456789';
const TENANT = 'tenant-1';

/** `tgate oauth-clients check` and `create|update --check`, as subprocesses against the embedded sandbox. */
describe('cli: tgate oauth-clients check (subprocess against the embedded sandbox)', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let html: http.Server;
  let htmlUrl: string;

  before(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    // A web server where the token endpoint should be: a login page, not OAuth.
    html = http.createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not here</body></html>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/oauth/token`;
  });
  after(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => html.close(() => resolve()));
  });

  /** Runs the command; neither secret may appear in what it prints. */
  async function check(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await tgate(['oauth-clients', 'check', ...args], options);
    for (const secret of [CLIENT.clientSecret, WRONG_SECRET]) {
      expect(result.stdout + result.stderr, 'a secret was printed').not.to.contain(secret);
    }
    return result;
  }

  it('accepts the right pair (invalid_grant to a code that cannot exist), secret on stdin: exit 0', async () => {
    const result = await check(['--client-id', CLIENT.clientId, '--token-url', sandbox.tokenUrl], {
      input: `${CLIENT.clientSecret}\n`,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^accepted: .*authenticated client check-app: it answered 400 invalid_grant/);
    const sent = sandbox.tokenRequests[sandbox.tokenRequests.length - 1];
    expect(sent.grantType).to.equal('authorization_code');
    expect(sent.error).to.equal('invalid_grant');
    expect(sent.status).to.equal(400);
  });

  it('refuses a wrong secret and an unknown client id (invalid_client): exit 1; env secret, --json', async () => {
    const wrong = await check(['--client-id', CLIENT.clientId, '--token-url', sandbox.tokenUrl, '--json'], {
      env: { TGATE_CLIENT_SECRET: WRONG_SECRET },
    });
    expect(wrong.code).to.equal(1);
    const doc = JSON.parse(wrong.stdout);
    expect(doc).to.include({ verdict: 'refused', clientId: CLIENT.clientId, tokenUrl: sandbox.tokenUrl });
    expect(doc).to.include({ status: 401, oauthError: 'invalid_client', answered: '401 invalid_client' });
    const unknown = await check(['--token-url', sandbox.tokenUrl], {
      env: { TGATE_CLIENT_ID: 'no-such-app', TGATE_CLIENT_SECRET: CLIENT.clientSecret },
    });
    expect(unknown.code).to.equal(1);
    expect(unknown.stdout).to.match(/^refused: .* does not accept client no-such-app with this secret: it answered /);
  });

  it('reports anything else as it came: exit 1 (unreachable, an HTML page, a 5xx)', async () => {
    const env = { TGATE_CLIENT_SECRET: CLIENT.clientSecret };
    const port = await freePort();
    const down = await check(['--client-id', CLIENT.clientId, '--token-url', `http://127.0.0.1:${port}/oauth/token`], {
      env,
    });
    expect(down.code).to.equal(1);
    expect(down.stdout).to.match(/^unknown: could not tell .*check-app: no answer \(ECONNREFUSED\)/);
    const page = await check(['--client-id', CLIENT.clientId, '--token-url', htmlUrl, '--json'], { env });
    expect(page.code).to.equal(1);
    expect(JSON.parse(page.stdout)).to.include({
      verdict: 'unknown',
      status: 404,
      answered: '404 with an HTML page, not an OAuth error',
    });
    sandbox.injectFault({ path: '/oauth/token', status: 502 });
    const failing = await check(['--client-id', CLIENT.clientId], {
      env: { ...env, TGATE_TOKEN_URI: sandbox.tokenUrl },
    });
    expect(failing.code).to.equal(1);
    expect(failing.stdout).to.match(/^unknown: .*answered 502/);
  });

  it('usage errors exit 2, naming the problem; a secret as an argument is refused without echoing it', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--token-url', 'http://127.0.0.1:1/oauth/token'], /no client id: give --client-id ID or set TGATE_CLIENT_ID/],
      [['--client-id', 'a', '--environment', 'company', '--token-url', 'http://x/t'], /--environment or --token-url,/],
      [['--client-id', 'a', '--environment', 'staging'], /'staging' is invalid. Allowed choices are company, comp/],
      [['--client-id', 'a', '--token-url', 'ftp://x/'], /--token-url is not a valid http\(s\) URL/],
      [['--client-id', 'a', '--client-secret', WRONG_SECRET], /--client-secret is refused/],
    ];
    for (const [args, pattern] of cases) {
      const result = await check(args, { input: CLIENT.clientSecret });
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(pattern);
    }
    const spaced = await check(['--client-id', 'a', '--token-url', sandbox.tokenUrl], {
      env: { TGATE_CLIENT_SECRET: 'two words' },
    });
    expect(spaced.code).to.equal(2);
    expect(spaced.stderr).to.match(/TGATE_CLIENT_SECRET contains whitespace/);
  });

  describe('create and update --check (against the platform stand-in)', () => {
    let api: LocalPlatform;
    let existing: string;
    const env = (): Record<string, string> => ({
      ELASTICIO_API_URI: api.url,
      ELASTICIO_API_USERNAME: USER,
      ELASTICIO_API_KEY: API_KEY,
      ELASTICIO_TENANT_ID: TENANT,
      TGATE_TOKEN_URI: sandbox.tokenUrl,
    });
    const writes = (): string[] => api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

    beforeEach(async () => {
      api = await startLocalPlatform();
      api.addUser(USER, API_KEY).addTenant(TENANT, ['cmp-a', 'cmp-b']);
      existing = api.addClient(TENANT, { ...CLIENT, componentId: 'cmp-b' });
    });
    afterEach(async () => {
      await api.close();
    });

    it('create --check stores a pair T-Gate accepts and refuses, storing nothing, one it refuses', async () => {
      const create = [
        'oauth-clients',
        'create',
        '--component',
        'cmp-a',
        '--client-id',
        CLIENT.clientId,
        '--client-secret-stdin',
        '--check',
      ];
      const refused = await tgate(create, { env: env(), input: WRONG_SECRET });
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/nothing stored: refused: .* does not accept client check-app with this secret/);
      expect(writes()).to.deep.equal([]);
      const created = await tgate(create, { env: env(), input: CLIENT.clientSecret });
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stderr).to.match(/checked: accepted: /);
      expect(writes()).to.deep.equal([`POST /v2/tenants/${TENANT}/oauth-clients`]);
      for (const r of [refused, created]) {
        expect(r.stdout + r.stderr)
          .not.to.contain(CLIENT.clientSecret)
          .and.not.to.contain(WRONG_SECRET);
      }
    });

    it('update --check checks the pair to be stored (stored secret, new id), refuses an unknown answer', async () => {
      const update = ['oauth-clients', 'update', existing];
      const newId = await tgate([...update, '--client-id', 'renamed-app', '--check'], { env: env() });
      expect(newId.code).to.equal(1);
      expect(newId.stderr).to.match(/nothing stored: refused: .*client renamed-app/);
      expect(writes()).to.deep.equal([]);
      const port = await freePort();
      const elsewhere = ['--token-url', `http://127.0.0.1:${port}/oauth/token`];
      const unreachable = await tgate([...update, '--client-secret-stdin', '--check', ...elsewhere], {
        env: env(),
        input: CLIENT.clientSecret,
      });
      expect(unreachable.code).to.equal(1);
      expect(unreachable.stderr).to.match(/nothing stored: unknown: .*; run without --check to store it anyway/);
      expect(writes()).to.deep.equal([]);
      const same = await tgate([...update, '--client-secret-stdin', '--check'], {
        env: env(),
        input: CLIENT.clientSecret,
      });
      expect(same.code, same.stderr).to.equal(0);
      expect(writes()).to.have.length(1);
      const stray = await tgate([...update, '--client-id', 'x', '--environment', 'company'], { env: env() });
      expect(stray.code).to.equal(2);
      expect(stray.stderr).to.match(/--environment and --token-url go with --check/);
    });
  });
});
