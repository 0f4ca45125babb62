import crypto from 'node:crypto';
import { Command, Option } from 'commander';
import { CredentialError } from '../errors';
import { isInvalidGrant, OAuthClientMisconfiguredError, requestToken, TGATE_PROFILE } from '../auth';
import { HttpClient, HttpError, KnownSecrets } from '../http';
import { TGATE_ENVIRONMENTS, TGateEnvironmentName } from '../tgate';
import { EXIT_FAILED, UsageError } from './errors';
import {
  checkedSecret,
  readSecret,
  refuseSecretArguments,
  secretOptions,
  secretSource,
  WriteOptions,
} from './oauthClients';
import { httpUrl } from './options';
import { printable } from './output';

/**
 * `tgate oauth-clients check`: proves a client id and secret at T-Gate's token endpoint without a user
 * and without touching any credential. It sends an authorization_code grant with a code that cannot
 * exist. Doorkeeper (which T-Gate runs) checks that grant's client before its code, so `invalid_grant`
 * means the pair is right and `invalid_client` that it is wrong (RFC 6749 5.2). Not a refresh_token
 * grant: Doorkeeper checks a refresh token before the client, so a made-up one answers invalid_grant
 * to any pair (spec/conformance/doctor.spec.ts). Anything else is reported as it came.
 */
export type PairVerdict = 'accepted' | 'refused' | 'unknown';

export interface PairCheck {
  verdict: PairVerdict;
  tokenUrl: string;
  /** The HTTP status, when the endpoint answered. */
  status?: number;
  /** The OAuth error code it answered (invalid_grant, invalid_client, ...). */
  oauthError?: string;
  /** What the endpoint answered, in words; never holds the secret. */
  answered: string;
}

export interface PairCheckInput {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** How id and secret go into the Basic header (default: the T-Gate profile's). */
  basicEncoding?: 'raw' | 'form';
  timeoutMs?: number;
}

function httpCause(err: unknown): HttpError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (e instanceof HttpError) return e;
  }
  return undefined;
}

/** The failed check as the endpoint answered it: HTML, a status, no answer at all. */
function describeOther(err: unknown, secrets: KnownSecrets): string {
  const cause = httpCause(err);
  const text = (m: string): string => printable(secrets.scrub(m)).slice(0, 300);
  if (!cause) return text(err instanceof Error ? err.message : String(err));
  if (cause.status === undefined) return `no answer (${cause.code ?? 'network error'}): ${text(cause.message)}`;
  const isHtml = typeof cause.data === 'string' && /^\s*</.test(cause.data);
  const html = isHtml ? ' with an HTML page, not an OAuth error' : '';
  const oauth = err instanceof CredentialError && err.oauthError ? ` ${err.oauthError}` : '';
  return `${cause.status}${oauth}${html}${cause.detail && !html ? `: ${text(cause.detail)}` : ''}`;
}

/** Where the made-up code was "sent": a reserved name (RFC 2606) no client registers. */
const CHECK_REDIRECT_URI = 'https://tgate-check.invalid/callback';

/** One authorization_code grant with a code that cannot exist, classified. Never throws for an answer. */
export async function checkClientPair(input: PairCheckInput): Promise<PairCheck> {
  const { tokenUrl, clientId, clientSecret } = input;
  const secrets = new KnownSecrets([clientSecret]);
  const http = new HttpClient({
    service: 'the T-Gate token endpoint',
    timeoutMs: input.timeoutMs ?? 20_000,
    policy: { maxAttempts: 1 },
    secrets,
  });
  const profile = input.basicEncoding ? { ...TGATE_PROFILE, basicEncoding: input.basicEncoding } : TGATE_PROFILE;
  // 32 random hex characters under our own prefix: no server has issued it, so nothing is used up.
  const code = `tgate-check-${crypto.randomBytes(16).toString('hex')}`;
  try {
    const grant = { type: 'authorization_code' as const, code, redirectUri: CHECK_REDIRECT_URI };
    await requestToken(http, { tokenUrl, profile, client: { clientId, clientSecret }, grant });
    const answered = '200 with tokens for a code that cannot exist: not an OAuth2 token endpoint as T-Gate runs it';
    return { verdict: 'unknown', tokenUrl, status: 200, answered };
  } catch (err) {
    const status = httpCause(err)?.status;
    const said = `${status ?? '?'}`;
    if (isInvalidGrant(err)) {
      return { verdict: 'accepted', tokenUrl, status, oauthError: 'invalid_grant', answered: `${said} invalid_grant` };
    }
    const wrongClient =
      err instanceof OAuthClientMisconfiguredError &&
      (err.oauthError === 'invalid_client' || (status === 401 && !err.oauthError));
    if (wrongClient) {
      const { oauthError } = err;
      const answered = `${said}${oauthError ? ` ${oauthError}` : ''}`;
      return { verdict: 'refused', tokenUrl, status, oauthError, answered };
    }
    const oauthError = err instanceof CredentialError ? err.oauthError : undefined;
    return { verdict: 'unknown', tokenUrl, status, oauthError, answered: describeOther(err, secrets) };
  }
}

