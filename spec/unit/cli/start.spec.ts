import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { COMPONENT_ROOT } from '../../helpers/taskExec';

const tgate = (args: string[], timeout = 50_000) =>
  spawnSync(process.execPath, [path.join(COMPONENT_ROOT, 'bin/tgate.js'), ...args], {
    cwd: COMPONENT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout,
  });

describe('tgate start (npm start): the main job on the embedded sandbox', function () {
  this.timeout(60_000);

  it('runs every step through the real sailor, prints one readable line per step, and finishes by itself with exit 0', () => {
    const started = Date.now();
    const run = tgate(['start']);
    const seconds = (Date.now() - started) / 1000;
    expect(run.error, 'still running when the spec gave up: it did not finish by itself').to.equal(undefined);
    expect(run.signal).to.equal(null);
    expect(run.status, run.stderr).to.equal(0);
    expect(seconds).to.be.below(30);
    const lines = run.stdout.trim().split('\n');
    const step = (n: number): string => lines.find((l) => l.startsWith(`${n}. `)) ?? `(no line for step ${n})`;
    const tokens = / \[\d+ token requests?\]$/;
    expect(step(1)).to.match(
      /^1\. connect the app to the company \(OAuth sign-in\): the company approved the app on T-Gate's sign-in page; the one-time code was swapped for an access token \(valid 7200 s\) and a refresh token \[1 token request\]$/,
    );
    expect(step(2)).to.match(
      /^2\. check the credential, as the platform does when one is saved: the credential works \[\d+ token requests?\]$/,
    );
    expect(step(3))
      .to.match(
        /^3\. find the branches and menus the company shared: 15 branches shared \(e\.g\. 211 "[^"]+"\); \d+ menus? at branch 211 \(e\.g\. \d+ "[^"]+"\)/,
      )
      .and.match(tokens);
    expect(step(4))
      .to.match(
        /^4\. list part of the catalog: 2 pages of 20 items, 40 of the \d+ in the catalog \(e\.g\. \d+ "[^"]+", [\d.]+ SAR\)/,
      )
      .and.match(tokens);
    expect(step(5))
      .to.match(/^5\. price and place an order: 2 x "[^"]+" cost [\d.]+ [A-Z]{3}; order \d+ created \(status pending\)/)
      .and.match(tokens);
    expect(step(6))
      .to.match(
        /^6\. move the order along: the company marked order \d+ ready; the component's Update Order action then set it to in_route \(on its way\)/,
      )
      .and.match(tokens);
    expect(step(7))
      .to.match(
        /^7\. receive T-Gate's notice of the change \(webhook\): 2 notices received and passed on as 2 events \(e\.g\. order\.update for order \d+, now in_route\)/,
      )
      .and.match(tokens);
    expect(step(8))
      .to.match(
        /^8\. watch the catalog for changes \(two polls\): the first poll only noted the catalog as it is; after section \d+ was renamed, the second reported exactly that change/,
      )
      .and.match(tokens);
    expect(lines[lines.length - 1]).to.match(
      /^Done in [\d.]+ s: every step succeeded, with \d+ token requests? in all\.$/,
    );
    // Plain steps for a newcomer: no raw JSON log lines, no failures, no secret.
    expect(lines.filter((l) => l.trim().startsWith('{'))).to.deep.equal([]);
    expect(run.stdout, 'jargon a newcomer cannot place').not.to.match(/runService|TaskExec|\bcfg\b|sailor|updateOrder/);
    expect(lines[1]).to.match(
      /^Each step runs the component's own triggers and actions as the platform would; \[n token requests\] counts/,
    );
    expect(run.stdout + run.stderr).not.to.match(/FAILED|access_token|refresh_token|client_secret|Bearer|Basic /);
    expect(run.stdout + run.stderr).not.to.match(/[A-Za-z0-9_-]{32,}/); // no token or generated secret (24 random bytes are 32 characters)
  });

  it('accepts --once as an alias of the default (finish after the job)', () => {
    const run = tgate(['start', '--once']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout)
      .to.match(/^Done in /m)
      .and.not.match(/keeps serving/);
  });

  it('refuses a bad port as a usage error (exit 2)', () => {
    const run = tgate(['start', '--port', 'eighty'], 20_000);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.contain('a port is a whole number from 0 to 65535');
  });
});
