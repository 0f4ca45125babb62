import { runServiceProcess, ServiceRun } from '../../lib/cli/sailorRun';
import { LocalPlatform } from '../../lib/cli/localPlatform';

export type { ServiceRun };

/** runService.js as the platform runs it, logging at trace level so specs can check every line for secrets. */
export function runService(
  method: 'verifyCredentials',
  cfg: Record<string, unknown>,
  platform: Pick<LocalPlatform, 'url' | 'username' | 'apiKey' | 'results'>,
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<ServiceRun> {
  return runServiceProcess(method, cfg, platform, env, { cwd, logLevel: 'trace' });
}
