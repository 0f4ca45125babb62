/**
 * The company portal's grant page and the token endpoint (T-Gate guides: Access Grant Flow; reference:
 * Get Access Token).
 */
import { Route } from '../router';
import { SandboxOAuth } from '../oauth';
import { AUTHORIZE_PATH, TOKEN_PATH } from '../urls';

export function oauthRoutes(oauth: SandboxOAuth): Route[] {
  return [
    { method: 'GET', path: AUTHORIZE_PATH, handle: ({ req, url }) => oauth.authorize(req, url.searchParams) },
    { method: 'POST', path: TOKEN_PATH, handle: ({ req, rawBody }) => oauth.token(req, rawBody) },
  ];
}
