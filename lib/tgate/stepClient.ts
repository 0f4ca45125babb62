import {
  checkLimit,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  HttpClient,
  KnownSecrets,
  Logger,
  MAX_TIMEOUT_MS,
  RetryPolicy,
} from '../http';
import { clientMisconfigured, KeyPersistence, TGATE_PROFILE, TokenSession } from '../auth';
import { ConfigurationError, ReconnectRequiredError } from '../errors';
import { TGateClient } from './client';
import { DEFAULT_MAX_PAGES } from './paging';
import { CREDENTIAL_FIELDS, resolveEndpoints } from './environments';

/** The parts of the sailor's `this` (TaskExec or ServiceExec) the component uses. */
export interface SailorContext {
  emit?: (event: string, ...args: unknown[]) => unknown;
  logger?: Logger & { error?(message: string): void };
  getApiClient?: () => PlatformAccounts;
}

interface PlatformAccounts {
  accounts: {
    retrieve(id: string): Promise<unknown>;
    update(id: string, body: { keys: Record<string, unknown> }): Promise<unknown>;
  };
}

export interface Cfg {
  _account?: string;
  environment?: string;
  oauth?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  /** Time is the only thing tests replace. */
  sleep?: (ms: number) => Promise<void>;
  policy?: Partial<RetryPolicy>;
  /** The set that collects the values to scrub (the step scaffold's, which scrubs every failure with it). */
  secrets?: KnownSecrets;
}

/**
 * Where the tenant's OAuth client reaches a step. The platform sets it as environment variables at each
 * execution (its v3.14 release notes) without publishing the names; every elastic.io component that
 * adopted `useOAuthClient` reads OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET. The TGATE_ names are accepted
 * for local runs made before the rename.
 */
export const OAUTH_CLIENT_ENV = {
  id: ['OAUTH_CLIENT_ID', 'TGATE_CLIENT_ID'],
  secret: ['OAUTH_CLIENT_SECRET', 'TGATE_CLIENT_SECRET'],
} as const;

const firstSet = (env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined =>
  names.map((n) => env[n]?.trim()).find((v) => v !== undefined && v !== '');

/** The client id and secret as the environment holds them (either may be missing). */
export function oauthClientValues(env: NodeJS.ProcessEnv = process.env): { clientId?: string; clientSecret?: string } {
  return { clientId: firstSet(env, OAUTH_CLIENT_ENV.id), clientSecret: firstSet(env, OAUTH_CLIENT_ENV.secret) };
}

/** The tenant's OAuth client, which the platform puts in the step's environment at each execution. */
function oauthClientFromEnv(env: NodeJS.ProcessEnv = process.env): { clientId: string; clientSecret: string } {
  const { clientId, clientSecret } = oauthClientValues(env);
  const missing = [!clientId && 'OAUTH_CLIENT_ID', !clientSecret && 'OAUTH_CLIENT_SECRET'].filter(Boolean);
  if (missing.length) {
    const verb = missing.length > 1 ? 'are' : 'is';
    throw clientMisconfigured(
      'T-Gate',
      `${missing.join(' and ')} ${verb} not set (nor TGATE_CLIENT_ID / TGATE_CLIENT_SECRET, ` +
        'their names for local runs); the tenant needs an OAuth client for this component (tgate oauth-clients create)',
    );
  }
  return { clientId: clientId as string, clientSecret: clientSecret as string };
}

/** The credential's own keys out of a cfg that also holds step fields. */
export function credentialKeys(cfg: Cfg): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const field of CREDENTIAL_FIELDS) if (cfg[field] !== undefined) keys[field] = cfg[field];
  return keys;
}

/**
 * A whole number from the environment within [1, max], or the default when unset; anything else is
 * refused, naming the variable.
 */
function limitFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  try {
    return checkLimit(name, value, max, unit);
  } catch {
    throw new ConfigurationError(
      name,
      `The component's environment variable ${name} must be a whole number ` +
        `of ${unit} from 1 to ${max}, got "${raw.slice(0, 40)}": correct it, or remove it to use the default`,
    );
  }
}

