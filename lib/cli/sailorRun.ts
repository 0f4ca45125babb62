import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TaskExec } from 'elasticio-sailor-nodejs/lib/executor.js';
import createApiClient from 'elasticio-rest-node';
import { KnownSecrets } from '../http';
import { trackChild } from './lifecycle';
import { LocalPlatform } from '../platformSandbox/localPlatform';

export const COMPONENT_ROOT = path.resolve(__dirname, '..', '..', '..');

type ComponentFunction = { process: (...args: unknown[]) => unknown };
type PlatformLogin = Pick<LocalPlatform, 'url' | 'username' | 'apiKey'>;

export interface StepOutcome {
  data: Array<{ body: unknown }>;
  errors: Error[];
  /** Reasons the step gave for a rebound (the platform redelivers the message later). */
  rebounds: string[];
  /** Snapshots the step emitted, in order (the last one is what the platform keeps). */
  snapshots: Array<Record<string, unknown>>;
  updateKeys: Array<Record<string, unknown>>;
  /** Every line the step logged, as the sailor's logger received it. */
  logLines: string[];
}

type FunctionsJson = Partial<Record<'actions' | 'triggers', Record<string, { main: string }>>>;

/** Loads a file of the component by its path in component.json, with `require` as the sailor loads it. */
export function requireComponentFile(relativePath: string): unknown {
  return createRequire(__filename)(path.join(COMPONENT_ROOT, relativePath));
}

/** Loads a trigger or action the way the sailor does: through component.json's `main`. */
export function loadComponentFunction(name: string): ComponentFunction {
  const component = JSON.parse(readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8')) as FunctionsJson;
  const def = component.actions?.[name] ?? component.triggers?.[name];
  if (!def) throw new Error(`component.json has no trigger or action "${name}"`);
  return requireComponentFile(def.main) as ComponentFunction;
}

/**
 * Runs one message through a trigger or action in the sailor's real TaskExec, wired as the sailor wires
 * it: updateKeys goes to the platform API (PUT /v1/accounts/{cfg._account}) through the real API client.
 */
export interface RunOptions {
  /**
   * Receives each emitted data message instead of `outcome.data` keeping it: a long listing (a benchmark
   * of 100,000 messages) then costs the runner no memory per message.
   */
  onData?: (data: { body: unknown }) => void;
  /** The snapshot the platform kept for the step (a polling trigger's state), passed as `process`'s third argument. */
  snapshot?: Record<string, unknown>;
  /**
   * Receives each line the step logs instead of the sailor's logger writing it to stdout
   * (a CLI keeps its stdout for events).
   */
  onLog?: (line: string) => void;
}

export function runFunctionLocally(
  fn: ComponentFunction | string,
  msg: unknown,
  cfg: Record<string, unknown>,
  platform: PlatformLogin,
  options: RunOptions = {},
): Promise<StepOutcome> {
  const target = typeof fn === 'string' ? loadComponentFunction(fn) : fn;
  const apiClient = platformApiClient(platform);
  const exec = new TaskExec({ loggerOptions: {}, variables: {}, services: { apiClient, amqp: {}, config: {} } });
  const outcome: StepOutcome = { data: [], errors: [], rebounds: [], snapshots: [], updateKeys: [], logLines: [] };
  keepLogLines(exec, outcome.logLines, options.onLog);
  return new Promise((resolve) => {
    const onData =
      options.onData ??
      ((data: { body: unknown }) => {
        outcome.data.push(data);
      });
    exec.on('data', async (data: { body: unknown }) => {
      onData(data);
    });
    exec.on('error', async (err: Error) => {
      outcome.errors.push(err);
    });
    exec.on('snapshot', async (snapshot: Record<string, unknown>) => {
      outcome.snapshots.push(snapshot);
    });
    exec.on('rebound', async (reason: unknown) => {
      outcome.rebounds.push(reason instanceof Error ? reason.message : String(reason));
    });
    exec.on('updateKeys', async (keys: Record<string, unknown>) => {
      outcome.updateKeys.push(keys);
      try {
        await apiClient.accounts.update(String(cfg._account), { keys });
      } catch (err) {
        outcome.errors.push(keysNotSaved(err, cfg._account, platform));
      }
    });
    exec.on('end', async () => resolve(outcome));
    exec.process(target, msg, JSON.parse(JSON.stringify(cfg)), JSON.parse(JSON.stringify(options.snapshot ?? {})));
  });
}

/** The sailor's platform API client, pointed at `platform`. */
function platformApiClient(platform: PlatformLogin): ReturnType<typeof createApiClient> {
  const previousUri = process.env.ELASTICIO_API_URI;
  process.env.ELASTICIO_API_URI = platform.url; // elasticio-rest-node reads its base URL from here
  // Called without `new`, exactly as the sailor calls it: elasticio-rest-node 2.0 only wires its resources that way.
  const apiClient = createApiClient(platform.username, platform.apiKey, { retryCount: 0 });
  if (previousUri === undefined) delete process.env.ELASTICIO_API_URI;
  else process.env.ELASTICIO_API_URI = previousUri;
  return apiClient;
}

/** Keeps each line the step logs in `lines`, and hands it to `onLog` instead of the sailor's logger when given. */
function keepLogLines(exec: TaskExec, lines: string[], onLog?: (line: string) => void): void {
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
    const original = exec.logger[level].bind(exec.logger);
    exec.logger[level] = (...args: unknown[]) => {
      const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      lines.push(line);
      if (onLog) return onLog(`${level}: ${line}`);
      return original(...args);
    };
  }
}

