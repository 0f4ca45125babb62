import { expect } from 'chai';
import { AxiosResponse } from 'axios';
import { startSandbox, Sandbox, IntegrationScope } from '../../../lib/sandbox';
import { CLIENT, bearer, http, pageHeaders } from './support';

describe('sandbox: partner API GET /partner/v1/integration_scopes', () => {
  let sandbox: Sandbox;
  let token: string;
  const get = (query = '', headers = bearer(token)) =>
    http.get(`${sandbox.apiBaseUrl}/integration_scopes${query}`, headers);

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('answers the first 20 of 45 scopes by default, as a bare array, with pagy headers', async () => {
    const res = await get();
    expect(res.status).to.equal(200);
    expect(res.data).to.be.an('array').with.length(20);
    expect(res.data[0]).to.deep.equal({ id: 1, brand_id: 101, branch_id: 201, menu_id: 301 });
    expect(res.data.map((s: IntegrationScope) => s.id)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(pageHeaders(res)).to.deep.equal({
      'current-page': '1',
      'page-items': '20',
      'total-count': '45',
      'total-pages': '3',
    });
  });

  it('pages through all 45 scopes with items=20: 3 pages, the last with 5', async () => {
    const pages = [];
    for (const page of [1, 2, 3]) {
      const res = await get(`?page=${page}&items=20`);
      expect(res.status).to.equal(200);
      expect(pageHeaders(res)).to.deep.equal({
        'current-page': String(page),
        'page-items': '20',
        'total-count': '45',
        'total-pages': '3',
      });
      pages.push(res.data as IntegrationScope[]);
    }
    expect(pages.map((p) => p.length)).to.deep.equal([20, 20, 5]);
    expect(pages[2].map((s) => s.id)).to.deep.equal([41, 42, 43, 44, 45]);
    expect(pages.flat().map((s) => s.id)).to.deep.equal(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(pages[2][4]).to.deep.equal({ id: 45, brand_id: 103, branch_id: 215, menu_id: 309 });
  });

  it('answers [] with the headers for a page past the last', async () => {
    const res = await get('?page=4&items=20');
    expect(res.status).to.equal(200);
    expect(res.data).to.deep.equal([]);
    expect(pageHeaders(res)).to.deep.equal({
      'current-page': '4',
      'page-items': '20',
      'total-count': '45',
      'total-pages': '3',
    });
  });

  it('answers all scopes on one page with items=100', async () => {
    const res = await get('?items=100');
    expect(res.data).to.have.length(45);
    expect(pageHeaders(res)).to.deep.equal({
      'current-page': '1',
      'page-items': '100',
      'total-count': '45',
      'total-pages': '1',
    });
  });

  it('serves the integrationScopes given in the options', async () => {
    await sandbox.close();
    const scopes = [
      { id: 7, brand_id: 1, branch_id: 2, menu_id: 3 },
      { id: 9, brand_id: 1, branch_id: 4, menu_id: 3 },
    ];
    sandbox = await startSandbox({ clients: [CLIENT], integrationScopes: scopes });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
    const res = await get('?items=1&page=2');
    expect(res.data).to.deep.equal([scopes[1]]);
    expect(pageHeaders(res)).to.deep.equal({
      'current-page': '2',
      'page-items': '1',
      'total-count': '2',
      'total-pages': '2',
    });
  });

  it('answers one page (total-pages 1) when there are no scopes', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ clients: [CLIENT], integrationScopes: [] });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
    const res = await get();
    expect(res.data).to.deep.equal([]);
    expect(pageHeaders(res)).to.deep.equal({
      'current-page': '1',
      'page-items': '20',
      'total-count': '0',
      'total-pages': '1',
    });
  });

  for (const items of ['0', '101', 'abc', '1.5', '-1', '', '20x']) {
    it(`refuses items=${JSON.stringify(items)} with 400`, async () => {
      const res = await get(`?items=${encodeURIComponent(items)}`);
      expect(res.status).to.equal(400);
      expect(res.data).to.deep.equal({ message: 'Invalid parameter `items`: must be an integer from 1 to 100' });
    });
  }

  for (const page of ['0', '-2', 'x', '', '2.0']) {
    it(`refuses page=${JSON.stringify(page)} with 400`, async () => {
      const res = await get(`?page=${encodeURIComponent(page)}`);
      expect(res.status).to.equal(400);
      expect(res.data).to.deep.equal({ message: 'Invalid parameter `page`: must be an integer >= 1' });
    });
  }

  describe('401 answers', () => {
    const expect401 = (res: AxiosResponse) => {
      expect(res.status).to.equal(401);
      expect(res.data).to.deep.equal({ message: 'Invalid or expired access token' });
    };

    it('without a token', async () => expect401(await get('', { headers: {} })));
    it('with an unknown token', async () => expect401(await get('', bearer('f'.repeat(64)))));
    it('with a malformed Authorization header', async () =>
      expect401(await get('', { headers: { Authorization: 'Token abc' } })));
    it('with Basic client credentials instead of a token', async () =>
      expect401(await get('', { headers: { Authorization: 'Basic YTpi' } })));
    it('with the token in the query string', async () =>
      expect401(await get(`?access_token=${token}`, { headers: {} })));
    it('before looking at bad parameters', async () => expect401(await get('?items=0', { headers: {} })));
  });

  it('answers 404 with a message for anything else', async () => {
    const payments = await http.get(`${sandbox.apiBaseUrl}/payments`, bearer(token));
    expect(payments.status).to.equal(404);
    expect(payments.data).to.deep.equal({ message: 'Not found: GET /partner/v1/payments' });
    const post = await http.post(`${sandbox.apiBaseUrl}/integration_scopes`, {}, bearer(token));
    expect(post.data).to.deep.equal({ message: 'Not found: POST /partner/v1/integration_scopes' });
    const getToken = await http.get(sandbox.tokenUrl);
    expect(getToken.status).to.equal(404);
    expect(getToken.data).to.deep.equal({ message: 'Not found: GET /oauth/token' });
  });
});
