import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A stand-in for the few platform API routes the sailor calls for a component run locally:
 * the credential (GET/PUT /v1/accounts/:id) and runService's result URL. Loopback only; a random
 * API key per run, never printed.
 */
export interface LocalPlatform {
  url: string;
  username: string;
  apiKey: string;
  accounts: Map<string, Record<string, unknown>>;
  results: unknown[];
  close(): Promise<void>;
}

export async function startLocalPlatform(): Promise<LocalPlatform> {
  const username = 'local-developer@tgate.invalid';
  const apiKey = crypto.randomBytes(24).toString('base64url');
  const expected = `Basic ${Buffer.from(`${username}:${apiKey}`).toString('base64')}`;
  const accounts = new Map<string, Record<string, unknown>>();
  const results: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined; } catch { return send(400, { error: 'invalid JSON' }); }
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/result') { results.push(body); return send(200, {}); }
      if (req.headers.authorization !== expected) return send(401, { error: 'unauthorized' });
      const m = /^\/v1\/accounts\/([^/]+)$/.exec(path);
      if (!m) return send(404, { error: `no route ${req.method} ${path}` });
      const id = decodeURIComponent(m[1]);
      if (req.method === 'GET') return accounts.has(id) ? send(200, { _id: id, keys: accounts.get(id) }) : send(404, { error: 'no such account' });
      if (req.method === 'PUT') {
        const keys = (body as { keys?: Record<string, unknown> } | undefined)?.keys;
        if (!keys) return send(400, { error: 'keys required' });
        accounts.set(id, keys);
        return send(200, { _id: id, keys });
      }
      return send(405, { error: 'method not allowed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, username, apiKey, accounts, results,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
