import crypto from 'node:crypto';
import { CredentialError } from '../errors';

/**
 * The company portal's grant page URL (T-Gate guide: Access Grant Flow): `<portal>/oauth?client_id=..
 * &redirect_uri=..`, plus `response_type=code`, without which Doorkeeper shows an error page instead of
 * redirecting (RFC 6749 4.1.1 requires it; T-Gate's documented link omits it), and `state` against forged
 * redirects.
 */
export function buildAuthorizeUrl(
  authorizeUrl: string,
  clientId: string,
  redirectUri: string,
  state: string = crypto.randomBytes(16).toString('hex'),
): { url: string; state: string } {
  const url = new URL(authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return { url: url.toString(), state };
}

/** Reads the code from the redirect T-Gate sends the company user to, checking `state`. */
export function codeFromRedirect(location: string, expectedState: string): string {
  const url = new URL(location);
  const error = url.searchParams.get('error');
  if (error)
    throw new CredentialError(
      `T-Gate did not grant access: ${error}` +
        `${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`,
    );
  const state = url.searchParams.get('state');
  if (state !== null && state !== expectedState)
    throw new CredentialError(
      'T-Gate redirected back with a different state: the redirect was not for this request; start again',
    );
  const code = url.searchParams.get('code');
  if (!code) throw new CredentialError('T-Gate redirected back without an authorization code');
  return code;
}
