import { ChildProcess, ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import net, { AddressInfo } from 'node:net';
import path from 'node:path';

/** The repository root: specs run from dist/spec/unit/cli. */
export const ROOT = path.resolve(__dirname, '../../../..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to a clean environment (no ELASTICIO_* or TGATE_* of the parent). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is a pipe: not a terminal). */
  input?: string;
  /** Working directory (default: the repository root). */
  cwd?: string;
}

/** Runs `node bin/tgate.js ...args` as a subprocess, the way a user or CI would. */
export function tgate(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = cleanEnv(options.env);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tgate.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const result = collect(child);
  child.stdin.on('error', () => undefined); // the command may exit before reading stdin
  child.stdin.end(options.input ?? '');
  return result;
}

/** What a finished child printed, and its exit code. */
function collect(child: ChildProcess): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A clean environment (no ELASTICIO_* or TGATE_* of the parent) plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(ELASTICIO_|TGATE_)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface Live {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr (as chosen) matches. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr') => Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string;
}

/** `node bin/tgate.js ...args`, left running (stdin stays open unless `input` is given). */
export function start(args: string[], options: StartOptions = {}): Live {
  return spawnLive(process.execPath, [path.join(ROOT, 'bin/tgate.js'), ...args], options);
}

export function spawnLive(command: string, args: string[], options: StartOptions): Live {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8').on('data', (d: string) => {
      text[name] += d;
      waiters.forEach((w) => w());
    });
  }
  child.stdin.on('error', () => undefined);
  if (options.input !== undefined) child.stdin.end(options.input);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(text[stream]);
        if (m) resolve(m);
      };
      waiters.push(check);
      check();
      void exited.then(({ code }) =>
        reject(new Error(`tgate exited (${code}) before printing ${pattern}: ${text.stdout}${text.stderr}`)),
      );
    });
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, waitFor, exited };
}

/** `bash -c script` with TGATE_BIN set to bin/tgate.js and `env` added: a real shell pipeline. */
export function bash(script: string, env: Record<string, string> = {}): Promise<RunResult> {
  return collect(
    spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: cleanEnv({ ...env, TGATE_BIN: path.join(ROOT, 'bin/tgate.js') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A `tgate` command that prints a grant page URL and waits for the browser: the URL as soon as it is printed, the result at the end. */
export function startGrantFlow(
  args: string[],
  input: string,
  env: Record<string, string> = {},
): { url: Promise<string>; result: Promise<RunResult> } {
  const live = start(args, { input, env });
  const url = live.waitFor(/^ {2}(http\S+)$/m).then((m) => m[1]);
  url.catch(() => undefined); // a command refused before printing one: the spec reads `result`
  return { url, result: live.exited.then(({ code }) => ({ code, stdout: live.stdout(), stderr: live.stderr() })) };
}
