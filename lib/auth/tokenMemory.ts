import { fingerprint, OAuthKeys } from './keys';

interface Entry {
  keys: OAuthKeys;
  /** Fingerprints of every token pair this process has seen for the credential. */
  known: Set<string>;
}

/**
 * The newest tokens of each credential in this process. The sailor hands every message the cfg it
 * read at start-up, so after a rotation the cfg carries a dead refresh token: memory must win over it,
 * unless the cfg brings tokens this process has never seen (the credential was reconnected).
 */
export class TokenMemory {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<OAuthKeys>>();
  /** Refresh tokens the provider answered invalid_grant to: never sent again (no retry storms). */
  private readonly deadRefreshTokens = new Set<string>();
  /** Access tokens this process got from the token endpoint itself (not from a stored credential). */
  private readonly issuedHere = new Set<string>();

  resolve(credentialId: string, fromCfg: OAuthKeys): OAuthKeys {
    const tag = fingerprint(fromCfg);
    const entry = this.entries.get(credentialId);
    if (!entry) {
      this.entries.set(credentialId, { keys: fromCfg, known: new Set([tag]) });
      return fromCfg;
    }
    if (!entry.known.has(tag)) {
      entry.known.add(tag);
      entry.keys = fromCfg;
    }
    return entry.keys;
  }

  current(credentialId: string): OAuthKeys | undefined {
    return this.entries.get(credentialId)?.keys;
  }

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

  /** Drops what this process knows (one credential, or all): a fresh container. */
  forget(credentialId?: string): void {
    if (credentialId === undefined) {
      this.entries.clear();
      this.deadRefreshTokens.clear();
      this.issuedHere.clear();
    } else {
      this.entries.delete(credentialId);
      for (const set of [this.deadRefreshTokens, this.issuedHere]) {
        for (const key of set) if (key.startsWith(`${credentialId}\n`)) set.delete(key);
      }
    }
  }
}

/** One per process: every message of every step in this container shares it. */
export const tokenMemory = new TokenMemory();
