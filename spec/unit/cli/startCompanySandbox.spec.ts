/**
 * `tgate start --environment company-sandbox`: the main job against a T-Gate that is not embedded. A
 * sandbox started here plays T-Gate's company sandbox (reached only through the URL flags, as a remote
 * T-Gate would be), and the spec plays the person at the browser who opens the printed URL.
 */
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { freePort, startGrantFlow, tgate } from './tgateRunner';

describe('cli: tgate start --environment company-sandbox (a T-Gate reached only by its URLs)', function () {
  this.timeout(60_000);
  const secret = `start-secret-${crypto.randomBytes(8).toString('hex')}`;
  let tgateElsewhere: Sandbox;
  let port: number;
  let tmp: string;

  before(async () => {
    port = await freePort();
    tgateElsewhere = await startSandbox({
      port: 0,
      clients: [{ clientId: 'partner-app', clientSecret: secret, redirectUris: [`http://127.0.0.1:${port}/callback`] }],
    });
  });
  after(async () => {
    await tgateElsewhere.close();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-start-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const args = (credential: string): string[] => [
    '--environment',
    'company-sandbox',
    '--client-id',
    'partner-app',
    '--redirect-port',
    String(port),
    '--credential',
    credential,
    '--authorize-url',
    tgateElsewhere.authorizeUrl,
    '--token-url',
    tgateElsewhere.tokenUrl,
    '--api-base-url',
    tgateElsewhere.apiBaseUrl,
  ];
  const stepLine = (stdout: string, n: number): string =>
    stdout.split('\n').find((l) => l.startsWith(`${n}. `)) ?? `(no line for step ${n})`;

  it('asks for access in a browser, runs every step it can against that T-Gate, cancels its test order, keeps the credential, and exits 0', async () => {
    const credential = path.join(tmp, 'company-sandbox.json');
    const ordersBefore = [...tgateElsewhere.store.records('orders')].length;
    const tokensBefore = tgateElsewhere.tokenRequests.length;
    const live = startGrantFlow(['start', ...args(credential)], `${secret}\n`);
    const url = new URL(await live.url);
    expect(`${url.origin}${url.pathname}`).to.equal(tgateElsewhere.authorizeUrl);
    expect(url.searchParams.get('client_id')).to.equal('partner-app');
    expect(url.searchParams.get('redirect_uri')).to.equal(`http://127.0.0.1:${port}/callback`);
    // The person at the browser approves; T-Gate redirects to the loopback server of the command.
    const approval = await fetch(url, { redirect: 'manual' });
    expect((await fetch(approval.headers.get('location') ?? '')).status).to.equal(200);

    const run = await live.result;
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain(
      `Running against T-Gate's company sandbox (API ${tgateElsewhere.apiBaseUrl}) with OAuth app partner-app`,
    );
    expect(stepLine(run.stdout, 1)).to.match(
      /^1\. connect the app to the company \(OAuth sign-in\): the company approved the app on T-Gate's sign-in page; .* kept in .*company-sandbox\.json \[1 token request\]$/,
    );
    expect(stepLine(run.stdout, 2)).to.match(
      /^2\. check the credential, as the platform does when one is saved: the credential works \[\d+ token requests?\]$/,
    );
    expect(stepLine(run.stdout, 5)).to.match(/^5\. price and place an order: .*; order \d+ created \(status pending\)/);
    expect(stepLine(run.stdout, 6)).to.match(
      /^6\. move the order along: the component's Update Order action cancelled test order \d+ \(now cancelled\)/,
    );
    expect(stepLine(run.stdout, 7)).to.match(
      /^7\. receive T-Gate's notice of the change \(webhook\): skipped: T-Gate sends webhooks to the URL in the app's marketplace listing/,
    );
    expect(stepLine(run.stdout, 8)).to.match(
      /^8\. watch the catalog for changes \(two polls\): the first poll only noted the catalog as it is; the second reported 0 changes/,
    );

    // One test order, made through T-Gate's API and cancelled.
    const orders = [...tgateElsewhere.store.records('orders')];
    expect(orders.length - ordersBefore).to.equal(1);
    const order = orders[orders.length - 1];
    expect(order.order_status).to.equal('cancelled');
    expect(stepLine(run.stdout, 6)).to.contain(`test order ${order.id} `);

    // The total it reports is what T-Gate saw (the verify step's requests come from a process of its own).
    const total = /with (\d+) token requests? in all\.$/m.exec(run.stdout);
    expect(Number(total?.[1]), run.stdout).to.equal(tgateElsewhere.tokenRequests.length - tokensBefore);

    // The credential file holds the newest tokens, only for its owner, and nothing secret was printed.
    expect(fs.statSync(credential).mode & 0o777).to.equal(0o600);
    const kept = JSON.parse(fs.readFileSync(credential, 'utf8'));
    expect(kept.environment).to.equal('company-sandbox');
    for (const s of [secret, kept.oauth.access_token, kept.oauth.refresh_token])
      expect(run.stdout + run.stderr).not.to.contain(s);

    // A second run reuses the kept credential: no browser, and it still works (the kept refresh token is the live one).
    const again = await tgate(['start', ...args(credential)], { input: secret });
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout).not.to.match(/Open this URL/);
    expect(stepLine(again.stdout, 1)).to.match(
      /^1\. connect the app to the company \(OAuth sign-in\): used the credential kept in .*company-sandbox\.json/,
    );
    expect(again.stdout).to.match(/^Done in [\d.]+ s: every step succeeded/m);
  });

  it('writes the newest tokens back to --credential: T-Gate rotates the refresh token, and the next run still works', async () => {
    const credential = path.join(tmp, 'expired.json');
    const issued = await tgateElsewhere.issueTokens('partner-app');
    // An access token past its expiry: the first function to use it refreshes, which rotates the refresh token.
    fs.writeFileSync(
      credential,
      JSON.stringify({
        environment: 'company-sandbox',
        oauth: { ...issued, expires_at: new Date(Date.now() - 60_000).toISOString() },
      }),
      { mode: 0o600 },
    );
    const tokensBefore = tgateElsewhere.tokenRequests.length;
    const first = await tgate(['start', ...args(credential)], { input: secret });
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(tgateElsewhere.tokenRequests.length - tokensBefore, 'refreshes in the first run').to.equal(1);
    const kept = JSON.parse(fs.readFileSync(credential, 'utf8'));
    expect(kept.oauth.refresh_token).to.be.a('string').and.not.equal(issued.refresh_token);
    expect(fs.statSync(credential).mode & 0o777).to.equal(0o600);

    const second = await tgate(['start', ...args(credential)], { input: secret });
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(
      tgateElsewhere.tokenRequests.length - tokensBefore,
      'no refresh in the second run: its token is fresh',
    ).to.equal(1);
  });

  it("counts each token request once, also a refresh by a function running in the command's own process", async () => {
    const credential = path.join(tmp, 'rejected.json');
    const oauth = await tgateElsewhere.issueTokens('partner-app');
    fs.writeFileSync(credential, JSON.stringify({ environment: 'company-sandbox', oauth }), { mode: 0o600 });
    // The branch lookup (step 3, run in this process) is answered 401 once: the function refreshes and saves.
    tgateElsewhere.injectFault({ method: 'GET', path: /\/branches$/, status: 401, times: 1 });
    const tokensBefore = tgateElsewhere.tokenRequests.length;
    const run = await tgate(['start', ...args(credential)], { input: secret });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(stepLine(run.stdout, 3)).to.match(/ \[1 token request\]$/);
    expect(tgateElsewhere.tokenRequests.length - tokensBefore, 'refreshes').to.equal(1);
    expect(run.stdout).to.match(/^Done in [\d.]+ s: every step succeeded, with 1 token request in all\.$/m);
  });

  it('exits 1 naming the failed step when the kept credential no longer works', async () => {
    const credential = path.join(tmp, 'stale.json');
    fs.writeFileSync(
      credential,
      JSON.stringify({
        environment: 'company-sandbox',
        oauth: {
          access_token: 'revoked-access',
          refresh_token: 'revoked-refresh',
          expires_at: new Date(Date.now() - 60_000).toISOString(),
        },
      }),
      { mode: 0o600 },
    );
    const run = await tgate(['start', ...args(credential)], { input: secret });
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(stepLine(run.stdout, 2)).to.match(
      /^2\. check the credential, as the platform does when one is saved: FAILED: /,
    );
    expect(run.stderr).to.contain('the step "check the credential');
    expect(run.stdout + run.stderr).not.to.contain(secret);
  });

  it('refuses what does not fit as a usage error (exit 2), before any request', async () => {
    const tokensBefore = tgateElsewhere.tokenRequests.length;
    const cases: Array<[string[], string, RegExp]> = [
      [
        ['--environment', 'company'],
        secret,
        /runs only on the embedded sandbox or T-Gate's company sandbox .*not on production/,
      ],
      [['--client-id', 'partner-app'], secret, /--client-id is for --environment company-sandbox/],
      [['--environment', 'company-sandbox'], secret, /no client id: give --client-id or set TGATE_CLIENT_ID/],
      [
        [...args(path.join(tmp, 'c.json')), '--keep-serving'],
        secret,
        /--port and --keep-serving are for the embedded sandbox/,
      ],
      [
        args(path.join(tmp, 'c.json')),
        `${secret} extra`,
        /the client secret from stdin contains whitespace or a line break/,
      ],
      [
        [
          '--environment',
          'company-sandbox',
          '--client-id',
          'partner-app',
          '--api-base-url',
          'https://user:pw@example.com/partner/v1',
        ],
        secret,
        /the API base URL must not hold a user, a query or a fragment/,
      ],
    ];
    for (const [extra, input, message] of cases) {
      const run = await tgate(['start', ...extra], { input });
      expect(run.code, `${extra.join(' ')}: ${run.stderr}`).to.equal(2);
      expect(run.stderr, extra.join(' ')).to.match(message);
      expect(run.stderr).not.to.contain(secret);
    }
    expect(tgateElsewhere.tokenRequests.length).to.equal(tokensBefore);
  });
});
