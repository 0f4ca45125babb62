/**
 * In-memory storage model for @node-oauth/oauth2-server: clients, authorization codes and tokens.
 *
 * All OAuth2 decisions (expiry, single use, rotation, redirect_uri checks) are taken by oauth2-server;
 * this model only stores, finds and deletes. Deleting is how revocation works: a revoked code or
 * token is simply not found any more, which oauth2-server answers with invalid_grant / invalid_token.
 */
import { timingSafeEqual, createHash } from 'crypto';
import OAuth2Server = require('@node-oauth/oauth2-server');
import { SandboxClient } from './types';

/** The grants T-Gate documents: 'authorization_code' (first token) and 'refresh_token'. */
export const SUPPORTED_GRANTS = ['authorization_code', 'refresh_token'] as const;

/** The company portal user who approves every grant request in the sandbox. */
export const SANDBOX_COMPANY_USER = Object.freeze({
  id: 'sandbox-company-user',
  companyId: 1,
  name: 'Sandbox Company',
});

interface StoredCode {
  authorizationCode: string;
  expiresAt: Date;
  redirectUri: string;
  scope?: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  clientId: string;
  user: OAuth2Server.User;
}

interface StoredToken {
  accessToken: string;
  /** Grace mode: the refresh token this pair replaced, revoked when this access token is first used. */
  previousRefreshToken?: string;
  accessTokenExpiresAt: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  scope?: string[];
  clientId: string;
  user: OAuth2Server.User;
  createdAt: Date;
}

/** What saveToken() hands back to oauth2-server (and what oauth.token() resolves with). */
export interface SavedToken extends OAuth2Server.Token {
  accessTokenExpiresAt: Date;
  createdAt: Date;
}

/** Refuse client registrations that could never authenticate through HTTP Basic + oauth2-server. */
export function validateClient(client: SandboxClient): void {
  if (!client || typeof client !== 'object') {
    throw new TypeError('sandbox client must be an object {clientId, clientSecret, redirectUris}');
  }
  const printable = /^[\x20-\x7E]+$/; // RFC 6749 VSCHAR, which oauth2-server enforces on credentials
  if (typeof client.clientId !== 'string' || !printable.test(client.clientId)) {
    throw new TypeError('sandbox client: clientId must be a non-empty string of printable ASCII characters');
  }
  if (client.clientId.includes(':')) {
    // HTTP Basic splits user and password at the first ':'.
    throw new TypeError('sandbox client: clientId must not contain ":"');
  }
  if (typeof client.clientSecret !== 'string' || !printable.test(client.clientSecret)) {
    throw new TypeError(
      `sandbox client ${client.clientId}: clientSecret must be a non-empty string of printable ASCII characters`,
    );
  }
  if (!Array.isArray(client.redirectUris) || client.redirectUris.some((u) => typeof u !== 'string' || u === '')) {
    throw new TypeError(`sandbox client ${client.clientId}: redirectUris must be an array of non-empty strings`);
  }
}

/** Carries the refresh token being used from getRefreshToken through oauth2-server to saveToken (grace mode). */
const PREVIOUS_REFRESH_TOKEN = Symbol('previousRefreshToken');
type UserWithPrevious = OAuth2Server.User & { [PREVIOUS_REFRESH_TOKEN]?: string };

