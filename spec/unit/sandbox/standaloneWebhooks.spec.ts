import { expect } from 'chai';
import fs from 'fs';
import http, { Server } from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { Sandbox } from '../../../lib/sandbox';
import { startStandaloneSandbox } from '../../../lib/sandbox/standalone';

describe('sandbox: standalone, its webhook', () => {
  let dir: string;
  let sandbox: Sandbox | undefined;
  let server: Server;
  let url: string;
  let output: string;
  const received: unknown[] = [];
  const write = (text: string) => {
    output += text;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-sandbox-webhooks-'));
    output = '';
    received.length = 0;
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('configures a webhook with Meta Data from a file, says so without printing it, and delivers', async () => {
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ secret: 'never-printed' }));
    sandbox = await startStandaloneSandbox({
      write,
      cwd: dir,
      env: {},
      webhookUrl: url,
      webhookEvents: ['menu.update'],
      webhookMetaDataFile: 'meta.json',
      webhookBodyShape: 'event_type',
    });
    expect(output).to.contain(`Webhook: ${url} (on; menu.update; body event_type; meta_data keys: secret)`);
    expect(output).to.not.contain('never-printed');
    sandbox.updateRecord('menus', 301, { is_active: false });
    await sandbox.webhooks.idle();
    expect(received).to.deep.equal([{ id: 301, event_type: 'menu.update', meta_data: { secret: 'never-printed' } }]);
  });

  it('takes Meta Data from TGATE_WEBHOOK_META_DATA, can start switched off, and needs --webhook-url for the other flags', async () => {
    sandbox = await startStandaloneSandbox({
      write,
      cwd: dir,
      env: { TGATE_WEBHOOK_META_DATA: '{"secret":"e"}' },
      webhookUrl: url,
      webhookOff: true,
    });
    expect(sandbox.webhooks.list()[0]).to.deep.include({ enabled: false, metaData: { secret: 'e' } });
    sandbox.updateRecord('menus', 301, { is_active: false });
    await sandbox.webhooks.idle();
    expect(received).to.deep.equal([]);
    await sandbox.close();
    sandbox = undefined;
    let caught: unknown;
    await startStandaloneSandbox({ write, cwd: dir, env: {}, webhookOff: true }).catch(
      (err: unknown) => (caught = err),
    );
    expect(String(caught)).to.contain('--webhook-url');
  });
});
