import { ProviderProfile } from '../../lib/auth';

// Two token endpoints unlike T-Gate's, for the specs of lib/auth's provider-agnostic parts.

/** Credentials in a JSON body, `state` echoed, a code valid 30 seconds, tokens that never rotate. */
export const JSON_BODY_PROFILE: ProviderProfile = {
  name: 'JSON-body provider',
  clientAuth: 'body',
  bodyFormat: 'json',
  grants: ['authorization_code'],
  rotatesRefreshTokens: false,
  echoesState: true,
  authorizationCodeLifetimeSeconds: 30,
};

/** The client credentials grant only, with a form-encoded Basic header (RFC 6749 2.3.1). */
export const CLIENT_CREDENTIALS_PROFILE: ProviderProfile = {
  name: 'client-credentials provider',
  clientAuth: 'basic',
  basicEncoding: 'form',
  bodyFormat: 'form',
  grants: ['client_credentials'],
  rotatesRefreshTokens: false,
  echoesState: false,
};
