import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { credentialKeys } from '../tgate/stepClient';
import { readJsonObject, writePrivateJson } from './files';
import { DEFAULT_CFG_FILE, localClientEnv, stepCfg } from './localCredential';
import { refuseSecretArgument, secretArgumentOption } from './options';
import { EXIT_FAILED, EXIT_OK, UsageError } from './errors';
import { onShutdown } from './lifecycle';
import { printable } from './output';
import { startProgress } from './progress';
import { startLocalPlatform, LocalPlatform } from '../platformSandbox/localPlatform';
import { COMPONENT_ROOT, runFunctionLocally, runServiceProcess, serviceResult, StepOutcome } from './sailorRun';

/**
 * The commands a component developer runs against a credential file (`--cfg`), the way elasticio-cli's
 * `run` works: `tgate run`, `tgate verify`, `tgate select`. The credential's keys are held by an
 * in-process stand-in of the platform API (lib/platformSandbox/localPlatform.ts), so `updateKeys` (a token
 * refresh) lands there and is written back into the cfg file afterwards. Tokens stay in the file: never printed.
 */

type Json = Record<string, unknown>;

// Kept importable from here, where they were first.
export { readJsonObject, writePrivateJson, writePrivateFile } from './files';

interface ComponentJson {
  triggers?: Record<string, { fields?: Record<string, { model?: unknown }> }>;
  actions?: Record<string, { fields?: Record<string, { model?: unknown }> }>;
}

function componentJson(): ComponentJson {
  return JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8')) as ComponentJson;
}

function functionNames(): string[] {
  const component = componentJson();
  return [...Object.keys(component.triggers ?? {}), ...Object.keys(component.actions ?? {})];
}

function assertFunction(name: string): void {
  if (functionNames().includes(name)) return;
  throw new UsageError(
    `component.json has no trigger or action "${printable(name)}"; it has: ${functionNames().join(', ')}`,
  );
}

/** The credential the cfg file holds, put in a local platform stand-in under the cfg's `_account` (or a made-up id). */
async function platformFor(
  cfg: Json,
): Promise<{ platform: LocalPlatform; cfg: Json; account: string; before: string }> {
  const account =
    typeof cfg._account === 'string' && cfg._account ? cfg._account : `local-${crypto.randomBytes(4).toString('hex')}`;
  const platform = await startLocalPlatform();
  const keys = credentialKeys(cfg);
  platform.accounts.set(account, { keys });
  return { platform, cfg: { ...stepCfg(cfg), _account: account }, account, before: JSON.stringify(keys) };
}

/**
 * Merges the keys the platform stand-in now holds into the cfg file (other fields kept) when they changed;
 * returns the key names written.
 */
function writeBackKeys(cfgFile: string, platform: LocalPlatform, account: string, before: string): string[] {
  const stored = platform.accounts.get(account)?.keys;
  if (!stored || JSON.stringify(stored) === before) return [];
  const current = readJsonObject(cfgFile, 'cfg') as Json;
  writePrivateJson(cfgFile, { ...current, ...stored });
  return Object.keys(stored);
}

/** The variables the platform would put in the step's environment (the tenant's OAuth client, URL overrides). */
function tgateEnv(cfg: Json, cfgFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (/^(TGATE_|OAUTH_CLIENT_)/.test(k) && v !== undefined) env[k] = v;
  return { ...env, ...localClientEnv(cfg, cfgFile) };
}

/**
 * Runs `work` with the cfg file's OAuth client in process.env (an in-process step reads it there),
 * then restores it.
 */
async function withClientEnv<T>(cfg: Json, cfgFile: string, work: () => Promise<T>): Promise<T> {
  const overrides = localClientEnv(cfg, cfgFile);
  const previous = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  Object.assign(process.env, overrides);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(previous))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

function oneLine(value: unknown): string {
  return printable(JSON.stringify(value) ?? 'undefined');
}

