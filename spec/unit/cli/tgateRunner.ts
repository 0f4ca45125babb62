import { spawn } from 'node:child_process';
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
}

/** Runs `node bin/tgate.js ...args` as a subprocess, the way a user or CI would. */
export function tgate(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(ELASTICIO_|TGATE_)/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v !== undefined) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tgate.js'), ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the command may exit before reading stdin
    child.stdin.end(options.input ?? '');
  });
}
