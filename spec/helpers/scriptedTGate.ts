import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpClient } from '../../lib/http';
import { TGATE_PROFILE, TokenSession } from '../../lib/auth';
import { TGateClient, TGateClientOptions } from '../../lib/tgate';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A body sent as is (an HTML page, `text/html` unless headers say otherwise), instead of `body` as JSON. */
  text?: string;
}

/** A loopback server playing a (misbehaving) T-Gate partner API: `reply` decides each answer; every request is recorded. */
export interface ScriptedApi {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startScriptedApi(reply: (req: SeenRequest, n: number) => Reply): Promise<ScriptedApi> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    };
    requests.push(seen);
    const { status = 200, headers = {}, body, text } = reply(seen, requests.length);
    if (text !== undefined) {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(text);
      return;
    }
    res.writeHead(status, body === undefined ? headers : { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TGateClient on `apiBaseUrl` with a valid, non-expiring access token (no token endpoint is ever asked). */
export function clientFor(apiBaseUrl: string, options: Partial<TGateClientOptions> = {}): TGateClient {
  const http = new HttpClient({ service: 'T-Gate', policy: { maxAttempts: 1 } });
  const session = new TokenSession({
    keys: { oauth: { access_token: `spec-token-${Math.random().toString(36).slice(2)}` } },
    profile: TGATE_PROFILE,
    tokenUrl: 'http://127.0.0.1:9/oauth/token',
    client: { clientId: 'spec-client', clientSecret: 'spec-secret' },
    http,
    persistence: {},
  });
  return new TGateClient({ apiBaseUrl, session, http, ...options });
}
