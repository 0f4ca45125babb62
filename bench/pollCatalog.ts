/**
 * Benchmark of the polling trigger (Get New, Updated and Deleted Catalog Objects) through the sailor's
 * TaskExec against the sandbox: for catalogs of about 5,000, 50,000 and 100,000 listed items, the first
 * poll (startMode emitAll: every item emitted as created) with its time per record, its snapshot saves and
 * their bytes in all against the final snapshot, and its peak memory; then the requests and time of an
 * unchanged poll and of a poll after 10 changed records. The sandbox runs here; every poll runs in a
 * process of its own (as a container would), so its peak memory is its own.
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
import { startLocalPlatform } from '../lib/platformSandbox/localPlatform';
import { runFunctionLocally } from '../lib/cli/sailorRun';

/** Records listed wanted; the sandbox's seed puts about 82.4% of its items inside the integration scopes. */
const LISTED = [5_000, 50_000, 100_000];
const IN_SCOPE = 0.824;

interface PollJob {
  env: Record<string, string>;
  cfg: Record<string, unknown>;
  platform: { url: string; username: string; apiKey: string };
  snapshotFile: string;
}

interface PollResult {
  changes: number;
  snapshots: number;
  /** Bytes of every snapshot saved, as JSON, and of the last one. */
  snapshotBytesAll: number;
  snapshotBytes: number;
  ms: number;
  peakRssMb: number;
}

/** One poll, in this (child) process: reads and writes the snapshot file, prints what it saw. */
async function pollOnce(job: PollJob): Promise<PollResult> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  Object.assign(process.env, job.env);
  const snapshot = (
    fs.existsSync(job.snapshotFile) ? JSON.parse(fs.readFileSync(job.snapshotFile, 'utf8')) : {}
  ) as Record<string, unknown>;
  let changes = 0;
  const started = performance.now();
  const onData = (): void => {
    changes += 1;
  };
  const out = await runFunctionLocally('pollCatalog', { body: {} }, job.cfg, job.platform, { snapshot, onData });
  const ms = performance.now() - started;
  clearInterval(sampler);
  if (out.errors.length) throw out.errors[0];
  const last = out.snapshots[out.snapshots.length - 1] ?? snapshot;
  fs.writeFileSync(job.snapshotFile, JSON.stringify(last));
  return {
    changes,
    snapshots: out.snapshots.length,
    snapshotBytesAll: out.snapshots.reduce((sum, s) => sum + JSON.stringify(s).length, 0),
    snapshotBytes: JSON.stringify(last).length,
    ms,
    peakRssMb: Math.max(peak, process.memoryUsage().rss) / 1024 / 1024,
  };
}

/** Runs one poll in a child process; asynchronously, since the sandbox answering it lives in this one. */
function pollInChild(job: PollJob): Promise<PollResult> {
  const child = spawn(process.execPath, [__filename, '--poll'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  child.stdin.end(JSON.stringify(job));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`poll failed: ${err.trim().split('\n').slice(-3).join(' ')}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as PollResult);
    });
  });
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-bench-poll-'));
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  console.log(
    'listed   first poll: per record  saves  all saves / final          peak RSS ' +
      '| unchanged poll        | after 10 changes',
  );
  try {
    for (const wanted of LISTED) {
      const client = {
        clientId: 'bench-poll',
        clientSecret: 'bench-secret-0123456789',
        redirectUris: ['https://platform.example.io/callback'],
      };
      const sandbox = await startSandbox({ clients: [client], catalogItems: Math.ceil(wanted / IN_SCOPE) });
      const platform = await startLocalPlatform();
      try {
        const tokens = await sandbox.issueTokens(client.clientId);
        platform.accounts.set('bench', { keys: { environment: 'company-sandbox', oauth: { ...tokens } } });
        const job: PollJob = {
          env: {
            TGATE_CLIENT_ID: client.clientId,
            TGATE_CLIENT_SECRET: client.clientSecret,
            TGATE_TOKEN_URI: sandbox.tokenUrl,
            TGATE_API_BASE_URL: sandbox.apiBaseUrl,
            TGATE_MAX_PAGES: '5000',
            LOG_LEVEL: 'fatal',
          },
          cfg: {
            _account: 'bench',
            environment: 'company-sandbox',
            oauth: { ...tokens },
            resourceType: 'items',
            startMode: 'emitAll',
            maxSnapshotKB: 16_384,
          },
          platform: { url: platform.url, username: platform.username, apiKey: platform.apiKey },
          snapshotFile: path.join(dir, `snapshot-${wanted}.json`),
        };
        // What the partner sees: the items inside the granted integration scopes.
        const headers = { Authorization: `Bearer ${tokens.access_token}` };
        const params = { items: 100 };
        const listed = await axios.get(`${sandbox.apiBaseUrl}/items`, { params, headers, proxy: false });
        const n = Number(listed.headers['total-count']);
        const first = await pollInChild(job);
        if (first.changes !== n) throw new Error(`the first poll emitted ${first.changes} of ${n} records`);
        let before = sandbox.requestCount;
        const unchanged = await pollInChild(job);
        const unchangedRequests = sandbox.requestCount - before;
        if (unchanged.changes !== 0) throw new Error(`an unchanged poll emitted ${unchanged.changes}`);
        for (const { id } of (listed.data as Array<{ id: number }>).slice(0, 10)) {
          sandbox.updateRecord('items', id, { name_en: `changed ${id}` });
        }
        before = sandbox.requestCount;
        const changed = await pollInChild(job);
        const changedRequests = sandbox.requestCount - before;
        if (changed.changes !== 10) throw new Error(`expected 10 changes, saw ${changed.changes}`);
        const ratio = (first.snapshotBytesAll / first.snapshotBytes).toFixed(1);
        console.log(
          [
            String(n).padEnd(8),
            `${((first.ms * 1000) / n).toFixed(0)} µs`.padStart(21),
            String(first.snapshots).padStart(6),
            `${kb(first.snapshotBytesAll)} / ${kb(first.snapshotBytes)} = ${ratio}x`.padEnd(26),
            `${first.peakRssMb.toFixed(0)} MB`.padStart(9),
            `| ${`${unchangedRequests} requests, ${unchanged.ms.toFixed(0)} ms`.padEnd(21)}`,
            `| ${changedRequests} requests, ${changed.ms.toFixed(0)} ms, ${changed.snapshots} snapshot saves`,
          ].join(' '),
        );
      } finally {
        await sandbox.close();
        await platform.close();
      }
    }
    console.log(
      '"listed": the items inside the granted integration scopes. Token requests: none (the token is valid); ' +
        'an unchanged poll reads ceil(listed / 100) pages and asks for no record by id.',
    );
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--poll')) {
  pollOnce(JSON.parse(fs.readFileSync(0, 'utf8')) as PollJob).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