/** The check's outcome in one sentence. */
export function pairSentence(clientId: string, check: PairCheck): string {
  const who = `client ${printable(clientId)}`;
  switch (check.verdict) {
    case 'accepted':
      return (
        `accepted: ${check.tokenUrl} authenticated ${who}: it answered ${check.answered} to a code that cannot ` +
        'exist, which it only does when the client id and secret are right'
      );
    case 'refused':
      return (
        `refused: ${check.tokenUrl} does not accept ${who} with this secret: it answered ${check.answered}. ` +
        "Copy the client id and secret again from the app's OAuth Management page in T-Gate"
      );
    default:
      return (
        `unknown: could not tell whether ${check.tokenUrl} accepts ${who}: ` +
        `${check.status !== undefined ? 'it answered ' : ''}${check.answered}. ` +
        'Check the token URL (--environment, --token-url or TGATE_TOKEN_URI) and the network'
      );
  }
}

export interface CheckTargetOptions {
  environment?: string;
  tokenUrl?: string;
}

/** The token URL: --token-url, else --environment's, else TGATE_TOKEN_URI, else the company environment's. */
export function checkTokenUrl(opts: CheckTargetOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.environment !== undefined && opts.tokenUrl !== undefined) {
    throw new UsageError('give --environment or --token-url, not both');
  }
  if (opts.tokenUrl !== undefined) return httpUrl('--token-url', opts.tokenUrl.trim());
  const fromEnv = env.TGATE_TOKEN_URI?.trim();
  if (opts.environment === undefined && fromEnv) return httpUrl('TGATE_TOKEN_URI', fromEnv);
  return TGATE_ENVIRONMENTS[(opts.environment ?? 'company') as TGateEnvironmentName].tokenUrl;
}

function targetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--environment <name>', 'T-Gate environment whose token endpoint to ask (default: company)').choices(
        Object.keys(TGATE_ENVIRONMENTS),
      ),
    )
    .option('--token-url <url>', 'the token endpoint to ask instead (else TGATE_TOKEN_URI)');
}

export interface CheckOnWriteOptions extends CheckTargetOptions {
  check?: boolean;
}

/** `--check` (and where to check) for `create` and `update`. */
export function checkOnWriteOptions(cmd: Command): Command {
  return targetOptions(
    cmd.option(
      '--check',
      "check the client id and secret at T-Gate's token endpoint first; store only if it accepts them",
    ),
  );
}

/** The token URL to check against, or undefined without --check; a usage error for a target without --check. */
export function checkOnWriteUrl(opts: CheckOnWriteOptions): string | undefined {
  if (!opts.check) {
    if (opts.environment !== undefined || opts.tokenUrl !== undefined) {
      throw new UsageError('--environment and --token-url go with --check');
    }
    return undefined;
  }
  return checkTokenUrl(opts);
}

type Pair = { clientId: string; clientSecret: string };

