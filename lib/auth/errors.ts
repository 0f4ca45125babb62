import {
  CredentialErrorDetails,
  OAuthClientMisconfiguredError,
  ReconnectRequiredError,
  TransientError,
} from '../errors';

export { OAuthClientMisconfiguredError, ReconnectRequiredError };

/**
 * A token request that failed for a reason worth retrying later (the endpoint down, overloaded, odd). An
 * answer with an OAuth error code is a CredentialError instead; the status is on `cause`, the HttpError.
 */
export class TokenRequestFailedError extends TransientError {}

/** The token endpoint refused a grant (a used, revoked or expired code or refresh token). */
export function isInvalidGrant(err: unknown): err is ReconnectRequiredError {
  return err instanceof ReconnectRequiredError && err.oauthError === 'invalid_grant';
}

type Details = CredentialErrorDetails;

export function reconnectRequired(provider: string, why: string, extra?: Details): ReconnectRequiredError {
  const message = `${provider} credential must be reconnected: ${why}. Open the credential and authenticate again.`;
  return new ReconnectRequiredError(message, extra);
}

export function clientMisconfigured(provider: string, why: string, extra?: Details): OAuthClientMisconfiguredError {
  return new OAuthClientMisconfiguredError(`${provider} OAuth client is misconfigured: ${why}`, extra);
}
