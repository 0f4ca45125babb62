import { OAuthClientMisconfiguredError, ReconnectRequiredError, TransientError } from '../errors';

export { OAuthClientMisconfiguredError, ReconnectRequiredError };

/** A token request that failed for a reason worth retrying later (the endpoint down, overloaded, odd). */
export class TokenRequestFailedError extends TransientError {
  readonly oauthError?: string;
  readonly status?: number;

  constructor(message: string, extra: { oauthError?: string; status?: number; cause?: unknown } = {}) {
    super(message, { cause: extra.cause });
    this.oauthError = extra.oauthError;
    this.status = extra.status;
  }
}

/** The token endpoint refused a grant (a used, revoked or expired code or refresh token). */
export function isInvalidGrant(err: unknown): err is ReconnectRequiredError {
  return err instanceof ReconnectRequiredError && err.oauthError === 'invalid_grant';
}

type Extra = { oauthError?: string; status?: number; cause?: unknown };

export const reconnectRequired = (provider: string, why: string, extra?: Extra): ReconnectRequiredError =>
  new ReconnectRequiredError(`${provider} credential must be reconnected: ${why}. Open the credential and authenticate again.`, extra);

export const clientMisconfigured = (provider: string, why: string, extra?: Extra): OAuthClientMisconfiguredError =>
  new OAuthClientMisconfiguredError(`${provider} OAuth client is misconfigured: ${why}`, extra);
