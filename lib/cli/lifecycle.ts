import type { ChildProcess } from 'node:child_process';

/**
 * How a `tgate` process ends when it is stopped from outside, in one place (installed by `cli()` in
 * main.ts, not per command): Ctrl-C (SIGINT) exits 130 and SIGTERM 143, each with one line on stderr;
 * a closed stdout or stderr (`tgate ... | head -1`) ends the command quietly. On the way out the
 * registered cleanups run (servers close) and the child processes started here are killed.
 */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/** Ctrl-C typed where the terminal is in raw mode (a hidden prompt): the same as SIGINT. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
const children = new Set<ChildProcess>();
const interruptWaiters: Array<() => void> = [];
let installed = false;
let stopping = false;
let running: Promise<unknown> | undefined;

/** Runs `fn` if the process is stopped from outside; returns the function that unregisters it. */
export function onShutdown(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** A child process that must not outlive this one. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
  });
}

/**
 * Resolves on Ctrl-C or SIGTERM, for a command that serves until then and closes its own servers
 * afterwards; the process still exits 130 or 143 once the command has finished.
 */
export function whenInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    if (installed) interruptWaiters.push(resolve);
    else {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }
  });
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

function childGone(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        child.once('exit', () => resolve());
      });
}

/** Closes what is registered (at most `graceMs`), kills the children, writes `line` to stderr and exits. */
async function shutdown(
  code: number,
  line: string | undefined,
  waitForCommand: boolean,
  graceMs = 3000,
): Promise<void> {
  stopping = true;
  const live = [...children];
  for (const child of live) child.kill('SIGTERM');
  const work = [
    ...[...cleanups].map((fn) =>
      Promise.resolve()
        .then(fn)
        .catch(() => undefined),
    ),
    ...live.map(childGone),
    ...(waitForCommand && running ? [running.catch(() => undefined)] : []),
  ];
  await Promise.race([Promise.all(work), sleep(graceMs)]);
  for (const child of children) child.kill('SIGKILL');
  if (line) {
    try {
      process.stderr.write(`${line}\n`);
    } catch {
      /* stderr closed too */
    }
  }
  process.exit(code);
}

function onSignal(code: number, line: string): void {
  if (stopping) process.exit(code); // a second Ctrl-C: no more waiting
  const waiters = interruptWaiters.splice(0);
  waiters.forEach((resolve) => resolve());
  void shutdown(code, line, waiters.length > 0);
}

function onStreamError(err: NodeJS.ErrnoException): void {
  if (stopping) return;
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
    // The reader went away (`| head -1`): nobody reads what is left, so stop quietly.
    void shutdown(typeof process.exitCode === 'number' ? process.exitCode : 0, undefined, false, 1000);
    return;
  }
  void shutdown(1, `tgate: cannot write the output: ${err.message}`, false, 1000);
}

/**
 * Installs the signal and output handlers for the rest of the process
 * (the `tgate` command only, not in-process callers).
 */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => onSignal(EXIT_SIGINT, 'tgate: cancelled'));
  process.on('SIGTERM', () => onSignal(EXIT_SIGTERM, 'tgate: terminated (SIGTERM)'));
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
}

/** The command now running: a signal that a command waits for lets it finish (closing its servers) before the exit. */
export function setRunning(command: Promise<unknown>): void {
  running = command;
}

/** Whether the process is on its way out (a signal or a closed output): the exit code is then decided there. */
export function isStopping(): boolean {
  return stopping;
}
