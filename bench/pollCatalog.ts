/**
 * Benchmark of the polling trigger (Get New, Updated and Deleted Catalog Objects) through the sailor's
 * TaskExec against the sandbox: for catalogs of 1,000, 10,000 and 100,000 items, the snapshot size, the
 * requests of an unchanged poll, the requests and time of a poll after 10 changed records, and the peak
 * memory of the polling process. The sandbox runs here; every poll runs in a process of its own (as a
 * container would), so its peak memory is its own.
 *
 *   npm run bench:poll
 */
import axios from 'axios';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../lib/sandbox';
import { startLocalPlatform } from '../lib/cli/localPlatform';
import { runFunctionLocally } from '../lib/cli/sailorRun';

const SIZES = [1_000, 10_000, 100_000];

interface PollJob {
  env: Record<string, string>;
  cfg: Record<string, unknown>;
  platform: { url: string; username: string; apiKey: string };
  snapshotFile: string;
}

interface PollResult { changes: number; snapshots: number; ms: number; peakRssMb: number; snapshotBytes: number }

/** One poll, in this (child) process: reads and writes the snapshot file, prints what it saw. */
async function pollOnce(job: PollJob): Promise<PollResult> {
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  Object.assign(process.env, job.env);
  const snapshot = fs.existsSync(job.snapshotFile) ? JSON.parse(fs.readFileSync(job.snapshotFile, 'utf8')) : {};
  const started = performance.now();
  const out = await runFunctionLocally('pollCatalog', { body: {} }, job.cfg, job.platform, { snapshot });
  const ms = performance.now() - started;
  clearInterval(sampler);
  if (out.errors.length) throw out.errors[0];
  const last = out.snapshots[out.snapshots.length - 1] ?? snapshot;
  fs.writeFileSync(job.snapshotFile, JSON.stringify(last));
  return { changes: out.data.length, snapshots: out.snapshots.length, ms, peakRssMb: Math.max(peak, process.memoryUsage().rss) / 1024 / 1024, snapshotBytes: JSON.stringify(last).length };
}

/** Runs one poll in a child process; asynchronously, since the sandbox answering it lives in this one. */
function pollInChild(job: PollJob): Promise<PollResult> {
  const child = spawn(process.execPath, [__filename, '--poll'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  child.stdin.end(JSON.stringify(job));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`poll failed: ${err.trim().split('\n').slice(-3).join(' ')}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as PollResult);
    });
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-bench-poll-'));
  console.log('items listed  snapshot        unchanged poll          poll after 10 changes                 peak RSS of a poll');
  try {
    for (const items of SIZES) {
      const client = { clientId: 'bench-poll', clientSecret: 'bench-secret-0123456789', redirectUris: ['https://platform.example.io/callback'] };
      const sandbox = await startSandbox({ clients: [client], catalogItems: items });
      const platform = await startLocalPlatform();
      try {
        const tokens = await sandbox.issueTokens(client.clientId);
        platform.accounts.set('bench', { keys: { environment: 'company-sandbox', oauth: { ...tokens } } });
        const job: PollJob = {
          env: { TGATE_CLIENT_ID: client.clientId, TGATE_CLIENT_SECRET: client.clientSecret, TGATE_TOKEN_URI: sandbox.tokenUrl, TGATE_API_BASE_URL: sandbox.apiBaseUrl, LOG_LEVEL: 'fatal' },
          cfg: { _account: 'bench', environment: 'company-sandbox', oauth: { ...tokens }, resourceType: 'items', startMode: 'watchOnly', maxSnapshotKB: 16_384 },
          platform: { url: platform.url, username: platform.username, apiKey: platform.apiKey },
          snapshotFile: path.join(dir, `snapshot-${items}.json`),
        };
        // What the partner sees: the items inside the granted integration scopes.
        const listed = await axios.get(`${sandbox.apiBaseUrl}/items`, { params: { items: 100 }, headers: { Authorization: `Bearer ${tokens.access_token}` }, proxy: false });
        const counted = (): number => sandbox.requestCount;
        await pollInChild(job); // the first poll: starts watching
        let before = counted();
        const unchanged = await pollInChild(job);
        const unchangedRequests = counted() - before;
        for (const { id } of (listed.data as Array<{ id: number }>).slice(0, 10)) sandbox.updateRecord('items', id, { name_en: `changed ${id}` });
        before = counted();
        const changed = await pollInChild(job);
        const changedRequests = counted() - before;
        if (changed.changes !== 10) throw new Error(`expected 10 changes, saw ${changed.changes}`);
        const n = Number(listed.headers['total-count']);
        console.log(`${String(items).padEnd(6)} ${String(n).padEnd(6)} ${`${(unchanged.snapshotBytes / 1024).toFixed(1)} KB, ${(unchanged.snapshotBytes / n).toFixed(1)} B each`.padEnd(15)} `
          + `${`${unchangedRequests} requests, ${unchanged.ms.toFixed(0)} ms`.padEnd(23)} `
          + `${`${changedRequests} requests, ${changed.ms.toFixed(0)} ms, ${changed.snapshots} snapshot saves`.padEnd(37)} `
          + `${Math.max(unchanged.peakRssMb, changed.peakRssMb).toFixed(0)} MB`);
      } finally {
        await sandbox.close();
        await platform.close();
      }
    }
    console.log('"listed": the items inside the granted integration scopes. Token requests: none (the token is valid); a poll reads ceil(listed / 100) pages.');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--poll')) {
  pollOnce(JSON.parse(fs.readFileSync(0, 'utf8')) as PollJob).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: Error) => { process.stderr.write(`${e.message}\n`); process.exit(1); },
  );
} else {
  main().catch((e: Error) => { console.error(e.message); process.exit(1); });
}
