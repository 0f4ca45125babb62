import { expect } from 'chai';
import nodeHttp from 'node:http';
import { AxiosResponse } from 'axios';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { StoreError } from '../../../lib/sandbox/store';
import { CLIENT, bearer, http, ids } from './support';
import { newProduct } from '../../helpers/records';

const NEW_PRODUCT = newProduct('Spicy Shawarma', 'شاورما حارة');

describe('sandbox: /__sandbox seed, records and changes', () => {
  let sandbox: Sandbox;
  let token: string;
  const control = (path: string) => `${sandbox.url}/__sandbox${path}`;
  const api = (path: string): Promise<AxiosResponse> => http.get(`${sandbox.apiBaseUrl}${path}`, bearer(token));

  beforeEach(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    token = (await sandbox.issueTokens(CLIENT.clientId)).access_token;
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('creates, updates and deletes an item over HTTP, the partner API and the change log following', async () => {
    const before = sandbox.changeCount;
    const created = await http.post(control('/records/items'), NEW_PRODUCT);
    expect(created.status).to.equal(201);
    expect(created.data).to.deep.equal({ id: 1243, ...NEW_PRODUCT });
    expect((await api('/items/1243')).data.name_en).to.equal('Spicy Shawarma');
    expect((await api('/items?section_id=401&items=100')).headers['total-count']).to.equal('12');

    const updated = await http.patch(control('/records/items/1243'), { price: 20, inactive_in_branches: [202] });
    expect(updated.status).to.equal(200);
    expect((await api('/items/1243')).data).to.include({ price: 20, name_en: 'Spicy Shawarma' });
    const peeked = await http.get(control('/records/items/1243'));
    expect(peeked.data.record.inactive_in_branches).to.deep.equal([202]);
    expect(peeked.data.meta.version).to.equal(before + 2);
    expect(peeked.data.meta.updatedAt).to.match(/^\d{4}-\d\d-\d\dT/);

    expect((await http.delete(control('/records/items/1243'))).status).to.equal(204);
    expect((await api('/items/1243')).status).to.equal(404);
    const afterDelete = await api('/items?section_id=401&items=100');
    expect(afterDelete.headers['total-count']).to.equal('11');
    expect(ids(afterDelete.data)).to.not.include(1243);
    expect((await http.delete(control('/records/items/1243'))).status).to.equal(404);

    const changes = await http.get(control(`/changes?since=${before}`));
    expect(changes.data.changeCount).to.equal(before + 3);
    expect(
      changes.data.changes.map(
        (c: { resource: string; id: number; action: string }) => `${c.action} ${c.resource} ${c.id}`,
      ),
    ).to.deep.equal(['create items 1243', 'update items 1243', 'destroy items 1243']);
  });

  it('refuses invalid records naming the field, duplicates, unknown resources and non-JSON bodies', async () => {
    const invalid = await http.post(control('/records/items'), {
      ...NEW_PRODUCT,
      item_type: 'combo',
      name_en: undefined,
    });
    expect(invalid.status).to.equal(400);
    expect(invalid.data.message).to.contain('item_type').and.contain('name_en');
    expect((await http.post(control('/records/brands'), { id: 101, name_en: 'Again' })).status).to.equal(409);
    const unknown = await http.post(control('/records/employees'), {});
    expect(unknown.status).to.equal(404);
    expect(unknown.data.message).to.contain('integrationScopes');
    expect(
      (
        await http.post(control('/records/brands'), 'name=x', {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).to.equal(415);
    expect((await http.patch(control('/records/brands/101'), { name_en: 5 })).status).to.equal(400);
    expect((await http.get(control('/nothing'))).status).to.equal(404);
    expect(sandbox.requests, 'control calls are not recorded').to.deep.equal([]);
  });

  it('moves records in and out of scope when scopes and links change', async () => {
    expect((await api('/brands/104')).status).to.equal(404);
    const scope = sandbox.createRecord('integrationScopes', { brand_id: 104, branch_id: 216, menu_id: 310 });
    expect(scope.id).to.equal(46);
    expect((await api('/brands/104')).status).to.equal(200);
    expect(ids((await api('/branches?brand_id=104')).data)).to.deep.equal([216]);
    expect(ids((await api('/sections?menu_id=310')).data)).to.deep.equal([419, 420]);
    expect((await api('/items?section_id=419&items=100')).data).to.have.length(11);
    expect((await api('/opening_hour_groups/506')).status).to.equal(200);
    expect((await api('/branch_special_timings?branch_id=216')).data).to.have.length(1);

    sandbox.deleteRecord('integrationScopes', 46);
    expect((await api('/brands/104')).status).to.equal(404);
    expect((await api('/items?section_id=419')).data).to.deep.equal([]);

    // A section moved into a granted menu brings its items along.
    expect((await api('/items/1101')).status).to.equal(404);
    sandbox.updateRecord('sections', 421, { menu_id: 301 });
    expect((await api('/items/1101')).status).to.equal(200);
    expect((await api('/items?section_id=421&items=100')).data).to.have.length(11);
  });

  it('keeps list indexes right through updates of filtered fields', async () => {
    sandbox.updateRecord('items', 1005, { section_id: 403 });
    expect(ids((await api('/items?section_id=401&item_type=product')).data)).to.deep.equal([1114, 1199, 1221]);
    expect(ids((await api('/items?section_id=403&item_type=product')).data)).to.include(1005);
    sandbox.updateRecord('branches', 206, { brand_ids: [101, 102] });
    expect(ids((await api('/branches?brand_id=101')).data)).to.deep.equal([201, 202, 203, 204, 205, 206]);
  });

  it('from code: create, update, delete, errors as StoreError', () => {
    const brand = sandbox.createRecord('brands', { name_en: 'Falafel Corner', name_ar: 'ركن الفلافل', logo: null });
    expect(brand.id).to.equal(105);
    expect(sandbox.updateRecord('brands', 105, { name_en: 'Falafel Corner Express' }).name_en).to.equal(
      'Falafel Corner Express',
    );
    sandbox.deleteRecord('brands', 105);
    expect(sandbox.getRecord('brands', 105)).to.equal(undefined);
    expect(() => sandbox.deleteRecord('brands', 105)).to.throw(StoreError, /105/);
    expect(() => sandbox.updateRecord('menus', 301, { is_active: 'no' as unknown as boolean })).to.throw(
      StoreError,
      /is_active/,
    );
  });

  it('reseeds the catalog over HTTP with N items, keeping the scopes', async () => {
    const seeded = await http.post(control('/seed'), { items: 1000 });
    expect(seeded.status).to.equal(200);
    expect(seeded.data.counts).to.include({ items: 1000, integrationScopes: 45, brands: 4, orders: 0 });
    const list = await api('/items?items=100');
    expect(Number(list.headers['total-count'])).to.be.within(700, 900);
    expect((await http.post(control('/seed'), { items: -1 })).status).to.equal(400);
    expect((await http.post(control('/seed'))).data.counts.items).to.equal(242);
  });

  it('keeps a bounded request log and counts every request', async () => {
    const small = await startSandbox({ clients: [CLIENT], requestLogLimit: 5 });
    try {
      for (let i = 1; i <= 12; i++) await http.get(`${small.url}/nowhere/${i}`);
      expect(small.requestCount).to.equal(12);
      expect(small.requests.map((r) => r.path)).to.deep.equal([8, 9, 10, 11, 12].map((i) => `/nowhere/${i}`));
    } finally {
      await small.close();
    }
  });

  describe('only for this machine, and never with a secret', () => {
    /** A request to the sandbox's own socket with `host` as its Host header (what a rebound DNS name sends). */
    function withHost(
      method: string,
      path: string,
      host: string,
      body?: unknown,
    ): Promise<{ status: number; body: any }> {
      const { port } = new URL(sandbox.url);
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = nodeHttp.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            setHost: false,
            headers: {
              Host: host,
              ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    }

    it('refuses a Host that is not loopback (DNS rebinding), doing nothing; answers 127.0.0.0/8, localhost and [::1]', async () => {
      const { port } = new URL(sandbox.url);
      for (const host of [
        'evil.example',
        `evil.example:${port}`,
        `127.0.0.1.evil.example:${port}`,
        `localhost.evil.example`,
        '10.0.0.5',
        '[::2]',
        `127.0.0.256:${port}`,
        '0.0.0.0',
        '',
      ]) {
        const added = await withHost('POST', '/__sandbox/faults', host, { path: '/partner/v1/brands', status: 500 });
        expect(added.status, host).to.equal(403);
        expect(added.body.message, host).to.match(
          /^The \/__sandbox control routes answer only requests addressed to this machine/,
        );
        expect((await withHost('GET', '/__sandbox/webhooks', host)).status, host).to.equal(403);
      }
      expect((await http.get(control('/faults'))).data.faults, 'no fault added').to.deep.equal([]);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', '127.9.9.9', `[::1]:${port}`]) {
        expect((await withHost('GET', '/__sandbox/faults', host)).status, host).to.equal(200);
      }
    });

    it('shows webhook Meta Data with its secret values hidden, in every answer', async () => {
      const metaData = { secret: 'shared-secret-0042', partner: 'acme', auth: { api_key: 'k-0042', region: 'eu' } };
      const shown = { secret: '[hidden]', partner: 'acme', auth: { api_key: '[hidden]', region: 'eu' } };
      const base = control('/webhooks');
      const added = await http.post(base, { url: 'http://127.0.0.1:9/hook', events: ['item.update'], metaData });
      expect(added.status).to.equal(201);
      expect(added.data.metaData).to.deep.equal(shown);
      expect((await http.patch(`${base}/${added.data.id}`, { enabled: true })).data.metaData).to.deep.equal(shown);
      sandbox.updateRecord('items', 1005, { is_active: false });
      const deliveries = await http.get(`${base}/deliveries?wait=1`);
      expect(deliveries.data.deliveries[0].body.meta_data).to.deep.equal(shown);
      const listed = await http.get(base);
      expect(listed.data.webhooks[0].metaData).to.deep.equal(shown);
      for (const answer of [added, deliveries, listed])
        expect(JSON.stringify(answer.data)).not.to.match(/shared-secret-0042|k-0042/);
      // What the sandbox sends T-Gate's way is unchanged: the delivery itself still carries the secret.
      expect(sandbox.webhooks.stats.deliveries[0].body.meta_data).to.deep.equal(metaData);
    });
  });
});
