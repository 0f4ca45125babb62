/**
 * A loopback HTTP proxy in front of one server (the sandbox's token endpoint) that records each exchange
 * whole: what the component sent and what the server answered. Lets a spec compare what the component
 * saved with what the server actually issued, without reaching into the server.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  requestBody: string;
  status: number;
  responseBody: string;
}

export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const origin = new URL(target);
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const headers = { ...req.headers, host: origin.host };
      const upstream = http.request(
        { host: origin.hostname, port: origin.port, method: req.method, path: req.url, headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            const responseBody = Buffer.concat(body);
            exchanges.push({
              method: req.method ?? '',
              path: req.url ?? '',
              requestBody: requestBody.toString('utf8'),
              status: answer.statusCode ?? 0,
              responseBody: responseBody.toString('utf8'),
            });
            const out = { ...answer.headers };
            delete out['transfer-encoding'];
            out['content-length'] = String(responseBody.length);
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(responseBody);
          });
        },
      );
      upstream.on('error', () => {
        res.destroy();
      });
      upstream.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${origin.pathname}`,
    exchanges,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