function httpClient(logger: Logger | undefined, options: ConnectOptions, secrets: KnownSecrets): HttpClient {
  const env = options.env ?? process.env;
  return new HttpClient({
    service: 'T-Gate',
    timeoutMs: limitFromEnv(env, 'TGATE_HTTP_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, 'milliseconds'),
    maxResponseBytes: limitFromEnv(env, 'TGATE_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1024 ** 3, 'bytes'),
    policy: { maxAttempts: limitFromEnv(env, 'TGATE_RETRY_MAX_ATTEMPTS', 5, 20, 'attempts'), ...options.policy },
    userAgent: 'tgate-component',
    logger,
    sleep: options.sleep,
    secrets,
  });
}

function build(ctx: SailorContext, cfg: Cfg, persistence: KeyPersistence, options: ConnectOptions): TGateClient {
  const env = options.env ?? process.env;
  if (!cfg || typeof cfg !== 'object' || !cfg.oauth || typeof cfg.oauth !== 'object') {
    throw new ReconnectRequiredError(
      'The T-Gate credential has no OAuth tokens (field "oauth"): open the credential and authenticate with T-Gate',
    );
  }
  const endpoints = resolveEndpoints(cfg.environment, env);
  const client = oauthClientFromEnv(env);
  const tokens = cfg.oauth as { access_token?: string; refresh_token?: string };
  // Every value that must never reach a message: the session adds the tokens it gets later.
  const secrets = (options.secrets ?? new KnownSecrets()).add(
    client.clientId,
    client.clientSecret,
    tokens.access_token,
    tokens.refresh_token,
  );
  const http = httpClient(ctx.logger, options, secrets);
  const session = new TokenSession({
    credentialId: cfg._account,
    keys: credentialKeys(cfg),
    profile: TGATE_PROFILE,
    tokenUrl: endpoints.tokenUrl,
    client,
    http,
    persistence,
    logger: ctx.logger,
    secrets,
    sleep: options.sleep,
  });
  const maxPages = limitFromEnv(env, 'TGATE_MAX_PAGES', DEFAULT_MAX_PAGES, 1_000_000, 'pages');
  return new TGateClient({ apiBaseUrl: endpoints.apiBaseUrl, session, http, logger: ctx.logger, maxPages });
}

function loadFromPlatform(ctx: SailorContext, account: string | undefined): KeyPersistence['load'] {
  if (!account || typeof ctx.getApiClient !== 'function') return undefined;
  return async () => {
    const res = await (ctx as Required<Pick<SailorContext, 'getApiClient'>>).getApiClient().accounts.retrieve(account);
    const body = res as { keys?: unknown; data?: { attributes?: { keys?: unknown } } } | undefined;
    const keys = body?.keys ?? body?.data?.attributes?.keys;
    return keys && typeof keys === 'object' ? (keys as Record<string, unknown>) : undefined;
  };
}

/**
 * For triggers and actions (`this` is the sailor's TaskExec): new tokens are saved with
 * `updateKeys`, which the sailor turns into PUT /v1/accounts/{cfg._account}.
 */
export function connectForStep(ctx: SailorContext, cfg: Cfg, options: ConnectOptions = {}): TGateClient {
  const account = cfg?._account;
  const persistence: KeyPersistence = {
    save:
      account && typeof ctx.emit === 'function'
        ? async (keys) => {
            await (ctx.emit as NonNullable<SailorContext['emit']>)('updateKeys', keys);
          }
        : undefined,
    whyNoSave: 'the step has no credential id (cfg._account)',
    load: loadFromPlatform(ctx, account),
  };
  return build(ctx, cfg, persistence, options);
}

/**
 * For verifyCredentials (`this` is the sailor's ServiceExec, where nothing listens for updateKeys):
 * new tokens are saved straight through the platform API. A credential not saved yet has no id, so
 * its tokens cannot be saved: the session then refuses to refresh rather than burn the refresh token.
 */
export function connectForVerification(ctx: SailorContext, cfg: Cfg, options: ConnectOptions = {}): TGateClient {
  const account = cfg?._account;
  const api =
    typeof ctx.getApiClient === 'function'
      ? () => (ctx as Required<Pick<SailorContext, 'getApiClient'>>).getApiClient()
      : undefined;
  const persistence: KeyPersistence = {
    save:
      account && api
        ? async (keys) => {
            await api().accounts.update(account, { keys });
          }
        : undefined,
    // The process ends after answering: tokens it could not save would be lost with it.
    mustSave: true,
    whyNoSave: account
      ? 'no platform API client in this context'
      : 'the credential is not saved yet, so it has no id to save new tokens under',
    load: loadFromPlatform(ctx, account),
  };
  return build(ctx, cfg, persistence, options);
}
