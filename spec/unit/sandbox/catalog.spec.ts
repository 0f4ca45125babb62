import { expect } from 'chai';
import { AxiosResponse } from 'axios';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { TGATE_RESOURCES, TGATE_RESOURCE_NAMES, TGateResourceName } from '../../../lib/tgate/resources';
import { CLIENT, bearer, http, ids, pageHeaders } from './support';

/** What the default seed shows the partner, per resource: visible count, one id in scope, one outside. */
const VISIBLE: Record<TGateResourceName, { total: number; inScope?: number; outOfScope?: number }> = {
  integrationScopes: { total: 45 },
  brands: { total: 3, inScope: 101, outOfScope: 104 },
  branches: { total: 15, inScope: 205, outOfScope: 216 },
  menus: { total: 9, inScope: 303, outOfScope: 311 },
  sections: { total: 18, inScope: 402, outOfScope: 421 },
  items: { total: 198, inScope: 1005, outOfScope: 1101 },
  openingHourGroups: { total: 6, inScope: 501, outOfScope: 506 },
  branchSpecialTimings: { total: 2, inScope: 601, outOfScope: 603 },
  orders: { total: 0 },
};

describe('sandbox: partner API catalog', () => {
  let sandbox: Sandbox;
  let token: string;
  const get = (
    path: string,
    params: Record<string, string | number> = {},
    headers = bearer(token),
  ): Promise<AxiosResponse> => http.get(`${sandbox.apiBaseUrl}${path}`, { ...headers, params });

  before(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
  });

  after(async () => {
    await sandbox.close();
  });

  for (const name of TGATE_RESOURCE_NAMES) {
    const { path } = TGATE_RESOURCES[name];
    const expected = VISIBLE[name];

    it(`GET ${path} lists the ${expected.total} ${TGATE_RESOURCES[name].title} in scope, ascending, with pagy headers`, async () => {
      const res = await get(path, { items: 100 });
      expect(res.status).to.equal(200);
      expect(res.data).to.be.an('array').with.length(Math.min(expected.total, 100));
      const listed = ids(res.data);
      expect(listed).to.deep.equal([...listed].sort((a, b) => a - b));
      expect(pageHeaders(res)).to.deep.equal({
        'current-page': '1',
        'page-items': '100',
        'total-count': String(expected.total),
        'total-pages': String(Math.max(1, Math.ceil(expected.total / 100))),
      });
      if (expected.outOfScope !== undefined) expect(listed).to.not.include(expected.outOfScope);
    });

    it(`GET ${path} answers 401 without a token`, async () => {
      const res = await get(path, {}, { headers: {} });
      expect(res.status).to.equal(401);
      expect(res.data).to.deep.equal({ message: 'Invalid or expired access token' });
    });

    if (expected.inScope !== undefined) {
      it(`GET ${path}/{id} answers a record in scope, and 404 outside the scopes and for unknown ids`, async () => {
        const found = await get(`${path}/${expected.inScope}`);
        expect(found.status).to.equal(200);
        expect(found.data.id).to.equal(expected.inScope);
        expect(found.data).to.deep.equal(sandbox.getRecord(name, expected.inScope!));
        const hidden = await get(`${path}/${expected.outOfScope}`);
        expect(hidden.status).to.equal(404);
        expect(hidden.data).to.deep.equal({
          message: `Not found: ${TGATE_RESOURCES[name].singularTitle} ${expected.outOfScope}`,
        });
        expect(sandbox.getRecord(name, expected.outOfScope!), 'the record exists in the store').to.not.equal(undefined);
        expect((await get(`${path}/999999`)).status).to.equal(404);
      });
    }
  }

  it('has no GET one for integration scopes, and 404s for non-numeric ids', async () => {
    const scope = await get('/integration_scopes/1');
    expect(scope.status).to.equal(404);
    expect(scope.data).to.deep.equal({ message: 'Not found: GET /partner/v1/integration_scopes/1' });
    expect((await get('/brands/abc')).status).to.equal(404);
  });

  describe('pagination on a list longer than one page (198 items)', () => {
    it('defaults to 20 a page', async () => {
      const res = await get('/items');
      expect(res.data).to.have.length(20);
      expect(pageHeaders(res)).to.deep.equal({
        'current-page': '1',
        'page-items': '20',
        'total-count': '198',
        'total-pages': '10',
      });
    });

    it('pages through every item once, the last page short, a page past the end empty', async () => {
      const pages: number[][] = [];
      for (let page = 1; page <= 4; page++) {
        const res = await get('/items', { page, items: 50 });
        expect(pageHeaders(res)).to.deep.equal({
          'current-page': String(page),
          'page-items': '50',
          'total-count': '198',
          'total-pages': '4',
        });
        pages.push(ids(res.data));
      }
      expect(pages.map((p) => p.length)).to.deep.equal([50, 50, 50, 48]);
      const all = pages.flat();
      expect(new Set(all).size).to.equal(198);
      expect(all).to.deep.equal([...all].sort((a, b) => a - b));
      const past = await get('/items', { page: 5, items: 50 });
      expect(past.status).to.equal(200);
      expect(past.data).to.deep.equal([]);
      expect(pageHeaders(past)).to.deep.equal({
        'current-page': '5',
        'page-items': '50',
        'total-count': '198',
        'total-pages': '4',
      });
    });

    it('refuses items above 100 and bad pages on every list', async () => {
      expect((await get('/branches', { items: 101 })).data).to.deep.equal({
        message: 'Invalid parameter `items`: must be an integer from 1 to 100',
      });
      expect((await get('/orders', { page: 0 })).status).to.equal(400);
    });
  });

  describe('filters', () => {
    const cases: Array<[string, Record<string, string | number>, number[]]> = [
      ['/branches', { brand_id: 102 }, [206, 207, 208, 209, 210]],
      ['/branches', { brand_id: 104 }, []], // brand 104 is outside every scope
      ['/menus', { branch_id: 201 }, [301, 302, 303]], // staff menu 311 is in branch 201 but outside the scopes
      ['/sections', { menu_id: 301 }, [401, 402]],
      ['/sections', { menu_id: 311 }, []],
      ['/items', { section_id: 401, item_type: 'product' }, [1005, 1114, 1199, 1221]],
      ['/items', { section_id: 401, item_type: 'modifier_group' }, [1004, 1113]],
      ['/items', { section_id: 421 }, []],
      ['/branch_special_timings', { branch_id: 201 }, [601]],
      ['/orders', { branch_id: 201 }, []],
      ['/orders', { app_order_uuid: 'no-such-order' }, []],
    ];
    for (const [path, params, expected] of cases) {
      it(`${path}?${new URLSearchParams(params as Record<string, string>).toString()} answers ${JSON.stringify(expected)}`, async () => {
        const res = await get(path, { ...params, items: 100 });
        expect(res.status).to.equal(200);
        expect(ids(res.data)).to.deep.equal(expected);
        expect(res.headers['total-count']).to.equal(String(expected.length));
      });
    }

    it('pages a filtered list with its own total (items of one type)', async () => {
      const res = await get('/items', { item_type: 'modifier_group', items: 20, page: 2 });
      expect(res.data).to.have.length(16);
      expect(res.data.every((i: { item_type: string }) => i.item_type === 'modifier_group')).to.equal(true);
      expect(pageHeaders(res)).to.deep.equal({
        'current-page': '2',
        'page-items': '20',
        'total-count': '36',
        'total-pages': '2',
      });
    });

    for (const [path, param, value] of [
      ['/branches', 'brand_id', 'abc'],
      ['/items', 'section_id', '4.5'],
      ['/orders', 'branch_id', '-1'],
      ['/menus', 'branch_id', ''],
    ]) {
      it(`answers 400 naming the parameter for ${path}?${param}=${JSON.stringify(value)}`, async () => {
        const res = await get(path, { [param]: value });
        expect(res.status).to.equal(400);
        expect(res.data).to.deep.equal({ message: `Invalid parameter \`${param}\`: must be an integer` });
      });
    }

    it('ignores parameters that are not filters of the resource', async () => {
      const res = await get('/brands', { menu_id: 'x', colour: 'red' });
      expect(res.status).to.equal(200);
      expect(ids(res.data)).to.deep.equal([101, 102, 103]);
    });
  });

  describe('faults on catalog routes', () => {
    afterEach(() => sandbox.clearFaults());

    it('answers an injected status on a get, once, then the record', async () => {
      sandbox.injectFault({ path: '/partner/v1/items/1005', status: 503, headers: { 'Retry-After': '1' } });
      const faulted = await get('/items/1005');
      expect(faulted.status).to.equal(503);
      expect(faulted.headers['retry-after']).to.equal('1');
      expect((await get('/items/1005')).data.id).to.equal(1005);
    });

    it('matches catalog lists by RegExp and drops connections', async () => {
      sandbox.injectFault({ path: /^\/partner\/v1\/(branches|menus)$/, status: 500, times: 2 });
      expect([
        (await get('/menus')).status,
        (await get('/branches')).status,
        (await get('/menus')).status,
      ]).to.deep.equal([500, 500, 200]);
      sandbox.injectFault({ path: '/partner/v1/sections', drop: true });
      const dropped = await get('/sections').catch((err: unknown) => err);
      expect(dropped).to.be.instanceOf(Error);
      expect((await get('/sections')).status).to.equal(200);
    });

    it('is added over HTTP too', async () => {
      await http.post(`${sandbox.url}/__sandbox/faults`, { path: '/partner/v1/opening_hour_groups', status: 429 });
      expect((await get('/opening_hour_groups')).status).to.equal(429);
      expect((await get('/opening_hour_groups')).status).to.equal(200);
    });
  });

  it('serves the resources at overridden paths', async () => {
    const other = await startSandbox({ clients: [CLIENT], resourcePaths: { brands: '/company/brands' } });
    try {
      const otherToken = (await other.issueTokens(CLIENT.clientId)).access_token;
      expect(ids((await http.get(`${other.apiBaseUrl}/company/brands`, bearer(otherToken))).data)).to.deep.equal([
        101, 102, 103,
      ]);
      expect((await http.get(`${other.apiBaseUrl}/brands`, bearer(otherToken))).status).to.equal(404);
      expect(other.resourcePaths.brands).to.equal('/company/brands');
    } finally {
      await other.close();
    }
  });
});
