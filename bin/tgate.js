#!/usr/bin/env node
'use strict';
// Thin launcher: the command itself is compiled TypeScript (npm install runs the build through `prepare`).
// The sailor's logger (used in-process by `tgate run` and `tgate start`) writes JSON lines to stdout at
// info level; the commands print their own readable output, so it only speaks up when LOG_LEVEL asks.
if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = 'fatal';
let cli;
try {
  cli = require('../dist/lib/cli/main.js').cli;
} catch {
  process.stderr.write(
    'tgate: the compiled code is missing (dist/). Run `npm install` (or `npm run build`) in the component folder.\n',
  );
  process.exit(1);
}
cli(process.argv); // sets the exit code; Ctrl-C, SIGTERM and a closed stdout are handled there
