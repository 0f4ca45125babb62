/**
 * Benchmark: the sandbox catalog at scale. Seeds N items (default 100,000), then times over loopback HTTP
 * the first and the last page of GET /items, a page of one section, and a page after an update.
 * Usage: npm run bench:catalog  [-- --items 100000 --repeat 200]
 */
import axios from 'axios';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../lib/sandbox';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main(): Promise<void> {
  const items = arg('items', 100_000);
  const repeat = arg('repeat', 200);
  const client = {
    clientId: 'bench-app',
    clientSecret: 'bench-secret-0123456789',
    redirectUris: ['https://platform.example.io/callback'],
  };
  const sandbox = await startSandbox({ clients: [client] });
  try {
    const { access_token: token } = await sandbox.issueTokens(client.clientId);
    const http = axios.create({
      baseURL: sandbox.apiBaseUrl,
      headers: { Authorization: `Bearer ${token}` },
      proxy: false,
    });

    let started = performance.now();
    const summary = sandbox.seedCatalog({ items });
    console.log(`seed ${items.toLocaleString('en')} items: ${(performance.now() - started).toFixed(1)} ms`);

    started = performance.now();
    const first = await http.get('/items', { params: { page: 1, items: 100 } });
    console.log(
      `first list after seeding (builds the indexes): ${(performance.now() - started).toFixed(1)} ms, total-count ${first.headers['total-count']} of ${summary.counts.items}`,
    );

    const timed = async (label: string, params: Record<string, string | number>): Promise<void> => {
      const took: number[] = [];
      let length = 0;
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        length = (await http.get<unknown[]>('/items', { params })).data.length;
        took.push(performance.now() - t);
      }
      took.sort((a, b) => a - b);
      console.log(
        `${label}: median ${took[Math.floor(took.length / 2)].toFixed(2)} ms over ${repeat} requests (${length} records a page)`,
      );
    };
    const lastPage = Number(first.headers['total-pages']);
    await timed('GET /items page 1, 100 a page', { page: 1, items: 100 });
    await timed(`GET /items page ${lastPage} (last), 100 a page`, { page: lastPage, items: 100 });
    await timed('GET /items?section_id=405 page 20, 20 a page', { section_id: 405, page: 20 });

    const changes: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t = performance.now();
      sandbox.updateRecord('items', 2000 + i, { price: 9.5 });
      await http.get('/items', { params: { page: 500, items: 100 } });
      changes.push(performance.now() - t);
    }
    changes.sort((a, b) => a - b);
    console.log(
      `update one item, then GET /items page 500: median ${changes[Math.floor(changes.length / 2)].toFixed(2)} ms`,
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
