import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One webhook request as the platform would put it in a message. */
export interface Delivery {
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  got: Delivery[];
  close(): Promise<void>;
}

/** Where the sandbox POSTs its webhooks: a loopback server keeping each request. */
export async function listen(): Promise<WebhookReceiver> {
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      got.push({ body: JSON.parse(text) as Record<string, unknown>, headers: { ...req.headers } });
      res.writeHead(200).end(); // T-Gate takes any answer
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/tgate`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
