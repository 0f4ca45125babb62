import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requestToken, TGATE_PROFILE } from '../../../lib/auth';
import { OAuthKeys } from '../../../lib/auth/keys';
import { HttpClient } from '../../../lib/http';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { buildAuthorizeUrl, codeFromRedirect } from '../../../lib/tgate';
import { ROOT, RunResult, tgate } from './tgateRunner';

const CLIENT = {
  clientId: 'dev-cli-app',
  clientSecret: `dev-secret-${crypto.randomBytes(8).toString('hex')}`,
  redirectUris: ['http://127.0.0.1:8765/callback'],
};

/** `tgate run`, `tgate verify`, `tgate select`, `--version`, `help`: subprocesses against the embedded sandbox. */
describe('cli: tgate run / verify / select (subprocess against the embedded sandbox)', function () {
  this.timeout(40_000);
  let sandbox: Sandbox;
  let tmp: string;
  let env: Record<string, string>;
  const issued: string[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, clients: [CLIENT] });
    env = {
      TGATE_CLIENT_ID: CLIENT.clientId,
      TGATE_CLIENT_SECRET: CLIENT.clientSecret,
      TGATE_TOKEN_URI: sandbox.tokenUrl,
      TGATE_API_BASE_URL: sandbox.apiBaseUrl,
    };
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-dev-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The access grant flow on the sandbox (it approves at once): fresh tokens for one cfg. */
  async function grant(): Promise<OAuthKeys> {
    const http = new HttpClient({ service: 'the T-Gate sandbox', timeoutMs: 10_000 });
    const { url, state } = buildAuthorizeUrl(sandbox.authorizeUrl, CLIENT.clientId, CLIENT.redirectUris[0]);
    const approval = await http.send({ method: 'GET', url });
    const code = codeFromRedirect(String(approval.headers.location), state);
    const tokens = await requestToken(http, {
      tokenUrl: sandbox.tokenUrl,
      profile: TGATE_PROFILE,
      client: CLIENT,
      grant: { type: 'authorization_code', code, redirectUri: CLIENT.redirectUris[0] },
    });
    issued.push(String(tokens.access_token), String(tokens.refresh_token));
    return tokens;
  }

  function writeJson(name: string, value: unknown): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  }

  /** Runs tgate with the tenant's OAuth client in the environment; no token or client secret may appear in its output. */
  async function run(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const result = await tgate(args, { env: { ...env, ...extraEnv } });
    const all = result.stdout + result.stderr;
    for (const secret of [CLIENT.clientSecret, ...issued]) expect(all, 'a secret was printed').not.to.contain(secret);
    expect(all).not.to.match(/access_token|refresh_token|Bearer /);
    return result;
  }

  describe('tgate run', () => {
    it('runs an action in the sailor TaskExec and prints each emitted message readably, or as JSON lines with --json', async () => {
      const cfg = writeJson('cfg.json', {
        environment: 'company-sandbox',
        oauth: await grant(),
        emitBehavior: 'emitIndividually',
      });
      const [readable, json] = await Promise.all([
        run(['run', 'listIntegrationScopes', '--cfg', cfg]),
        run(['run', 'listIntegrationScopes', '--cfg', cfg, '--json']),
      ]);
      expect(readable.code, readable.stderr).to.equal(0);
      const dataLines = readable.stdout.split('\n').filter((l) => /^data \d+: /.test(l));
      expect(dataLines).to.have.length(45);
      expect(readable.stdout).to.contain('listIntegrationScopes: 45 data message(s), 0 error(s)\n');
      expect(readable.stdout, 'sailor log lines leaked into stdout').not.to.match(/^\{"name":"sailor"/m);
      expect(json.code, json.stderr).to.equal(0);
      const events = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; body?: { id?: unknown } });
      expect(events).to.have.length(45);
      expect(events.every((e) => e.event === 'data' && e.body?.id !== undefined)).to.equal(true);
      expect(dataLines[0]).to.equal(`data 1: ${JSON.stringify(events[0].body)}`);
    });

    it('writes refreshed keys back into the cfg file (other fields kept, mode 0600) without printing them', async () => {
      const tokens = await grant();
      const cfg = writeJson('cfg.json', {
        environment: 'company-sandbox',
        oauth: { ...tokens, expires_at: new Date(Date.now() - 1000).toISOString() },
        emitBehavior: 'emitIndividually',
        note: 'kept',
      });
      fs.chmodSync(cfg, 0o644);
      const result = await run(['run', 'listIntegrationScopes', '--cfg', cfg]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(
        new RegExp(
          `^updateKeys: new keys saved 1 time\\(s\\); environment, oauth written to ${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
          'm',
        ),
      );
      const after = JSON.parse(fs.readFileSync(cfg, 'utf8'));
      expect(after.note).to.equal('kept');
      expect(after.emitBehavior).to.equal('emitIndividually');
      expect(after.oauth.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
      expect(after.oauth.access_token).to.be.a('string').and.not.equal(tokens.access_token);
      expect(fs.statSync(cfg).mode & 0o777).to.equal(0o600);
      issued.push(after.oauth.access_token, after.oauth.refresh_token);
      // The rotated-out refresh token is dead: only the written-back keys work now.
      const again = await run(['verify', '--cfg', cfg]);
      expect(again.code, again.stdout + again.stderr).to.equal(0);
    });

    it('exits 1 and prints the error when the function emitted one', async () => {
      const cfg = writeJson('cfg.json', {
        environment: 'company-sandbox',
        oauth: await grant(),
        resourceType: 'no-such-type',
      });
      const msg = writeJson('msg.json', { id: 'x' });
      const result = await run(['run', 'lookupObject', '--cfg', cfg, '--msg', msg]);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/^error: Invalid step configuration: resourceType must be one of "brands"/m);
      expect(result.stdout).to.match(/lookupObject: 0 data message\(s\), 1 error\(s\)/);
    });

    it('prints a rebound (T-Gate failing beyond the retries) and exits 0, as documented', async () => {
      const cfg = writeJson('cfg.json', {
        environment: 'company-sandbox',
        oauth: await grant(),
        emitBehavior: 'emitIndividually',
      });
      sandbox.injectFault({ path: '/partner/v1/integration_scopes', status: 503, times: Infinity });
      try {
        const [readable, json] = await Promise.all([
          run(['run', 'listIntegrationScopes', '--cfg', cfg], { TGATE_RETRY_MAX_ATTEMPTS: '1' }),
          run(['run', 'listIntegrationScopes', '--cfg', cfg, '--json'], { TGATE_RETRY_MAX_ATTEMPTS: '1' }),
        ]);
        expect(readable.code, readable.stdout + readable.stderr).to.equal(0);
        expect(readable.stdout).to.match(
          /^rebound: .+ \(on the platform the message would be delivered again later\)$/m,
        );
        expect(readable.stdout).to.contain('listIntegrationScopes: 0 data message(s), 0 error(s), 1 rebound(s)');
        expect(json.code).to.equal(0);
        expect(
          json.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).event),
        ).to.deep.equal(['rebound']);
      } finally {
        sandbox.clearFaults();
      }
    });

    it('keeps the last snapshot in the --snapshot file and reads it on the next run', async () => {
      const cfg = writeJson('cfg.json', {
        environment: 'company-sandbox',
        oauth: await grant(),
        resourceType: 'brands',
      });
      const snapshot = path.join(tmp, 'snapshot.json');
      const first = await run(['run', 'pollCatalog', '--cfg', cfg, '--snapshot', snapshot]);
      expect(first.code, first.stdout + first.stderr).to.equal(0);
      expect(first.stdout).to.contain(`(written to ${snapshot})`);
      const kept = JSON.parse(fs.readFileSync(snapshot, 'utf8'));
      expect(kept).to.be.an('object').and.not.deep.equal({});
      const second = await run(['run', 'pollCatalog', '--cfg', cfg, '--snapshot', snapshot, '--json']);
      expect(second.code, second.stderr).to.equal(0);
      const firstData = first.stdout.split('\n').filter((l) => l.startsWith('data ')).length;
      const secondData = second.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.event === 'data').length;
      expect(firstData).to.be.greaterThan(0);
      expect(secondData, 'the second poll started from the kept snapshot').to.be.lessThan(firstData);
    });

    it('names usage mistakes with exit 2: an unknown function, a missing or invalid cfg file', async () => {
      const bad = writeJson('bad.json', [1, 2]);
      const [unknown, missing, notObject] = await Promise.all([
        run(['run', 'noSuchAction', '--cfg', bad]),
        run(['run', 'listIntegrationScopes', '--cfg', path.join(tmp, 'absent.json')]),
        run(['run', 'listIntegrationScopes', '--cfg', bad]),
      ]);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain(
        'component.json has no trigger or action "noSuchAction"; it has: pollCatalog, webhookEvents, listIntegrationScopes',
      );
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain(`cannot read the cfg file ${path.join(tmp, 'absent.json')}: ENOENT`);
      expect(notObject.code).to.equal(2);
      expect(notObject.stderr).to.contain('must hold a JSON object');
    });
  });

  describe('tgate verify and tgate select', () => {
    it('verify prints "verified" and exits 0; a revoked credential prints why and exits 1', async () => {
      const good = writeJson('good.json', { environment: 'company-sandbox', oauth: await grant() });
      const bad = writeJson('bad.json', {
        environment: 'company-sandbox',
        oauth: {
          access_token: 'not-a-token-0001',
          refresh_token: 'not-a-token-0002',
          token_type: 'Bearer',
          expires_in: 7200,
        },
      });
      const [ok, refused] = await Promise.all([
        run(['verify', '--cfg', good]),
        run(['verify', '--cfg', bad, '--json']),
      ]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.equal('verified\n');
      expect(refused.code, refused.stderr).to.equal(1);
      const doc = JSON.parse(refused.stdout);
      expect(doc.verified).to.equal(false);
      expect(doc.reason).to.match(/must be reconnected: the refresh token was rejected \(invalid_grant/);
    });

    it('select lists the options of a select model as key and label; an unknown model is a usage error', async () => {
      const cfg = writeJson('cfg.json', { environment: 'company-sandbox', oauth: await grant() });
      const [table, json, unknown] = await Promise.all([
        run(['select', 'resourceTypes', '--cfg', cfg]),
        run(['select', 'resourceTypes', '--cfg', cfg, '--json', '--function', 'lookupObjects']),
        run(['select', 'noSuchModel', '--cfg', cfg]),
      ]);
      expect(json.code, json.stderr).to.equal(0);
      const options = JSON.parse(json.stdout) as Record<string, string>;
      expect(Object.keys(options)).to.include('brands');
      expect(table.code, table.stderr).to.equal(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines).to.have.length(Object.keys(options).length);
      expect(lines[0]).to.match(
        new RegExp(
          `^${Object.keys(options)[0]}\\s+${Object.values(options)[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
        ),
      );
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain('no field in component.json uses the select model "noSuchModel"');
    });
  });

  describe('--version and help', () => {
    it('prints the package version, and help for the program and each command with exit 0', async () => {
      const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
      const [v, help, helpRun, runHelp, top] = await Promise.all([
        run(['--version']),
        run(['help', 'select']),
        run(['help', 'run']),
        run(['run', '--help']),
        run(['help']),
      ]);
      expect(v.code).to.equal(0);
      expect(v.stdout).to.equal(`${version}\n`);
      for (const r of [help, helpRun, runHelp, top]) expect(r.code, r.stderr).to.equal(0);
      expect(help.stdout).to.contain('Usage: tgate select [options] <model>').and.contain('Example:');
      expect(helpRun.stdout).to.equal(runHelp.stdout);
      expect(runHelp.stdout).to.contain('tgate run lookupObjects --msg msg.json --json');
      const subcommandHelp = await Promise.all(
        [
          ['start'],
          ['sandbox'],
          ['connect'],
          ['verify'],
          ['oauth-clients'],
          ['oauth-clients', 'list'],
          ['oauth-clients', 'get'],
          ['oauth-clients', 'create'],
          ['oauth-clients', 'update'],
          ['oauth-clients', 'delete'],
        ].map((c) => run([...c, '--help'])),
      );
      for (const h of subcommandHelp) {
        expect(h.code).to.equal(0);
        expect(h.stdout, h.stdout.split('\n')[0]).to.match(
          /\nExample:\n {2}(printf %s "\$SECRET" \| )?(TGATE_CLIENT_ID=my-app )?(npx )?tgate /,
        );
      }
      for (const name of ['run', 'verify', 'select', 'connect', 'help'])
        expect(top.stdout).to.match(new RegExp(`^  ${name} `, 'm'));
    });
  });
});
