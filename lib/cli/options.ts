import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from './errors';

/** Option parser of every `--port`-like option: a whole number from 0 (any free port) to 65535. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

/**
 * A URL given to a command (T-Gate's grant page, token endpoint, API base): http(s), and no user, query
 * or fragment, which would end up in logs or be lost when parameters are added.
 */
export function httpUrl(what: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* refused below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new UsageError(`${what} is not a valid http(s) URL`);
  if (url.username || url.password || url.search || url.hash)
    throw new UsageError(`${what} must not hold a user, a query or a fragment`);
  return value;
}

/** Why every command refuses a secret as an argument (one wording, whatever the command). */
export const SECRET_ARGUMENT_WHY = 'a secret given as an argument ends up in shell history and the process list';

/** `--client-secret`, accepted only to refuse it with a reason instead of "unknown option" echoing the value. */
export function secretArgumentOption(): Option {
  return new Option('--client-secret [value]').hideHelp();
}

/** Refuses `--client-secret VALUE`, saying why and where the command takes the secret instead. */
export function refuseSecretArgument(
  opts: { clientSecret?: unknown },
  instead = 'set TGATE_CLIENT_SECRET or pipe it on stdin (e.g. `printf %s "$SECRET" | tgate ...`)',
): void {
  if (opts.clientSecret !== undefined)
    throw new UsageError(`--client-secret is refused: ${SECRET_ARGUMENT_WHY}. Instead, ${instead}`);
}
