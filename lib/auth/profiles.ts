export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/**
 * How one provider's token endpoint wants to be spoken to. Data, not code: the token lifecycle reads
 * it, so a new provider is a new profile rather than a new branch in the logic.
 */
export interface ProviderProfile {
  name: string;
  /** `basic`: client id and secret in an HTTP Basic header (RFC 6749 2.3.1); `body`: in the request body. */
  clientAuth: 'basic' | 'body';
  /**
   * How id and secret go into a Basic header. `raw`: base64 of `id:secret` as is, what Doorkeeper reads
   * (it does not form-decode; a secret with `+ / = :` form-encoded first is refused). `form`: RFC 6749
   * 2.3.1, form-urlencoded first, for providers that decode. The two coincide for `A-Z a-z 0-9 - _`.
   */
  basicEncoding?: 'raw' | 'form';
  bodyFormat: 'form' | 'json';
  grants: readonly GrantType[];
  /** Whether the provider sends a new refresh token on refresh and revokes the old one. */
  rotatesRefreshTokens: boolean;
  /** Whether the authorize redirect echoes `state`. */
  echoesState: boolean;
  /** Documented authorization code lifetime, for messages and the connect command's deadline. */
  authorizationCodeLifetimeSeconds?: number;
  /** Documented access token lifetime (the token answer's `expires_in` is what counts). */
  accessTokenLifetimeSeconds?: number;
}

/**
 * T-Gate: Basic client auth, code valid 10 minutes, access token 2 hours, long-lived refresh token (T-Gate
 * guide: Access Grant Flow; reference: Get access token). T-Gate runs Doorkeeper, which reads Basic
 * credentials raw (checked in spec/conformance).
 */
export const TGATE_PROFILE: ProviderProfile = {
  name: 'T-Gate',
  clientAuth: 'basic',
  basicEncoding: 'raw',
  bodyFormat: 'form',
  grants: ['authorization_code', 'refresh_token'],
  rotatesRefreshTokens: true,
  echoesState: true,
  authorizationCodeLifetimeSeconds: 600,
  accessTokenLifetimeSeconds: 7200,
};
