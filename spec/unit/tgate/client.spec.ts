import { expect } from 'chai';
import { TGateRefusedError } from '../../../lib/tgate';
import { rejection } from '../../helpers/rejection';
import { clientFor, ScriptedApi, startScriptedApi } from '../../helpers/scriptedTGate';

describe('tgate: TGateClient', () => {
  const servers: ScriptedApi[] = [];
  const start = async (...args: Parameters<typeof startScriptedApi>): Promise<ScriptedApi> => {
    const s = await startScriptedApi(...args);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('a 3xx from the API', () => {
    for (const status of [301, 302, 307]) {
      it(`is an error naming status, method, path and the target (no query), and ${status} is not followed`, async () => {
        const target = await start(() => ({ body: [{ id: 1 }] }));
        const api = await start(() => ({
          status,
          headers: { Location: `${target.url}/login?next=%2Fsecret&token=abc` },
        }));
        const err = await rejection(
          clientFor(`${api.url}/partner/v1`).request({ method: 'GET', path: '/integration_scopes' }),
        );
        expect(err).to.be.instanceOf(TGateRefusedError);
        expect(err.message).to.equal(
          `T-Gate GET /integration_scopes answered ${status}: a redirect to ${target.url}/login, which the component does not follow. ` +
            'Check TGATE_API_BASE_URL: it must name the partner API itself',
        );
        expect((err as TGateRefusedError).status).to.equal(status);
        expect(api.requests).to.have.length(1);
        expect(target.requests).to.have.length(0);
      });
    }

    it('resolves a relative Location against the API and says when there is none', async () => {
      const api = await start((req) =>
        req.path.endsWith('/a') ? { status: 302, headers: { Location: '/sso/login?x=1' } } : { status: 303 },
      );
      const client = clientFor(`${api.url}/partner/v1`);
      expect((await rejection(client.request({ method: 'GET', path: '/a' }))).message).to.contain(
        `a redirect to ${api.url}/sso/login,`,
      );
      expect((await rejection(client.request({ method: 'POST', path: '/b', data: {} }))).message).to.match(
        /^T-Gate POST \/b answered 303: a redirect without a Location, which the component does not follow/,
      );
      expect(api.requests).to.have.length(2);
    });
  });
});
