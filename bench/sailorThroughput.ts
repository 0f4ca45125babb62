/**
 * Benchmark: lookupObject (branches) through the REAL sailor (run.js) and RabbitMQ against the embedded
 * sandbox, with 1 and with 3 containers on one credential (spec/e2e/helpers/stepRun.ts). N input messages
 * are published at once; measured from the first publish to the last data message received, and steady
 * state (10th to 90th percentile of results). Every input must get exactly one data message with its own
 * branch: the bench fails (exit 1) on any lost, failed (error, rebound, rejected) or duplicated message.
 *
 * Rows: containers x the sailor's data rate limit (its default, and raised), with 2 h access tokens; then
 * short-lived access tokens (raised limit) to show the refresh pattern in token requests per 1,000.
 *
 *   npm run bench:sailor  [-- --messages 1000 --containers 1,3 --short-token-s 2 --log-level info]
 *   (BENCH_MESSAGES=N works too; --short-token-s 0 leaves out the short-token rows; --inject-503 K makes K
 *   lookups answer 503 once, without retries, in every row: a check that the bench fails loudly)
 */
import os from 'node:os';
import type { Received } from '../spec/e2e/helpers/rabbit';
import { SentMessage, StepRun } from '../spec/e2e/helpers/stepRun';
import { sleep } from '../spec/e2e/helpers/wait';

import * as sailorSettings from 'elasticio-sailor-nodejs/lib/settings.js';

const RAISED_LIMIT = 1_000_000;
const PUBLISH_BATCH = 100;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The sailor's own defaults, read through its settings.js (so the env names are the real ones). */
function sailorDefaults(): { limit: number; intervalMs: number } {
  const env: NodeJS.ProcessEnv = {};
  for (const k of [
    'FLOW_ID',
    'EXEC_ID',
    'STEP_ID',
    'CONTAINER_ID',
    'WORKSPACE_ID',
    'USER_ID',
    'COMP_ID',
    'FUNCTION',
    'API_URI',
    'API_USERNAME',
    'API_KEY',
    'AMQP_URI',
    'LISTEN_MESSAGES_ON',
    'PUBLISH_MESSAGES_TO',
    'DATA_ROUTING_KEY',
    'ERROR_ROUTING_KEY',
    'REBOUND_ROUTING_KEY',
    'SNAPSHOT_ROUTING_KEY',
    'MESSAGE_CRYPTO_IV',
    'MESSAGE_CRYPTO_PASSWORD',
  ])
    env[`ELASTICIO_${k}`] = 'x';
  const s = sailorSettings.readFrom(env);
  const raised = sailorSettings.readFrom({ ...env, ELASTICIO_DATA_RATE_LIMIT: String(RAISED_LIMIT) });
  if (raised.DATA_RATE_LIMIT !== RAISED_LIMIT)
    throw new Error("ELASTICIO_DATA_RATE_LIMIT is not read by the sailor's settings.js");
  return { limit: Number(s.DATA_RATE_LIMIT), intervalMs: Number(s.RATE_INTERVAL) };
}

interface Variant {
  containers: number;
  raised: boolean;
  tokenLifetimeS?: number;
}

interface Row extends Variant {
  messages: number;
  seconds: number;
  steadyPerS: number;
  tokenRequests: number;
  refreshes: number;
  refused: number;
  lost: number;
  failed: number;
  duplicated: number;
  wrong: number;
  perContainer: number[];
  ceiling: number;
}

