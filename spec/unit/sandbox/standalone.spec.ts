import { expect } from 'chai';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Sandbox } from '../../../lib/sandbox';
import { startStandaloneSandbox, DEFAULT_SANDBOX_REDIRECT_URI } from '../../../lib/sandbox/standalone';
import { connectViaGrantFlow } from '../../helpers/sandboxConnect';

describe('sandbox: standalone, as tgate sandbox serves it (startStandaloneSandbox)', () => {
  let dir: string;
  let sandbox: Sandbox | undefined;
  let output: string;
  const write = (text: string) => {
    output += text;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-sandbox-cli-'));
    output = '';
  });

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates a client, writes its secret to .tgate/sandbox-client.json (0600) and never prints it', async () => {
    sandbox = await startStandaloneSandbox({ write, cwd: dir, env: {} });
    const file = path.join(dir, '.tgate', 'sandbox-client.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(saved.clientSecret).to.be.a('string').with.length.above(30);
    expect(saved.clientId).to.match(/^sandbox-[0-9a-f]{16}$/);
    expect(saved.redirectUris).to.deep.equal([DEFAULT_SANDBOX_REDIRECT_URI]);
    expect(saved.tokenUrl).to.equal(sandbox.tokenUrl);

    expect(output).to.not.contain(saved.clientSecret);
    expect(output).to.contain(sandbox.url);
    expect(output).to.contain(sandbox.authorizeUrl);
    expect(output).to.contain(sandbox.tokenUrl);
    expect(output).to.contain(sandbox.apiBaseUrl);
    expect(output).to.contain(saved.clientId);
    expect(output).to.contain(file);

    // The registered client works with the saved secret.
    const tokens = await connectViaGrantFlow(sandbox, {
      clientId: saved.clientId,
      clientSecret: saved.clientSecret,
      redirectUris: saved.redirectUris,
    });
    expect(tokens.token_type).to.equal('Bearer');
  });

  it('tightens the mode of an existing .tgate/sandbox-client.json', async () => {
    fs.mkdirSync(path.join(dir, '.tgate'));
    const file = path.join(dir, '.tgate', 'sandbox-client.json');
    fs.writeFileSync(file, '{}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    sandbox = await startStandaloneSandbox({ write, cwd: dir, env: {} });
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).clientSecret).to.be.a('string');
  });

  it('takes id and secret from TGATE_CLIENT_ID / TGATE_CLIENT_SECRET, says so, and writes no file', async () => {
    const env = { TGATE_CLIENT_ID: 'env-app', TGATE_CLIENT_SECRET: 'env-secret-value-1234' };
    sandbox = await startStandaloneSandbox({ write, cwd: dir, env, redirectUri: 'http://127.0.0.1:4000/cb' });
    expect(output).to.contain('env-app');
    expect(output).to.contain('TGATE_CLIENT_SECRET');
    expect(output).to.not.contain('env-secret-value-1234');
    expect(fs.existsSync(path.join(dir, '.tgate'))).to.equal(false);
    const tokens = await connectViaGrantFlow(sandbox, {
      clientId: 'env-app',
      clientSecret: 'env-secret-value-1234',
      redirectUris: ['http://127.0.0.1:4000/cb'],
    });
    expect(tokens.access_token).to.be.a('string');
  });

  it('prefers the options over the environment', async () => {
    const env = { TGATE_CLIENT_ID: 'env-app', TGATE_CLIENT_SECRET: 'env-secret' };
    sandbox = await startStandaloneSandbox({
      write,
      cwd: dir,
      env,
      clientId: 'opt-app',
      clientSecret: 'opt-secret-xyz',
    });
    expect(output).to.contain('opt-app');
    expect(output).to.not.contain('opt-secret-xyz');
    expect(output).to.not.contain('env-app');
    const tokens = await connectViaGrantFlow(sandbox, {
      clientId: 'opt-app',
      clientSecret: 'opt-secret-xyz',
      redirectUris: [DEFAULT_SANDBOX_REDIRECT_URI],
    });
    expect(tokens.access_token).to.be.a('string');
  });

  it('refuses a host that is not loopback', async () => {
    let caught: unknown;
    try {
      sandbox = await startStandaloneSandbox({ write, cwd: dir, env: {}, host: '0.0.0.0' });
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.contain('loopback');
    expect(fs.existsSync(path.join(dir, '.tgate'))).to.equal(false);
  });
});
