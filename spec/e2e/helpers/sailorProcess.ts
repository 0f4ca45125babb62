/**
 * The real sailor as a child process: `node node_modules/elasticio-sailor-nodejs/run.js` with the
 * component root as working directory, exactly as the platform's sail.sh starts it (sailor.md 1.1).
 *
 * An IPC channel is opened because run.js reports `init:started` / `init:ended` through `process.send`
 * when it has one (lib/ipc.js): `init:ended` means connected to AMQP, step data read, consuming.
 * Output is kept whole (for leak checks) and parsed as bunyan JSON lines (for waits on log events).
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor, withTimeout } from './wait';

export interface LogLine {
  msg?: string;
  level?: number;
  name?: string;
  messageId?: string;
  errorCount?: number;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class SailorProcess {
  stdout = '';
  stderr = '';
  readonly logs: LogLine[] = [];
  readonly ipcEvents: string[] = [];
  /** Date.now() of the spawn and of each IPC event's first arrival (for cold-start timings). */
  readonly spawnedAt = Date.now();
  readonly ipcAt: Record<string, number> = {};
  exit?: Exit;
  private readonly child: ChildProcess;
  private readonly exited: Promise<Exit>;
  private partial = '';

  constructor(componentRoot: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [path.join('node_modules', 'elasticio-sailor-nodejs', 'run.js')], {
      cwd: componentRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.child.on('message', (m: unknown) => {
      const event = (m as { event?: unknown } | null)?.event;
      if (typeof event === 'string') {
        this.ipcEvents.push(event);
        this.ipcAt[event] ??= Date.now();
      }
    });
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    // A spawn failure is reported as an exit.
    this.child.once('error', (err) => {
      this.stderr += `\n[spawn error] ${err.message}`;
      if (!this.exit) this.exit = { code: null, signal: null };
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line, raw: true });
      }
    }
  }

  /** The last lines of stderr and of the sailor's log (condensed), for failure messages. */
  tail(n = 15): string {
    const stderr = this.stderr
      .split('\n')
      .filter((l) => l.trim())
      .slice(-n)
      .join('\n');
    const logs = this.logs.slice(-n).map(condense).join('\n');
    const state = this.exit
      ? `exited (code ${this.exit.code}, signal ${this.exit.signal})`
      : `running (pid ${this.pid})`;
    return `sailor child ${state}\n--- last stderr lines ---\n${stderr || '(empty)'}\n--- last log lines (stdout) ---\n${logs || '(empty)'}`;
  }

  async waitForIpc(event: string, timeoutMs: number): Promise<void> {
    await waitFor(
      () => {
        if (this.ipcEvents.includes(event)) return true;
        if (this.exit)
          throw new Error(
            `the sailor exited before sending "${event}" (code ${this.exit.code}, signal ${this.exit.signal})\n${this.tail()}`,
          );
        return false;
      },
      { timeoutMs, what: `the sailor's IPC event "${event}"`, context: () => this.tail() },
    );
  }

  async waitForLog(predicate: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    return waitFor(
      () => {
        const found = this.logs.find(predicate);
        if (found) return found;
        if (this.exit) throw new Error(`the sailor exited while waiting for ${what}\n${this.tail()}`);
        return undefined;
      },
      { timeoutMs, what, context: () => this.tail() },
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async waitForExit(timeoutMs: number): Promise<Exit> {
    try {
      return await withTimeout(this.exited, timeoutMs, 'the sailor did not exit');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.tail()}`, { cause: err });
    }
  }

  /** For cleanup: SIGKILL this child (by its own handle) if it still runs. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await withTimeout(this.exited, 5000, 'the sailor child did not die after SIGKILL').catch(() => undefined);
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One bunyan line as `LEVEL name: msg [messageId] err: message`. */
function condense(l: LogLine): string {
  if (l.raw) return String(l.msg);
  const err = l.err as { message?: string } | undefined;
  return [
    `${LEVELS[l.level ?? 0] ?? l.level} ${l.name ?? ''}: ${l.msg ?? ''}`,
    l.messageId && l.messageId !== 'unknown' ? `[${l.messageId}]` : '',
    l.errorCount !== undefined ? `errorCount=${l.errorCount}` : '',
    err?.message ? `err: ${err.message}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