async function runVariant(
  v: Variant,
  n: number,
  logLevel: string,
  defaults: { limit: number; intervalMs: number },
  inject503: number,
): Promise<Row> {
  const run = await StepRun.start({
    function: 'lookupObject',
    fields: { resourceType: 'branches' },
    containers: v.containers,
    logLevel,
    stepEnv: {
      ...(v.raised ? { ELASTICIO_DATA_RATE_LIMIT: String(RAISED_LIMIT) } : {}),
      ...(inject503 ? { TGATE_RETRY_MAX_ATTEMPTS: '1' } : {}),
    },
    sandbox: v.tokenLifetimeS ? { accessTokenLifetimeSeconds: v.tokenLifetimeS } : {},
  });
  try {
    if (inject503)
      run.sandbox.injectFault({ method: 'GET', path: /^\/partner\/v1\/branches\//, status: 503, times: inject503 });
    const ids = run.sandbox.store.allIds('branches').filter((id) => run.sandbox.store.getVisible('branches', id));
    if (ids.length === 0) throw new Error('the sandbox seed has no visible branch');
    const tokenIndex = run.sandbox.tokenRequests.length;
    const sent: SentMessage[] = [];
    const startedAt = Date.now();
    for (let i = 0; i < n; i += 1) {
      sent.push(run.publish({ id: ids[i % ids.length] }));
      if ((i + 1) % PUBLISH_BATCH === 0) await new Promise((r) => setImmediate(r));
    }

    // Outcomes by input, counted incrementally as the collector fills.
    const byId = new Map(sent.map((m) => [m.messageId, m]));
    const data = new Map<string, Received[]>();
    const failedIds = new Set<string>();
    const seen = { data: 0, error: 0, rebound: 0, rejected: 0 };
    const stray: Received[] = [];
    const scan = (): void => {
      const d = run.received('data');
      for (; seen.data < d.length; seen.data += 1) {
        const r = d[seen.data];
        const key = String(r.headers.parentMessageId);
        if (!byId.has(key)) {
          stray.push(r);
          continue;
        }
        data.set(key, [...(data.get(key) ?? []), r]);
      }
      const e = run.received('error');
      for (; seen.error < e.length; seen.error += 1) failedIds.add(String(e[seen.error].headers.parentMessageId));
      const rb = run.received('rebound');
      for (; seen.rebound < rb.length; seen.rebound += 1) failedIds.add(String(rb[seen.rebound].headers.messageId));
      const rj = run.collector.get(run.topo.rejected);
      for (; seen.rejected < rj.length; seen.rejected += 1)
        failedIds.add(String(rj[seen.rejected].properties.headers?.messageId));
    };
    const timeoutMs = 60_000 + n * 20;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      scan();
      const settled = sent.filter((m) => data.has(m.messageId) || failedIds.has(m.messageId)).length;
      if (settled === n) break;
      if (Date.now() > deadline) {
        console.error(`  timed out after ${timeoutMs} ms with ${settled}/${n} inputs settled\n${run.context()}`);
        break;
      }
      await sleep(10);
    }
    const firstResults = [...data.values()].map((rs) => rs[0].receivedAt).sort((a, b) => a - b);
    const lastAt = firstResults[firstResults.length - 1] ?? Date.now();
    await sleep(500); // a late duplicate or error would show now
    scan();

    const tokens = run.sandbox.tokenRequests.slice(tokenIndex);
    let wrong = 0;
    for (const m of sent) {
      for (const r of data.get(m.messageId) ?? []) {
        const body = run.decrypt(r).body as { id?: unknown };
        if (body?.id !== (m.payload.body as { id: number }).id) wrong += 1;
      }
    }
    const lo = firstResults[Math.floor(firstResults.length * 0.1)];
    const hi = firstResults[Math.max(0, Math.ceil(firstResults.length * 0.9) - 1)];
    const perContainer = new Map<string, number>();
    for (const rs of data.values())
      for (const r of rs)
        perContainer.set(String(r.headers.containerId), (perContainer.get(String(r.headers.containerId)) ?? 0) + 1);
    return {
      ...v,
      messages: n,
      seconds: (lastAt - startedAt) / 1000,
      steadyPerS: hi > lo ? ((firstResults.length * 0.8) / (hi - lo)) * 1000 : NaN,
      tokenRequests: tokens.length,
      refreshes: tokens.filter((t) => t.grantType === 'refresh_token').length,
      refused: tokens.filter((t) => t.status !== 200).length,
      lost: sent.filter((m) => !data.has(m.messageId) && !failedIds.has(m.messageId)).length,
      failed: failedIds.size,
      duplicated: sent.filter((m) => (data.get(m.messageId)?.length ?? 0) > 1).length + stray.length,
      wrong,
      perContainer: [...perContainer.values()].sort((a, b) => b - a),
      ceiling: v.raised ? Infinity : (v.containers * defaults.limit * 1000) / defaults.intervalMs,
    };
  } finally {
    await run.close();
  }
}

function table(rows: Row[], defaults: { limit: number; intervalMs: number }): void {
  const head = [
    'containers',
    'data rate limit',
    'token life',
    'messages',
    'seconds',
    'msg/s',
    'steady msg/s',
    'ceiling msg/s',
    'token req',
    'per 1,000',
    'lost/failed/dup/wrong',
    'per container',
  ];
  const cells = rows.map((r) => [
    String(r.containers),
    r.raised ? `${RAISED_LIMIT}/${defaults.intervalMs} ms` : `${defaults.limit}/${defaults.intervalMs} ms (default)`,
    r.tokenLifetimeS ? `${r.tokenLifetimeS} s` : '2 h',
    String(r.messages),
    r.seconds.toFixed(2),
    (r.messages / r.seconds).toFixed(0),
    r.steadyPerS.toFixed(0),
    Number.isFinite(r.ceiling) ? r.ceiling.toFixed(0) : 'none',
    `${r.tokenRequests}${r.tokenRequests ? ` (${r.refreshes} refresh, ${r.refused} refused)` : ''}`,
    ((r.tokenRequests / r.messages) * 1000).toFixed(1),
    `${r.lost}/${r.failed}/${r.duplicated}/${r.wrong}`,
    r.perContainer.join('/'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const n = Number(arg('messages') ?? process.env.BENCH_MESSAGES ?? 1000);
  if (!Number.isInteger(n) || n < 10) throw new Error('--messages must be an integer >= 10');
  const containerCounts = (arg('containers') ?? '1,3').split(',').map(Number);
  const shortTokenS = Number(arg('short-token-s') ?? 2);
  const logLevel = arg('log-level') ?? 'info';
  const inject503 = Number(arg('inject-503') ?? 0);
  const defaults = sailorDefaults();
  console.log(
    `lookupObject (branches) through run.js + RabbitMQ + the embedded sandbox: ${n} messages published at once per row; LOG_LEVEL=${logLevel}`,
  );
  console.log(
    `the sailor's data rate limit: ELASTICIO_DATA_RATE_LIMIT=${defaults.limit} per ELASTICIO_RATE_INTERVAL=${defaults.intervalMs} ms by default` +
      ` = ${(defaults.limit * 1000) / defaults.intervalMs} data messages/s per container (its own throttle); "raised" sets ELASTICIO_DATA_RATE_LIMIT=${RAISED_LIMIT}`,
  );

  const variants: Variant[] = [];
  for (const c of containerCounts) for (const raised of [false, true]) variants.push({ containers: c, raised });
  if (shortTokenS > 0)
    for (const c of containerCounts) variants.push({ containers: c, raised: true, tokenLifetimeS: shortTokenS });
  const rows: Row[] = [];
  for (const v of variants) {
    const r = await runVariant(v, n, logLevel, defaults, inject503);
    console.log(
      `  done: ${v.containers} container(s), ${v.raised ? 'raised' : 'default'} limit, ${v.tokenLifetimeS ? `${v.tokenLifetimeS} s` : '2 h'} tokens: ` +
        `${(r.messages / r.seconds).toFixed(0)} msg/s (1-min load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`,
    );
    rows.push(r);
  }
  console.log('');
  table(rows, defaults);
  console.log(
    'msg/s: first publish to last data message; steady: 10th to 90th percentile of results; token req: POSTs to /oauth/token after the first publish',
  );
  const bad = rows.filter((r) => r.lost || r.failed || r.duplicated || r.wrong);
  if (bad.length) {
    console.error(
      `\n!!! FAILED: ${bad.length} row(s) lost, failed, duplicated or mismatched messages (see lost/failed/dup/wrong) !!!`,
    );
    process.exitCode = 1;
  } else {
    console.log(
      `\nall ${rows.length} rows: every message got exactly one data message with its own branch (none lost, failed or duplicated)`,
    );
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
