import { expect } from 'chai';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';

/** The stand-in's own documented semantics that the library never provokes (it always sends whole bodies). */
describe('platformSandbox: the local platform stand-in enforces the documented oauth-clients rules', () => {
  let api: LocalPlatform;
  const auth = `Basic ${Buffer.from('ops@example.com:key-1').toString('base64')}`;
  const body = (attributes: Record<string, string>, type = 'oauth-client') =>
    JSON.stringify({
      data: { type, attributes, relationships: { component: { data: { id: 'cmp-a', type: 'component' } } } },
    });

  beforeEach(async () => {
    api = await startLocalPlatform();
    api.addUser('ops@example.com', 'key-1').addTenant('t1', ['cmp-a']);
  });
  afterEach(() => api.close());

  it('PATCH needs every documented field (400 naming it), a wrong type is 409, no credentials 401', async () => {
    const id = api.addClient('t1', { clientId: 'a', clientSecret: 's'.repeat(12), componentId: 'cmp-a' });
    const url = `${api.url}/v2/tenants/t1/oauth-clients/${id}`;
    const headers = { authorization: auth, 'content-type': 'application/json' };
    const partial = await fetch(url, { method: 'PATCH', headers, body: body({ client_id: 'b' }) });
    expect(partial.status).to.equal(400);
    expect(((await partial.json()) as any).errors[0].source.pointer).to.equal('/data/attributes/client_secret');
    const wrongType = await fetch(url, {
      method: 'PATCH',
      headers,
      body: body({ client_id: 'b', client_secret: 'x' }, 'flow'),
    });
    expect(wrongType.status).to.equal(409);
    const anonymous = await fetch(url);
    expect(anonymous.status).to.equal(401);
    expect(api.client('t1', id)).to.deep.include({ clientId: 'a' });
    expect(api.requests.map((r) => r.method)).to.deep.equal(['PATCH', 'PATCH', 'GET']);
  });
});
