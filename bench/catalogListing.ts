/**
 * Benchmark: lookupObjects (emitIndividually) over a sandbox catalog of 10,000 and of 100,000 items, run
 * through the sailor's real TaskExec (runFunctionLocally), against bare paging with axios over the same
 * sandbox. For each size it prints the requests made against the minimum (ceil(N / 100) pages plus the
 * one token request of an expired credential), the peak RSS and heap of the listing process, and the
 * time of the listing against the bare one.
 *
 * The sandbox and the platform stand-in run in this process; each listing runs in a child process of its
 * own (node dist/bench/catalogListing.js --child ...), so its memory is the listing's alone.
 *
 * Usage: npm run bench:listing  [-- --sizes 10000,100000 --runs 3]
 */
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import { startSandbox } from '../lib/sandbox';
import { defaultIntegrationScopes } from '../lib/sandbox/seed';
import { startLocalPlatform } from '../lib/platformSandbox/localPlatform';
import { loadComponentFunction, runFunctionLocally, runNodeChild } from '../lib/cli/sailorRun';
import { connectForStep } from '../lib/tgate';

interface ChildResult {
  records: number;
  /** Records whose id rose above the one before (all of them in a complete, duplicate-free listing). */
  distinct: number;
  ms: number;
  /** Until the first record: connecting, the token request (lookupObjects, client) and the first page. */
  firstMs: number;
  peakRssMb: number;
  peakHeapMb: number;
  errors: string[];
}

interface ChildJob {
  /** lookupObjects in TaskExec; the component's T-Gate client alone (no step, no emits); bare axios. */
  kind: 'lookupObjects' | 'client' | 'axios';
  apiBaseUrl: string;
  accessToken: string;
  cfg: Record<string, unknown>;
  platform: { url: string; username: string; apiKey: string };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Peak heap, sampled; the peak RSS comes from the kernel (getrusage maxrss) at the end. */
function heapSampler(): () => number {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 10);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().heapUsed);
  };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** In the child: one listing, then its figures as one JSON line on stdout. */
async function child(job: ChildJob): Promise<ChildResult> {
  // T-Gate (and the sandbox) list in ascending id order: a record whose id does not rise is a duplicate or
  // out of order. Checked in O(1) memory, so the check does not weigh on the memory measured.
  let records = 0;
  let rising = 0;
  let lastId = Number.NEGATIVE_INFINITY;
  let firstAt = 0;
  const count = (id: unknown): void => {
    if (records === 0) firstAt = performance.now();
    records += 1;
    if (Number(id) > lastId) rising += 1;
    lastId = Number(id);
  };
  const errors: string[] = [];
  // Loading the component (modules, ajv's compiled schemas) happens once per container, not per listing:
  // done before the clock starts, as the bare listing's axios is.
  const action = job.kind === 'lookupObjects' ? loadComponentFunction('lookupObjects') : undefined;
  global.gc?.();
  const stopHeap = heapSampler();
  const started = performance.now();
  if (action) {
    const outcome = await runFunctionLocally(
      action,
      { body: {} },
      { ...job.cfg, resourceType: 'items' },
      job.platform,
      {
        onData: (data) => count((data.body as { id?: unknown }).id),
      },
    );
    errors.push(...outcome.errors.map((e) => e.message), ...outcome.rebounds);
  } else if (job.kind === 'client') {
    const tgate = connectForStep({ emit: async () => undefined }, job.cfg);
    for await (const item of tgate.all<{ id: number }>('items')) count(item.id);
  } else {
    const http = axios.create({
      baseURL: job.apiBaseUrl,
      headers: { Authorization: `Bearer ${job.accessToken}` },
      proxy: false,
    });
    for (let page = 1; ; page += 1) {
      const res = await http.get<Array<{ id: number }>>('/items', { params: { page, items: 100 } });
      for (const item of res.data) count(item.id);
      if (res.data.length < 100 || page >= Number(res.headers['total-pages'])) break;
    }
  }
  const ms = performance.now() - started;
  const peakHeap = stopHeap();
  return {
    records,
    distinct: rising,
    ms,
    firstMs: firstAt - started,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    peakHeapMb: mb(peakHeap),
    errors,
  };
}

