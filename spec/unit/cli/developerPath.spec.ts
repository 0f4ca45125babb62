import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, Live, ROOT, spawnLive, start, tgate } from './tgateRunner';

/** Runs one line that tgate printed, in bash in `cwd`, with `npx tgate` standing for this checkout's bin. */
function runPrinted(line: string, cwd: string): Live {
  const script = line.trim().replace(/\bnpx tgate\b/g, `node ${JSON.stringify(path.join(ROOT, 'bin/tgate.js'))}`);
  return spawnLive('bash', ['-c', script], { cwd, input: '' });
}

async function finished(live: Live): Promise<{ code: number | null; out: string }> {
  const { code } = await live.exited;
  return { code, out: live.stdout() + live.stderr() };
}

/** Plays the browser: opens the grant page (the sandbox approves at once) and follows its redirect. */
async function browse(grantUrl: string): Promise<{ status: number; text: string }> {
  const approval = await fetch(grantUrl, { redirect: 'manual' });
  const landing = await fetch(approval.headers.get('location') ?? '');
  return { status: landing.status, text: await landing.text() };
}

describe('cli: the developer path, as printed (tgate sandbox, then connect, then verify)', function () {
  this.timeout(90_000);
  let cwd: string;
  let sandbox: Live | undefined;

  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-devpath-'));
  });
  afterEach(async () => {
    if (sandbox && sandbox.child.exitCode === null) {
      sandbox.child.kill('SIGINT');
      await sandbox.exited;
    }
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  async function startSandbox(): Promise<{ connect: string; verify: string; port: number }> {
    const redirectPort = await freePort();
    sandbox = start(['sandbox', '--port', '0', '--redirect-uri', `http://127.0.0.1:${redirectPort}/callback`], { cwd });
    await sandbox.waitFor(/Press Ctrl-C/);
    const printed = sandbox.stdout().split('\n');
    const next = printed.findIndex((l) => l.startsWith('Next, in another terminal'));
    const connect = printed[next + 1];
    const verify = printed.slice(next + 2).find((l) => /^ {2}npx tgate verify/.test(l)) ?? '';
    const port = Number(/running at http:\/\/127\.0\.0\.1:(\d+)/.exec(sandbox.stdout())?.[1]);
    return { connect, verify, port };
  }

  it('connects and verifies with exactly the printed commands, then names 127.0.0.1:PORT once the sandbox is stopped', async () => {
    const { connect, verify, port } = await startSandbox();
    expect(connect).to.match(/npx tgate connect .*--api-base-url http:\/\/127\.0\.0\.1:\d+\/partner\/v1/);
    expect(verify.trim()).to.equal('npx tgate verify');

    const granting = runPrinted(connect, cwd);
    const grantUrl = (await granting.waitFor(/^ {2}(http\S+)$/m))[1];
    const page = await browse(grantUrl);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Access granted');
    const connected = await finished(granting);
    expect(connected.code, connected.out).to.equal(0);
    expect(connected.out).to.contain('Try it: npx tgate verify');

    // The credential lands in .tgate/ (git-ignored), names its client and sandbox, and keeps the secret apart.
    const cfgFile = path.join(cwd, '.tgate', 'cfg.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    expect(fs.statSync(cfgFile).mode & 0o777).to.equal(0o600);
    expect(cfg.tgateClient.apiBaseUrl).to.equal(`http://127.0.0.1:${port}/partner/v1`);
    expect(cfg.tgateClient.tokenUrl).to.equal(`http://127.0.0.1:${port}/oauth/token`);
    const secretFile = path.join(cwd, '.tgate', cfg.tgateClient.secretFile);
    const { clientSecret } = JSON.parse(fs.readFileSync(secretFile, 'utf8'));
    expect(fs.statSync(secretFile).mode & 0o777).to.equal(0o600);
    expect(JSON.stringify(cfg)).not.to.contain(clientSecret);
    expect(connected.out + sandbox!.stdout()).not.to.contain(clientSecret);

    const verified = await finished(runPrinted(verify, cwd));
    expect(verified.code, verified.out).to.equal(0);
    expect(verified.out).to.equal('verified\n');

    sandbox!.child.kill('SIGINT');
    await sandbox!.exited;
    // verify refreshes and calls the API: both must go to the stopped sandbox, never to T-Gate's hosts.
    const stopped = await finished(runPrinted(verify, cwd));
    expect(stopped.code, stopped.out).to.equal(1);
    expect(stopped.out).to.contain(`cannot reach 127.0.0.1:${port}`);
    expect(stopped.out).not.to.contain('t-gate.net');
  });

  it('shows the browser that access was NOT granted when the code exchange fails', async () => {
    const { connect } = await startSandbox();
    // The printed command with a wrong secret piped in, instead of the generated one.
    const wrong = connect.replace(/^.*\| (npx tgate connect)/, 'printf %s wrong-secret-value | $1');
    const granting = runPrinted(wrong, cwd);
    const page = await browse((await granting.waitFor(/^ {2}(http\S+)$/m))[1]);
    expect(page.status).to.equal(502);
    expect(page.text).to.contain('NOT granted');
    const result = await finished(granting);
    expect(result.code).to.equal(1);
    expect(result.out).to.contain('rejected the client id or secret');
    expect(fs.existsSync(path.join(cwd, '.tgate', 'cfg.json'))).to.equal(false);
  });

  it('refuses a token URL on this machine without its API base (the tokens would go to a public host)', async () => {
    const result = await tgate(['connect', '--client-id', 'app', '--token-url', 'http://127.0.0.1:9/oauth/token'], {
      input: 'secret-value',
    });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('is on this machine: give its API base too (--api-base-url');
  });
});

describe('cli: every command refuses a secret given as an argument, with one explanation', function () {
  this.timeout(30_000);
  for (const args of [['start'], ['connect', '--client-id', 'app'], ['verify'], ['run', 'lookupObject'], ['doctor']]) {
    it(`tgate ${args[0]} --client-secret VALUE: exit 2, saying why, never echoing the value`, async () => {
      const result = await tgate([...args, '--client-secret', 'hunter2-value']);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain(
        '--client-secret is refused: a secret given as an argument ends up in shell history and the process list',
      );
      expect(result.stdout + result.stderr).not.to.contain('hunter2-value');
    });
  }
});

describe('cli: commands named the way users reach for them', function () {
  this.timeout(30_000);
  it("oauth-clients patch is update (the platform's verb)", async () => {
    const [patch, update] = await Promise.all([
      tgate(['oauth-clients', 'patch', '--help']),
      tgate(['oauth-clients', 'update', '--help']),
    ]);
    expect(patch.code).to.equal(0);
    expect(patch.stdout).to.equal(update.stdout);
    expect(patch.stdout).to.contain('Usage: tgate oauth-clients update|patch');
  });

  it("tgate help oauth-clients create shows create's own help", async () => {
    const result = await tgate(['help', 'oauth-clients', 'create']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('Usage: tgate oauth-clients create');
    expect(result.stdout).to.contain('--component <id>');
  });

  it('connect defaults to the sandbox environment and to .tgate/cfg.json', async () => {
    const help = (await tgate(['connect', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).to.match(/--environment <name> .*default: "company-sandbox"/);
    expect(help).to.contain('default: ".tgate/cfg.json"');
  });

  it('tgate run without a function names what is missing and lists the functions (exit 2)', async () => {
    const result = await tgate(['run']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('name the trigger or action to run');
    expect(result.stderr).to.contain('lookupObjects');
  });
});
