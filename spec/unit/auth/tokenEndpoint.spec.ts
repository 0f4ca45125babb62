import crypto from 'node:crypto';
import { expect } from 'chai';
import { HttpClient } from '../../../lib/http';
import { requestToken, TGATE_PROFILE, TokenRequestFailedError } from '../../../lib/auth';
import { startSandbox, Sandbox, SandboxClient } from '../../../lib/sandbox';

/**
 * A token request is not idempotent: T-Gate may have rotated the refresh token before its answer was
 * lost, so a repeat would be refused and the new tokens lost with it. Counted at the sandbox.
 */
describe('lib/auth requestToken: never repeated once it may have reached the token endpoint', () => {
  let sandbox: Sandbox;
  let client: SandboxClient;
  const sleeps: number[] = [];

  beforeEach(async () => {
    const clientSecret = crypto.randomBytes(12).toString('hex');
    client = { clientId: 'endpoint spec', clientSecret, redirectUris: ['https://platform.example.io/cb'] };
    sandbox = await startSandbox({ clients: [client] });
    sleeps.length = 0;
  });
  afterEach(async () => {
    await sandbox.close();
  });

  async function refreshOnce(): Promise<unknown> {
    const { refresh_token: refreshToken } = await sandbox.issueTokens(client.clientId);
    // A client that would retry an idempotent request 5 times; time is not waited for.
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms);
    };
    const http = new HttpClient({ service: 'T-Gate', policy: { maxAttempts: 5 }, sleep });
    const grant = { type: 'refresh_token' as const, refreshToken };
    const { tokenUrl } = sandbox;
    return requestToken(http, { tokenUrl, profile: TGATE_PROFILE, client, grant }).catch((e: unknown) => e);
  }

  for (const [what, fault] of [
    ['a 500 after the refresh was processed', { status: 500, afterHandler: true }],
    ['a connection dropped after the refresh was processed', { drop: true, afterHandler: true }],
  ] as const) {
    it(`${what}: one token request, and a transient error`, async () => {
      sandbox.injectFault({ path: '/oauth/token', ...fault });
      const before = sandbox.tokenRequests.length;

      const err = await refreshOnce();

      expect(err).to.be.instanceOf(TokenRequestFailedError);
      expect((err as Error).message).to.match(/^could not get a T-Gate access token with the refresh token: /);
      expect(sandbox.tokenRequests.length - before).to.equal(1);
      expect(sleeps).to.deep.equal([]);
    });
  }
});
