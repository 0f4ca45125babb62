import { fingerprint, OAuthKeys } from './keys';

interface Entry {
  keys: OAuthKeys;
  /** Fingerprints of every token pair this process has seen for the credential. */
  known: Set<string>;
}

/**
 * The newest tokens of each credential in this process. The sailor hands every message the cfg it
 * read at start-up, and the stored credential can lag behind (its save is slow or failed), so both may
 * carry tokens this process already rotated away from: memory wins over them, and is replaced only by
 * tokens this process has never seen (another container refreshed, or the credential was reconnected).
 */
export class TokenMemory {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<OAuthKeys>>();
  /** Refresh tokens the provider answered invalid_grant to: never sent again (no retry storms). */
  private readonly deadRefreshTokens = new Set<string>();
  /** Refresh tokens this process exchanged for a new one (rotation): never sent again, never adopted. */
  private readonly spentRefreshTokens = new Set<string>();
  /** Access tokens this process got from the token endpoint itself (not from a stored credential). */
  private readonly issuedHere = new Set<string>();

  /**
   * The tokens to use for a message whose cfg holds `fromCfg`: what memory holds, unless the cfg brings
   * tokens this process has never seen (see {@link isUnseen}).
   */
  resolve(credentialId: string, fromCfg: OAuthKeys): OAuthKeys {
    const entry = this.entries.get(credentialId);
    if (!entry) {
      this.entries.set(credentialId, { keys: fromCfg, known: new Set([fingerprint(fromCfg)]) });
      return fromCfg;
    }
    this.adopt(credentialId, fromCfg);
    return entry.keys;
  }

  current(credentialId: string): OAuthKeys | undefined {
    return this.entries.get(credentialId)?.keys;
  }

  /**
   * True for tokens this process has never held and whose refresh token it has neither spent nor seen
   * refused: another container refreshed, or the credential was reconnected. A stored credential that
   * lags behind this process (its save is late or failed) holds tokens this process rotated away from.
   */
  isUnseen(credentialId: string, keys: OAuthKeys | undefined): boolean {
    if (!keys?.access_token && !keys?.refresh_token) return false;
    if (this.entries.get(credentialId)?.known.has(fingerprint(keys))) return false;
    return !keys.refresh_token || !this.isRefreshTokenRetired(credentialId, keys.refresh_token);
  }

  /** Replaces memory with stored tokens only when they are unseen: memory only moves forward. */
  adopt(credentialId: string, keys: OAuthKeys): boolean {
    if (!this.isUnseen(credentialId, keys)) return false;
    this.remember(credentialId, keys);
    return true;
  }

  /** Tokens this process just got from the token endpoint (always newer than what it held). */
  remember(credentialId: string, keys: OAuthKeys): void {
    const entry = this.entries.get(credentialId);
    if (entry) {
      entry.keys = keys;
      entry.known.add(fingerprint(keys));
    } else {
      this.entries.set(credentialId, { keys, known: new Set([fingerprint(keys)]) });
    }
  }

  /**
   * Single flight: the first caller starts `work`; every caller for the same credential until it
   * settles gets the same promise. The map is filled before any await, so no second caller slips in.
   */
  singleFlight(credentialId: string, work: () => Promise<OAuthKeys>): Promise<OAuthKeys> {
    const running = this.inFlight.get(credentialId);
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(credentialId));
    this.inFlight.set(credentialId, started);
    return started;
  }

  markIssuedHere(credentialId: string, accessToken: string | undefined): void {
    if (accessToken) this.issuedHere.add(`${credentialId}\n${fingerprint({ access_token: accessToken })}`);
  }

  wasIssuedHere(credentialId: string, accessToken: string): boolean {
    return this.issuedHere.has(`${credentialId}\n${fingerprint({ access_token: accessToken })}`);
  }

  markRefreshTokenDead(credentialId: string, refreshToken: string): void {
    this.deadRefreshTokens.add(`${credentialId}\n${fingerprint({ refresh_token: refreshToken })}`);
  }

  isRefreshTokenDead(credentialId: string, refreshToken: string): boolean {
    return this.deadRefreshTokens.has(`${credentialId}\n${fingerprint({ refresh_token: refreshToken })}`);
  }

  markRefreshTokenSpent(credentialId: string, refreshToken: string): void {
    this.spentRefreshTokens.add(`${credentialId}\n${fingerprint({ refresh_token: refreshToken })}`);
  }

  isRefreshTokenSpent(credentialId: string, refreshToken: string): boolean {
    return this.spentRefreshTokens.has(`${credentialId}\n${fingerprint({ refresh_token: refreshToken })}`);
  }

  /** Spent or refused: either way, sending it again can only be refused. */
  isRefreshTokenRetired(credentialId: string, refreshToken: string): boolean {
    return this.isRefreshTokenDead(credentialId, refreshToken) || this.isRefreshTokenSpent(credentialId, refreshToken);
  }

  /** Drops what this process knows (one credential, or all): a fresh container. */
  forget(credentialId?: string): void {
    if (credentialId === undefined) {
      this.entries.clear();
      this.deadRefreshTokens.clear();
      this.spentRefreshTokens.clear();
      this.issuedHere.clear();
    } else {
      this.entries.delete(credentialId);
      for (const set of [this.deadRefreshTokens, this.spentRefreshTokens, this.issuedHere]) {
        for (const key of set) if (key.startsWith(`${credentialId}\n`)) set.delete(key);
      }
    }
  }
}

/** One per process: every message of every step in this container shares it. */
export const tokenMemory = new TokenMemory();
