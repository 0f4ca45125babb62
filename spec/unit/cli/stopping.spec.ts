import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net, { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { listenProblem } from '../../../lib/cli/main';
import { startProgress } from '../../../lib/cli/progress';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { connectViaGrantFlow } from '../../helpers/sandboxConnect';
import { startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { bash, freePort, ROOT, spawnLive, start } from './tgateRunner';

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The child processes of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Whether `pid` still runs (a zombie waiting for its reaper counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An occupied port on 127.0.0.1. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('cli: stopping tgate (signals, a closed stdout, ports in use), as subprocesses', function () {
  this.timeout(40_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-stop-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('tgate sandbox', () => {
    it('prints a grant page URL ready to open, the API with example paths that answer, where the secret is, and a next command that works', async () => {
      const callbackPort = await freePort();
      const live = start(['sandbox', '--port', '0', '--redirect-uri', `http://127.0.0.1:${callbackPort}/callback`], {
        cwd: tmp,
      });
      try {
        await live.waitFor(/Press Ctrl-C to stop/);
        const out = live.stdout();
        const file = path.join(tmp, '.tgate', 'sandbox-client.json');
        const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
        expect(out, 'the secret was printed').not.to.contain(saved.clientSecret);
        expect(out).to.contain(`client secret:  not shown: generated, saved in ${file} (mode 0600`);

        // The grant page URL carries every parameter and works as printed.
        const grantUrl = new URL(/^ {2}(http:\S+\/oauth\?\S+)$/m.exec(out)![1]);
        expect(Object.fromEntries(grantUrl.searchParams)).to.include({
          response_type: 'code',
          client_id: saved.clientId,
          redirect_uri: `http://127.0.0.1:${callbackPort}/callback`,
        });
        expect(grantUrl.searchParams.get('state')).to.match(/^[0-9a-f]{32}$/);
        const approval = await fetch(grantUrl, { redirect: 'manual' });
        expect(approval.status).to.equal(302);
        expect(new URL(approval.headers.get('location')!).searchParams.get('code')).to.be.a('string');

        // The example API paths are real: each answers 200 with a token.
        const base = /^API base URL: (\S+) /m.exec(out)![1];
        const origin = new URL(base).origin;
        const tokens = await connectViaGrantFlow(
          { authorizeUrl: `${origin}/oauth`, tokenUrl: `${origin}/oauth/token` },
          {
            clientId: saved.clientId,
            clientSecret: saved.clientSecret,
            redirectUris: [`http://127.0.0.1:${callbackPort}/callback`],
          },
        );
        const examples = [...out.matchAll(/^ {2}GET (\S+)$/gm)].map((m) => m[1].replace('BRANCH_ID', '211'));
        expect(examples.map((u) => u.slice(base.length).split('?')[0])).to.deep.equal([
          '/integration_scopes',
          '/branches',
          '/menus',
        ]);
        for (const url of examples) {
          const res = await fetch(url, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
          expect(res.status, url).to.equal(200);
        }

        // The next command, run as printed (its `npx tgate` is this checkout's bin), gets a credential.
        const next = /^Next, .*\n {2}(.+)$/m.exec(out)![1];
        expect(next).to.match(/^node -p .*sandbox-client\.json.*\| npx tgate connect /);
        const connect = spawnLive('bash', ['-c', next.replace('npx tgate', 'node "$TGATE_BIN"')], {
          cwd: tmp,
          env: { TGATE_BIN: path.join(ROOT, 'bin/tgate.js') },
        });
        // tgate connect prints its own grant URL; the sandbox approves at once, so opening it finishes the flow.
        const [, connectUrl] = await connect.waitFor(/^ {2}(http\S+)$/m);
        const done = await fetch(connectUrl);
        expect(done.status).to.equal(200);
        const result = await connect.exited;
        expect(result.code, connect.stderr()).to.equal(0);
        expect(JSON.parse(fs.readFileSync(path.join(tmp, '.tgate', 'cfg.json'), 'utf8')).environment).to.equal(
          'company-sandbox',
        );
      } finally {
        live.child.kill('SIGKILL');
      }
    });

    it('Ctrl-C (SIGINT) stops it with exit 130 and one line; the port is closed; SIGTERM exits 143', async () => {
      for (const [signal, code, line] of [
        ['SIGINT', 130, 'tgate: cancelled\n'],
        ['SIGTERM', 143, 'tgate: terminated (SIGTERM)\n'],
      ] as const) {
        const live = start(['sandbox', '--port', '0'], { cwd: tmp });
        const [, port] = await live.waitFor(/running at http:\/\/127\.0\.0\.1:(\d+)/);
        await live.waitFor(/Press Ctrl-C to stop/);
        expect(await listening(Number(port))).to.equal(true);
        process.kill(live.child.pid!, signal);
        expect(await live.exited).to.deep.equal({ code, signal: null });
        expect(live.stderr()).to.equal(line);
        expect(await listening(Number(port))).to.equal(false);
      }
    });

    it('a port in use and a host that is not loopback are usage errors (exit 2) with one line and a hint', async () => {
      const busy = await occupy();
      try {
        const live = start(['sandbox', '--port', String(busy.port)], { cwd: tmp });
        expect(await live.exited).to.deep.equal({ code: 2, signal: null });
        expect(live.stderr()).to.equal(
          `tgate: port ${busy.port} is in use (127.0.0.1:${busy.port}): pick another with --port, or --port 0 for any free port\n`,
        );
        expect(live.stdout()).to.equal('');
        expect(fs.existsSync(path.join(tmp, '.tgate'))).to.equal(false);
      } finally {
        await busy.close();
      }
      const wide = start(['sandbox', '--host', '0.0.0.0'], { cwd: tmp });
      expect((await wide.exited).code).to.equal(2);
      expect(wide.stderr())
        .to.contain("argument '0.0.0.0' is invalid. the sandbox only listens on loopback")
        .and.not.match(/\n\s+at /);
    });
  });

  describe('tgate start', () => {
    it('--port in use is a usage error (exit 2) with one line and a hint', async () => {
      const busy = await occupy();
      try {
        const live = start(['start', '--port', String(busy.port)]);
        expect(await live.exited).to.deep.equal({ code: 2, signal: null });
        expect(live.stderr()).to.equal(
          `tgate: port ${busy.port} is in use (127.0.0.1:${busy.port}): pick another with --port, or --port 0 for any free port\n`,
        );
      } finally {
        await busy.close();
      }
    });

    for (const [signal, code, line] of [
      ['SIGINT', 130, 'tgate: cancelled\n'],
      ['SIGTERM', 143, 'tgate: terminated (SIGTERM)\n'],
    ] as const) {
      it(`${signal} mid-job (while the credential check runs in a child process) exits ${code} with one line and leaves no child behind`, async () => {
        const live = start(['start']);
        await live.waitFor(/^1\. /m);
        const pid = live.child.pid!;
        let kids: number[] = [];
        await eventually(
          () => (kids = childrenOf(pid)).length > 0,
          10_000,
          'the credential check to start its child process',
        );
        process.kill(pid, signal);
        expect(await live.exited).to.deep.equal({ code, signal: null });
        expect(live.stderr()).to.equal(line);
        expect(live.stdout()).not.to.contain('Done in');
        // Killed on the way out, not left to end by themselves.
        await eventually(() => kids.every((k) => !running(k)), 100, `child processes ${kids.join(', ')} to end`);
      });
    }

    it('Ctrl-C while --keep-serving serves exits 130 with one line and closes the sandbox port', async () => {
      const live = start(['start', '--keep-serving']);
      const [, port] = await live.waitFor(/keeps serving on http:\/\/127\.0\.0\.1:(\d+)/);
      expect(await listening(Number(port))).to.equal(true);
      process.kill(live.child.pid!, 'SIGINT');
      expect(await live.exited).to.deep.equal({ code: 130, signal: null });
      expect(live.stderr()).to.equal('tgate: cancelled\n');
      expect(await listening(Number(port))).to.equal(false);
    });

    it('`tgate start | head -1` ends quietly: exit 0, no EPIPE, no stack trace', async () => {
      const r = await bash('node "$TGATE_BIN" start | head -1; echo "tgate exit ${PIPESTATUS[0]}"');
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.match(/^T-Gate sandbox started on .*\ntgate exit 0\n$/);
    });
  });

  describe('tgate connect', () => {
    it('Ctrl-C while waiting for the browser exits 130 with one line and closes the callback port', async () => {
      const port = await freePort();
      const live = start(
        [
          'connect',
          '--environment',
          'company-sandbox',
          '--client-id',
          'my-app',
          '--port',
          String(port),
          '--out',
          path.join(tmp, 'cfg.json'),
          '--authorize-url',
          'http://127.0.0.1:9/oauth',
          '--token-url',
          'http://127.0.0.1:9/oauth/token',
          '--api-base-url',
          'http://127.0.0.1:9/partner/v1',
        ],
        { env: { TGATE_CLIENT_SECRET: 'connect-secret' } },
      );
      await live.waitFor(/^Waiting for T-Gate/m);
      expect(await listening(port)).to.equal(true);
      process.kill(live.child.pid!, 'SIGINT');
      expect(await live.exited).to.deep.equal({ code: 130, signal: null });
      expect(live.stderr()).to.equal('tgate: cancelled\n');
      expect(await listening(port)).to.equal(false);
    });
  });

  describe('tgate run over a long listing', () => {
    const client = {
      clientId: 'stop-app',
      clientSecret: `stop-secret-${crypto.randomBytes(6).toString('hex')}`,
      redirectUris: ['http://127.0.0.1:8765/callback'],
    };
    let sandbox: Sandbox;
    let env: Record<string, string>;
    let cfg: string;
    before(async () => {
      sandbox = await startSandbox({ port: 0, clients: [client], catalogItems: 20_000 });
      env = {
        TGATE_CLIENT_ID: client.clientId,
        TGATE_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: sandbox.tokenUrl,
        TGATE_API_BASE_URL: sandbox.apiBaseUrl,
      };
    });
    after(async () => {
      await sandbox.close();
    });
    beforeEach(async () => {
      cfg = path.join(tmp, 'cfg.json');
      const oauth = await connectViaGrantFlow(sandbox, client);
      fs.writeFileSync(
        cfg,
        JSON.stringify({
          environment: 'company-sandbox',
          oauth,
          resourceType: 'items',
          emitBehavior: 'emitIndividually',
        }),
      );
    });

    it('Ctrl-C mid-run exits 130 with one line', async () => {
      const live = start(['run', 'lookupObjects', '--cfg', cfg], { env });
      await live.waitFor(/^data 1: /m);
      process.kill(live.child.pid!, 'SIGINT');
      expect(await live.exited).to.deep.equal({ code: 130, signal: null });
      expect(live.stderr()).to.equal('tgate: cancelled\n');
      expect(live.stdout()).not.to.match(/lookupObjects: \d+ data message/);
    });

    it('`tgate run ... | head -1` ends quietly: exit 0, no EPIPE, no stack trace', async () => {
      const r = await bash(
        `node "$TGATE_BIN" run lookupObjects --cfg ${JSON.stringify(cfg)} | head -1; echo "tgate exit \${PIPESTATUS[0]}"`,
        env,
      );
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.match(/^data 1: \{.*\}\ntgate exit 0\n$/);
    });

    it('--progress shows the messages emitted so far on a stderr that is not a terminal, with growing counts', async function () {
      this.timeout(60_000);
      // A slow T-Gate (each page 25 ms late) makes the run last several seconds, whatever the machine.
      sandbox.injectFault({ path: `${new URL(sandbox.apiBaseUrl).pathname}/items`, delayMs: 25, times: Infinity });
      const live = start(['run', 'lookupObjects', '--cfg', cfg, '--progress', '--json'], { env });
      const { code } = await live.exited.finally(() => sandbox.clearFaults());
      expect(code, live.stderr()).to.equal(0);
      const counts = live
        .stderr()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const m = /^lookupObjects: (\d+) message\(s\) emitted so far$/.exec(l);
          expect(m, `not a progress line: ${l}`).to.not.equal(null);
          return Number(m![1]);
        });
      expect(counts.length, 'the run was too short to show progress twice').to.be.at.least(2);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).to.be.above(counts[i - 1]);
      expect(counts[counts.length - 1]).to.be.at.most(live.stdout().trim().split('\n').length);
      // Without --progress, a stderr that is not a terminal stays clean.
      const quiet = start(['run', 'lookupObjects', '--cfg', cfg, '--json'], { env });
      expect((await quiet.exited).code).to.equal(0);
      expect(quiet.stderr()).to.equal('');
    });
  });

  describe('tgate oauth-clients on a terminal', () => {
    it('Ctrl-C typed at the hidden secret prompt (raw mode: no SIGINT) exits 130 with one line', async function () {
      // `script` gives tgate a real terminal; the Ctrl-C byte reaches the prompt as data, as when a person types it.
      const command = `node ${JSON.stringify(path.join(ROOT, 'bin/tgate.js'))} oauth-clients create --client-id x --component c1 --client-secret-stdin --api-url http://127.0.0.1:9 --tenant t1`;
      const live = spawnLive('script', ['-qfec', command, '/dev/null'], {
        env: { ELASTICIO_API_USERNAME: 'u@example.com', ELASTICIO_API_KEY: 'k' },
      });
      await live.waitFor(/not shown\): $/);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the prompt turns raw mode on right after printing
      live.child.stdin.write('ab\x03');
      expect(await live.exited).to.deep.equal({ code: 130, signal: null });
      expect(live.stdout()).to.match(/not shown\): \r\ntgate: cancelled\r\n$/);
    });
  });

  describe('tgate oauth-clients delete', () => {
    it('Ctrl-C at the confirmation prompt exits 130 with one line and deletes nothing', async () => {
      const api = await startLocalPlatform();
      try {
        api.addUser('ops@example.com', 'KEY-1').addTenant('tenant-1', ['cmp-a']);
        const id = api.addClient('tenant-1', {
          clientId: 'client-a',
          clientSecret: 'secret-a-000000',
          componentId: 'cmp-a',
        });
        const live = start(['oauth-clients', 'delete', id], {
          env: {
            ELASTICIO_API_URI: api.url,
            ELASTICIO_API_USERNAME: 'ops@example.com',
            ELASTICIO_API_KEY: 'KEY-1',
            ELASTICIO_TENANT_ID: 'tenant-1',
            TGATE_ASSUME_TTY: '1',
          },
        });
        await live.waitFor(/Type the id to confirm: $/, 'stderr');
        process.kill(live.child.pid!, 'SIGINT');
        expect(await live.exited).to.deep.equal({ code: 130, signal: null });
        expect(live.stderr()).to.match(/Type the id to confirm: tgate: cancelled\n$/);
        expect(api.requests.filter((r) => r.method === 'DELETE')).to.deep.equal([]);
      } finally {
        await api.close();
      }
    });
  });
});

