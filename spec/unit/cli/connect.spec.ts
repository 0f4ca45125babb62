import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { freePort, startGrantFlow, tgate } from './tgateRunner';

describe('cli: tgate connect (subprocess against the embedded sandbox)', function () {
  this.timeout(30_000);
  const secret = `connect-secret-${crypto.randomBytes(8).toString('hex')}`;
  let sandbox: Sandbox;
  let port: number;
  let tmp: string;

  before(async () => {
    port = await freePort();
    sandbox = await startSandbox({
      port: 0,
      clients: [{ clientId: 'connect-app', clientSecret: secret, redirectUris: [`http://127.0.0.1:${port}/callback`] }],
    });
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-connect-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const args = (out: string): string[] => [
    '--environment',
    'company-sandbox',
    '--client-id',
    'connect-app',
    '--port',
    String(port),
    '--out',
    out,
    '--authorize-url',
    sandbox.authorizeUrl,
    '--token-url',
    sandbox.tokenUrl,
    '--api-base-url',
    sandbox.apiBaseUrl,
  ];

  it('prints the grant page URL, refuses a redirect with another state, exchanges the code and writes the keys (0600)', async () => {
    const out = path.join(tmp, 'cfg.json');
    const live = startGrantFlow(['connect', ...args(out)], `${secret}\n`);
    const url = new URL(await live.url);
    expect(`${url.origin}${url.pathname}`).to.equal(sandbox.authorizeUrl);
    expect(url.searchParams.get('response_type')).to.equal('code');
    expect(url.searchParams.get('client_id')).to.equal('connect-app');
    expect(url.searchParams.get('redirect_uri')).to.equal(`http://127.0.0.1:${port}/callback`);
    const state = url.searchParams.get('state') ?? '';
    expect(state).to.match(/^[0-9a-f]{32}$/);

    const forged = await fetch(`http://127.0.0.1:${port}/callback?code=forged&state=other`);
    expect(forged.status).to.equal(400);

    // The sandbox approves at once: its redirect goes to the loopback server the command started.
    const approval = await fetch(url, { redirect: 'manual' });
    expect(approval.status).to.equal(302);
    const location = approval.headers.get('location') ?? '';
    expect(location.startsWith(`http://127.0.0.1:${port}/callback?`)).to.equal(true);
    expect((await fetch(location)).status).to.equal(200);

    const result = await live.result;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain('ignored a redirect with a missing or different state');
    expect(result.stdout).to.contain(`credential keys {environment, oauth} written to ${out} (mode 0600`);
    expect(fs.statSync(out).mode & 0o777).to.equal(0o600);
    const keys = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(Object.keys(keys)).to.deep.equal(['environment', 'oauth', 'tgateClient']);
    expect(keys.tgateClient).to.include({
      clientId: 'connect-app',
      apiBaseUrl: sandbox.apiBaseUrl,
      tokenUrl: sandbox.tokenUrl,
    });
    expect(keys.environment).to.equal('company-sandbox');
    expect(keys.oauth.access_token).to.be.a('string');
    for (const s of [secret, keys.oauth.access_token, keys.oauth.refresh_token])
      expect(result.stdout + result.stderr).not.to.contain(s);

    // The keys are a working credential.
    const verify = await tgate(['verify', '--cfg', out], {
      env: {
        TGATE_CLIENT_ID: 'connect-app',
        TGATE_CLIENT_SECRET: secret,
        TGATE_TOKEN_URI: sandbox.tokenUrl,
        TGATE_API_BASE_URL: sandbox.apiBaseUrl,
      },
    });
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout).to.equal('verified\n');
  });

  it('keeps the other fields of an existing cfg file it writes the keys into', async () => {
    const out = path.join(tmp, 'cfg.json');
    fs.writeFileSync(out, JSON.stringify({ resourceType: 'brands', oauth: { access_token: 'old' } }), { mode: 0o644 });
    const live = startGrantFlow(['connect', ...args(out)], secret);
    const approval = await fetch(await live.url, { redirect: 'manual' });
    await fetch(approval.headers.get('location') ?? '');
    const result = await live.result;
    expect(result.code, result.stderr).to.equal(0);
    const cfg = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(cfg.resourceType).to.equal('brands');
    expect(cfg.environment).to.equal('company-sandbox');
    expect(cfg.oauth.access_token).to.be.a('string').and.not.equal('old');
    expect(fs.statSync(out).mode & 0o777).to.equal(0o600);
  });

  it('exits 1 naming the refused client when the secret is wrong, and writes nothing', async () => {
    const out = path.join(tmp, 'cfg.json');
    const live = startGrantFlow(['connect', ...args(out)], '', { TGATE_CLIENT_SECRET: 'wrong-secret-123' });
    const approval = await fetch(await live.url, { redirect: 'manual' });
    await fetch(approval.headers.get('location') ?? '');
    const result = await live.result;
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('the token endpoint rejected the client id or secret');
    expect(result.stdout + result.stderr).not.to.contain('wrong-secret-123');
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('refuses to start without a client secret, or with one holding a line break (exit 2)', async () => {
    const out = path.join(tmp, 'cfg.json');
    const [none, broken] = await Promise.all([
      tgate(['connect', ...args(out)], { input: '' }),
      tgate(['connect', ...args(out)], { input: 'part-one\npart-two\n' }),
    ]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('no client secret: set TGATE_CLIENT_SECRET or pipe it on stdin');
    expect(broken.code).to.equal(2);
    expect(broken.stderr).to.contain('the client secret from stdin contains whitespace or a line break');
    expect(broken.stdout + broken.stderr).not.to.contain('part-one');
  });
});
