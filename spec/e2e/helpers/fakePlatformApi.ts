/**
 * A fake of the platform API parts the REAL sailor (run.js) calls for a flow step, over real HTTP on
 * loopback (see /work/shared/research/sailor.md 4.3 and 4.4):
 *
 * - GET /v1/tasks/:flow/steps/:step -> {config, snapshot, is_passthrough, variables} (read once at start-up);
 * - GET /v1/accounts/:id            -> {_id, keys} (what a component reads to find tokens another process saved);
 * - PUT /v1/accounts/:id {keys}     -> stores the keys (what the sailor sends for `updateKeys`).
 *
 * Every route except the unknown ones checks HTTP Basic `username:apiKey` (401 otherwise), as the
 * platform does. Every request is recorded, with its arrival time and parsed body.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface PlatformCall {
  at: number;
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
  status: number;
}

export interface StepData {
  config: Record<string, unknown>;
  snapshot: Record<string, unknown>;
  is_passthrough: boolean;
  variables: Record<string, unknown>;
}

export interface FakePlatformApi {
  url: string;
  username: string;
  apiKey: string;
  flowId: string;
  stepId: string;
  /** Stored credentials by id; PUT replaces `keys` entirely (v2 semantics; v1 is unverified). */
  accounts: Map<string, { keys: Record<string, unknown> }>;
  calls: PlatformCall[];
  close(): Promise<void>;
}

export interface FakePlatformOptions {
  username: string;
  apiKey: string;
  flowId: string;
  stepId: string;
  step: StepData;
}

export async function startFakePlatformApi(opts: FakePlatformOptions): Promise<FakePlatformApi> {
  const accounts = new Map<string, { keys: Record<string, unknown> }>();
  const calls: PlatformCall[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${opts.username}:${opts.apiKey}`).toString('base64')}`;
  const stepPath = `/v1/tasks/${encodeURIComponent(opts.flowId)}/steps/${encodeURIComponent(opts.stepId)}`;

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text || undefined;
      try { body = text ? JSON.parse(text) : undefined; } catch { /* keep the text */ }
      const method = req.method ?? '';
      const path = (req.url ?? '').split('?')[0];
      const call: PlatformCall = { at, method, path, authorization: req.headers.authorization, body, status: 0 };
      calls.push(call);
      const send = (status: number, payload: unknown): void => {
        call.status = status;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== expectedAuth) return send(401, { error: 'Unauthorized' });
      if (path === stepPath) {
        return method === 'GET' ? send(200, opts.step) : send(405, { error: 'method not allowed' });
      }
      const account = /^\/v1\/accounts\/([^/]+)$/.exec(path);
      if (account) {
        const id = decodeURIComponent(account[1]);
        if (method === 'GET') {
          const stored = accounts.get(id);
          return stored ? send(200, { _id: id, keys: stored.keys }) : send(404, { error: `account ${id} not found` });
        }
        if (method === 'PUT') {
          const keys = (body as { keys?: unknown } | undefined)?.keys;
          if (!keys || typeof keys !== 'object' || Array.isArray(keys)) return send(400, { error: 'keys must be an object' });
          if (!accounts.has(id)) return send(404, { error: `account ${id} not found` });
          accounts.set(id, { keys: keys as Record<string, unknown> });
          return send(200, { _id: id, keys });
        }
        return send(405, { error: 'method not allowed' });
      }
      return send(404, { error: `no route ${method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    username: opts.username,
    apiKey: opts.apiKey,
    flowId: opts.flowId,
    stepId: opts.stepId,
    accounts,
    calls,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
