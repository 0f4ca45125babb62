import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readProfile } from '../../../lib/cli/profile';
import { ROOT, RunResult, tgate } from './tgateRunner';

const TENANT = '5e5e5e5e5e5e5e5e5e5e5e01';
const FREE_COMPONENT = '5f0c0ffee0000000000000aa';
const IN_USE_CLIENT = '6a1b2c3d4e5f600000000001';
const SECRET = 'sandbox-client-secret-0042';

interface Sandbox {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(ELASTICIO_|TGATE_)/.test(k)) env[k] = v;
  return env;
}

/** `tgate platform-sandbox ...args` in `cwd`, resolved once it has printed its settings (or has exited). */
async function startSandbox(args: string[], cwd: string): Promise<Sandbox> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tgate.js'), 'platform-sandbox', ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform-sandbox printed no settings: ${out}${err}`)), 10000);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\nServes ')) done();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    void exited.then(done);
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe('cli: tgate platform-sandbox (subprocess), then tgate oauth-clients against it', function () {
  this.timeout(30000);
  let tmp: string;
  let sandbox: Sandbox | undefined;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-platform-sandbox-'));
  });
  afterEach(async () => {
    if (sandbox && sandbox.child.exitCode === null) {
      sandbox.child.kill('SIGKILL');
      await sandbox.exited;
    }
    sandbox = undefined;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the settings to paste, keeps the API key in a 0600 profile, serves create/list/get/update/delete with the in-use refusal, and stops on Ctrl-C', async () => {
    const profile = path.join(tmp, '.tgate', 'platform-sandbox.env');
    fs.mkdirSync(path.dirname(profile));
    fs.writeFileSync(profile, 'stale\n', { mode: 0o644 });
    sandbox = await startSandbox(['--port', '0'], tmp);
    const printed = sandbox.stdout();
    expect(printed, sandbox.stderr()).to.match(
      /^Platform API sandbox listening on http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)/,
    );

    expect(fs.statSync(profile).mode & 0o777, 'the profile is private even when it existed before').to.equal(0o600);
    const settings = readProfile(profile);
    const apiUrl = /API URL\s+(\S+)/.exec(printed)![1];
    expect(settings).to.deep.include({
      ELASTICIO_API_URI: apiUrl,
      ELASTICIO_API_USERNAME: 'sandbox-admin@tgate.invalid',
      ELASTICIO_TENANT_ID: TENANT,
    });
    const apiKey = settings.ELASTICIO_API_KEY!;
    expect(apiKey).to.have.length.above(20);
    expect(printed)
      .to.contain(`tenant id     ${TENANT}`)
      .and.contain(`component id  ${FREE_COMPONENT}`)
      .and.contain(`export TGATE_PROFILE=${profile}`)
      .and.contain(`--profile ${profile}`)
      .and.contain(
        `tgate oauth-clients create --profile ${profile} --component ${FREE_COMPONENT} --client-id my-app --client-secret-stdin`,
      )
      .and.contain(`OAuth client ${IN_USE_CLIENT}`);

    const results: RunResult[] = [];
    const oauth = async (args: string[], input?: string): Promise<RunResult> => {
      const r = await tgate(['oauth-clients', ...args, '--profile', profile], { input });
      results.push(r);
      return r;
    };

    const created = await oauth(
      ['create', '--component', FREE_COMPONENT, '--client-id', 'my-app', '--client-secret-stdin', '--json'],
      `${SECRET}\n`,
    );
    expect(created.code, created.stderr).to.equal(0);
    const id = JSON.parse(created.stdout).data.id as string;
    expect(JSON.parse(created.stdout).data.attributes).to.deep.equal({
      client_id: 'my-app',
      client_secret: '••••••••0042',
    });

    const got = await oauth(['get', id, '--json', '--reveal-secrets']);
    expect(got.code, got.stderr).to.equal(0);
    expect(JSON.parse(got.stdout).data.attributes.client_secret, 'the sandbox stored the secret sent').to.equal(SECRET);
    results.pop(); // revealed on purpose

    const updated = await oauth(['update', id, '--client-id', 'my-app-2']);
    expect(updated.code, updated.stderr).to.equal(0);
    expect(updated.stdout).to.match(new RegExp(`${id}\\s+${FREE_COMPONENT}\\s+my-app-2\\s+••••••••0042`));

    const listed = await oauth(['list']);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout.trimEnd().split('\n')).to.have.length(3);
    expect(listed.stdout).to.contain(IN_USE_CLIENT).and.contain(id);

    const refused = await oauth(['delete', IN_USE_CLIENT, '--yes']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr)
      .to.contain('tgate: refused: the OAuth client is still used by at least one flow in the tenant')
      .and.contain('answered 409 to DELETE')
      .and.contain('OAuth client is used in flow "Orders to ERP (sandbox)" and can not be deleted');

    const deleted = await oauth(['delete', id, '--yes']);
    expect(deleted.code, deleted.stderr).to.equal(0);
    const after = await oauth(['get', id]);
    expect(after.code).to.equal(1);
    expect(after.stderr).to.contain(`OAuth client ${id} not found in tenant ${TENANT}`);

    const wrongKey = await tgate(['oauth-clients', 'list'], {
      env: {
        ELASTICIO_API_URI: apiUrl,
        ELASTICIO_TENANT_ID: TENANT,
        ELASTICIO_API_USERNAME: 'sandbox-admin@tgate.invalid',
        ELASTICIO_API_KEY: 'not-the-key-0000',
      },
    });
    expect(wrongKey.code).to.equal(1);
    expect(wrongKey.stderr).to.contain('did not accept the credentials');

    // The v1 accounts calls the sailor makes, with the same Basic credentials.
    const basic = `Basic ${Buffer.from(`sandbox-admin@tgate.invalid:${apiKey}`).toString('base64')}`;
    const put = await fetch(`${apiUrl}/v1/accounts/sandbox-account`, {
      method: 'PUT',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ keys: { environment: 'company-sandbox' } }),
    });
    expect(put.status).to.equal(200);
    const account = await fetch(`${apiUrl}/v1/accounts/sandbox-account`, { headers: { authorization: basic } });
    expect(await account.json()).to.deep.equal({ _id: 'sandbox-account', keys: { environment: 'company-sandbox' } });
    expect((await fetch(`${apiUrl}/v1/accounts/sandbox-account`)).status).to.equal(401);

    expect(sandbox.stderr()).to.contain(`DELETE /v2/tenants/${TENANT}/oauth-clients/${IN_USE_CLIENT} -> 409`);
    sandbox.child.kill('SIGINT');
    expect(await sandbox.exited, 'Ctrl-C stops it, as every command: exit 130').to.equal(130);
    expect(sandbox.stderr()).to.match(/tgate: cancelled\n$/);

    const everything = [printed, sandbox.stdout(), sandbox.stderr(), ...results.map((r) => r.stdout + r.stderr)].join(
      '\n',
    );
    expect(everything, 'the API key was printed').to.not.contain(apiKey);
    expect(everything, 'a client secret was printed').to.not.contain(SECRET);
  });

  it('a port in use, a host that is not loopback, a port out of range: a usage error (exit 2) with a hint, not a stack trace', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      sandbox = await startSandbox(['--port', String(port)], tmp);
      expect(await sandbox.exited).to.equal(2);
      expect(sandbox.stderr()).to.equal(
        `tgate: port ${port} is in use (127.0.0.1:${port}): pick another with --port, or --port 0 for any free port\n`,
      );
      expect(sandbox.stdout()).to.equal('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    expect(fs.existsSync(path.join(tmp, '.tgate')), 'nothing written when it could not start').to.equal(false);

    const open = await startSandbox(['--host', '0.0.0.0', '--port', '0'], tmp);
    expect(await open.exited).to.equal(2);
    expect(open.stderr()).to.match(
      /^tgate: --host 0\.0\.0\.0 is not a loopback address: the sandbox only listens on 127\.0\.0\.1, localhost, ::1\n$/,
    );

    const badPort = await startSandbox(['--port', '70000'], tmp);
    expect(await badPort.exited).to.equal(2);
    expect(badPort.stderr()).to.contain('a port is a whole number from 0 to 65535');
  });

  it('--help documents what it serves, the in-use client and where the API key goes', async () => {
    const help = await tgate(['platform-sandbox', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout)
      .to.contain('--port')
      .and.contain('--host')
      .and.contain('--profile-file')
      .and.contain(IN_USE_CLIENT)
      .and.contain('refused (409 here')
      .and.contain('/v1/accounts/{id}')
      .and.contain('mode 600')
      .and.contain('Example:\n  tgate platform-sandbox --port 8090');
  });
});
