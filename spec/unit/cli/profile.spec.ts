import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConnection } from '../../../lib/cli/profile';
import { UsageError } from '../../../lib/cli/errors';

/** The account is taken as a pair, from the environment or else from the profile (README, PROFILE_HELP). */
describe('cli: resolveConnection, where the account comes from', () => {
  let dir: string;
  const profileWith = (lines: string[]): string => {
    const file = path.join(dir, `profile-${lines.length}-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    return file;
  };
  const failure = (run: () => unknown): Error => {
    try {
      run();
    } catch (err) {
      expect(err).to.be.instanceOf(UsageError);
      return err as Error;
    }
    throw new Error('expected a UsageError');
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-profile-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes both from the environment, trimmed, even when a profile holds others', () => {
    const profile = profileWith(['ELASTICIO_API_USERNAME=p@example.com', 'ELASTICIO_API_KEY=profile-key']);
    const conn = resolveConnection(
      { tenant: 't-1', profile },
      { ELASTICIO_API_USERNAME: ' e@example.com ', ELASTICIO_API_KEY: ' env-key ' },
    );
    expect(conn).to.include({
      username: 'e@example.com',
      apiKey: 'env-key',
      credentialsFrom: 'the environment (ELASTICIO_API_USERNAME, ELASTICIO_API_KEY)',
    });
  });

  it('takes both from the profile when the environment has neither', () => {
    const profile = profileWith(['ELASTICIO_API_USERNAME=p@example.com', 'ELASTICIO_API_KEY=profile-key']);
    const conn = resolveConnection({ tenant: 't-1', profile }, {});
    expect(conn).to.include({
      username: 'p@example.com',
      apiKey: 'profile-key',
      credentialsFrom: `the profile ${profile}`,
    });
  });

  it('refuses one of the pair from the environment, naming the other', () => {
    const err = failure(() => resolveConnection({ tenant: 't-1' }, { ELASTICIO_API_KEY: 'env-key' }));
    expect(err.message).to.match(/^ELASTICIO_API_USERNAME is not set while ELASTICIO_API_KEY is/);
  });

  it('refuses a profile that lacks one of the pair, naming it', () => {
    const profile = profileWith(['ELASTICIO_API_USERNAME=p@example.com']);
    const err = failure(() => resolveConnection({ tenant: 't-1', profile }, {}));
    expect(err.message).to.equal(`the profile ${profile} lacks ELASTICIO_API_KEY`);
  });

  it('refuses no account at all, saying it is never an argument', () => {
    const err = failure(() => resolveConnection({ tenant: 't-1' }, {}));
    expect(err.message).to.match(/^no credentials: .*they are never taken as arguments$/);
  });
});
