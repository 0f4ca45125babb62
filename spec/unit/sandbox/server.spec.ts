import { expect } from 'chai';
import http from 'http';
import { AxiosError } from 'axios';
import { isLoopbackHost, startSandbox, Sandbox } from '../../../lib/sandbox';
import { CLIENT, http as client } from './support';
import { rejection } from '../../helpers/rejection';

describe('sandbox: server', () => {
  it('refuses to listen on any host that is not loopback', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', '']) {
      const err = await rejection(startSandbox({ host }));
      expect(err.message, host).to.contain('loopback');
    }
  });

  it('tells loopback hosts apart', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).to.equal(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '::2',
      '::ffff:10.0.0.1',
      '1.127.0.0',
      'localhost.example.com',
      '127.0.0.1.nip.io',
    ]) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });

  it('refuses invalid options', async () => {
    expect((await rejection(startSandbox({ port: -1 }))).message).to.contain('port');
    expect((await rejection(startSandbox({ accessTokenLifetimeSeconds: 0 }))).message).to.contain(
      'accessTokenLifetimeSeconds',
    );
    expect(
      (await rejection(startSandbox({ clients: [{ clientId: 'a:b', clientSecret: 's', redirectUris: [] }] }))).message,
    ).to.contain('":"');
  });

  describe('on 127.0.0.1', () => {
    let sandbox: Sandbox;
    beforeEach(async () => {
      sandbox = await startSandbox({ clients: [CLIENT] });
    });
    afterEach(async () => {
      await sandbox.close();
    });

    it('exposes its URLs', () => {
      expect(sandbox.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.url).to.not.match(/:0$/);
      expect(sandbox.authorizeUrl).to.equal(`${sandbox.url}/oauth`);
      expect(sandbox.tokenUrl).to.equal(`${sandbox.url}/oauth/token`);
      expect(sandbox.apiBaseUrl).to.equal(`${sandbox.url}/partner/v1`);
    });

    it('answers 413 to an oversized body', async () => {
      const res = await client.post(sandbox.tokenUrl, 'a'.repeat(1024 * 1024 + 10), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).to.equal(413);
      expect(res.data.message).to.contain('larger than');
    });

    it('close() ends keep-alive connections at once, and is idempotent', async () => {
      const agent = new http.Agent({ keepAlive: true });
      const res = await client.get(`${sandbox.url}/nowhere`, { httpAgent: agent });
      expect(res.status).to.equal(404);
      expect(res.headers.connection).to.equal('keep-alive');
      const started = Date.now();
      await Promise.all([sandbox.close(), sandbox.close()]);
      expect(Date.now() - started).to.be.below(500);
      const err = await rejection(client.get(`${sandbox.url}/nowhere`, { httpAgent: new http.Agent() }));
      expect((err as AxiosError).code).to.equal('ECONNREFUSED');
      agent.destroy();
    });
  });

  it('listens on localhost and ::1 too (when the machine has them)', async function () {
    for (const host of ['localhost', '::1']) {
      let sandbox: Sandbox;
      try {
        sandbox = await startSandbox({ host, clients: [CLIENT] });
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' ||
          (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT'
        )
          continue;
        throw err;
      }
      try {
        expect(sandbox.url).to.match(/^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/);
        const res = await client.get(`${sandbox.url}/nowhere`);
        expect(res.status).to.equal(404);
      } finally {
        await sandbox.close();
      }
    }
  });
});
