/**
 * What went wrong with a credential, sorted by what the user has to do about it. Messages never
 * carry a token, a secret or an Authorization header.
 */
export type AuthErrorKind = 'reconnect' | 'misconfigured' | 'transient';

export class AuthError extends Error {
  readonly kind: AuthErrorKind;
  /** OAuth error code from the token endpoint (invalid_grant, invalid_client, ...), when there was one. */
  readonly oauthError?: string;
  readonly status?: number;

  constructor(kind: AuthErrorKind, message: string, extra: { oauthError?: string; status?: number } = {}) {
    super(message);
    this.name = kind === 'reconnect' ? 'ReconnectRequiredError' : kind === 'misconfigured' ? 'OAuthClientMisconfiguredError' : 'TokenRequestFailedError';
    this.kind = kind;
    this.oauthError = extra.oauthError;
    this.status = extra.status;
  }
}

export const reconnectRequired = (provider: string, why: string, extra?: { oauthError?: string; status?: number }): AuthError =>
  new AuthError('reconnect', `${provider} credential must be reconnected: ${why}. Open the credential and authenticate again.`, extra);

export const clientMisconfigured = (provider: string, why: string, extra?: { oauthError?: string; status?: number }): AuthError =>
  new AuthError('misconfigured', `${provider} OAuth client is misconfigured: ${why}`, extra);