export interface RunCommandOptions {
  cfg: string;
  msg?: string;
  snapshot?: string;
  json?: boolean;
  verbose?: boolean;
  /** Show the messages emitted so far on stderr: true forces it, false never; default when stderr is a terminal. */
  progress?: boolean;
}

/** `tgate run`: one message through a trigger or action in the sailor's TaskExec. Resolves with the exit code. */
export async function runCommand(name: string | undefined, opts: RunCommandOptions): Promise<number> {
  if (!name)
    throw new UsageError(
      'name the trigger or action to run (tgate run <function> --cfg FILE); ' +
        `component.json has: ${functionNames().join(', ')}`,
    );
  assertFunction(name);
  const fileCfg = readJsonObject(opts.cfg, 'cfg') as Json;
  const msgJson = opts.msg ? (readJsonObject(opts.msg, 'message') as Json) : { body: {} };
  const msg = Object.prototype.hasOwnProperty.call(msgJson, 'body') ? msgJson : { body: msgJson };
  const snapshot = opts.snapshot ? (readJsonObject(opts.snapshot, 'snapshot', { missingOk: true }) ?? {}) : {};
  const local = await platformFor(fileCfg);

  let emitted = 0;
  const printData = (data: { body: unknown }): void => {
    emitted += 1;
    out(opts.json ? JSON.stringify({ event: 'data', body: data.body }) : `data ${emitted}: ${oneLine(data.body)}`);
  };
  const printLog = (line: string): void => {
    process.stderr.write(`${printable(line)}\n`);
  };
  const progress = { name, show: opts.progress, emitted: (): number => emitted };
  const outcome = await withProgress(progress, local.platform, () =>
    withClientEnv(fileCfg, opts.cfg, () =>
      runFunctionLocally(name, msg, local.cfg, local.platform, {
        snapshot,
        onData: printData,
        onLog: opts.verbose ? printLog : () => undefined,
      }),
    ),
  );
  reportOutcome(outcome, opts, local);
  if (!opts.json)
    out(
      `${name}: ${emitted} data message(s), ${outcome.errors.length} error(s)` +
        `${outcome.rebounds.length ? `, ${outcome.rebounds.length} rebound(s)` : ''}`,
    );
  return outcome.errors.length ? EXIT_FAILED : EXIT_OK;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs `work` while stderr shows the messages emitted so far (when asked, or when it is a terminal); the
 * platform stand-in is closed after it, and on Ctrl-C mid-run too, with the progress line cleared first.
 */
async function withProgress<T>(
  { name, show, emitted }: { name: string; show?: boolean; emitted: () => number },
  platform: LocalPlatform,
  work: () => Promise<T>,
): Promise<T> {
  const progress = (show ?? process.stderr.isTTY === true) ? startProgress(process.stderr, name, emitted) : undefined;
  const unregister = onShutdown(async () => {
    progress?.stop();
    await platform.close();
  });
  try {
    return await work();
  } finally {
    progress?.stop();
    unregister();
    await platform.close();
  }
}

/**
 * Prints what the run ended with besides its data: errors, rebounds, the last snapshot (written to --snapshot)
 * and new keys (written back to --cfg).
 */
function reportOutcome(
  outcome: StepOutcome,
  opts: RunCommandOptions,
  local: { platform: LocalPlatform; account: string; before: string },
): void {
  for (const err of outcome.errors)
    out(opts.json ? JSON.stringify({ event: 'error', message: err.message }) : `error: ${printable(err.message)}`);
  for (const reason of outcome.rebounds) {
    out(
      opts.json
        ? JSON.stringify({ event: 'rebound', reason })
        : `rebound: ${printable(reason)} (on the platform the message would be delivered again later)`,
    );
  }
  const lastSnapshot = outcome.snapshots[outcome.snapshots.length - 1];
  if (lastSnapshot !== undefined) {
    if (opts.snapshot) writePrivateJson(opts.snapshot, lastSnapshot);
    out(
      opts.json
        ? JSON.stringify({ event: 'snapshot', snapshot: lastSnapshot, file: opts.snapshot ?? null })
        : `snapshot: ${oneLine(lastSnapshot)}` +
            `${opts.snapshot ? ` (written to ${opts.snapshot})` : ' (not kept: give --snapshot FILE)'}`,
    );
  }
  if (!outcome.updateKeys.length) return;
  const written = writeBackKeys(opts.cfg, local.platform, local.account, local.before);
  out(
    opts.json
      ? JSON.stringify({ event: 'updateKeys', count: outcome.updateKeys.length, keys: written, file: opts.cfg })
      : `updateKeys: new keys saved ${outcome.updateKeys.length} time(s); ` +
          `${written.length ? `${written.join(', ')} written to ${opts.cfg}` : 'nothing changed in the cfg file'}`,
  );
}

/** `tgate verify`: verifyCredentials through the sailor's runService.js. */
export async function verifyCommand(opts: { cfg: string; json?: boolean }): Promise<number> {
  const fileCfg = readJsonObject(opts.cfg, 'cfg') as Json;
  const { platform, cfg, account, before } = await platformFor(fileCfg);
  try {
    const run = await runServiceProcess('verifyCredentials', cfg, platform, tgateEnv(fileCfg, opts.cfg), {
      logLevel: 'fatal',
    });
    const written = writeBackKeys(opts.cfg, platform, account, before);
    const result = serviceResult(run);
    const verified = result.verified === true;
    const reason = typeof result.reason === 'string' ? result.reason : undefined;
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ verified, ...(reason ? { reason } : {}), keysWritten: written })}\n`);
    else {
      process.stdout.write(verified ? 'verified\n' : `NOT verified: ${printable(reason ?? 'no reason given')}\n`);
      if (written.length) process.stdout.write(`new keys (${written.join(', ')}) written to ${opts.cfg}\n`);
    }
    return verified ? EXIT_OK : EXIT_FAILED;
  } finally {
    await platform.close();
  }
}

/** The trigger or action whose fields use `model`, or a usage error naming the choices. */
export function functionForModel(model: string, given?: string): string {
  const component = componentJson();
  const all = { ...(component.triggers ?? {}), ...(component.actions ?? {}) };
  if (given) {
    assertFunction(given);
    return given;
  }
  const users = Object.entries(all)
    .filter(([, def]) => Object.values(def.fields ?? {}).some((f) => f.model === model))
    .map(([id]) => id);
  if (users.length === 0) throw new UsageError(`no field in component.json uses the select model "${model}"`);
  // The same exported function serves every step that names it; any of them runs it.
  return users[0];
}

/** `tgate select <model>`: a select model through runService.js, printed as `key  label` lines. */
export async function selectCommand(
  model: string,
  opts: { cfg: string; function?: string; json?: boolean },
): Promise<number> {
  const fn = functionForModel(model, opts.function);
  const fileCfg = readJsonObject(opts.cfg, 'cfg') as Json;
  const { platform, cfg, account, before } = await platformFor(fileCfg);
  try {
    const run = await runServiceProcess('selectModel', cfg, platform, tgateEnv(fileCfg, opts.cfg), {
      logLevel: 'fatal',
      function: fn,
      model,
    });
    writeBackKeys(opts.cfg, platform, account, before);
    const options = serviceResult(run);
    if (opts.json) process.stdout.write(`${JSON.stringify(options)}\n`);
    else {
      const entries = Object.entries(options);
      const width = Math.max(0, ...entries.map(([k]) => k.length));
      for (const [key, label] of entries)
        process.stdout.write(`${printable(key.padEnd(width))}  ${printable(String(label))}\n`);
      if (!entries.length) process.stdout.write('(no options)\n');
    }
    return EXIT_OK;
  } finally {
    await platform.close();
  }
}

const CFG_HELP = `
The cfg file (default ${DEFAULT_CFG_FILE}) is a JSON object: the credential's keys ({"environment", "oauth"})
plus the step's fields; "_account" is optional. A cfg written by \`tgate connect\` also names its OAuth
client and T-Gate ("tgateClient"; the secret stays in a 0600 file beside it), so it runs as it is.
Otherwise the OAuth client comes from the environment, as on the platform: OAUTH_CLIENT_ID,
OAUTH_CLIENT_SECRET (or TGATE_CLIENT_ID, TGATE_CLIENT_SECRET; and TGATE_TOKEN_URI, TGATE_API_BASE_URL to
point at a sandbox). Refreshed tokens
are written back into the cfg file (mode 0600); tokens and secrets are never printed.`;

export function registerDevCommands(program: Command): void {
  const setExit = (code: number): void => {
    if (code !== EXIT_OK) process.exitCode = code;
  };
  program
    .command('run')
    .description('run a trigger or action of component.json on one message, as the sailor does')
    .argument('[function]', 'trigger or action id in component.json, e.g. lookupObjects')
    .option(
      '--cfg <file>',
      'JSON cfg: credential keys and step fields (refreshed keys are written back)',
      DEFAULT_CFG_FILE,
    )
    .option('--msg <file>', 'JSON message ({"body": ...}; an object without "body" is the body); default {"body": {}}')
    .option('--snapshot <file>', "the step's snapshot: read before (missing: {}), the last emitted one written after")
    .option('--json', 'print each event as a JSON line')
    .option('--verbose', "show the step's log lines on stderr")
    .option(
      '--progress',
      'show the messages emitted so far on stderr every second, also when stderr is not a terminal (one line each)',
    )
    .option('--no-progress', 'never show it (default: shown, in place, when stderr is a terminal)')
    .addHelpText(
      'after',
      `${CFG_HELP}

