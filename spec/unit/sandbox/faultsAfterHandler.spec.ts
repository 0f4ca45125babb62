import { expect } from 'chai';
import { AxiosError } from 'axios';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { basicAuthHeader } from '../../helpers/sandboxConnect';
import { CLIENT, form, http, postToken } from './support';

/** Faults with afterHandler: the real handler runs (a refresh rotates the token), then the answer is replaced. */
describe('sandbox: faults after the handler ran', () => {
  let sandbox: Sandbox;
  let refreshToken: string;
  const refreshWith = (token: string) =>
    postToken(
      sandbox.tokenUrl,
      form({ grant_type: 'refresh_token', refresh_token: token }),
      basicAuthHeader(CLIENT.clientId, CLIENT.clientSecret),
    );

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    ({ refresh_token: refreshToken } = await sandbox.issueTokens(CLIENT.clientId));
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('answers the injected status after the real handler took effect', async () => {
    sandbox.injectFault({ path: '/oauth/token', status: 502, afterHandler: true });
    const faulted = await refreshWith(refreshToken);
    expect(faulted.status).to.equal(502);
    // The refresh happened: rotation revoked the token that was sent.
    const again = await refreshWith(refreshToken);
    expect(again.status).to.equal(400);
    expect(again.data.error).to.equal('invalid_grant');
    expect(sandbox.tokenRequests.map((r) => r.status)).to.deep.equal([502, 400]);
  });

  it('drops the connection after the real handler took effect (with or without a delay first)', async () => {
    for (const fault of [{ drop: true }, { delayMs: 50, drop: true }]) {
      const { refresh_token: token } = await sandbox.issueTokens(CLIENT.clientId);
      sandbox.injectFault({ path: '/oauth/token', afterHandler: true, ...fault });
      const caught = await refreshWith(token).catch((err: unknown) => err);
      expect(caught, JSON.stringify(fault)).to.be.instanceOf(AxiosError);
      expect((caught as AxiosError).response).to.equal(undefined);
      expect((await refreshWith(token)).data.error, JSON.stringify(fault)).to.equal('invalid_grant');
    }
  });

  it('with only a delay, answers the real answer late', async () => {
    sandbox.injectFault({ path: '/oauth/token', delayMs: 20, afterHandler: true });
    const res = await refreshWith(refreshToken);
    expect(res.status).to.equal(200);
    expect(res.data.refresh_token).to.be.a('string').and.not.equal(refreshToken);
  });

  it('is accepted over HTTP and listed, and refused when not a boolean', async () => {
    const added = await http.post(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      path: '/oauth/token',
      status: 500,
      afterHandler: true,
    });
    expect(added.status).to.equal(201);
    expect((await http.get(`${sandbox.url}/__sandbox/faults`)).data.faults).to.deep.equal([
      { method: 'POST', path: '/oauth/token', status: 500, afterHandler: true, times: 1 },
    ]);
    const refused = await http.post(`${sandbox.url}/__sandbox/faults`, { status: 500, afterHandler: 'yes' });
    expect(refused.status).to.equal(400);
    expect(refused.data.message).to.contain('afterHandler');
    expect((await refreshWith(refreshToken)).status).to.equal(500);
  });
});
