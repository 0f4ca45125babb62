import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectViaGrantFlow } from '../../helpers/sandboxConnect';
import { start, tgate } from './tgateRunner';

/** `tgate sandbox`'s options, as commander parses them (lib/cli/sandboxCommands.ts), run as subprocesses. */
describe('cli: tgate sandbox options (subprocess)', function () {
  this.timeout(30_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-sandbox-options-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('takes every option (also --name=value), the secret from TGATE_CLIENT_SECRET; serves until SIGTERM', async () => {
    fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify({ secret: 'meta-never-printed' }));
    const redirectUri = 'http://127.0.0.1:4567/callback';
    const hook = 'http://127.0.0.1:9/hooks';
    const args = [
      '--port',
      '0',
      '--host=127.0.0.2',
      '--client-id',
      'spawned-app',
      '--redirect-uri',
      redirectUri,
      '--webhook-url',
      hook,
      '--webhook-events',
      'item.update, order.update',
      '--webhook-meta-data-file=meta.json',
      '--webhook-body-shape',
      'event_type',
      '--webhook-off',
    ];
    const live = start(['sandbox', ...args], { cwd: tmp, env: { TGATE_CLIENT_SECRET: 'spawned-secret-42' } });
    try {
      await live.waitFor(/Press Ctrl-C to stop/);
      const out = live.stdout();
      const origin = /running at (http:\/\/127\.0\.0\.2:\d+)/.exec(out)?.[1];
      expect(origin, out).to.be.a('string');
      expect(out)
        .to.contain('client id:      spawned-app (from the command options)')
        .and.contain('client secret:  not shown: yours, from TGATE_CLIENT_SECRET')
        .and.contain(`redirect URI:   ${redirectUri}`)
        .and.contain(`Webhook: ${hook} (off; item.update, order.update; body event_type; meta_data keys: secret)`);
      expect(out).not.to.contain('spawned-secret-42').and.not.to.contain('meta-never-printed');
      expect(fs.existsSync(path.join(tmp, '.tgate')), 'a secret from the environment is not written').to.equal(false);

      // The client is registered with the environment's secret: the grant flow completes with it.
      const tokens = await connectViaGrantFlow(
        { authorizeUrl: `${origin}/oauth`, tokenUrl: `${origin}/oauth/token` },
        { clientId: 'spawned-app', clientSecret: 'spawned-secret-42', redirectUris: [redirectUri] },
      );
      expect(tokens.token_type).to.equal('Bearer');
    } finally {
      live.child.kill('SIGTERM');
    }
    expect(await live.exited).to.deep.equal({ code: 143, signal: null });
    expect(live.stderr()).to.equal('tgate: terminated (SIGTERM)\n');
  });

  it('refuses the secret or Meta Data as an argument (exit 2), says where instead, never echoes them', async () => {
    const value = 'argv-secret-1234';
    const cases: Array<[string[], RegExp]> = [
      [['--client-secret', value], /^tgate: --client-secret is refused: .* list\. Instead, set TGATE_CLIENT_SECRET,/],
      [[`--client-secret=${value}`], /^tgate: --client-secret is refused: /],
      [
        ['--webhook-meta-data', `{"secret":"${value}"}`],
        /^tgate: --webhook-meta-data is refused: it may hold a shared secret, .* --webhook-meta-data-file PATH or /,
      ],
      [[`--webhook-meta-data={"secret":"${value}"}`], /^tgate: --webhook-meta-data is refused: /],
    ];
    const results = await Promise.all(cases.map(([args]) => tgate(['sandbox', '--port', '0', ...args], { cwd: tmp })));
    results.forEach((r, i) => {
      const [args, message] = cases[i];
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message).and.not.contain(value);
      expect(r.stdout, args.join(' ')).to.equal('');
    });
    expect(fs.existsSync(path.join(tmp, '.tgate')), 'nothing started').to.equal(false);
  });

  it('an unknown option, a bad or missing port, a webhook flag without --webhook-url: an error naming it', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--verbose'], 2, /^error: unknown option '--verbose'/],
      [['--port', 'x'], 2, /^error: option '--port <port>' argument 'x' is invalid\. a port is a whole number from 0/],
      [['--port', '70000'], 2, /^error: option '--port <port>' argument '70000' is invalid\. a port is a whole number/],
      [['--port'], 2, /^error: option '--port <port>' argument missing/],
      [['--port', '0', '--webhook-off'], 1, /^tgate: the --webhook-\* options need --webhook-url\n$/],
    ];
    const results = await Promise.all(cases.map(([args]) => tgate(['sandbox', ...args], { cwd: tmp })));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect(r.code, args.join(' ')).to.equal(code);
      expect(r.stderr, args.join(' '))
        .to.match(message)
        .and.not.match(/\n\s+at /);
    });
    expect(fs.existsSync(path.join(tmp, '.tgate')), 'nothing started').to.equal(false);
  });
});
