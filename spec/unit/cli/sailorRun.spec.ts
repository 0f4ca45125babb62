import { expect } from 'chai';
import { AddressInfo } from 'node:net';
import net from 'node:net';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { runFunctionLocally } from '../../../lib/cli/sailorRun';

const USER = 'task-user@example.com';
const API_KEY = 'platform-api-key-SAILORRUN-0123456789';
const BASIC = Buffer.from(`${USER}:${API_KEY}`).toString('base64');

/** A step that only asks to save new keys, as a token refresh does. */
const savesKeys = {
  process: async function (this: { emit(e: string, v: unknown): Promise<void> }) {
    await this.emit('updateKeys', { oauth: { access_token: 'new' } });
  },
};

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cli: runFunctionLocally (the sailor TaskExec runner)', function () {
  this.timeout(20_000);
  let platform: LocalPlatform;
  afterEach(async () => {
    await platform?.close();
  });

  it('reports a failed updateKeys with status and reason, never the API key or its Basic encoding', async () => {
    platform = await startLocalPlatform({ username: USER, apiKey: API_KEY });
    platform.accounts.set('acc-1', { keys: {} });
    platform.failNextUpdates(10); // elasticio-rest-node retries a 500 itself
    const unreachable = { url: `http://127.0.0.1:${await closedPort()}`, username: USER, apiKey: API_KEY };

    const [failed, offline] = await Promise.all([
      runFunctionLocally(savesKeys, { body: {} }, { _account: 'acc-1' }, platform),
      runFunctionLocally(savesKeys, { body: {} }, { _account: 'acc-1' }, unreachable),
    ]);

    expect(failed.errors.map((e) => e.message)).to.deep.equal([
      'Saving the new keys failed: the platform API PUT /v1/accounts/acc-1 answered 500: {"error":"storage unavailable"}',
    ]);
    expect(offline.errors.map((e) => e.message)).to.have.length(1);
    expect(offline.errors[0].message).to.match(
      /^Saving the new keys failed: the platform API PUT \/v1\/accounts\/acc-1 failed \(ECONNREFUSED\): /,
    );
    for (const err of [...failed.errors, ...offline.errors]) {
      expect(err).to.be.instanceOf(Error);
      for (const text of [JSON.stringify(err), err.message, String(err.stack)]) {
        expect(text).not.to.contain(API_KEY);
        expect(text).not.to.contain(BASIC);
      }
    }
  });
});
