import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

/**
 * A stand-in for the platform API parts the sailor calls for a component: the v1 accounts
 * (credentials) the sailor reads and updates, and the result URL of runService.js.
 */
export interface PlatformAccountsServer {
  url: string;
  username: string;
  apiKey: string;
  accounts: Map<string, { keys: Record<string, unknown> }>;
  calls: RecordedCall[];
  results: unknown[];
  /** The next N account updates fail with 500 (a fault a test cannot get otherwise). */
  failNextUpdates(n: number): void;
  close(): Promise<void>;
}

export async function startPlatformAccounts(username = 'task-user@example.com', apiKey = 'platform-api-key-0123456789'): Promise<PlatformAccountsServer> {
  const accounts = new Map<string, { keys: Record<string, unknown> }>();
  const calls: RecordedCall[] = [];
  const results: unknown[] = [];
  let failUpdates = 0;
  const expectedAuth = `Basic ${Buffer.from(`${username}:${apiKey}`).toString('base64')}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try { body = text ? JSON.parse(text) : undefined; } catch { /* keep text */ }
      const path = (req.url ?? '').split('?')[0];
      calls.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (path === '/result' && req.method === 'POST') {
        results.push(body);
        return send(200, {});
      }
      if (req.headers.authorization !== expectedAuth) return send(401, { error: 'bad API credentials' });
      const match = /^\/v1\/accounts\/([^/]+)$/.exec(path);
      if (!match) return send(404, { error: `no route ${req.method} ${path}` });
      const id = decodeURIComponent(match[1]);
      if (req.method === 'GET') {
        const account = accounts.get(id);
        return account ? send(200, { _id: id, keys: account.keys }) : send(404, { error: 'account not found' });
      }
      if (req.method === 'PUT') {
        if (failUpdates > 0) {
          failUpdates -= 1;
          return send(500, { error: 'storage unavailable' });
        }
        const keys = (body as { keys?: Record<string, unknown> })?.keys;
        if (!keys || typeof keys !== 'object') return send(400, { error: 'keys required' });
        accounts.set(id, { keys });
        return send(200, { _id: id, keys });
      }
      return send(405, { error: 'method not allowed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    username,
    apiKey,
    accounts,
    calls,
    results,
    failNextUpdates: (n) => { failUpdates = n; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
