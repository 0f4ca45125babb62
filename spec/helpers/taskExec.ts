import path from 'node:path';
// The real executor the sailor runs every trigger and action in.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { TaskExec } = require('elasticio-sailor-nodejs/lib/executor.js');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const createApiClient = require('elasticio-rest-node');

export const COMPONENT_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface StepOutcome {
  data: Array<{ body: unknown }>;
  errors: Error[];
  updateKeys: Array<Record<string, unknown>>;
  logLines: string[];
}

/** Loads a trigger or action the way the sailor does: through component.json's `main`. */
export function loadFunction(name: string): { process: (...args: unknown[]) => unknown } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const component = require(path.join(COMPONENT_ROOT, 'component.json'));
  const def = component.actions?.[name] ?? component.triggers?.[name];
  if (!def) throw new Error(`no trigger or action ${name} in component.json`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(COMPONENT_ROOT, def.main));
}

/**
 * Runs one message through the sailor's real TaskExec, wired like the sailor wires it: updateKeys
 * goes to the platform API (PUT /v1/accounts/{cfg._account}) through the real API client.
 */
export function runStep(
  fn: { process: (...args: unknown[]) => unknown },
  msg: unknown,
  cfg: Record<string, unknown>,
  platform: { url: string; username: string; apiKey: string },
): Promise<StepOutcome> {
  const previousUri = process.env.ELASTICIO_API_URI;
  process.env.ELASTICIO_API_URI = platform.url; // elasticio-rest-node reads it directly
  const apiClient = createApiClient(platform.username, platform.apiKey, { retryCount: 0 });
  if (previousUri === undefined) delete process.env.ELASTICIO_API_URI; else process.env.ELASTICIO_API_URI = previousUri;

  const exec = new TaskExec({ loggerOptions: {}, variables: {}, services: { apiClient, amqp: {}, config: {} } });
  const outcome: StepOutcome = { data: [], errors: [], updateKeys: [], logLines: [] };
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
    const original = exec.logger[level].bind(exec.logger);
    exec.logger[level] = (...args: unknown[]) => {
      outcome.logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      return original(...args);
    };
  }
  return new Promise((resolve) => {
    exec.on('data', async (data: { body: unknown }) => { outcome.data.push(data); });
    exec.on('error', async (err: Error) => { outcome.errors.push(err); });
    exec.on('updateKeys', async (keys: Record<string, unknown>) => {
      outcome.updateKeys.push(keys);
      try {
        await apiClient.accounts.update(cfg._account, { keys });
      } catch (err) {
        outcome.errors.push(err as Error);
      }
    });
    exec.on('end', async () => resolve(outcome));
    exec.process(fn, msg, JSON.parse(JSON.stringify(cfg)), {});
  });
}
