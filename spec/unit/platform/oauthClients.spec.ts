import { expect } from 'chai';
import {
  createTenantOAuthClients,
  isClientInUseError,
  isComponentError,
  isDuplicateClientError,
  normalizeApiUrl,
  PlatformApiError,
  PlatformInputError,
  TenantOAuthClients,
  TenantOAuthClientsOptions,
} from '../../../lib/platform';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { rejection } from '../../helpers/rejection';

const USER = 'ops@example.com';
const API_KEY = 'KEY-7d1f0c2e9a8b4c3d';
const BASIC = `Basic ${Buffer.from(`${USER}:${API_KEY}`).toString('base64')}`;
const TENANT = '5b4f1ea5e1bcf4001a7c0001';
const SECRET_1 = 'c7e56633-5e88-4c97-8da9-3243423412';
const SECRET_2 = 'short-sec';
const NEW_SECRET = 'rotated-secret-0000-9999';

describe('platform: TenantOAuthClients against the platform stand-in', () => {
  let api: LocalPlatform;
  let delays: number[];
  let c1: string;
  let c2: string;

  function client(overrides: Partial<TenantOAuthClientsOptions> = {}): TenantOAuthClients {
    return createTenantOAuthClients({
      apiUrl: api.url,
      username: USER,
      apiKey: API_KEY,
      tenantId: TENANT,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
      ...overrides,
    });
  }

  beforeEach(async () => {
    delays = [];
    api = await startLocalPlatform();
    api.addUser(USER, API_KEY).addUser('viewer@example.com', 'viewer-key', ['tenants.oauth_clients.get']);
    api.addTenant(TENANT, ['cmp-a', 'cmp-b', 'cmp-c']);
    c1 = api.addClient(TENANT, { clientId: 'client-a', clientSecret: SECRET_1, componentId: 'cmp-a' });
    c2 = api.addClient(TENANT, { clientId: 'client-gone', clientSecret: SECRET_2, componentId: 'cmp-removed' });
  });

  afterEach(async () => {
    await api.close();
  });

  describe('list', () => {
    it('sends GET with Basic auth and keeps items that lack the component relationship', async () => {
      const clients = await client().list();
      expect(api.requests).to.have.length(1);
      const [req] = api.requests;
      expect(req.method).to.equal('GET');
      expect(req.path).to.equal(`/v2/tenants/${TENANT}/oauth-clients`);
      expect(req.rawQuery).to.equal('');
      expect(req.headers.authorization).to.equal(BASIC);
      expect(req.headers.accept).to.equal('application/json');
      expect(req.body).to.equal(undefined);
      expect(clients.map(({ resource, ...rest }) => rest)).to.deep.equal([
        { id: c1, clientId: 'client-a', clientSecret: SECRET_1, componentId: 'cmp-a' },
        { id: c2, clientId: 'client-gone', clientSecret: SECRET_2 },
      ]);
      expect(clients[1].resource).to.not.have.property('relationships');
    });

    it('filters by component with filter[component]', async () => {
      api.addClient(TENANT, { clientId: 'client-b', clientSecret: 'x'.repeat(20), componentId: 'cmp-b' });
      const clients = await client().list({ componentId: 'cmp-b' });
      expect(api.requests.map((r) => r.query)).to.deep.equal([{ 'filter[component]': 'cmp-b' }]);
      expect(clients.map((c) => c.clientId)).to.deep.equal(['client-b']);
    });

    it('reads every page when the answer carries meta.total_pages', async () => {
      for (const id of ['cmp-b', 'cmp-c', 'cmp-d'])
        api.addClient(TENANT, { clientId: `client-${id}`, clientSecret: 'y'.repeat(16), componentId: id });
      api.pageSize = 2;
      const clients = await client().list();
      expect(api.requests.map((r) => r.query)).to.deep.equal([
        {},
        { 'page[number]': '2', 'page[size]': '2' },
        { 'page[number]': '3', 'page[size]': '2' },
      ]);
      expect(clients.map((c) => c.clientId)).to.deep.equal([
        'client-a',
        'client-gone',
        'client-cmp-b',
        'client-cmp-c',
        'client-cmp-d',
      ]);
    });
  });

  it('get answers the typed client with the secret in plain text', async () => {
    const got = await client().get(c1);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      `GET /v2/tenants/${TENANT}/oauth-clients/${c1}`,
    ]);
    expect(got).to.include({ id: c1, clientId: 'client-a', clientSecret: SECRET_1, componentId: 'cmp-a' });
    expect(got.resource.type).to.equal('oauth-client');
  });

  it('create POSTs exactly the documented body', async () => {
    const created = await client().create({ clientId: 'client-b', clientSecret: NEW_SECRET, componentId: 'cmp-b' });
    expect(api.requests).to.have.length(1);
    const [req] = api.requests;
    expect(`${req.method} ${req.path}`).to.equal(`POST /v2/tenants/${TENANT}/oauth-clients`);
    expect(req.headers['content-type']).to.match(/^application\/json/);
    expect(req.headers.authorization).to.equal(BASIC);
    expect(req.body).to.deep.equal({
      data: {
        type: 'oauth-client',
        attributes: { client_id: 'client-b', client_secret: NEW_SECRET },
        relationships: { component: { data: { id: 'cmp-b', type: 'component' } } },
      },
    });
    expect(created).to.include({ clientId: 'client-b', clientSecret: NEW_SECRET, componentId: 'cmp-b' });
    expect(api.client(TENANT, created.id)).to.deep.include({ clientSecret: NEW_SECRET, componentId: 'cmp-b' });
  });

  it('create refuses empty fields before sending anything', async () => {
    const err = await rejection(client().create({ clientId: 'client-b', clientSecret: '', componentId: 'cmp-b' }));
    expect(err).to.be.instanceOf(PlatformInputError);
    expect((err as PlatformInputError).field).to.equal('clientSecret');
    expect(api.requests).to.have.length(0);
  });

  describe('ids that would leave their path', () => {
    const BAD_IDS = [
      '',
      '.',
      '..',
      '...',
      '../x',
      'a/b',
      'a\\b',
      '%2e%2e',
      'a?b',
      'a#b',
      'a b',
      ' a',
      'a\u0000b',
      'a\nb',
      'x'.repeat(201),
    ];

    it('refuses each bad OAuth client id in get, update and delete, naming the field, with no request', async () => {
      for (const id of BAD_IDS) {
        for (const call of [
          () => client().get(id),
          () => client().update(id, { clientId: 'x' }),
          () => client().delete(id),
        ]) {
          const err = await rejection(call());
          expect(err, JSON.stringify(id)).to.be.instanceOf(PlatformInputError).with.property('field', 'id');
          expect(err.message, JSON.stringify(id)).to.match(
            /^the OAuth client object id (is missing or empty|is "\.+", which is not an id but a step in a path|".*" is not a plain id: only letters, digits)/,
          );
        }
      }
      expect(api.requests).to.have.length(0);
    });

    it('refuses each bad tenant id and component id before any request', async () => {
      for (const bad of BAD_IDS) {
        expect(() => client({ tenantId: bad }), JSON.stringify(bad))
          .to.throw(PlatformInputError)
          .with.property('field', 'tenantId');
        for (const call of [
          () => client().list({ componentId: bad }),
          () => client().create({ clientId: 'c', clientSecret: NEW_SECRET, componentId: bad }),
          () => client().update(c1, { componentId: bad }),
        ]) {
          expect(await rejection(call()), JSON.stringify(bad))
            .to.be.instanceOf(PlatformInputError)
            .with.property('field', 'componentId');
        }
      }
      expect(api.requests).to.have.length(0);
    });

    it('accepts plain ids with dots, dashes and underscores inside', async () => {
      api.addClient(TENANT, {
        id: 'v1.2_client-x',
        clientId: 'client-dots',
        clientSecret: NEW_SECRET,
        componentId: 'cmp-c',
      });
      expect((await client().get('v1.2_client-x')).clientId).to.equal('client-dots');
    });
  });

  describe('update', () => {
    it('reads the client, merges the change and PATCHes the whole documented body', async () => {
      const updated = await client().update(c1, { clientSecret: NEW_SECRET });
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        `GET /v2/tenants/${TENANT}/oauth-clients/${c1}`,
        `PATCH /v2/tenants/${TENANT}/oauth-clients/${c1}`,
      ]);
      expect(api.requests[1].headers.authorization).to.equal(BASIC);
      expect(api.requests[1].body).to.deep.equal({
        data: {
          type: 'oauth-client',
          attributes: { client_id: 'client-a', client_secret: NEW_SECRET },
          relationships: { component: { data: { id: 'cmp-a', type: 'component' } } },
        },
      });
      expect(updated).to.include({ id: c1, clientId: 'client-a', clientSecret: NEW_SECRET, componentId: 'cmp-a' });
    });

    it('refuses a change with nothing in it, before any request', async () => {
      const err = await rejection(client().update(c1, {}));
      expect(err).to.be.instanceOf(PlatformInputError);
      expect(api.requests).to.have.length(0);
    });

    it('needs the component when the client has none (removed or hidden), and then sends it', async () => {
      const err = await rejection(client().update(c2, { clientId: 'renamed' }));
      expect(err).to.be.instanceOf(PlatformInputError);
      expect((err as PlatformInputError).field).to.equal('componentId');
      expect(api.requests.map((r) => r.method)).to.deep.equal(['GET']);

      api.clearRequests();
      await client().update(c2, { componentId: 'cmp-c' });
      expect((api.requests[1].body as any).data).to.deep.equal({
        type: 'oauth-client',
        attributes: { client_id: 'client-gone', client_secret: SECRET_2 },
        relationships: { component: { data: { id: 'cmp-c', type: 'component' } } },
      });
    });
  });

  describe('delete', () => {
    it('sends DELETE and the client is gone', async () => {
      await client().delete(c1);
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        `DELETE /v2/tenants/${TENANT}/oauth-clients/${c1}`,
      ]);
      expect(api.client(TENANT, c1)).to.equal(undefined);
    });

    it('is refused while a flow uses the client: status kept (sent as a string), detail parsed', async () => {
      api.useInFlow(TENANT, c1, 'Orders to ERP');
      const err = await rejection(client().delete(c1));
      expect(err).to.be.instanceOf(PlatformApiError);
      const e = err as PlatformApiError;
      expect(e.status).to.equal(409);
      expect(e.errors[0]).to.deep.include({ status: 409, title: 'Conflict' });
      expect(e.errors[0].detail).to.contain('Orders to ERP');
      expect(isClientInUseError(e)).to.equal(true);
      expect(isDuplicateClientError(e)).to.equal(false);
      expect(api.client(TENANT, c1)).to.not.equal(undefined);
      expect(api.requests).to.have.length(1);
    });
  });

  describe('errors', () => {
    it('409 on a second client for the same component', async () => {
      const err = (await rejection(
        client().create({ clientId: 'again', clientSecret: NEW_SECRET, componentId: 'cmp-a' }),
      )) as PlatformApiError;
      expect(err.status).to.equal(409);
      expect(isDuplicateClientError(err)).to.equal(true);
      expect(isClientInUseError(err)).to.equal(false);
      expect(err.message).to.contain('already exists').and.not.contain(NEW_SECRET);
    });

    it('404 on a component that is not visible in the tenant, with the JSON:API source kept', async () => {
      const err = (await rejection(
        client().create({ clientId: 'x', clientSecret: NEW_SECRET, componentId: 'cmp-hidden' }),
      )) as PlatformApiError;
      expect(err.status).to.equal(404);
      expect(isComponentError(err)).to.equal(true);
      expect(err.errors[0].source).to.deep.equal({ pointer: '/data/relationships/component/data/id' });
    });

    it('403 without the permission and 401 with a wrong key, never showing the key', async () => {
      const forbidden = (await rejection(
        client({ username: 'viewer@example.com', apiKey: 'viewer-key' }).create({
          clientId: 'x',
          clientSecret: NEW_SECRET,
          componentId: 'cmp-b',
        }),
      )) as PlatformApiError;
      expect(forbidden).to.be.instanceOf(PlatformApiError);
      expect(forbidden.status).to.equal(403);
      expect(forbidden.errors[0]).to.include({ status: 403, title: 'Unauthorized' });
      expect(forbidden.message).to.contain('POST').and.contain('403');

      const wrongKey = 'KEY-wrong-0123456789';
      const unauthorized = (await rejection(client({ apiKey: wrongKey }).list())) as PlatformApiError;
      expect(unauthorized.status).to.equal(401);
      for (const text of [unauthorized.message, JSON.stringify(unauthorized), JSON.stringify(unauthorized.errors)]) {
        expect(text).to.not.contain(wrongKey);
        expect(text).to.not.contain(Buffer.from(`${USER}:${wrongKey}`).toString('base64'));
      }
    });

    it('scrubs the API key and client secrets a server echoes in an error', async () => {
      api.inject({
        status: 400,
        body: {
          errors: [
            { status: 400, title: 'Bad argument error', detail: `secret ${NEW_SECRET} rejected for key ${API_KEY}` },
          ],
        },
      });
      const err = (await rejection(
        client().create({ clientId: 'x', clientSecret: NEW_SECRET, componentId: 'cmp-b' }),
      )) as PlatformApiError;
      const everything = `${err.message} ${JSON.stringify(err)} ${err.serverMessage}`;
      expect(everything).to.not.contain(NEW_SECRET);
      expect(everything).to.not.contain(API_KEY);
      expect(err.errors[0].detail).to.equal('secret [redacted] rejected for key [redacted]');
    });

    it('a 2xx answer that is not JSON says the API URL is probably wrong, naming the origin', async () => {
      api.inject({ status: 200, body: '<!doctype html><html><title>Sign in</title></html>', contentType: 'text/html' });
      const err = (await rejection(client().list())) as PlatformApiError;
      expect(err.kind).to.equal('not-json');
      expect(err.message)
        .to.contain(`${api.url} answered 200 with an HTML page`)
        .and.contain('this does not look like the platform API');

      api.inject({ status: 200, body: '<html>app</html>', contentType: 'text/html' });
      const del = (await rejection(client().delete(c1))) as PlatformApiError;
      expect(del.kind).to.equal('not-json');
    });

    it('a 4xx that is not a JSON:API document is a wrong API URL, not a missing tenant; a 5xx page stays a failure', async () => {
      api.inject({
        status: 404,
        body: '<!doctype html><h1>Page not found</h1>',
        contentType: 'text/html; charset=utf-8',
      });
      const html = (await rejection(client().list())) as PlatformApiError;
      expect(html.kind).to.equal('not-json');
      expect(html.status).to.equal(404);
      expect(html.message)
        .to.contain(`${api.url} answered 404 with an HTML page`)
        .and.contain('this does not look like the platform API');

      api.inject({ status: 404, body: { message: 'Not Found', documentation_url: 'https://example.com/docs' } });
      const json = (await rejection(client().get(c1))) as PlatformApiError;
      expect(json.kind).to.equal('not-json');
      expect(json.message).to.contain('answered 404 with JSON that is not a JSON:API document');

      api.inject({ status: 404 });
      expect(
        ((await rejection(client().get(c1))) as PlatformApiError).kind,
        'an empty 404 is left to its status',
      ).to.equal('http');
      const missing = (await rejection(client().get('no-such-client'))) as PlatformApiError;
      expect(missing.kind, "the platform's own 404").to.equal('http');

      api.inject(...Array(2).fill({ status: 503, body: '<html>maintenance</html>', contentType: 'text/html' }));
      const down = (await rejection(client({ policy: { maxAttempts: 2 } }).list())) as PlatformApiError;
      expect(down.kind).to.equal('http');
      expect(down.status).to.equal(503);
    });

    it('a redirect is not followed and is reported like a wrong API URL', async () => {
      api.inject({ status: 301, headers: { location: 'https://app.example.com/login?next=x' } });
      const err = (await rejection(client().get(c1))) as PlatformApiError;
      expect(err.kind).to.equal('not-json');
      expect(err.message).to.contain('301').and.contain('https://app.example.com/login').and.not.contain('next=');
    });

    it('an unreachable API is a network error', async () => {
      await api.close();
      const err = (await rejection(client({ policy: { maxAttempts: 2 } }).list())) as PlatformApiError;
      expect(err.kind).to.equal('network');
      expect(err.code).to.equal('ECONNREFUSED');
      expect(err.attempts).to.equal(2);
    });
  });

  describe('retries (time stubbed)', () => {
    it('retries 429 honouring Retry-After in seconds and as an HTTP date', async () => {
      api.inject(
        {
          status: 429,
          headers: { 'retry-after': '3' },
          body: { errors: [{ status: 429, title: 'Too Many Requests' }] },
        },
        { status: 429, headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } },
      );
      const clients = await client().list();
      expect(clients).to.have.length(2);
      expect(api.requests).to.have.length(3);
      expect(delays[0]).to.equal(3000);
      expect(delays[1]).to.be.within(3000, 5000);
    });

    it('retries 503 and 500 on reads with capped backoff, and gives up with the status kept', async () => {
      api.inject({ status: 503 }, { status: 500 });
      expect(await client().get(c1)).to.include({ id: c1 });
      expect(delays).to.deep.equal([150, 300]);

      delays = [];
      api.clearRequests();
      api.inject(
        ...Array.from({ length: 5 }, () => ({
          status: 500,
          body: { errors: [{ status: '500', title: 'Internal Server Error' }] },
        })),
      );
      const err = (await rejection(client().get(c1))) as PlatformApiError;
      expect(err.status).to.equal(500);
      expect(err.attempts).to.equal(5);
      expect(api.requests).to.have.length(5);
      expect(delays).to.deep.equal([150, 300, 600, 1200]);
      expect(err.message).to.contain('after 5 attempts');
    });

    it('PATCH is retried on 500 (the whole object is sent); POST only on 429/503, not on 500', async () => {
      api.inject({ status: 500 });
      const err = (await rejection(
        client().create({ clientId: 'x', clientSecret: NEW_SECRET, componentId: 'cmp-b' }),
      )) as PlatformApiError;
      expect(err.status).to.equal(500);
      expect(api.requests).to.have.length(1);

      api.clearRequests();
      api.inject({ status: 429, headers: { 'retry-after': '1' } }, { status: 503 });
      await client().create({ clientId: 'x', clientSecret: NEW_SECRET, componentId: 'cmp-b' });
      expect(api.requests.map((r) => r.method)).to.deep.equal(['POST', 'POST', 'POST']);

      api.clearRequests();
      api.inject(
        {
          status: 200,
          body: {
            data: {
              id: c1,
              type: 'oauth-client',
              attributes: { client_id: 'client-a', client_secret: SECRET_1 },
              relationships: { component: { data: { id: 'cmp-a', type: 'component' } } },
            },
          },
        },
        { status: 500 },
      );
      await client().update(c1, { clientId: 'client-a2' });
      expect(api.requests.map((r) => r.method)).to.deep.equal(['GET', 'PATCH', 'PATCH']);
    });

    it('fails at once when Retry-After asks for more than the cap', async () => {
      api.inject({ status: 429, headers: { 'retry-after': '3600' } });
      const err = (await rejection(client().list())) as PlatformApiError;
      expect(err.status).to.equal(429);
      expect(api.requests).to.have.length(1);
      expect(delays).to.deep.equal([]);
      expect(err.message).to.contain('asked to retry after 3600 s');
    });
  });
});

describe('platform: normalizeApiUrl', () => {
  it('keeps the origin and path, drops a trailing slash and /v2', () => {
    expect(normalizeApiUrl('https://api.elastic.io/')).to.equal('https://api.elastic.io');
    expect(normalizeApiUrl('https://api.thatapp.io/v2/')).to.equal('https://api.thatapp.io');
    expect(normalizeApiUrl(' https://gw.example.com/platform ')).to.equal('https://gw.example.com/platform');
    expect(normalizeApiUrl('http://127.0.0.1:8080')).to.equal('http://127.0.0.1:8080');
  });

  it('refuses what cannot be the API root', () => {
    for (const bad of [
      'api.elastic.io',
      'ftp://api.elastic.io',
      'http://api.elastic.io',
      'https://u:p@api.elastic.io',
      'https://api.elastic.io/?x=1',
    ]) {
      expect(() => normalizeApiUrl(bad), bad).to.throw(PlatformInputError);
    }
  });
});
