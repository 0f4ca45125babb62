import crypto from 'node:crypto';
import { HttpClient, Logger, safeMessage } from '../http';
import { AuthError, reconnectRequired } from './errors';
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
}

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

  constructor(private readonly options: TokenSessionOptions) {
    this.field = options.oauthField ?? 'oauth';
    this.memory = options.memory ?? tokenMemory;
    this.skewMs = options.skewMs ?? DEFAULT_EXPIRY_SKEW_MS;
    this.credentialId = options.credentialId ?? anonymousId(this.cfgTokens());
    this.memory.resolve(this.credentialId, this.cfgTokens());
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

  private async refresh(staleToken: string | undefined, rejected = false): Promise<OAuthKeys> {
    // Another caller may have finished a refresh between our check and getting the flight.
    const latest = this.currentKeys();
    if (latest.access_token && latest.access_token !== staleToken && !needsRefresh(latest, Date.now(), this.skewMs)) return latest;
    const reason = rejected ? 'the API rejected the access token' : latest.access_token ? 'the access token expired or is about to' : 'there is no access token';
    const grant = this.grantFor(latest);
    if (grant.type === 'refresh_token' && this.memory.isRefreshTokenDead(this.credentialId, grant.refreshToken)) {
      // Already refused once in this process: do not ask again, only look for newer stored tokens.
      return this.recoverFromStoredKeys(grant.refreshToken,
        reconnectRequired(this.provider, 'the refresh token was already rejected (invalid_grant)', { oauthError: 'invalid_grant' }));
    }
    this.options.logger?.info?.(`${this.provider} credential ${this.credentialId}: ${reason}; requesting a new one (${grant.type})`);
    try {
      return await this.requestAndKeep(latest, grant);
    } catch (err) {
      if (err instanceof AuthError && err.oauthError === 'invalid_grant' && grant.type === 'refresh_token') {
        this.memory.markRefreshTokenDead(this.credentialId, grant.refreshToken);
        return this.recoverFromStoredKeys(grant.refreshToken, err);
      }
      throw err;
    }
  }

  private grantFor(keys: OAuthKeys): Grant {
    const { profile, persistence } = this.options;
    if (keys.refresh_token && profile.grants.includes('refresh_token')) {
      if (profile.rotatesRefreshTokens && !persistence.save) {
        // Refreshing here would rotate the stored refresh token into one nobody can save: the credential would die.
        throw reconnectRequired(this.provider,
          `the access token has expired and a refreshed token could not be saved (${persistence.whyNoSave ?? 'no place to save it'}), so the refresh was not attempted, to keep the stored refresh token valid`);
      }
      return { type: 'refresh_token', refreshToken: keys.refresh_token };
    }
    if (profile.grants.includes('client_credentials')) return { type: 'client_credentials' };
    throw reconnectRequired(this.provider, keys.refresh_token
      ? 'the provider does not support refreshing access tokens and the access token has expired'
      : 'the credential holds no refresh token');
  }

  private async requestAndKeep(previous: OAuthKeys, grant: Grant): Promise<OAuthKeys> {
    const { http, profile, tokenUrl, client } = this.options;
    const sentAt = Date.now();
    const response = await requestToken(http, { tokenUrl, profile, client, grant });
    const merged = mergeTokenResponse(previous, response, sentAt);
    // Memory first: even if saving fails, this process keeps the only live refresh token.
    this.memory.remember(this.credentialId, merged);
    await this.persist(merged);
    return merged;
  }

  private async persist(tokens: OAuthKeys): Promise<void> {
    const { persistence, keys } = this.options;
    if (!persistence.save) return;
    try {
      await persistence.save({ ...keys, [this.field]: tokens });
    } catch (err) {
      this.options.logger?.warn?.(
        `${this.provider} credential ${this.credentialId}: the new tokens could not be saved (${safeMessage(err)}); this process keeps using them`,
      );
    }
  }

  /**
   * invalid_grant on refresh: maybe another container rotated the refresh token and saved the new one.
   * Read the stored credential once; use its tokens when they are newer, else the user must reconnect.
   */
  private async recoverFromStoredKeys(usedRefreshToken: string, original: AuthError): Promise<OAuthKeys> {
    const { persistence } = this.options;
    if (!persistence.load) throw original;
    let stored: OAuthKeys | undefined;
    try {
      const keys = await persistence.load();
      const tokens = keys?.[this.field];
      stored = tokens && typeof tokens === 'object' ? (tokens as OAuthKeys) : undefined;
    } catch (err) {
      this.options.logger?.warn?.(`${this.provider} credential ${this.credentialId}: could not re-read the stored credential (${safeMessage(err)})`);
      throw original;
    }
    if (!stored?.refresh_token || stored.refresh_token === usedRefreshToken
      || this.memory.isRefreshTokenDead(this.credentialId, stored.refresh_token)) throw original;
    this.options.logger?.info?.(`${this.provider} credential ${this.credentialId}: the stored credential holds newer tokens (another process refreshed them, or the credential was reconnected); using them`);
    this.memory.remember(this.credentialId, stored);
    if (!needsRefresh(stored, Date.now(), this.skewMs)) return stored;
    return this.requestAndKeep(stored, { type: 'refresh_token', refreshToken: stored.refresh_token });
  }
}

/** Memory key for a credential without an id (a credential being verified before it is saved). */
function anonymousId(tokens: OAuthKeys): string {
  const seed = tokens.refresh_token ?? tokens.access_token ?? crypto.randomUUID();
  return `unsaved:${crypto.createHash('sha256').update(seed).digest('hex').slice(0, 16)}`;
}