function sameSecret(expected: string, given: string): boolean {
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export class InMemoryModel implements OAuth2Server.AuthorizationCodeModel, OAuth2Server.RefreshTokenModel {
  private readonly clients = new Map<string, SandboxClient>();
  private readonly codes = new Map<string, StoredCode>();
  private readonly byAccessToken = new Map<string, StoredToken>();
  private readonly byRefreshToken = new Map<string, StoredToken>();

  /**
   * `refreshGrace`: Doorkeeper with its `previous_refresh_token` column. A refresh then leaves the old
   * pair alive until the new access token is first used, and a second refresh with the old refresh token
   * inside that window succeeds. Without it (the default here) the old pair dies at once.
   */
  constructor(
    private readonly accessTokenLifetimeSeconds: number,
    private readonly refreshGrace = false,
  ) {}

  addClient(client: SandboxClient): void {
    validateClient(client);
    this.clients.set(client.clientId, {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUris: [...client.redirectUris],
    });
  }

  hasClient(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  findClient(clientId: string): SandboxClient | undefined {
    return this.clients.get(clientId);
  }

  /** Delete every code and token of a client. */
  revokeAll(clientId: string): void {
    for (const [key, code] of this.codes) {
      if (code.clientId === clientId) this.codes.delete(key);
    }
    for (const [key, token] of this.byAccessToken) {
      if (token.clientId === clientId) this.byAccessToken.delete(key);
    }
    for (const [key, token] of this.byRefreshToken) {
      if (token.clientId === clientId) this.byRefreshToken.delete(key);
    }
  }

  private toClient(client: SandboxClient): OAuth2Server.Client {
    return { id: client.clientId, redirectUris: [...client.redirectUris], grants: [...SUPPORTED_GRANTS] };
  }

  private clientById(clientId: string): OAuth2Server.Client {
    const client = this.clients.get(clientId);
    // A token whose client was removed cannot exist (clients are never removed), but stay safe.
    return client ? this.toClient(client) : { id: clientId, redirectUris: [], grants: [] };
  }

  // --- oauth2-server model API -------------------------------------------------------------

  async getClient(clientId: string, clientSecret: string | null): Promise<OAuth2Server.Client | undefined> {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    // The authorize endpoint looks clients up by id only (clientSecret === null).
    if (clientSecret !== null && clientSecret !== undefined && !sameSecret(client.clientSecret, clientSecret)) {
      return undefined;
    }
    return this.toClient(client);
  }

  async saveAuthorizationCode(
    code: Pick<
      OAuth2Server.AuthorizationCode,
      'authorizationCode' | 'expiresAt' | 'redirectUri' | 'scope' | 'codeChallenge' | 'codeChallengeMethod'
    >,
    client: OAuth2Server.Client,
    user: OAuth2Server.User,
  ): Promise<OAuth2Server.AuthorizationCode> {
    const stored: StoredCode = {
      authorizationCode: code.authorizationCode,
      expiresAt: code.expiresAt,
      redirectUri: code.redirectUri,
      scope: code.scope,
      codeChallenge: code.codeChallenge,
      codeChallengeMethod: code.codeChallengeMethod,
      clientId: client.id,
      user,
    };
    this.codes.set(stored.authorizationCode, stored);
    return this.codeView(stored);
  }

  private codeView(stored: StoredCode): OAuth2Server.AuthorizationCode {
    const view: OAuth2Server.AuthorizationCode = {
      authorizationCode: stored.authorizationCode,
      expiresAt: stored.expiresAt,
      redirectUri: stored.redirectUri,
      scope: stored.scope,
      client: this.clientById(stored.clientId),
      user: stored.user,
    };
    if (stored.codeChallenge) {
      view.codeChallenge = stored.codeChallenge;
      view.codeChallengeMethod = stored.codeChallengeMethod;
    }
    return view;
  }

  async getAuthorizationCode(authorizationCode: string): Promise<OAuth2Server.AuthorizationCode | undefined> {
    const stored = this.codes.get(authorizationCode);
    return stored ? this.codeView(stored) : undefined;
  }

  /** A code's client and redirect_uri, without using it up. */
  peekAuthorizationCode(authorizationCode: string): { clientId: string; redirectUri: string } | undefined {
    const stored = this.codes.get(authorizationCode);
    return stored && { clientId: stored.clientId, redirectUri: stored.redirectUri };
  }

  async revokeAuthorizationCode(code: OAuth2Server.AuthorizationCode): Promise<boolean> {
    // Single use: the first exchange deletes the code; a concurrent second one finds nothing.
    return this.codes.delete(code.authorizationCode);
  }

  async saveToken(
    token: OAuth2Server.Token,
    client: OAuth2Server.Client,
    user: OAuth2Server.User,
  ): Promise<SavedToken> {
    if (!(token.accessTokenExpiresAt instanceof Date)) {
      throw new Error('sandbox model: access tokens must have an expiry');
    }
    // oauth2-server computed the expiry as "now + lifetime": derive the creation time from it so that
    // created_at + expires_in is exactly the expiry (Doorkeeper reports both from the stored row).
    const createdAt = new Date(token.accessTokenExpiresAt.getTime() - this.accessTokenLifetimeSeconds * 1000);
    const { [PREVIOUS_REFRESH_TOKEN]: previousRefreshToken, ...owner } = user as UserWithPrevious;
    user = owner;
    const stored: StoredToken = {
      accessToken: token.accessToken,
      ...(previousRefreshToken ? { previousRefreshToken } : {}),
      accessTokenExpiresAt: token.accessTokenExpiresAt,
      refreshToken: token.refreshToken,
      refreshTokenExpiresAt: token.refreshTokenExpiresAt,
      scope: token.scope,
      clientId: client.id,
      user,
      createdAt,
    };
    this.byAccessToken.set(stored.accessToken, stored);
    if (stored.refreshToken) this.byRefreshToken.set(stored.refreshToken, stored);
    return this.tokenView(stored);
  }

  private tokenView(stored: StoredToken): SavedToken {
    const view: SavedToken = {
      accessToken: stored.accessToken,
      accessTokenExpiresAt: stored.accessTokenExpiresAt,
      client: this.clientById(stored.clientId),
      user: stored.user,
      createdAt: stored.createdAt,
    };
    if (stored.refreshToken) {
      view.refreshToken = stored.refreshToken;
      view.refreshTokenExpiresAt = stored.refreshTokenExpiresAt;
    }
    if (stored.scope) view.scope = stored.scope;
    return view;
  }

  async getAccessToken(accessToken: string): Promise<OAuth2Server.Token | undefined> {
    const stored = this.byAccessToken.get(accessToken);
    if (stored?.previousRefreshToken) {
      // Doorkeeper (OAuth::Token.authenticate, revoke_previous_refresh_token!): first use ends the grace.
      this.revokePair(stored.previousRefreshToken);
      delete stored.previousRefreshToken;
    }
    return stored ? this.tokenView(stored) : undefined;
  }

  async getRefreshToken(refreshToken: string): Promise<OAuth2Server.RefreshToken | undefined> {
    const stored = this.byRefreshToken.get(refreshToken);
    if (!stored || !stored.refreshToken) return undefined;
    return {
      refreshToken: stored.refreshToken,
      refreshTokenExpiresAt: stored.refreshTokenExpiresAt,
      scope: stored.scope,
      client: this.clientById(stored.clientId),
      user: this.refreshGrace ? { ...stored.user, [PREVIOUS_REFRESH_TOKEN]: stored.refreshToken } : stored.user,
    };
  }

  /**
   * Rotation: oauth2-server calls this with the refresh token being used, before issuing the new pair.
   * Like Doorkeeper (access and refresh token are one row there), the old access token dies with it.
   */
  async revokeToken(token: OAuth2Server.RefreshToken | OAuth2Server.Token): Promise<boolean> {
    if (!token.refreshToken || !this.byRefreshToken.has(token.refreshToken)) return false;
    // Grace mode: the old pair lives on until the new access token is used (getAccessToken).
    if (!this.refreshGrace) this.revokePair(token.refreshToken);
    return true;
  }

  private revokePair(refreshToken: string): void {
    const stored = this.byRefreshToken.get(refreshToken);
    if (!stored) return;
    this.byRefreshToken.delete(refreshToken);
    this.byAccessToken.delete(stored.accessToken);
  }
}
