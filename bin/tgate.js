#!/usr/bin/env node
'use strict';
// Thin launcher: the command itself is compiled TypeScript (npm install runs the build through `prepare`).
let main;
try {
  main = require('../dist/lib/cli/main.js').main;
} catch (err) {
  process.stderr.write('tgate: the compiled code is missing (dist/). Run `npm install` (or `npm run build`) in the component folder.\n');
  process.exit(1);
}
main(process.argv).then((code) => { process.exitCode = code; });
