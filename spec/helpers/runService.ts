import { spawn } from 'node:child_process';
import path from 'node:path';
import { COMPONENT_ROOT } from './taskExec';

export interface ServiceRun {
  code: number | null;
  stdout: string;
  stderr: string;
  result: { status: string; data: { verified?: boolean; reason?: string; message?: string } } | undefined;
}

/**
 * Runs the sailor's real runService.js as the platform does (`node runService.js verifyCredentials`),
 * with the credential in ELASTICIO_CFG and the result POSTed to the platform stand-in.
 */
export function runService(
  method: 'verifyCredentials',
  cfg: Record<string, unknown>,
  platform: { url: string; username: string; apiKey: string; results: unknown[] },
  env: Record<string, string | undefined>,
  cwd: string = COMPONENT_ROOT,
): Promise<ServiceRun> {
  const resultsBefore = platform.results.length;
  const child = spawn(process.execPath, [path.join(COMPONENT_ROOT, 'node_modules/elasticio-sailor-nodejs/runService.js'), method], {
    cwd,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'trace',
      ELASTICIO_POST_RESULT_URL: `${platform.url}/result`,
      ELASTICIO_CFG: JSON.stringify(cfg),
      ELASTICIO_API_URI: platform.url,
      ELASTICIO_API_USERNAME: platform.username,
      ELASTICIO_API_KEY: platform.apiKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`runService timed out; stderr: ${stderr.slice(-2000)}`)); }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, result: platform.results[resultsBefore] as ServiceRun['result'] });
    });
  });
}
