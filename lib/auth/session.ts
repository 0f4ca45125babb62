import crypto from 'node:crypto';
import { HttpClient, KnownSecrets, Logger, sleep as realSleep } from '../http';
import { isInvalidGrant, reconnectRequired, ReconnectRequiredError } from './errors';
import { DEFAULT_EXPIRY_SKEW_MS, mergeTokenResponse, needsRefresh, OAuthKeys } from './keys';
import { ProviderProfile } from './profiles';
import { ClientCredentials, Grant, requestToken } from './tokenEndpoint';
import { TokenMemory, tokenMemory } from './tokenMemory';

/** Where a credential's keys live outside this process (the platform, a local file, nowhere). */
export interface KeyPersistence {
  /** Saves the whole keys object of the credential. Absent: the keys cannot be saved from here. */
  save?: (keys: Record<string, unknown>) => Promise<void>;
  /** Reads the stored keys: another container may have rotated the tokens first. */
  load?: () => Promise<Record<string, unknown> | undefined>;
  /** Says, for messages, why `save` is absent. */
  whyNoSave?: string;
  /**
   * The new tokens must be saved or the caller fails (verifyCredentials: its process ends right after,
   * so tokens it could not save are lost). Otherwise this process keeps using them and says so. In a
   * step `save` is the sailor's updateKeys, which never fails here: the sailor reports a failed save itself.
   */
  mustSave?: boolean;
}

/** How long a process that lost a refresh race waits for the winner's tokens to reach the stored credential. */
const DEFAULT_RECOVERY_WINDOW_MS = 6_000;
/** Attempts to save new tokens before giving up (a slow or failing platform API). */
const SAVE_ATTEMPTS = 3;

export interface TokenSessionOptions {
  /** Keys memory and single flight: `cfg._account` where there is one. */
  credentialId?: string;
  /** The credential's whole keys object as the caller got it (cfg); `oauthField` holds the tokens. */
  keys: Record<string, unknown>;
  oauthField?: string;
  profile: ProviderProfile;
  tokenUrl: string;
  client: ClientCredentials;
  http: HttpClient;
  persistence: KeyPersistence;
  logger?: Logger;
  skewMs?: number;
  memory?: TokenMemory;
  /** Secret values kept out of every message; the session adds each token it receives. */
  secrets?: KnownSecrets;
  /** See {@link DEFAULT_RECOVERY_WINDOW_MS}. */
  recoveryWindowMs?: number;
  /** Time is the only thing tests replace. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The token lifecycle of one credential: hands out a valid access token, refreshing when it is
 * missing, expired or near expiry, or after the API rejected it; one refresh per credential at a time;
 * rotation-safe persistence; recovery when another container rotated the token first.
 */
export class TokenSession {
  readonly credentialId: string;
  private readonly field: string;
  private readonly memory: TokenMemory;
  private readonly skewMs: number;
  private readonly secrets: KnownSecrets;
  private readonly sleep: (ms: number) => Promise<void>;
  /**
   * The stored credential's keys as last read (before a refresh). A save replaces the stored keys
   * entirely, so keys this process does not know (not in `options.keys`) are carried over from here.
   */
  private storedKeys: Record<string, unknown> = {};

  constructor(private readonly options: TokenSessionOptions) {
    this.field = options.oauthField ?? 'oauth';
    this.memory = options.memory ?? tokenMemory;
    this.skewMs = options.skewMs ?? DEFAULT_EXPIRY_SKEW_MS;
    this.secrets = options.secrets ?? new KnownSecrets();
    this.secrets.add(options.client.clientId, options.client.clientSecret);
    this.sleep = options.sleep ?? realSleep;
    this.credentialId = options.credentialId ?? anonymousId(this.cfgTokens());
    this.memory.resolve(this.credentialId, this.cfgTokens());
    this.learn(this.currentKeys());
  }

  private learn(tokens: OAuthKeys | undefined): void {
    this.secrets.add(tokens?.access_token, tokens?.refresh_token);
  }

  /** An error's message made safe for a log line: every known secret removed, length bounded. */
  private safe(err: unknown): string {
    const text = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown error';
    return this.secrets.scrub(text).slice(0, 300);
  }

  private cfgTokens(): OAuthKeys {
    const tokens = this.options.keys[this.field];
    return tokens && typeof tokens === 'object' ? (tokens as OAuthKeys) : {};
  }

  private get provider(): string {
    return this.options.profile.name;
  }

  /** The newest tokens this process holds for the credential. */
  currentKeys(): OAuthKeys {
    return this.memory.current(this.credentialId) ?? this.cfgTokens();
  }

