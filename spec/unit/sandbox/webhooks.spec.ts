import { expect } from 'chai';
import http, { Server } from 'http';
import { AddressInfo } from 'net';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { WebhookConfigError } from '../../../lib/sandbox/webhooks';
import { CLIENT, bearer, http as client } from './support';
import { newProduct } from '../../helpers/records';

/** A loopback webhook receiver: keeps each POST body and answers `status`. */
interface Receiver {
  url: string;
  bodies: Array<Record<string, unknown>>;
  contentTypes: string[];
  status: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { bodies: [], contentTypes: [], status: 200 } as unknown as Receiver;
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      receiver.contentTypes.push(String(req.headers['content-type']));
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tgate/webhooks`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

const NEW_PRODUCT = newProduct('Spicy Shawarma', 'شاورما حارة');

describe('sandbox: webhooks', () => {
  let sandbox: Sandbox;
  let receiver: Receiver;
  const sent = async () => {
    await sandbox.webhooks.idle();
    return receiver.bodies;
  };

  beforeEach(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox({ clients: [CLIENT], now: '2026-12-01T09:00:00Z' });
  });

  afterEach(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('POSTs item create, critical update and destroy once each as {id, resource_type, action, meta_data}; other fields fire nothing', async () => {
    sandbox.configureWebhook({ url: receiver.url, metaData: { secret: 's3cret', partner: 'acme' } });
    const item = sandbox.createRecord('items', NEW_PRODUCT);
    sandbox.updateRecord('items', item.id, { price: 20 });
    sandbox.updateRecord('items', item.id, { section_id: 402 }); // not a critical field
    sandbox.deleteRecord('items', item.id);
    const metaData = { secret: 's3cret', partner: 'acme' };
    expect(await sent()).to.deep.equal([
      { id: item.id, resource_type: 'item', action: 'create', meta_data: metaData },
      { id: item.id, resource_type: 'item', action: 'update', meta_data: metaData },
      { id: item.id, resource_type: 'item', action: 'destroy', meta_data: metaData },
    ]);
    expect(receiver.contentTypes[0]).to.equal('application/json');
    expect(sandbox.webhooks.stats).to.include({ delivered: 3, failed: 0, lastError: null });
  });

  it('sends section, menu and branch events for their critical fields, as {id, event_type} when so configured', async () => {
    sandbox.configureWebhook({ url: receiver.url, bodyShape: 'event_type' });
    sandbox.updateRecord('sections', 401, { force_closed_in_branches: [203] });
    sandbox.updateRecord('sections', 401, { name_en: 'Wraps' });
    sandbox.updateRecord('menus', 301, { is_active: false });
    sandbox.updateRecord('menus', 301, { name_en: 'Menu' });
    sandbox.updateRecord('branches', 203, { is_force_closed: true });
    sandbox.updateRecord('branches', 203, { about_en: 'Renovated' });
    // Over HTTP too: the control routes change the same store.
    const created = await client.post(`${sandbox.url}/__sandbox/records/sections`, {
      menu_id: 301,
      description_en: null,
      description_ar: null,
      image_url: null,
      is_force_closed: false,
      force_closed_in_branches: [],
      name_en: 'New',
      name_ar: null,
      opening_hour_group_id: null,
    });
    await client.delete(`${sandbox.url}/__sandbox/records/sections/${created.data.id}`);
    expect(await sent()).to.deep.equal([
      { id: 401, event_type: 'section.update' },
      { id: 301, event_type: 'menu.update' },
      { id: 203, event_type: 'branch.update' },
      { id: created.data.id, event_type: 'section.create' },
      { id: created.data.id, event_type: 'section.destroy' },
    ]);
  });

  it('sends order.update for every order status change (company or partner), not for the create or a payment change', async () => {
    sandbox.configureWebhook({ url: receiver.url, events: ['order.update'], metaData: { secret: 'x' } });
    const { access_token: token } = await sandbox.issueTokens(CLIENT.clientId);
    const node = (item_id: number, quantity: number | null, children: unknown[] = []) => ({
      item_id,
      quantity,
      children,
    });
    const created = await client.post(
      `${sandbox.apiBaseUrl}/orders`,
      {
        brand_id: 101,
        branch_id: 202,
        menu_id: 301,
        service_type: 'delivery',
        app_order_uuid: 'wh-1',
        items: [node(1199, 1)],
        total_price: 22,
        address: { full_address: 'Olaya', lat: 24.7, lng: 46.7 },
      },
      bearer(token),
    );
    expect(created.status).to.equal(201);
    const id = created.data.id;
    sandbox.updateOrderAsCompany(id, { order_status: 'ready' });
    await client.patch(`${sandbox.apiBaseUrl}/orders/${id}`, { order_status: 'in_route' }, bearer(token));
    await client.patch(`${sandbox.apiBaseUrl}/orders/${id}`, { payment_status: 'paid' }, bearer(token));
    sandbox.updateOrderAsCompany(id, { estimated_time: '2026-12-01T09:30:00Z' });
    await client.patch(`${sandbox.apiBaseUrl}/orders/${id}`, { order_status: 'done' }, bearer(token));
    sandbox.updateRecord('items', 1199, { price: 23 }); // not an order event: this webhook does not cover it
    const update = { id, resource_type: 'order', action: 'update', meta_data: { secret: 'x' } };
    expect(await sent()).to.deep.equal([update, update, update, update]);
  });

  it('counts failed deliveries with the last error and does not retry them', async () => {
    receiver.status = 500;
    sandbox.configureWebhook({ url: receiver.url });
    sandbox.updateRecord('menus', 301, { is_active: false });
    expect(await sent()).to.have.length(1);
    expect(sandbox.webhooks.stats).to.include({ delivered: 0, failed: 1 });
    expect(sandbox.webhooks.stats.lastError).to.contain('menu.update').and.contain('HTTP 500');
    expect(sandbox.webhooks.stats.deliveries[0]).to.include({ status: 500, event: 'menu.update', error: 'HTTP 500' });

    await receiver.close();
    sandbox.updateRecord('menus', 301, { is_active: true });
    await sandbox.webhooks.idle();
    expect(sandbox.webhooks.stats).to.include({ delivered: 0, failed: 2 });
    expect(sandbox.webhooks.stats.lastError).to.contain('ECONNREFUSED');
    receiver = await startReceiver();
    expect(await sent(), 'nothing is sent again later').to.deep.equal([]);
  });

  it('a disabled webhook sends nothing until enabled, and each event goes to one webhook only', async () => {
    const webhook = sandbox.configureWebhook({ url: receiver.url, events: ['menu.update'], enabled: false });
    sandbox.updateRecord('menus', 301, { is_active: false });
    expect(await sent()).to.deep.equal([]);
    expect(sandbox.webhooks.stats).to.include({ delivered: 0, failed: 0 });
    sandbox.webhooks.update(webhook.id, { enabled: true });
    sandbox.updateRecord('menus', 301, { is_active: true });
    expect(await sent()).to.deep.equal([{ id: 301, resource_type: 'menu', action: 'update' }]);
    expect(() => sandbox.configureWebhook({ url: receiver.url, events: ['menu.update', 'branch.update'] })).to.throw(
      WebhookConfigError,
      /menu.update already bound/,
    );
    expect(() => sandbox.configureWebhook({ url: 'ftp://example.com' })).to.throw(WebhookConfigError, /url/);
    expect(() => sandbox.configureWebhook({ url: receiver.url, events: ['brand.update' as 'menu.update'] })).to.throw(
      WebhookConfigError,
      /events/,
    );
  });

  it('is configured and read over HTTP under /__sandbox/webhooks', async () => {
    const base = `${sandbox.url}/__sandbox/webhooks`;
    const added = await client.post(base, {
      url: receiver.url,
      events: ['item.update'],
      metaData: { secret: 'h' },
      enabled: false,
    });
    expect(added.status).to.equal(201);
    expect(added.data).to.deep.include({
      id: 1,
      url: receiver.url,
      events: ['item.update'],
      enabled: false,
      bodyShape: 'resource_action',
    });
    expect(
      (await client.post(base, { url: receiver.url, events: ['item.update'] })).status,
      'event already bound',
    ).to.equal(400);
    expect((await client.patch(`${base}/1`, { enabled: true })).data.enabled).to.equal(true);
    sandbox.updateRecord('items', 1005, { is_active: false });
    const deliveries = await client.get(`${base}/deliveries?wait=1`);
    expect(deliveries.data).to.deep.include({ delivered: 1, failed: 0, lastError: null });
    expect(deliveries.data.deliveries[0]).to.deep.include({
      webhookId: 1,
      event: 'item.update',
      status: 200,
      body: { id: 1005, resource_type: 'item', action: 'update', meta_data: { secret: '[hidden]' } },
    });
    expect((await client.get(base)).data).to.deep.include({ delivered: 1, failed: 0 });
    expect((await client.delete(`${base}/1`)).status).to.equal(204);
    expect((await client.delete(`${base}/1`)).status).to.equal(404);
    expect((await client.delete(base)).data).to.deep.equal({ webhooks: [], delivered: 0, failed: 0, lastError: null });
  });

  it('takes webhooks as a start option; seeding the catalog sends nothing', async () => {
    const other = await startSandbox({ webhooks: [{ url: receiver.url, events: ['item.destroy'] }] });
    try {
      other.seedCatalog({ items: 300 });
      other.deleteRecord('items', 1001);
      await other.webhooks.idle();
      expect(receiver.bodies).to.deep.equal([{ id: 1001, resource_type: 'item', action: 'destroy' }]);
    } finally {
      await other.close();
    }
  });
});
