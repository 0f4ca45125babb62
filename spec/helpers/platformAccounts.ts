import { LocalPlatform, startLocalPlatform } from '../../lib/platformSandbox/localPlatform';

export type PlatformAccountsServer = LocalPlatform;
export type { PlatformCall as RecordedCall } from '../../lib/platformSandbox/localPlatform';

/** The platform API stand-in (accounts, runService result URL) with fixed task-user credentials. */
export function startPlatformAccounts(
  username = 'task-user@example.com',
  apiKey = 'platform-api-key-0123456789',
): Promise<PlatformAccountsServer> {
  return startLocalPlatform({ username, apiKey });
}
