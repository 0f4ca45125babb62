import fs from 'node:fs';
import { DEFAULT_API_URL, normalizeApiUrl, PlatformInputError } from '../platform';
import { UsageError } from './errors';

/** Keys a profile file may hold (the same names as the environment variables). */
export const PROFILE_KEYS = [
  'ELASTICIO_API_URI',
  'ELASTICIO_API_USERNAME',
  'ELASTICIO_API_KEY',
  'ELASTICIO_TENANT_ID',
] as const;
export type ProfileKey = (typeof PROFILE_KEYS)[number];
export type Profile = Partial<Record<ProfileKey, string>>;

/** Where the platform is and who calls it, with where each came from (for messages). */
export interface Connection {
  apiUrl: string;
  tenantId: string;
  username: string;
  apiKey: string;
  apiUrlFrom: string;
  tenantFrom: string;
  credentialsFrom: string;
}

export const PROFILE_HELP = `
Where and who (first found wins, setting by setting):
  API URL   --api-url, then ELASTICIO_API_URI, then the profile, then ${DEFAULT_API_URL}
            (white-label hosts such as https://api.thatapp.io work the same)
  tenant    --tenant, then ELASTICIO_TENANT_ID, then the profile
  account   ELASTICIO_API_USERNAME (email) and ELASTICIO_API_KEY, taken as a pair: from the
            environment when either is set there, else from the profile. Never from an argument.
  profile   --profile PATH, else TGATE_PROFILE: KEY=value lines (# comments, optional quotes,
            optional "export ") with ELASTICIO_API_URI, ELASTICIO_API_USERNAME,
            ELASTICIO_API_KEY, ELASTICIO_TENANT_ID. Refused when group or others may read it
            (chmod 600 PATH).`;

/**
 * Reads a dotenv-style profile. Refuses (UsageError) a file group or others may read, a file that is
 * not a regular file, and unreadable lines (naming the line number, never its content).
 */
export function readProfile(path: string, warn: (message: string) => void = () => undefined): Profile {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new UsageError(`cannot read the profile ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let content: string;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`the profile ${path} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new UsageError(
        `the profile ${path} may be read by others (mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')}); ` +
          `it holds an API key, so it must be private. Run: chmod 600 ${path}`,
      );
    }
    content = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const out: Profile = {};
  content.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UsageError(`the profile ${path}, line ${index + 1}: expected KEY=value`);
    const [, key, rawValue] = m;
    let value = rawValue;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, '').trim();
    if (!(PROFILE_KEYS as readonly string[]).includes(key)) {
      warn(`ignoring ${key} on line ${index + 1} of the profile ${path} (known keys: ${PROFILE_KEYS.join(', ')})`);
      return;
    }
    out[key as ProfileKey] = value;
  });
  return out;
}

function present(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/**
 * The connection settings: options, then the environment, then the profile (see {@link PROFILE_HELP}).
 * Throws UsageError naming what is missing or wrong.
 */
export function resolveConnection(
  options: { apiUrl?: string; tenant?: string; profile?: string },
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void = () => undefined,
): Connection {
  const profilePath = present(options.profile) ?? present(env.TGATE_PROFILE);
  const profileName = profilePath ? `the profile ${profilePath}` : '';
  const profile: Profile = profilePath ? readProfile(profilePath, warn) : {};

  const pick = (option: string | undefined, optionName: string, envKey: ProfileKey): [string | undefined, string] => {
    if (present(option)) return [option!.trim(), optionName];
    if (present(env[envKey])) return [env[envKey]!.trim(), envKey];
    if (present(profile[envKey])) return [profile[envKey]!.trim(), `${envKey} in ${profileName}`];
    return [undefined, ''];
  };

  const [urlValue, urlFrom] = pick(options.apiUrl, '--api-url', 'ELASTICIO_API_URI');
  let apiUrl: string;
  try {
    apiUrl = normalizeApiUrl(urlValue ?? DEFAULT_API_URL);
  } catch (err) {
    if (err instanceof PlatformInputError) throw new UsageError(`${urlFrom || 'the API URL'}: ${err.message}`);
    throw err;
  }

  const [tenantId, tenantFrom] = pick(options.tenant, '--tenant', 'ELASTICIO_TENANT_ID');
  if (!tenantId) {
    throw new UsageError('no tenant: pass --tenant ID or set ELASTICIO_TENANT_ID (in the environment or the profile)');
  }

  const { username, apiKey, credentialsFrom } = apiCredentials(env, profile, profilePath, profileName);
  return { apiUrl, tenantId, username, apiKey, apiUrlFrom: urlFrom || 'the default', tenantFrom, credentialsFrom };
}

/**
 * The account email and API key: both from the environment, or both from the profile, never one of each.
 * Throws UsageError naming what is missing.
 */
function apiCredentials(
  env: NodeJS.ProcessEnv,
  profile: Profile,
  profilePath: string | undefined,
  profileName: string,
): { username: string; apiKey: string; credentialsFrom: string } {
  const envUser = present(env.ELASTICIO_API_USERNAME);
  const envKey = present(env.ELASTICIO_API_KEY);
  if (envUser && envKey) {
    const credentialsFrom = 'the environment (ELASTICIO_API_USERNAME, ELASTICIO_API_KEY)';
    return { username: envUser.trim(), apiKey: envKey.trim(), credentialsFrom };
  }
  if (envUser || envKey) {
    const missing = envUser ? 'ELASTICIO_API_KEY' : 'ELASTICIO_API_USERNAME';
    throw new UsageError(
      `${missing} is not set while ${envUser ? 'ELASTICIO_API_USERNAME' : 'ELASTICIO_API_KEY'} is: ` +
        'set both in the environment, or neither to use a profile',
    );
  }
  const username = present(profile.ELASTICIO_API_USERNAME)?.trim();
  const apiKey = present(profile.ELASTICIO_API_KEY)?.trim();
  if (profilePath && (!username || !apiKey)) {
    throw new UsageError(`${profileName} lacks ${!username ? 'ELASTICIO_API_USERNAME' : 'ELASTICIO_API_KEY'}`);
  }
  if (!username || !apiKey) {
    throw new UsageError(
      'no credentials: set ELASTICIO_API_USERNAME (the account email) and ELASTICIO_API_KEY, ' +
        'or give a profile file with them (--profile PATH or TGATE_PROFILE); they are never taken as arguments',
    );
  }
  return { username, apiKey, credentialsFrom: profileName };
}
