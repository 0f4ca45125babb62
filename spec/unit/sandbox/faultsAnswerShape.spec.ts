import { expect } from 'chai';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { bearer, CLIENT, http, pageHeaders } from './support';

/** Faults that keep the real answer but change what T-Gate would get wrong: lost headers, an ignored filter. */
describe('sandbox: faults on the real answer (dropHeaders, ignoreQuery)', () => {
  let sandbox: Sandbox;
  let token: string;

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    ({ access_token: token } = await sandbox.issueTokens(CLIENT.clientId));
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('dropHeaders answers the real list without the named headers, once', async () => {
    sandbox.injectFault({ path: '/partner/v1/brands', dropHeaders: ['Total-Count', 'total-pages'] });
    const faulted = await http.get(`${sandbox.apiBaseUrl}/brands`, bearer(token));
    const real = await http.get(`${sandbox.apiBaseUrl}/brands`, bearer(token));
    expect(faulted.status).to.equal(200);
    expect(faulted.data).to.deep.equal(real.data);
    const present = (h: Record<string, unknown>): string[] =>
      Object.keys(h)
        .filter((k) => h[k] !== undefined)
        .sort();
    expect(present(pageHeaders(faulted))).to.deep.equal(['current-page', 'page-items']);
    expect(present(pageHeaders(real))).to.deep.equal(['current-page', 'page-items', 'total-count', 'total-pages']);
  });

  it('ignoreQuery lets the real handler see the request without the named parameters', async () => {
    const branch = (await http.get(`${sandbox.apiBaseUrl}/branches`, bearer(token))).data[0].id as number;
    const all = await http.get(`${sandbox.apiBaseUrl}/menus?items=100`, bearer(token));
    sandbox.injectFault({ path: '/partner/v1/menus', ignoreQuery: ['branch_id'] });
    const ignored = await http.get(`${sandbox.apiBaseUrl}/menus?items=100&branch_id=${branch}`, bearer(token));
    const filtered = await http.get(`${sandbox.apiBaseUrl}/menus?items=100&branch_id=${branch}`, bearer(token));
    expect(ignored.data).to.deep.equal(all.data);
    expect(filtered.data.length).to.be.below(all.data.length);
    // The request log keeps what was sent.
    expect(sandbox.requests.filter((r) => r.path === '/partner/v1/menus')[1].query).to.contain('branch_id=');
  });

  it('refuses an empty or malformed list of names', () => {
    expect(() => sandbox.injectFault({ dropHeaders: [] })).to.throw(/dropHeaders must be a non-empty list/);
    expect(() => sandbox.injectFault({ ignoreQuery: [''] })).to.throw(/ignoreQuery must be a non-empty list/);
    expect(() => sandbox.injectFault({ ignoreQuery: 'page' as unknown as string[] })).to.throw(/ignoreQuery/);
  });
});