/**
 * The platform client's errors can carry the request options (the API key, the Basic header): never keep
 * the raw error, only the status and a short reason with the account's secrets taken out.
 */
function keysNotSaved(err: unknown, account: unknown, platform: PlatformLogin): Error {
  const e = err as { statusCode?: unknown; code?: unknown } | undefined;
  const outcome =
    typeof e?.statusCode === 'number'
      ? `answered ${e.statusCode}`
      : `failed${typeof e?.code === 'string' ? ` (${e.code})` : ''}`;
  const secrets = new KnownSecrets([platform.apiKey]).addAuthorization(
    `Basic ${Buffer.from(`${platform.username}:${platform.apiKey}`).toString('base64')}`,
  );
  const reason = secrets.scrub(err instanceof Error ? err.message : String(err)).slice(0, 300);
  return new Error(
    `Saving the new keys failed: the platform API PUT /v1/accounts/${String(account)} ${outcome}: ${reason}`,
  );
}

export interface ServiceRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /**
   * What runService.js POSTed: verifyCredentials' `{verified, reason}`, getMetaModel's `{in, out}`,
   * a select model's `{key: label}`, or `{message}` on error.
   */
  result:
    | { status: string; data: { verified?: boolean; reason?: string; message?: string; [key: string]: unknown } }
    | undefined;
}

/** The service methods of runService.js (sailor lib/service.js). */
export type ServiceMethod = 'verifyCredentials' | 'getMetaModel' | 'selectModel';

export interface ServiceRunOptions {
  cwd?: string;
  logLevel?: string;
  /** getMetaModel and selectModel: the trigger or action id in component.json (ELASTICIO_ACTION_OR_TRIGGER). */
  function?: string;
  /** selectModel: the field's `model`, the exported function's name (ELASTICIO_GET_MODEL_METHOD). */
  model?: string;
}

/** The variables runService.js reads to find what to run, checked so a spec cannot half-configure a call. */
function serviceTarget(method: ServiceMethod, options: ServiceRunOptions): Record<string, string> {
  if (method === 'verifyCredentials') return {};
  if (!options.function) throw new TypeError(`runService ${method} needs the trigger or action id (options.function)`);
  if (method === 'getMetaModel') return { ELASTICIO_ACTION_OR_TRIGGER: options.function };
  if (!options.model)
    throw new TypeError('runService selectModel needs the select model function name (options.model)');
  return { ELASTICIO_ACTION_OR_TRIGGER: options.function, ELASTICIO_GET_MODEL_METHOD: options.model };
}

/**
 * Runs the sailor's real runService.js as the platform does (`node runService.js <method>`), with the
 * credential (and, for getMetaModel and selectModel, the step's fields) in ELASTICIO_CFG, the function in
 * ELASTICIO_ACTION_OR_TRIGGER and the select model in ELASTICIO_GET_MODEL_METHOD, and the result POSTed
 * to the (local) platform. The child gets only PATH, `env` and the platform variables.
 */
export function runServiceProcess(
  method: ServiceMethod,
  cfg: Record<string, unknown>,
  platform: PlatformLogin & Pick<LocalPlatform, 'results'>,
  env: Record<string, string | undefined>,
  options: ServiceRunOptions = {},
): Promise<ServiceRun> {
  const target = serviceTarget(method, options);
  const resultsBefore = platform.results.length;
  return runNodeChild(
    [require.resolve('elasticio-sailor-nodejs/runService.js'), method],
    {
      PATH: process.env.PATH,
      LOG_LEVEL: options.logLevel ?? 'info',
      ELASTICIO_POST_RESULT_URL: `${platform.url}/result`,
      ELASTICIO_CFG: JSON.stringify(cfg),
      ELASTICIO_API_URI: platform.url,
      ELASTICIO_API_USERNAME: platform.username,
      ELASTICIO_API_KEY: platform.apiKey,
      ...target,
      ...env,
    },
    { name: 'runService.js', cwd: options.cwd ?? COMPONENT_ROOT, timeoutMs: 20_000 },
  ).then((run) => ({ ...run, result: platform.results[resultsBefore] as ServiceRun['result'] }));
}

export interface NodeChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Node in a child process with exactly `env`, collecting what it writes; it is killed after `timeoutMs`. */
export function runNodeChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { name: string; cwd?: string; timeoutMs: number },
): Promise<NodeChildRun> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child); // killed if tgate is stopped (Ctrl-C, SIGTERM) while it runs
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} timed out: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`));
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** verifyCredentials through runService.js, reduced to its answer. */
export async function verifyWithRunService(
  cfg: Record<string, unknown>,
  platform: LocalPlatform,
  env: Record<string, string>,
): Promise<{ verified: boolean; reason?: string }> {
  const run = await runServiceProcess('verifyCredentials', cfg, platform, env, { logLevel: 'fatal' });
  const answer = serviceResult(run);
  return { verified: answer.verified === true, reason: answer.reason };
}

/** What runService.js POSTed on success, or an error saying why there is none. */
export function serviceResult(run: ServiceRun): NonNullable<ServiceRun['result']>['data'] {
  if (!run.result)
    throw new Error(
      `runService.js exited (${run.code}) without a result` +
        `${run.stderr ? `: ${run.stderr.trim().split('\n').slice(-1)[0]}` : ''}`,
    );
  if (run.result.status !== 'success')
    throw new Error(`runService.js failed: ${run.result.data?.message ?? 'unknown error'}`);
  return run.result.data ?? {};
}
