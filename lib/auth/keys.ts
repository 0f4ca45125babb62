import crypto from 'node:crypto';

/** The token part of a credential, as the token endpoint returned it plus our absolute expiry. */
export interface OAuthKeys {
  access_token?: string;
  refresh_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  /** Epoch seconds (Doorkeeper, vcita). */
  created_at?: number;
  /** Ours: absolute expiry (ISO 8601), computed from expires_in and the time the request was sent. */
  expires_at?: string;
  [extra: string]: unknown;
}

/** Token lifetimes above this are treated as this: no timer, date or skew arithmetic can misbehave. */
const MAX_LIFETIME_MS = 50 * 365 * 24 * 3600 * 1000;
export const DEFAULT_EXPIRY_SKEW_MS = 5 * 60 * 1000;

function lifetimeMs(expiresIn: unknown): number | undefined {
  const seconds = typeof expiresIn === 'string' && expiresIn.trim() !== '' ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(seconds * 1000, MAX_LIFETIME_MS);
}

/** Absolute expiry in epoch ms, or undefined when the keys do not say. */
export function expiresAtMs(keys: OAuthKeys): number | undefined {
  if (typeof keys.expires_at === 'string' || typeof keys.expires_at === 'number') {
    const at = typeof keys.expires_at === 'number' ? keys.expires_at : Date.parse(keys.expires_at);
    if (Number.isFinite(at)) return at;
  }
  const life = lifetimeMs(keys.expires_in);
  const created = typeof keys.created_at === 'number' ? keys.created_at : Number(keys.created_at);
  if (life !== undefined && Number.isFinite(created) && created > 0) return created * 1000 + life;
  return undefined;
}

/**
 * True when the access token is missing, expired, or inside the skew window. The window is at most
 * half the token's lifetime, so a short-lived token is not refreshed on every call (no refresh storm).
 * Unknown expiry counts as valid: a 401 then triggers one refresh.
 */
export function needsRefresh(
  keys: OAuthKeys,
  now: number = Date.now(),
  skewMs: number = DEFAULT_EXPIRY_SKEW_MS,
): boolean {
  if (!keys.access_token) return true;
  const at = expiresAtMs(keys);
  if (at === undefined) return false;
  const life = lifetimeMs(keys.expires_in);
  const window = life !== undefined ? Math.min(skewMs, life / 2) : skewMs;
  return now >= at - window;
}

/**
 * Merges a token response into the stored keys: the old refresh token survives when the response has
 * none (non-rotating providers), and the absolute expiry counts from when the request was sent.
 */
export function mergeTokenResponse(previous: OAuthKeys, response: OAuthKeys, requestSentAt: number): OAuthKeys {
  const merged: OAuthKeys = { ...previous, ...response };
  if (!response.refresh_token && previous.refresh_token) merged.refresh_token = previous.refresh_token;
  const life = lifetimeMs(response.expires_in);
  if (life !== undefined) merged.expires_at = new Date(requestSentAt + life).toISOString();
  else delete merged.expires_at;
  return merged;
}

/** A short, one-way tag of a token pair: lets memory recognise tokens without keeping a second copy. */
export function fingerprint(keys: OAuthKeys | undefined): string {
  return crypto
    .createHash('sha256')
    .update(`${keys?.access_token ?? ''}\n${keys?.refresh_token ?? ''}`)
    .digest('hex')
    .slice(0, 24);
}
