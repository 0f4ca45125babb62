/**
 * Benchmark: cold start of the real sailor. One lookupObject (branches) input is published, then a fresh
 * `node run.js` is spawned on the step's queue (spec/e2e/helpers/stepRun.ts); measured from the spawn to
 * (a) its IPC 'init:ended' (AMQP connected, step data read, consuming) and (b) the first data message of
 * that input on the data queue (the component module is loaded at the first message). Median of --runs;
 * the two trees take turns, so a change in the machine's load falls on both.
 *
 * Two trees: this working tree, and a pruned one as scripts/platform-build.sh leaves it (git archive of
 * HEAD, the built dist/, node_modules without devDependencies: `npm prune --omit=dev --offline` on a copy).
 *
 *   npm run bench:coldstart  [-- --runs 5 --no-pruned]
 */
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPONENT_ROOT, StepRun } from '../spec/e2e/helpers/stepRun';
import { sleep } from '../spec/e2e/helpers/wait';

interface Sample {
  initStartedMs: number;
  initEndedMs: number;
  firstDataMs: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A pruned copy of the component: what the platform's image holds after `npm prune --production`. */
function prunedTree(): { root: string; nodeModulesMb: number; packages: number } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-coldstart-'));
  execSync(`git archive HEAD | tar -x -C ${JSON.stringify(root)}`, { cwd: COMPONENT_ROOT, stdio: 'inherit' });
  fs.cpSync(path.join(COMPONENT_ROOT, 'dist'), path.join(root, 'dist'), { recursive: true });
  fs.cpSync(path.join(COMPONENT_ROOT, 'node_modules'), path.join(root, 'node_modules'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  const du = execFileSync('du', ['-sm', 'node_modules'], { cwd: root, encoding: 'utf8' });
  const packages = fs.readdirSync(path.join(root, 'node_modules')).filter((d) => !d.startsWith('.')).length;
  return { root, nodeModulesMb: Number(du.split('\t')[0]), packages };
}

/** One cold start on `run`: publish an input, spawn run.js, wait for its data; then stop it (SIGTERM). */
async function coldStart(run: StepRun, i: number): Promise<Sample> {
  const ids = run.sandbox.store.allIds('branches').filter((id) => run.sandbox.store.getVisible('branches', id));
  const m = run.publish({ id: ids[i % ids.length] });
  const s = run.startContainer();
  const [d] = await run.until(
    () => run.for('data', m).length > 0 && run.for('data', m),
    `the data message of cold start ${i + 1}`,
    30_000,
  );
  await s.waitForIpc('init:ended', 1000);
  const sample = {
    initStartedMs: s.ipcAt['init:started'] - s.spawnedAt,
    initEndedMs: s.ipcAt['init:ended'] - s.spawnedAt,
    firstDataMs: d.receivedAt - s.spawnedAt,
  };
  // Stop it as the platform does; its input must have been acked, nothing left for the next.
  await sleep(100);
  s.signal('SIGTERM');
  await s.waitForExit(15_000).catch(() => s.kill());
  const q = await run.inputQueue();
  const problems = [
    run.received('error').length && `${run.received('error').length} error(s)`,
    run.received('rebound').length && `${run.received('rebound').length} rebound(s)`,
    run.received('data').length !== i + 1 && `${run.received('data').length} data messages after ${i + 1} inputs`,
    q.messageCount && `${q.messageCount} message(s) left on the input queue`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`cold start ${i + 1}: ${problems.join(', ')}\n${run.context()}`);
  return sample;
}

function report(label: string, samples: Sample[]): void {
  const f = (xs: number[]): string =>
    `median ${median(xs).toFixed(0)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(`${label} (1-min load average ${os.loadavg()[0].toFixed(1)})`);
  console.log(`  spawn -> 'init:started'   ${f(samples.map((s) => s.initStartedMs))}`);
  console.log(`  spawn -> 'init:ended' (a) ${f(samples.map((s) => s.initEndedMs))}`);
  console.log(`  spawn -> first data   (b) ${f(samples.map((s) => s.firstDataMs))}`);
}

async function main(): Promise<void> {
  const runs = Number(arg('runs') ?? 5);
  const withPruned = !process.argv.includes('--no-pruned');
  console.log(
    `cold start of node run.js (lookupObject, branches; the input published before the spawn), ${runs} runs per tree` +
      `${withPruned ? ', the two trees alternating' : ''}, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const trees: Array<{ label: string; root: string; run?: StepRun; samples: Sample[] }> = [
    {
      label: `working tree (${COMPONENT_ROOT}, full node_modules incl. devDependencies)`,
      root: COMPONENT_ROOT,
      samples: [],
    },
  ];
  let prunedRoot: string | undefined;
  try {
    if (withPruned) {
      const t0 = Date.now();
      const tree = prunedTree();
      prunedRoot = tree.root;
      console.log(
        `pruned tree made in ${((Date.now() - t0) / 1000).toFixed(1)} s: node_modules ${tree.nodeModulesMb} MB, ${tree.packages} top-level entries`,
      );
      trees.push({
        label: 'pruned tree (git archive HEAD + dist/ + npm prune --omit=dev)',
        root: tree.root,
        samples: [],
      });
    }
    for (const t of trees)
      t.run = await StepRun.start({
        function: 'lookupObject',
        fields: { resourceType: 'branches' },
        containers: 0,
        componentRoot: t.root,
      });
    for (let i = 0; i < runs; i += 1) for (const t of trees) t.samples.push(await coldStart(t.run!, i));
    for (const t of trees) report(t.label, t.samples);
  } finally {
    for (const t of trees) await t.run?.close();
    if (prunedRoot) fs.rmSync(prunedRoot, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
