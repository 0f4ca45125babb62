import { runServiceProcess, ServiceMethod, ServiceRun } from '../../lib/cli/sailorRun';
import { LocalPlatform } from '../../lib/platformSandbox/localPlatform';

export type { ServiceRun };

type Platform = Pick<LocalPlatform, 'url' | 'username' | 'apiKey' | 'results'>;

/** runService.js as the platform runs it, logging at trace level so specs can check every line for secrets. */
export function runService(
  method: ServiceMethod,
  cfg: Record<string, unknown>,
  platform: Platform,
  env: Record<string, string | undefined>,
  cwd?: string,
  target: { function?: string; model?: string } = {},
): Promise<ServiceRun> {
  return runServiceProcess(method, cfg, platform, env, { cwd, logLevel: 'trace', ...target });
}

/** getMetaModel of a trigger or action, with the step's fields in cfg, as the platform asks for it. */
export function runGetMetaModel(
  fn: string,
  cfg: Record<string, unknown>,
  platform: Platform,
  env: Record<string, string | undefined>,
): Promise<ServiceRun> {
  return runService('getMetaModel', cfg, platform, env, undefined, { function: fn });
}

/** A select model of a trigger or action (the field's `model` function), with the step's fields so far in cfg. */
export function runSelectModel(
  fn: string,
  model: string,
  cfg: Record<string, unknown>,
  platform: Platform,
  env: Record<string, string | undefined>,
): Promise<ServiceRun> {
  return runService('selectModel', cfg, platform, env, undefined, { function: fn, model });
}
