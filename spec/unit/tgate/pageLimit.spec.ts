import { expect } from 'chai';
import { DEFAULT_MAX_PAGES, TGateClient, TGatePagingError } from '../../../lib/tgate';
import { clientFor, ScriptedApi, startScriptedApi } from '../../helpers/scriptedTGate';

/**
 * The page cap, held by counts: the API below serves a new full page for every page asked up to the cap
 * and an empty page beyond it, so a listing that ignores its cap ends at once (no error, one request too
 * many) instead of running until a timeout.
 */
describe('tgate: the page cap of a listing', function () {
  this.timeout(10_000);
  let api: ScriptedApi;
  afterEach(async () => {
    await api?.close();
  });

  async function endless(cap: number): Promise<TGateClient> {
    api = await startScriptedApi((req) => {
      const page = Number(req.query.get('page'));
      return { body: page > cap ? [] : [{ id: page }] };
    });
    return clientFor(`${api.url}/partner/v1`);
  }

  async function list(
    client: TGateClient,
    options: { maxPages?: number } = {},
  ): Promise<{ pages: number; error?: unknown }> {
    let pages = 0;
    try {
      for await (const page of client.pages('integrationScopes', { pageSize: 1, ...options }))
        pages += page.items.length;
    } catch (error) {
      return { pages, error };
    }
    return { pages };
  }

  it('reads exactly maxPages pages of the call, then fails naming the page it stopped at', async () => {
    const client = await endless(3);
    const { pages, error } = await list(client, { maxPages: 3 });
    expect(pages).to.equal(3);
    expect(api.requests).to.have.length(3);
    expect(error).to.be.instanceOf(TGatePagingError);
    expect((error as TGatePagingError).page).to.equal(4);
  });

  it('reads exactly maxPages pages of the client when the call gives none', async () => {
    await endless(2);
    const client = clientFor(`${api.url}/partner/v1`, { maxPages: 2 });
    const { pages, error } = await list(client);
    expect(pages).to.equal(2);
    expect(api.requests).to.have.length(2);
    expect(error).to.be.instanceOf(TGatePagingError);
  });

  it(`reads exactly ${DEFAULT_MAX_PAGES} pages by default`, async function () {
    this.timeout(60_000); // a thousand requests on a loaded machine; the mutant ends at request 1001, not here
    const client = await endless(DEFAULT_MAX_PAGES);
    const { pages, error } = await list(client);
    expect(pages).to.equal(DEFAULT_MAX_PAGES);
    expect(api.requests).to.have.length(DEFAULT_MAX_PAGES);
    expect(error).to.be.instanceOf(TGatePagingError);
  });

  it('a listing one page short of its cap ends without an error', async () => {
    const client = await endless(2);
    const { pages, error } = await list(client, { maxPages: 3 });
    expect(error).to.equal(undefined);
    expect(pages).to.equal(2);
    expect(api.requests).to.have.length(3);
  });
});
