/**
 * Benchmark: the T-Gate token lifecycle against the embedded sandbox on loopback.
 *   1. 1,000 concurrent calls whose credential holds an expired access token: how many token requests
 *      reach the token endpoint (target: 1), and how long the burst takes.
 *   2. Added latency per call of the component's T-Gate client (connect + GET one page, as a message
 *      does) over a bare axios GET of the same endpoint with the same bearer token (target: < 10%).
 * Usage: npm run bench  [-- --calls 1000 --rounds 5 --per-round 400]
 */
import axios from 'axios';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { tokenMemory } from '../lib/auth';
import { startSandbox } from '../lib/sandbox';
import { connectForStep } from '../lib/tgate';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const quiet = { emit: async () => true, logger: {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const calls = arg('calls', 1000);
  const rounds = arg('rounds', 5);
  const perRound = arg('per-round', 400);
  const client = {
    clientId: 'bench-app',
    clientSecret: 'bench-secret-0123456789',
    redirectUris: ['https://platform.example.io/callback'],
  };
  const sandbox = await startSandbox({ clients: [client] });
  process.env.TGATE_CLIENT_ID = client.clientId;
  process.env.TGATE_CLIENT_SECRET = client.clientSecret;
  process.env.TGATE_TOKEN_URI = sandbox.tokenUrl;
  process.env.TGATE_API_BASE_URL = sandbox.apiBaseUrl;

  try {
    // 1. The burst.
    const tokens = await sandbox.issueTokens(client.clientId);
    const expiredCfg = {
      _account: 'bench-burst',
      environment: 'company-sandbox',
      oauth: { ...tokens, expires_at: new Date(Date.now() - 1000).toISOString() },
    };
    const before = sandbox.tokenRequests.length;
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: calls }, () =>
        connectForStep(quiet, expiredCfg).page('integrationScopes', { page: 1, pageSize: 1 }),
      ),
    );
    const burstMs = performance.now() - t0;
    const failed = results.filter((r) => r.status === 'rejected').length;
    const tokenRequests = sandbox.tokenRequests.length - before;

    // 2. Latency, interleaving the two clients in rounds so drift hits both alike.
    const fresh = await sandbox.issueTokens(client.clientId);
    const validCfg = {
      _account: 'bench-latency',
      environment: 'company-sandbox',
      oauth: { ...fresh, expires_at: new Date(Date.now() + 3600_000).toISOString() },
    };
    const url = `${sandbox.apiBaseUrl}/integration_scopes`;
    const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
    const bareGet = () =>
      bare.get(url, {
        params: { page: 1, items: 1 },
        headers: { Authorization: `Bearer ${fresh.access_token}`, Accept: 'application/json' },
      });
    const oursGet = () => connectForStep(quiet, validCfg).page('integrationScopes', { page: 1, pageSize: 1 });
    const timings = { bare: [] as number[], ours: [] as number[] };
    for (let i = 0; i < 200; i += 1) {
      await bareGet();
      await oursGet();
    } // warm-up
    for (let r = 0; r < rounds; r += 1) {
      for (const [name, fn] of (r % 2 === 0
        ? [
            ['bare', bareGet],
            ['ours', oursGet],
          ]
        : [
            ['ours', oursGet],
            ['bare', bareGet],
          ]) as Array<['bare' | 'ours', () => Promise<unknown>]>) {
        for (let i = 0; i < perRound; i += 1) {
          const s = performance.now();
          await fn();
          timings[name].push(performance.now() - s);
        }
      }
    }
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return {
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
      };
    };
    const b = stats(timings.bare);
    const o = stats(timings.ours);
    const ms = (x: number) => `${x.toFixed(3)} ms`;
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;

    console.log(`T-Gate token lifecycle benchmark (sandbox on loopback, node ${process.version})`);
    console.log('');
    console.log(`burst: ${calls} concurrent calls with an expired access token`);
    console.log(`  token requests made:   ${tokenRequests}   (target: 1)`);
    console.log(`  calls failed:          ${failed}`);
    console.log(`  burst wall time:       ${burstMs.toFixed(0)} ms`);
    console.log('');
    console.log(`latency: ${timings.bare.length} sequential GETs each, ${rounds} interleaved rounds`);
    console.log(`  bare axios GET:        mean ${ms(b.mean)}   p50 ${ms(b.p50)}   p95 ${ms(b.p95)}`);
    console.log(`  component T-Gate call: mean ${ms(o.mean)}   p50 ${ms(o.p50)}   p95 ${ms(o.p95)}`);
    console.log(
      `  added latency per call: mean ${ms(o.mean - b.mean)} (${pct(((o.mean - b.mean) / b.mean) * 100)})   p50 ${ms(o.p50 - b.p50)} (${pct(((o.p50 - b.p50) / b.p50) * 100)})   (target: < +10%)`,
    );
    process.exitCode = tokenRequests === 1 && failed === 0 ? 0 : 1;
  } finally {
    tokenMemory.forget();
    await sandbox.close();
  }
}

main().catch((err) => {
  console.error(`benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