describe('cli: listen errors and the progress writer (units)', () => {
  it('turns EADDRINUSE, EACCES and EADDRNOTAVAIL from listen into one line with a hint; other errors are left alone', () => {
    const err = (code: string, port: number, address = '127.0.0.1') =>
      Object.assign(new Error(`listen ${code}`), { code, syscall: 'listen', address, port });
    expect(listenProblem(err('EADDRINUSE', 8080))).to.equal(
      'port 8080 is in use (127.0.0.1:8080): pick another with --port, or --port 0 for any free port',
    );
    expect(listenProblem(err('EACCES', 80))).to.equal(
      'not allowed to listen on 127.0.0.1:80 (ports below 1024 need special rights): pick another with --port, e.g. --port 8080, or --port 0 for any free port',
    );
    expect(listenProblem(err('EADDRNOTAVAIL', 8080, '::2'))).to.equal(
      'cannot listen on [::2]:8080: that address is not on this machine: pick a loopback address with --host, e.g. --host 127.0.0.1',
    );
    expect(listenProblem(Object.assign(new Error('x'), { code: 'EADDRINUSE', syscall: 'connect' }))).to.equal(
      undefined,
    );
    expect(listenProblem(new Error('plain'))).to.equal(undefined);
  });

  describe('startProgress (fake clock)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers();
    });
    afterEach(() => {
      clock.restore();
    });

    it('writes one line per second with the count so far when not on a terminal, and nothing after stop', () => {
      const written: string[] = [];
      let count = 0;
      const progress = startProgress(
        { write: (t: string) => written.push(t), isTTY: false },
        'lookupObjects',
        () => count,
      );
      clock.tick(999);
      expect(written).to.deep.equal([]);
      count = 7;
      clock.tick(1);
      count = 20;
      clock.tick(1000);
      progress.stop();
      clock.tick(5000);
      expect(written).to.deep.equal([
        'lookupObjects: 7 message(s) emitted so far\n',
        'lookupObjects: 20 message(s) emitted so far\n',
      ]);
    });

    it('rewrites the line in place on a terminal and clears it on stop', () => {
      const written: string[] = [];
      const progress = startProgress({ write: (t: string) => written.push(t), isTTY: true }, 'pollCatalog', () => 3);
      clock.tick(1000);
      progress.stop();
      progress.stop();
      expect(written).to.deep.equal(['\rpollCatalog: 3 message(s) emitted so far', '\r\x1b[K']);
    });
  });
});