Exit 0 when the function emitted no error (a rebound is printed and still exits 0: the platform would
retry it later), 1 when it emitted an error.

Example:
  tgate run lookupObjects --msg msg.json --json        (the credential in .tgate/cfg.json)
  tgate run pollCatalog --cfg .tgate/items.json --snapshot .tgate/items.snapshot.json`,
    )
    .addOption(secretArgumentOption())
    .action(async (fn: string | undefined, opts: RunCommandOptions & { clientSecret?: unknown }) => {
      refuseSecretArgument(opts);
      setExit(await runCommand(fn, opts));
    });

  program
    .command('verify')
    .description("check the cfg file's credential with verifyCredentials, through the sailor's runService.js")
    .option('--cfg <file>', 'JSON cfg holding the credential keys', DEFAULT_CFG_FILE)
    .option('--json', 'print {"verified", "reason"} as JSON')
    .addHelpText(
      'after',
      `${CFG_HELP}

Exit 0 when verified, 1 when not.

Example:
  tgate verify --cfg .tgate/cfg.json`,
    )
    .addOption(secretArgumentOption())
    .action(async (opts: { cfg: string; json?: boolean; clientSecret?: unknown }) => {
      refuseSecretArgument(opts);
      setExit(await verifyCommand(opts));
    });

  program
    .command('select')
    .description("list a select model's options (key and label), through the sailor's runService.js")
    .argument('<model>', 'the field\'s "model" in component.json, e.g. brands, branches, menus, resourceTypes')
    .option('--cfg <file>', 'JSON cfg: credential keys and the step fields the model reads', DEFAULT_CFG_FILE)
    .option('--function <id>', 'trigger or action whose field it is (default: the first that uses the model)')
    .option('--json', 'print the {key: label} object as JSON')
    .addHelpText(
      'after',
      `${CFG_HELP}

Example:
  tgate select branches --function lookupObjects`,
    )
    .action(async (model: string, opts: { cfg: string; function?: string; json?: boolean }) =>
      setExit(await selectCommand(model, opts)),
    );
}