  /** A valid access token, refreshing first when needed. */
  async accessToken(): Promise<string> {
    const keys = this.currentKeys();
    if (!needsRefresh(keys, Date.now(), this.skewMs)) return keys.access_token as string;
    const fresh = await this.memory.singleFlight(this.credentialId, () => this.refresh(keys.access_token));
    return fresh.access_token as string;
  }

  /**
   * The API answered 401 to `rejectedToken`: refresh once, unless another caller already replaced
   * that token, and return the token to retry with.
   */
  async accessTokenAfterRejection(rejectedToken: string): Promise<string> {
    const keys = this.currentKeys();
    if (keys.access_token && keys.access_token !== rejectedToken && !needsRefresh(keys, Date.now(), this.skewMs)) {
      return keys.access_token;
    }
    const fresh = await this.memory.singleFlight(this.credentialId, () => this.refresh(rejectedToken, true));
    return fresh.access_token as string;
  }

  /**
   * Whether this process got the access token from the token endpoint itself. A 401 on such a token is
   * final; a 401 on one read from the stored credential may only mean another container rotated it since.
   */
  issuedHere(accessToken: string): boolean {
    return this.memory.wasIssuedHere(this.credentialId, accessToken);
  }

  private async refresh(staleToken: string | undefined, rejected = false): Promise<OAuthKeys> {
    // Another caller may have finished a refresh between our check and getting the flight.
    const latest = this.currentKeys();
    if (latest.access_token && latest.access_token !== staleToken && !needsRefresh(latest, Date.now(), this.skewMs))
      return latest;
    const reason = rejected
      ? 'the API rejected the access token'
      : latest.access_token
        ? 'the access token expired or is about to'
        : 'there is no access token';
    const state = rejected
      ? `${this.provider} rejected the access token (401) before its stored expiry`
      : latest.access_token
        ? 'the access token has expired'
        : 'the credential holds no access token';
    const grant = this.grantFor(latest, state);
    if (grant.type === 'refresh_token' && this.memory.isRefreshTokenRetired(this.credentialId, grant.refreshToken)) {
      // Already refused once in this process (which then waited for newer tokens), or already exchanged
      // here: sending it again can only be refused. Only look once more for newer stored tokens.
      const why = this.memory.isRefreshTokenDead(this.credentialId, grant.refreshToken)
        ? 'the refresh token was already rejected (invalid_grant)'
        : 'the refresh token was already used';
      const refusal = reconnectRequired(this.provider, why, { oauthError: 'invalid_grant' });
      return this.recoverFromStoredKeys(grant.refreshToken, refusal, 0);
    }
    if (grant.type === 'refresh_token') {
      // Another container may have refreshed already: its saved tokens spare a request that would only
      // be refused (rotation) and would start a race. Tokens this process already held are not newer.
      const stored = await this.readStoredTokens();
      if (
        stored?.refresh_token &&
        stored.refresh_token !== grant.refreshToken &&
        stored.access_token !== staleToken &&
        !needsRefresh(stored, Date.now(), this.skewMs) &&
        this.memory.adopt(this.credentialId, stored)
      ) {
        this.learn(stored);
        return stored;
      }
    }
    this.options.logger?.info?.(
      `${this.provider} credential ${this.credentialId}: ${reason}; requesting a new one (${grant.type})`,
    );
    try {
      return await this.requestAndKeep(latest, grant);
    } catch (err) {
      if (isInvalidGrant(err) && grant.type === 'refresh_token') {
        this.memory.markRefreshTokenDead(this.credentialId, grant.refreshToken);
        return this.recoverFromStoredKeys(grant.refreshToken, err);
      }
      throw err;
    }
  }

  /** `state` says, for messages, why a new token is needed ("the access token has expired"). */
  private grantFor(keys: OAuthKeys, state: string): Grant {
    const { profile, persistence } = this.options;
    if (keys.refresh_token && profile.grants.includes('refresh_token')) {
      if (profile.rotatesRefreshTokens && !persistence.save) {
        // Refreshing here would rotate the stored refresh token into one nobody can save: the credential would die.
        throw reconnectRequired(
          this.provider,
          `${state} and a refreshed token could not be saved (${persistence.whyNoSave ?? 'no place to save it'}), ` +
            'so the refresh was not attempted, to keep the stored refresh token valid',
        );
      }
      return { type: 'refresh_token', refreshToken: keys.refresh_token };
    }
    if (profile.grants.includes('client_credentials')) return { type: 'client_credentials' };
    throw reconnectRequired(
      this.provider,
      keys.refresh_token
        ? `${state} and the provider does not support refreshing access tokens`
        : 'the credential holds no refresh token',
    );
  }

