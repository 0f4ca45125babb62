#!/usr/bin/env node
// npm run test:mutation [-- group...]: StrykerJS over each group of stryker.config.mjs in turn (all by
// default), then one line per group with its mutation score, time and the machine's load average (the two
// cores are shared: a time means little without it), and the whole run's time. Reports: reports/mutation/<group>.*
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { GROUPS } from '../stryker.config.mjs';

const asked = process.argv.slice(2);
const unknown = asked.filter((g) => !(g in GROUPS));
if (unknown.length) {
  console.error(`test:mutation: unknown group ${unknown.join(', ')}; the groups are ${Object.keys(GROUPS).join(', ')}`);
  process.exit(2);
}
const summary = [];
let failed = false;
const load = () => loadavg()[0].toFixed(1);
const runStarted = Date.now();
for (const group of asked.length ? asked : Object.keys(GROUPS)) {
  const started = Date.now();
  const loadBefore = load();
  const run = spawnSync('npx', ['stryker', 'run'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_GROUP: group },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  const loadNote = `load average ${loadBefore} → ${load()}`;
  if (run.status !== 0) {
    failed = true;
    summary.push(`${group}: stryker failed (exit ${run.status ?? run.signal}) after ${seconds} s (${loadNote})`);
    continue;
  }
  const report = JSON.parse(readFileSync(`reports/mutation/${group}.json`, 'utf8'));
  const count = {};
  for (const file of Object.values(report.files))
    for (const m of file.mutants) count[m.status] = (count[m.status] ?? 0) + 1;
  const killed = (count.Killed ?? 0) + (count.Timeout ?? 0);
  const valid = killed + (count.Survived ?? 0) + (count.NoCoverage ?? 0);
  const score = valid ? ((100 * killed) / valid).toFixed(1) : '-';
  summary.push(
    `${group}: ${score}% (${killed} killed, ${count.Survived ?? 0} survived, ` +
      `${count.NoCoverage ?? 0} no coverage, ${count.Ignored ?? 0} static ignored, ` +
      `${count.CompileError ?? 0} not compiling) in ${seconds} s (${loadNote})`,
  );
}
const minutes = ((Date.now() - runStarted) / 60_000).toFixed(1);
console.log(`\nmutation scores\n${summary.join('\n')}\nall in ${minutes} min`);
process.exit(failed ? 1 : 0);
