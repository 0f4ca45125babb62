import { spawn } from 'node:child_process';
import path from 'node:path';
import { LocalPlatform } from './localPlatform';

export const COMPONENT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The sailor's executor: the same `this` a trigger or action gets on the platform. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { TaskExec } = require('elasticio-sailor-nodejs/lib/executor.js');

export interface LocalStepResult {
  data: unknown[];
  errors: string[];
  keysSaved: number;
}

/**
 * Runs one message through a trigger or action of component.json in the sailor's TaskExec, wired as
 * the sailor wires it: updateKeys saves the credential at the (local) platform.
 */
export async function runFunctionLocally(name: string, msg: unknown, cfg: Record<string, unknown>, platform: LocalPlatform): Promise<LocalStepResult> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const component = require(path.join(COMPONENT_ROOT, 'component.json'));
  const def = component.actions?.[name] ?? component.triggers?.[name];
  if (!def) throw new Error(`component.json has no trigger or action "${name}"`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fn = require(path.join(COMPONENT_ROOT, def.main));
  const apiClient = {
    accounts: {
      retrieve: async (id: string) => ({ _id: id, keys: platform.accounts.get(id)?.keys }),
      update: async (id: string, body: { keys: Record<string, unknown> }) => { platform.accounts.set(id, { keys: body.keys }); return body; },
    },
  };
  const exec = new TaskExec({ loggerOptions: {}, variables: {}, services: { apiClient, amqp: {}, config: {} } });
  const result: LocalStepResult = { data: [], errors: [], keysSaved: 0 };
  return new Promise((resolve) => {
    exec.on('data', async (data: { body?: unknown }) => { result.data.push(data.body); });
    exec.on('error', async (err: Error) => { result.errors.push(err.message); });
    exec.on('updateKeys', async (keys: Record<string, unknown>) => {
      await apiClient.accounts.update(String(cfg._account), { keys });
      result.keysSaved += 1;
    });
    exec.on('end', async () => resolve(result));
    exec.process(fn, msg, JSON.parse(JSON.stringify(cfg)), {});
  });
}

/** Runs verifyCredentials through the sailor's real runService.js, as the platform does. */
export function verifyWithRunService(cfg: Record<string, unknown>, platform: LocalPlatform, env: Record<string, string>): Promise<{ verified: boolean; reason?: string }> {
  const before = platform.results.length;
  const child = spawn(process.execPath, [require.resolve('elasticio-sailor-nodejs/runService.js'), 'verifyCredentials'], {
    cwd: COMPONENT_ROOT,
    env: {
      ...process.env,
      ...env,
      LOG_LEVEL: 'fatal',
      ELASTICIO_POST_RESULT_URL: `${platform.url}/result`,
      ELASTICIO_CFG: JSON.stringify(cfg),
      ELASTICIO_API_URI: platform.url,
      ELASTICIO_API_USERNAME: platform.username,
      ELASTICIO_API_KEY: platform.apiKey,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const posted = platform.results[before] as { status?: string; data?: { verified?: boolean; reason?: string; message?: string } } | undefined;
      if (!posted) return reject(new Error(`runService.js exited (${code}) without a result${stderr ? `: ${stderr.trim().split('\n').slice(-1)[0]}` : ''}`));
      if (posted.status !== 'success') return reject(new Error(`runService.js failed: ${posted.data?.message ?? 'unknown error'}`));
      resolve({ verified: posted.data?.verified === true, reason: posted.data?.reason });
    });
  });
}