/** Checks the pair about to be stored; throws (exit 1) unless T-Gate accepts it, saying nothing was stored. */
export async function checkBeforeStore(tokenUrl: string | undefined, pair: Pair): Promise<void> {
  if (tokenUrl === undefined) return;
  const check = await checkClientPair({ tokenUrl, ...pair });
  if (check.verdict === 'accepted') {
    process.stderr.write(`tgate: checked: ${pairSentence(pair.clientId, check)}\n`);
    return;
  }
  const anyway = check.verdict === 'unknown' ? '; run without --check to store it anyway' : '';
  throw new Error(`nothing stored: ${pairSentence(pair.clientId, check)}${anyway}`);
}

/** For update: the pair as it will be stored, the parts not changed read from the platform first. */
export async function checkBeforeUpdate(
  tokenUrl: string | undefined,
  change: Partial<Pair>,
  current: () => Promise<Pair>,
): Promise<void> {
  if (tokenUrl === undefined) return;
  const stored = change.clientId === undefined || change.clientSecret === undefined ? await current() : undefined;
  await checkBeforeStore(tokenUrl, {
    clientId: change.clientId ?? stored!.clientId,
    clientSecret: change.clientSecret ?? stored!.clientSecret,
  });
}

/** The secret: --client-secret-stdin or --client-secret-file, else TGATE_CLIENT_SECRET, else stdin. */
async function secretForCheck(opts: WriteOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const source = secretSource(opts);
  if (source) return readSecret(source);
  const fromEnv = env.TGATE_CLIENT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return checkedSecret(fromEnv, 'TGATE_CLIENT_SECRET');
  return readSecret({ kind: 'stdin' });
}

const CHECK_HELP = `
How it checks:
  One POST to the token endpoint: an authorization_code grant with a code that cannot exist, the
  client id and secret in HTTP Basic (Doorkeeper checks this grant's client before its code).
  invalid_grant: the client authenticated (accepted, exit 0).
  invalid_client: the id or secret is wrong (refused, exit 1). Anything else (unreachable, an HTML
  page, 5xx) is printed as it came (unknown, exit 1). No user, credential or token is involved.
  The secret: --client-secret-stdin, --client-secret-file PATH, else TGATE_CLIENT_SECRET, else stdin
  (asked for without echo on a terminal). Never an argument, never printed.

Exit codes:
  0    accepted
  1    refused, or unknown (the answer says why)
  2    usage error

Example:
  printf %s "$SECRET" | tgate oauth-clients check --client-id my-app --environment company-sandbox`;

interface CheckCommandOptions extends WriteOptions, CheckTargetOptions {}

/** `tgate oauth-clients check`, added to the `oauth-clients` group. */
export function registerOauthClientCheck(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'oauth-clients');
  if (!group) throw new Error('register the oauth-clients group first');
  secretOptions(
    targetOptions(
      group
        .command('check')
        .description("check a client id and secret at T-Gate's token endpoint (no user, no credential touched)"),
    ),
  )
    .option('--client-id <id>', 'the OAuth client id (else TGATE_CLIENT_ID)')
    .option('--json', 'print {"verdict", "clientId", "tokenUrl", "status", "oauthError", "answered"} as JSON')
    .addOption(new Option('--client-secret [value]').hideHelp())
    .addHelpText('after', CHECK_HELP)
    .action(async (opts: CheckCommandOptions & { json?: boolean }) => {
      refuseSecretArguments(opts);
      const clientId = (opts.clientId ?? process.env.TGATE_CLIENT_ID ?? '').trim();
      if (!clientId) throw new UsageError('no client id: give --client-id ID or set TGATE_CLIENT_ID');
      if (clientId.includes(':')) {
        throw new UsageError('the client id contains ":", which HTTP Basic client authentication cannot carry');
      }
      const tokenUrl = checkTokenUrl(opts);
      const clientSecret = await secretForCheck(opts, process.env);
      const check = await checkClientPair({ tokenUrl, clientId, clientSecret });
      if (opts.json) process.stdout.write(`${JSON.stringify({ clientId, ...check })}\n`);
      else process.stdout.write(`${pairSentence(clientId, check)}\n`);
      if (check.verdict !== 'accepted') process.exitCode = EXIT_FAILED;
    });
}
