/**
 * Benchmark: createOrder through the sailor's real TaskExec (runFunctionLocally) against the sandbox on
 * loopback, without and with injected faults (5xx before and after the order is stored, timeouts after
 * storing, dropped connections): orders per second, and the requests made per order (POSTs, lookups by
 * app_order_uuid). A rebounded message is delivered again, as the platform would. Checks at the end
 * that exactly one order exists per app_order_uuid and that every message emitted exactly one order.
 *
 * Messages go one at a time by default, as one step container takes them (prefetch 1); the first
 * `--warmup` orders (default 100) are not counted.
 *
 *   npm run bench:orders  [-- --orders 1000 --concurrency 1 --warmup 100]
 */
import { performance } from 'node:perf_hooks';
import { loadComponentFunction, runFunctionLocally, StepOutcome } from '../lib/cli/sailorRun';
import type { FaultSpec } from '../lib/sandbox';
import { createWorld, World } from '../spec/helpers/world';
import { deliveryOrder, ORDERS_PATH, orderRequestsSince, TUESDAY_NOON_RIYADH } from '../spec/helpers/orders';

const TIMEOUT_MS = 500;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** The faults of the fault run, by share of messages (the rest have none). */
const FAULT_MIX: Array<[number, FaultSpec]> = [
  [0.05, { method: 'POST', path: ORDERS_PATH, status: 500 }],
  [0.05, { method: 'POST', path: ORDERS_PATH, status: 502, afterHandler: true }],
  [0.05, { method: 'POST', path: ORDERS_PATH, delayMs: 2 * TIMEOUT_MS, afterHandler: true }],
  [0.02, { method: 'POST', path: ORDERS_PATH, drop: true, afterHandler: true }],
  [0.01, { method: 'POST', path: ORDERS_PATH, drop: true }],
];

interface RunResult {
  seconds: number;
  posts: number;
  lookups: number;
  others: number;
  rebounds: number;
  found: number;
  problems: string[];
}

async function runOrders(
  world: World,
  label: string,
  count: number,
  concurrency: number,
  faults: boolean,
): Promise<RunResult> {
  const { sandbox } = world;
  const action = loadComponentFunction('createOrder');
  sandbox.seedCatalog();
  sandbox.clearFaults();
  sandbox.setClock(TUESDAY_NOON_RIYADH);
  // Deterministic: message i gets the fault whose share covers i's place in a 1/count grid.
  const faultFor = (i: number): FaultSpec | undefined => {
    let edge = 0;
    const at = ((i * 7919) % count) / count;
    for (const [share, spec] of FAULT_MIX) {
      edge += share;
      if (at < edge) return spec;
    }
    return undefined;
  };
  const since = sandbox.requestCount;
  const emitted = new Map<string, number[]>();
  const problems: string[] = [];
  let rebounds = 0;
  let found = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const uuid = `${label}-${i}`;
      const fault = faults ? faultFor(i) : undefined;
      if (fault) sandbox.injectFault({ ...fault });
      let outcome: StepOutcome;
      let deliveries = 0;
      do {
        deliveries += 1;
        outcome = await runFunctionLocally(action, { id: uuid, body: deliveryOrder(uuid) }, world.cfg, world.platform);
        rebounds += outcome.rebounds.length;
        for (const d of outcome.data) {
          const body = d.body as { order: { id: number }; outcome: string };
          emitted.set(uuid, [...(emitted.get(uuid) ?? []), body.order.id]);
          if (body.outcome === 'found') found += 1;
        }
        for (const e of outcome.errors) problems.push(`${uuid}: ${e.message}`);
      } while (outcome.rebounds.length > 0 && deliveries < 5);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const requests = orderRequestsSince(sandbox, since);

  const orders = [...sandbox.store.records('orders')];
  const uuids = new Set(orders.map((o) => o.app_order_uuid));
  if (orders.length !== count) problems.push(`${orders.length} orders exist, not ${count}`);
  if (uuids.size !== orders.length) problems.push(`${orders.length - uuids.size} app_order_uuid(s) twice`);
  const notOnce = [...Array(count).keys()].map((i) => `${label}-${i}`).filter((u) => emitted.get(u)?.length !== 1);
  if (notOnce.length) problems.push(`${notOnce.length} message(s) did not emit exactly one order (e.g. ${notOnce[0]})`);
  return {
    seconds,
    posts: requests.posts,
    lookups: requests.lookups,
    others: requests.others,
    rebounds,
    found,
    problems,
  };
}

async function main(): Promise<void> {
  const count = arg('orders', 1000);
  const concurrency = arg('concurrency', 1);
  const warmup = arg('warmup', 100);
  process.env.TGATE_HTTP_TIMEOUT_MS = String(TIMEOUT_MS);
  // The sailor's logger stays quiet under NODE_ENV=test (it would print a line per rebound).
  process.env.NODE_ENV = process.env.NODE_ENV || 'test';
  const world = await createWorld();
  try {
    console.log(
      `createOrder through the sailor's TaskExec against the sandbox on loopback: ${count} orders, ${concurrency} at a time`,
    );
    console.log(
      `faults: ${FAULT_MIX.map(([share, f]) => `${share * 100}% ${f.status ?? (f.drop ? 'drop' : `delay ${f.delayMs} ms`)}${f.afterHandler ? ' after storing' : ' before storing'}`).join(', ')}; client timeout ${TIMEOUT_MS} ms`,
    );
    await runOrders(world, 'warmup', warmup, concurrency, false);
    for (const [label, faults] of [
      ['no-faults', false],
      ['faults', true],
    ] as const) {
      const r = await runOrders(world, label, count, concurrency, faults);
      console.log(
        `${label}: ${(count / r.seconds).toFixed(0)} orders/s (${r.seconds.toFixed(1)} s); per order ${(r.posts / count).toFixed(3)} POST, ${(r.lookups / count).toFixed(3)} lookup, ${(r.others / count).toFixed(3)} other` +
          `; ${r.found} emitted as found, ${r.rebounds} rebound(s); ${r.problems.length ? `PROBLEMS: ${r.problems.slice(0, 3).join(' | ')}` : 'exactly one order per message'}`,
      );
    }
  } finally {
    await world.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
