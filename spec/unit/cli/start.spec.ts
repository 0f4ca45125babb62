import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { COMPONENT_ROOT } from '../../helpers/taskExec';

describe('tgate start (npm start) on the embedded sandbox', function () {
  this.timeout(60_000);

  it('walks the grant flow, verifyCredentials, a refresh with rotation and an action run, and exits 0 with --once', () => {
    const run = spawnSync(process.execPath, [path.join(COMPONENT_ROOT, 'bin/tgate.js'), 'start', '--once'], { cwd: COMPONENT_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, LOG_LEVEL: 'warn' }, timeout: 50_000 });
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('1. '))).to.equal('1. access grant flow: the company approved the app; the code was exchanged for tokens (access token valid 7200 s)');
    expect(lines.find((l) => l.startsWith('2. '))).to.equal('2. verifyCredentials (sailor runService.js): verified');
    expect(lines.find((l) => l.startsWith('3. '))).to.match(/^3\. with an expired access token: verified; token refreshed, refresh token rotated, new keys saved/);
    expect(lines.find((l) => l.startsWith('4. '))).to.match(/^4\. listIntegrationScopes \(sailor TaskExec\): 45 integration scopes emitted/);
    expect(run.stdout).not.to.match(/access_token|refresh_token|Bearer|Basic /);
  });

  it('refuses a bad port as a usage error (exit 2)', () => {
    const run = spawnSync(process.execPath, [path.join(COMPONENT_ROOT, 'bin/tgate.js'), 'start', '--port', 'eighty'], { cwd: COMPONENT_ROOT, encoding: 'utf8' });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.contain('a port is a whole number from 0 to 65535');
  });
});
