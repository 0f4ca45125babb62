#!/usr/bin/env bash
# The platform's build of this component, reproduced on this machine: from `git archive` of HEAD,
# `npm install`, `npm test`, `npm prune --production`, then every function of component.json and
# verifyCredentials.js are loaded from the pruned tree the way the sailor loads them (require), so a
# run-time dependency left in devDependencies fails here rather than on the platform.
#
#   bash scripts/platform-build.sh [--skip-test]
set -euo pipefail
cd "$(dirname "$0")/.."
skip_test=false
[ "${1:-}" = "--skip-test" ] && skip_test=true

work=$(mktemp -d "${TMPDIR:-/tmp}/tgate-platform-build-XXXXXX")
trap 'rm -rf "$work"' EXIT
git archive HEAD | tar -x -C "$work"
cd "$work"

echo "== npm install"
npm install --no-audit --no-fund --loglevel=error
if [ "$skip_test" = false ]; then
  echo "== npm test"
  npm test > npm-test.log 2>&1 || { tail -40 npm-test.log; exit 1; }
  grep -E '^  [0-9]+ (passing|failing|pending)' npm-test.log
fi
echo "== npm prune --production"
npm prune --production --no-audit --no-fund --loglevel=error

echo "== loading every function from the pruned tree"
node - <<'NODE'
const path = require('path');
const started = process.hrtime.bigint();
const component = require(path.resolve('component.json'));
const problems = [];
for (const kind of ['triggers', 'actions']) {
  for (const [name, def] of Object.entries(component[kind] || {})) {
    try {
      const mod = require(path.resolve(def.main));
      if (typeof mod.process !== 'function') problems.push(`${kind}.${name}: no exported process`);
      if (def.dynamicMetadata && typeof mod.getMetaModel !== 'function') problems.push(`${kind}.${name}: no exported getMetaModel`);
      for (const field of Object.values(def.fields || {})) {
        if (typeof field.model === 'string' && typeof mod[field.model] !== 'function') problems.push(`${kind}.${name}: no select model ${field.model}`);
      }
      console.log(`  ${kind}.${name}: loaded`);
    } catch (err) {
      problems.push(`${kind}.${name}: ${err.message.split('\n')[0]}`);
    }
  }
}
const verify = require(path.resolve('verifyCredentials.js'));
if (typeof verify !== 'function') problems.push('verifyCredentials.js does not export a function');
require('elasticio-sailor-nodejs/lib/executor.js');
console.log(`  verifyCredentials.js and the sailor's executor: loaded (${Number(process.hrtime.bigint() - started) / 1e6} ms for all)`);
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
NODE
echo "== pruned node_modules: $(du -sh node_modules | cut -f1), $(find node_modules -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/node_modules/*' | wc -l) package.json files"