function runChild(job: ChildJob, env: Record<string, string>): Promise<ChildResult> {
  // --profile DIR: each child writes a V8 CPU profile there (what dominates the listing's time).
  const profile = arg('profile') ? ['--cpu-prof', `--cpu-prof-dir=${arg('profile')}`] : [];
  return runNodeChild(
    ['--expose-gc', ...profile, __filename, '--child'],
    {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      BENCH_JOB: JSON.stringify(job),
      ...env,
    },
    { name: `the ${job.kind} listing`, timeoutMs: 10 * 60_000 },
  ).then(({ code, stdout, stderr }) => {
    const line = stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{"records"'))
      .pop();
    if (code !== 0 || !line)
      throw new Error(`the ${job.kind} listing exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(line) as ChildResult;
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pct = (a: number, b: number): string => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const sizes = (arg('sizes') ?? '10000,100000').split(',').map(Number);
  const runs = Number(arg('runs') ?? 3);
  const client = {
    clientId: 'bench-listing-app',
    clientSecret: 'bench-listing-secret-0123456789',
    redirectUris: ['https://platform.example.io/callback'],
  };
  // Every section in scope (the default scopes leave brand 104 and the staff menu out), so the listing holds N items.
  const scopes = [
    ...defaultIntegrationScopes(),
    { id: 46, brand_id: 104, branch_id: 216, menu_id: 310 },
    { id: 47, brand_id: 101, branch_id: 201, menu_id: 311 },
  ];
  const sandbox = await startSandbox({ clients: [client], integrationScopes: scopes, requestLogLimit: 100 });
  const platform = await startLocalPlatform();
  const env = {
    TGATE_CLIENT_ID: client.clientId,
    TGATE_CLIENT_SECRET: client.clientSecret,
    TGATE_TOKEN_URI: sandbox.tokenUrl,
    TGATE_API_BASE_URL: sandbox.apiBaseUrl,
  };
  const figures: Array<{ n: number; rss: number; heap: number }> = [];
  try {
    console.log(
      `lookupObjects (emitIndividually) through the sailor's TaskExec vs bare axios paging, ${runs} run(s) each, median time\n`,
    );
    for (const n of sizes) {
      const seedStarted = performance.now();
      sandbox.seedCatalog({ items: n, integrationScopes: scopes });
      console.log(
        `catalog of ${n.toLocaleString('en')} items (seeded in ${(performance.now() - seedStarted).toFixed(0)} ms)`,
      );
      const step: ChildResult[] = [];
      const clientOnly: ChildResult[] = [];
      const bare: ChildResult[] = [];
      let requests = '';
      const platformLogin = { url: platform.url, username: platform.username, apiKey: platform.apiKey };
      /** A job on a credential of its own whose access token has expired: each listing asks for a token once. */
      const expiredJob = async (kind: ChildJob['kind'], r: number): Promise<ChildJob> => {
        const tokens = await sandbox.issueTokens(client.clientId);
        const account = `bench-${n}-${r}-${kind}`;
        const oauth = { ...tokens, expires_at: new Date(Date.now() - 60_000).toISOString() };
        platform.accounts.set(account, { keys: { environment: 'company-sandbox', oauth } });
        return {
          kind,
          apiBaseUrl: sandbox.apiBaseUrl,
          accessToken: tokens.access_token,
          cfg: { _account: account, environment: 'company-sandbox', oauth },
          platform: platformLogin,
        };
      };
      // One untimed listing first: the sandbox builds its indexes on the first list after seeding, and its
      // code warms up; without it the first listing measured would pay for both.
      await runChild(await expiredJob('axios', -1), env);
      const kinds: Array<[ChildJob['kind'], ChildResult[]]> = [
        ['lookupObjects', step],
        ['client', clientOnly],
        ['axios', bare],
      ];
      for (let r = 0; r < runs; r += 1) {
        // A different order each run, so no kind always runs on the warmest sandbox.
        for (let k = 0; k < kinds.length; k += 1) {
          const [kind, results] = kinds[(k + r) % kinds.length];
          const job = await expiredJob(kind, r);
          const apiBefore = sandbox.requestCount;
          const tokenBefore = sandbox.tokenRequests.length;
          results.push(await runChild(job, env));
          if (kind !== 'lookupObjects') continue;
          const tokenRequests = sandbox.tokenRequests.length - tokenBefore;
          const pageRequests = sandbox.requestCount - apiBefore - tokenRequests;
          const minimum = Math.ceil(n / 100);
          requests = `${pageRequests} pages + ${tokenRequests} token = ${pageRequests + tokenRequests} (minimum ${minimum} + 1 = ${minimum + 1})`;
        }
      }
      for (const result of [...step, ...clientOnly, ...bare]) {
        if (result.errors.length) throw new Error(`listing failed: ${result.errors.join('; ')}`);
        if (result.records !== n || result.distinct !== n)
          throw new Error(
            `listing got ${result.records} records (${result.distinct} distinct), expected ${n} in rising id order`,
          );
      }
      const stepMs = median(step.map((s) => s.ms));
      const bareMs = median(bare.map((s) => s.ms));
      const rss = median(step.map((s) => s.peakRssMb));
      const heap = median(step.map((s) => s.peakHeapMb));
      figures.push({ n, rss, heap });
      console.log(`  requests by lookupObjects: ${requests}`);
      const clientMs = median(clientOnly.map((s) => s.ms));
      const line = (label: string, results: ChildResult[], note = ''): void => {
        const ms = median(results.map((s) => s.ms));
        console.log(
          `  ${label.padEnd(15)} ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)} records/s; first record after ${median(results.map((s) => s.firstMs)).toFixed(0)} ms), ` +
            `peak RSS ${median(results.map((s) => s.peakRssMb))} MB, peak heap ${median(results.map((s) => s.peakHeapMb))} MB${note}`,
        );
      };
      line('lookupObjects:', step);
      line('client alone:', clientOnly, ' (TGateClient.all: no step, no TaskExec emits)');
      line('bare axios:', bare);
      console.log(
        `  time against bare paging: ${pct(stepMs, bareMs)} (target within 10%); the client alone ${pct(clientMs, bareMs)}; ` +
          `the step and TaskExec's emit path ${(stepMs - clientMs).toFixed(0)} ms (${(((stepMs - clientMs) / n) * 1000).toFixed(1)} µs a message)\n`,
      );
    }
    if (figures.length > 1) {
      const [a, b] = [figures[0], figures[figures.length - 1]];
      console.log(
        `peak memory of the listing, ${a.n.toLocaleString('en')} -> ${b.n.toLocaleString('en')} items: RSS ${a.rss} -> ${b.rss} MB (${pct(b.rss, a.rss)}), heap ${a.heap} -> ${b.heap} MB (${pct(b.heap, a.heap)}) (target flat within 10%)`,
      );
    }
  } finally {
    await sandbox.close();
    await platform.close();
  }
}

if (process.argv.includes('--child')) {
  child(JSON.parse(process.env.BENCH_JOB ?? '{}') as ChildJob)
    // Keep-alive sockets would hold the child open: it ends once its figures are written.
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
