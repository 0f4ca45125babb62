import { expect } from 'chai';
import { DEFAULT_MAX_PAGES, TGateClient, TGatePage, TGatePagingError } from '../../../lib/tgate';
import { tokenMemory } from '../../../lib/auth';
import { clientFor, Reply, ScriptedApi, SeenRequest, startScriptedApi } from '../../helpers/scriptedTGate';
import { startPlatformAccounts } from '../../helpers/platformAccounts';
import { loadFunction, runStep } from '../../helpers/taskExec';

const PATH = '/integration_scopes';
const records = (from: number, count: number): Array<{ id: number; brand_id: number }> =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, brand_id: 7 }));
const asked = (req: SeenRequest): { page: number; items: number } => ({
  page: Number(req.query.get('page')),
  items: Number(req.query.get('items')),
});

/** pagy's answer for page `page` of `total` records at `items` per page, with header overrides. */
function pagy(total: number, req: SeenRequest, override: Record<string, string> = {}): Reply {
  const { page, items } = asked(req);
  const from = (page - 1) * items;
  return {
    body: records(from + 1, Math.max(0, Math.min(items, total - from))),
    headers: {
      'current-page': String(page),
      'page-items': String(items),
      'total-count': String(total),
      'total-pages': String(Math.max(1, Math.ceil(total / items))),
      ...override,
    },
  };
}

async function collect(
  client: TGateClient,
  items = 20,
  limits: { maxPages?: number } = {},
): Promise<{ pages: Array<TGatePage<{ id: number }>>; error?: Error }> {
  const pages: Array<TGatePage<{ id: number }>> = [];
  try {
    for await (const page of client.pages<{ id: number }>('integrationScopes', { pageSize: items, ...limits }))
      pages.push(page);
  } catch (err) {
    return { pages, error: err as Error };
  }
  return { pages };
}