  private async requestAndKeep(previous: OAuthKeys, grant: Grant): Promise<OAuthKeys> {
    const { http, profile, tokenUrl, client } = this.options;
    const sentAt = Date.now();
    const response = await requestToken(http, { tokenUrl, profile, client, grant });
    const merged = mergeTokenResponse(previous, response, sentAt);
    if (grant.type === 'refresh_token' && merged.refresh_token !== grant.refreshToken) {
      // Rotated: the refresh token sent is spent, whatever happens to the save of its successor.
      this.memory.markRefreshTokenSpent(this.credentialId, grant.refreshToken);
    }
    this.learn(merged);
    this.memory.markIssuedHere(this.credentialId, merged.access_token);
    // Memory first: even if saving fails, this process keeps the only live refresh token.
    this.memory.remember(this.credentialId, merged);
    await this.persist(merged);
    return merged;
  }

  /**
   * Saves the whole keys object, retrying a failing save a few times (a slow or failing platform API).
   * Only saves the component makes itself can fail here; a step's updateKeys resolves either way.
   */
  private async persist(tokens: OAuthKeys): Promise<void> {
    const { persistence, keys } = this.options;
    if (!persistence.save) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt += 1) {
      try {
        await persistence.save({ ...this.storedKeys, ...keys, [this.field]: tokens });
        return;
      } catch (err) {
        lastError = err;
        if (attempt < SAVE_ATTEMPTS) await this.sleep(500 * attempt);
      }
    }
    const why =
      `${this.provider} issued new tokens, ` +
      `but saving them to the credential failed ${SAVE_ATTEMPTS} times (${this.safe(lastError)})`;
    if (persistence.mustSave) {
      throw reconnectRequired(
        this.provider,
        `${why}. ${this.provider} has retired the previous refresh token, ` +
          'so the credential as stored no longer works. If the platform API is failing, wait until it works again',
      );
    }
    this.options.logger?.warn?.(
      `${this.provider} credential ${this.credentialId}: ${why}; this process keeps using them`,
    );
  }

  private async readStoredTokens(): Promise<OAuthKeys | undefined> {
    try {
      const keys = await this.options.persistence.load?.();
      if (keys && typeof keys === 'object' && !Array.isArray(keys)) this.storedKeys = keys;
      const tokens = keys?.[this.field];
      return tokens && typeof tokens === 'object' ? (tokens as OAuthKeys) : undefined;
    } catch (err) {
      this.options.logger?.warn?.(
        `${this.provider} credential ${this.credentialId}: could not re-read the stored credential (${this.safe(err)})`,
      );
      return undefined;
    }
  }

  /**
   * invalid_grant on refresh: most often another container refreshed first with the same refresh token,
   * and its save (PUT /v1/accounts) may not have landed yet. Re-read the stored credential with backoff
   * over a bounded window until it holds a refresh token other than the refused ones; use those tokens
   * (refreshing them if needed). Only when the window passes does the user have to reconnect.
   */
  private async recoverFromStoredKeys(
    refusedRefreshToken: string,
    original: ReconnectRequiredError,
    windowMs = this.options.recoveryWindowMs ?? DEFAULT_RECOVERY_WINDOW_MS,
  ): Promise<OAuthKeys> {
    if (!this.options.persistence.load) throw original;
    // Counted in time slept, not by the clock: bounded even where tests freeze Date.
    let waited = 0;
    let lastRefusal = original;
    let refused = refusedRefreshToken;
    for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
      const stored = await this.readStoredTokens();
      this.learn(stored);
      if (stored?.refresh_token && stored.refresh_token !== refused && this.memory.adopt(this.credentialId, stored)) {
        this.options.logger?.info?.(
          `${this.provider} credential ${this.credentialId}: the stored credential holds newer tokens ` +
            '(another process refreshed them, or the credential was reconnected); using them',
        );
        // Not expired is enough here: refreshing early, as every racing process would, only starts the race again.
        if (!needsRefresh(stored, Date.now(), 0)) return stored;
        try {
          return await this.requestAndKeep(stored, { type: 'refresh_token', refreshToken: stored.refresh_token });
        } catch (err) {
          if (!isInvalidGrant(err)) throw err;
          // A third process won this round too: wait for its tokens in turn.
          this.memory.markRefreshTokenDead(this.credentialId, stored.refresh_token);
          refused = stored.refresh_token;
          lastRefusal = err;
        }
      }
      const wait = Math.min(delay, windowMs - waited);
      if (wait <= 0) throw lastRefusal;
      waited += wait;
      await this.sleep(wait);
    }
  }
}

/** Memory key for a credential without an id (a credential being verified before it is saved). */
function anonymousId(tokens: OAuthKeys): string {
  const seed = tokens.refresh_token ?? tokens.access_token ?? crypto.randomUUID();
  return `unsaved:${crypto.createHash('sha256').update(seed).digest('hex').slice(0, 16)}`;
}
