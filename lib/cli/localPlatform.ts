import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { readBody, sendJson } from '../sandbox/httpUtil';

/**
 * A stand-in for the platform API routes the sailor calls for a component run locally (and in the
 * specs): the step data run.js reads at start-up, the credential (GET/PUT /v1/accounts/:id, which
 * `updateKeys` becomes) and runService's result URL. Loopback only; HTTP Basic with a per-run API key
 * that is never printed. Every call is recorded.
 */
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

export interface LocalPlatformOptions {
  username?: string;
  apiKey?: string;
  /** Served at GET /v1/tasks/{flowId}/steps/{stepId}. */
  step?: { flowId: string; stepId: string; data: StepData };
}

export interface LocalPlatform {
  url: string;
  username: string;
  apiKey: string;
  /** Stored credentials by id; PUT replaces `keys` entirely. */
  accounts: Map<string, { keys: Record<string, unknown> }>;
  calls: PlatformCall[];
  /** Bodies POSTed to /result by runService.js. */
  results: unknown[];
  /** The next N account updates answer 500 (a fault the specs cannot get otherwise). */
  failNextUpdates(n: number): void;
  /**
   * Every later account update is stored only after this many milliseconds (a number, or a function
   * picked per call): a slow platform, where a credential read meanwhile still holds the old keys.
   */
  delayUpdates(ms: number | (() => number)): void;
  close(): Promise<void>;
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const username = options.username ?? 'local-developer@tgate.invalid';
  const apiKey = options.apiKey ?? crypto.randomBytes(24).toString('base64url');
  const expected = `Basic ${Buffer.from(`${username}:${apiKey}`).toString('base64')}`;
  const stepPath = options.step ? `/v1/tasks/${encodeURIComponent(options.step.flowId)}/steps/${encodeURIComponent(options.step.stepId)}` : undefined;
  const accounts = new Map<string, { keys: Record<string, unknown> }>();
  const calls: PlatformCall[] = [];
  const results: unknown[] = [];
  let failUpdates = 0;
  let updateDelay: () => number = () => 0;

  // The same small HTTP helpers as the T-Gate sandbox: both are loopback stand-ins of someone else's API.
  const server = http.createServer(async (req, res) => {
    const at = Date.now();
    const text = await readBody(req).catch(() => '');
    let body: unknown = text || undefined;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* keep the text */ }
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0];
    const call: PlatformCall = { at, method, path, authorization: req.headers.authorization, body, status: 0 };
    calls.push(call);
    const send = (status: number, payload: unknown): void => {
      call.status = status;
      sendJson(res, status, payload);
    };
    if (method === 'POST' && path === '/result') {
      results.push(body);
      return send(200, {});
    }
    if (req.headers.authorization !== expected) return send(401, { error: 'Unauthorized' });
    if (stepPath && path === stepPath) return method === 'GET' ? send(200, options.step?.data) : send(405, { error: 'method not allowed' });
    const account = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (!account) return send(404, { error: `no route ${method} ${path}` });
    const id = decodeURIComponent(account[1]);
    if (method === 'GET') {
      const stored = accounts.get(id);
      return stored ? send(200, { _id: id, keys: stored.keys }) : send(404, { error: `account ${id} not found` });
    }
    if (method === 'PUT') {
      if (failUpdates > 0) {
        failUpdates -= 1;
        return send(500, { error: 'storage unavailable' });
      }
      const keys = (body as { keys?: unknown } | undefined)?.keys;
      if (!keys || typeof keys !== 'object' || Array.isArray(keys)) return send(400, { error: 'keys must be an object' });
      if (!accounts.has(id)) return send(404, { error: `account ${id} not found` });
      const store = (): void => {
        accounts.set(id, { keys: keys as Record<string, unknown> });
        send(200, { _id: id, keys });
      };
      const delay = updateDelay();
      if (delay > 0) setTimeout(store, delay); else store();
      return undefined;
    }
    return send(405, { error: 'method not allowed' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, username, apiKey, accounts, calls, results,
    failNextUpdates: (n) => { failUpdates = n; },
    delayUpdates: (ms) => { updateDelay = typeof ms === 'function' ? ms : () => ms; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