describe('tgate: paging', function () {
  this.timeout(20_000);
  let api: ScriptedApi;
  afterEach(async () => {
    await api?.close();
  });

  const serve = async (reply: (req: SeenRequest, n: number) => Reply): Promise<TGateClient> => {
    api = await startScriptedApi(reply);
    return clientFor(`${api.url}/partner/v1`);
  };

  it('reads every page of an honest pagy API and stops at total-pages', async () => {
    const client = await serve((req) => pagy(45, req));
    const { pages, error } = await collect(client);
    expect(error).to.equal(undefined);
    expect(pages.flatMap((p) => p.items.map((r) => r.id))).to.deep.equal(records(1, 45).map((r) => r.id));
    expect(api.requests.map((r) => asked(r))).to.deep.equal([1, 2, 3].map((page) => ({ page, items: 20 })));
  });

  it('stops on a short page or an empty page when there is no total-pages', async () => {
    let client = await serve((req) => ({
      body: records((asked(req).page - 1) * 20 + 1, asked(req).page === 1 ? 20 : 7),
    }));
    expect((await collect(client)).pages.map((p) => p.items.length)).to.deep.equal([20, 7]);
    expect(api.requests).to.have.length(2);
    await api.close();
    client = await serve((req) => ({ body: asked(req).page <= 2 ? records((asked(req).page - 1) * 20 + 1, 20) : [] }));
    expect((await collect(client)).pages.map((p) => p.items.length)).to.deep.equal([20, 20]);
    expect(api.requests).to.have.length(3);
  });

  it('fails, after one page, when the API ignores page and sends the same records again (no total-pages)', async () => {
    const client = await serve(() => ({ body: records(1, 20) }));
    const { pages, error } = await collect(client);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 2: the answer repeats page 1: the API ignored the page parameter, so the listing stopped here`,
    );
    expect(pages).to.have.length(1);
    expect(api.requests).to.have.length(2);
  });

  it('tells a repeated page by its content when records have no id', async () => {
    const client = await serve(() => ({ body: Array.from({ length: 20 }, (_, i) => ({ brand_id: i })) }));
    const { pages, error } = await collect(client);
    expect(error)
      .to.be.instanceOf(TGatePagingError)
      .with.property('message')
      .that.contains('the API ignored the page parameter');
    expect(pages).to.have.length(1);
  });

  it('refuses a total-pages beyond the page cap before following it, saying how to raise the cap', async () => {
    const client = await serve((req) => pagy(45, req, { 'total-pages': '1000000000', 'total-count': '' }));
    const { pages, error } = await collect(client);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 1: T-Gate says the listing has 1000000000 pages of 20, more than the ${DEFAULT_MAX_PAGES} one listing reads (maxPages). ` +
        'If the listing really is that long, raise the limit with TGATE_MAX_PAGES (the maxPages option of TGateClient).',
    );
    expect(pages).to.have.length(0);
    expect(api.requests).to.have.length(1);
  });

  it('stops at the page cap of the client (or of the call) when pages never end', async () => {
    const client = await serve((req) => ({ body: records(asked(req).page * 1000, 20) }));
    const capped = new TGateClient({
      ...(client as unknown as { options: ConstructorParameters<typeof TGateClient>[0] }).options,
      maxPages: 5,
    });
    const { pages, error } = await collect(capped);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 6: stopped after 5 pages of 20, the most one listing reads (maxPages). ` +
        'If the listing really is that long, raise the limit with TGATE_MAX_PAGES (the maxPages option of TGateClient).',
    );
    expect(pages).to.have.length(5);
    expect(api.requests).to.have.length(5);
    expect((await collect(capped, 20, { maxPages: 2 })).pages).to.have.length(2);
    expect(api.requests).to.have.length(7);
  });

  it(`caps a listing at ${DEFAULT_MAX_PAGES} pages by default`, async () => {
    const client = await serve((req) => ({ body: [{ id: asked(req).page }] }));
    const { pages, error } = await collect(client, 1);
    expect(error)
      .to.be.instanceOf(TGatePagingError)
      .with.property('message')
      .that.contains(`stopped after ${DEFAULT_MAX_PAGES} pages of 1`);
    expect(pages).to.have.length(DEFAULT_MAX_PAGES);
    expect(api.requests).to.have.length(DEFAULT_MAX_PAGES);
  });

  it('refuses a page cap that is not a whole number from 1', async () => {
    const client = await serve(() => ({ body: [] }));
    for (const maxPages of [0, -1, 1.5, Number.NaN]) {
      expect(() => clientFor(api.url, { maxPages }), String(maxPages)).to.throw(
        RangeError,
        'maxPages (TGATE_MAX_PAGES) must be a whole number from 1',
      );
      expect((await collect(client, 20, { maxPages })).error, String(maxPages)).to.be.instanceOf(RangeError);
    }
    expect(api.requests).to.have.length(0);
  });

  it('fails when current-page is not the page asked for', async () => {
    const client = await serve((req) => pagy(45, req, { 'current-page': '1' }));
    const { pages, error } = await collect(client);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 2: asked for page 2 but the answer says current-page 1: the API ignored the page parameter`,
    );
    expect(pages).to.have.length(1);
  });

  it('fails when total-pages contradicts total-count and page-items', async () => {
    const client = await serve((req) => pagy(45, req, { 'total-pages': '9' }));
    const { pages, error } = await collect(client);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 1: total-pages 9 contradicts total-count 45 at page-items 20 (3 pages): the paging headers cannot be trusted`,
    );
    expect(pages).to.have.length(0);
  });

  it('fails when more records come than page-items says', async () => {
    const client = await serve((req) => pagy(45, req, { 'page-items': '10', 'total-pages': '5' }));
    const { error } = await collect(client);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect(error?.message).to.equal(
      `T-Gate GET ${PATH}, page 1: 20 records came but page-items says 10: the paging headers contradict the data`,
    );
  });

  it('judges short pages by the size asked for when page-items is larger, so no record is lost', async () => {
    const client = await serve((req) => pagy(45, req, { 'page-items': '500', 'total-pages': '', 'total-count': '' }));
    const { pages, error } = await collect(client);
    expect(error).to.equal(undefined);
    expect(pages.flatMap((p) => p.items)).to.have.length(45);
    expect(pages.map((p) => p.pageItems)).to.deep.equal([20, 20, 20]);
  });

  it('ignores paging headers that are not whole numbers', async () => {
    const client = await serve((req) =>
      pagy(45, req, { 'total-pages': '3abc', 'page-items': '-1', 'current-page': 'x' }),
    );
    const { pages, error } = await collect(client);
    expect(error).to.equal(undefined);
    expect(pages.flatMap((p) => p.items)).to.have.length(45);
  });

  it('gives a record that a shift brings again once, and drops nothing from a listing not in id order', async () => {
    // Ascending ids, one record inserted before page 2 is read: page 2 starts with page 1's last record.
    let client = await serve((req) => {
      const { page } = asked(req);
      return { body: page === 1 ? records(1, 20) : page === 2 ? records(20, 20) : records(40, 5) };
    });
    let got = await collect(client);
    expect(got.error).to.equal(undefined);
    expect(got.pages.flatMap((p) => p.items.map((r) => r.id))).to.deep.equal(records(1, 44).map((r) => r.id));
    await api.close();
    // Newest first: not in id order, so every record is given as listed.
    const newestFirst = [...records(21, 20).reverse(), ...records(1, 5).reverse()];
    client = await serve((req) => ({ body: asked(req).page === 1 ? newestFirst.slice(0, 20) : newestFirst.slice(20) }));
    got = await collect(client);
    expect(got.pages.flatMap((p) => p.items.map((r) => r.id))).to.deep.equal(newestFirst.map((r) => r.id));
  });

  describe('through the listIntegrationScopes action in the sailor', () => {
    const ENV = ['TGATE_CLIENT_ID', 'TGATE_CLIENT_SECRET', 'TGATE_API_BASE_URL', 'TGATE_TOKEN_URI'];
    const saved: Record<string, string | undefined> = {};
    beforeEach(() => {
      for (const k of ENV) saved[k] = process.env[k];
    });
    afterEach(() => {
      for (const k of ENV)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    });

    it('ends a listing whose API ignores page: bounded requests, one error, no message emitted twice', async () => {
      api = await startScriptedApi(() => ({ body: records(1, 100) }));
      const platform = await startPlatformAccounts();
      Object.assign(process.env, {
        TGATE_CLIENT_ID: 'spec-client',
        TGATE_CLIENT_SECRET: 'spec-secret',
        TGATE_API_BASE_URL: `${api.url}/partner/v1`,
        TGATE_TOKEN_URI: `${api.url}/oauth/token`,
      });
      const account = `paging-${Date.now()}`;
      try {
        const cfg = {
          _account: account,
          environment: 'company-sandbox',
          oauth: { access_token: 'valid-access-token' },
        };
        const outcome = await runStep(loadFunction('listIntegrationScopes'), { body: {} }, cfg, platform);
        expect(api.requests).to.have.length(2);
        expect(outcome.errors.map((e) => e.message)).to.deep.equal([
          `T-Gate GET ${PATH}, page 2: the answer repeats page 1: the API ignored the page parameter, so the listing stopped here`,
        ]);
        const ids = outcome.data.map((d) => (d.body as { id: number }).id);
        expect(ids).to.have.length(100);
        expect(new Set(ids).size).to.equal(100);
      } finally {
        tokenMemory.forget(account);
        await platform.close();
      }
    });
  });
});
