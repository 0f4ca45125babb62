import { expect } from 'chai';
import { InvalidInputError, OAuthClientMisconfiguredError, ReconnectRequiredError } from '../../../lib/errors';
import { connectForStep, oauthClientValues } from '../../../lib/tgate';

describe('lib/tgate: where the tenant OAuth client comes from', () => {
  const cfg = { environment: 'company-sandbox', oauth: { access_token: 'a', refresh_token: 'r' } };

  it('reads OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET, the names the platform sets', () => {
    expect(oauthClientValues({ OAUTH_CLIENT_ID: 'app', OAUTH_CLIENT_SECRET: 'secret' })).to.deep.equal({
      clientId: 'app',
      clientSecret: 'secret',
    });
  });

  it('prefers them to the TGATE_ names, which stand in only when they are unset or empty', () => {
    const both = {
      OAUTH_CLIENT_ID: 'app',
      OAUTH_CLIENT_SECRET: 'secret',
      TGATE_CLIENT_ID: 'old',
      TGATE_CLIENT_SECRET: 'old-secret',
    };
    expect(oauthClientValues(both)).to.deep.equal({ clientId: 'app', clientSecret: 'secret' });
    expect(
      oauthClientValues({ OAUTH_CLIENT_ID: '', TGATE_CLIENT_ID: 'old', TGATE_CLIENT_SECRET: 'old-secret' }),
    ).to.deep.equal({ clientId: 'old', clientSecret: 'old-secret' });
  });

  it("names the platform's variables when the client is missing", () => {
    expect(() => connectForStep({}, cfg, { env: {} })).to.throw(
      OAuthClientMisconfiguredError,
      /OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET are not set/,
    );
    expect(() => connectForStep({}, cfg, { env: { TGATE_CLIENT_ID: 'old' } })).to.throw(
      OAuthClientMisconfiguredError,
      /^[^]*OAUTH_CLIENT_SECRET is not set/,
    );
    expect(() => connectForStep({}, cfg, { env: { OAUTH_CLIENT_ID: 'app', TGATE_CLIENT_SECRET: 's' } })).not.to.throw();
  });

  it("ends with the taxonomy's classes for a credential without tokens or with an unknown environment", () => {
    const env = { OAUTH_CLIENT_ID: 'app', OAUTH_CLIENT_SECRET: 's' };
    expect(() => connectForStep({}, { environment: 'company-sandbox' }, { env })).to.throw(
      ReconnectRequiredError,
      /no OAuth tokens/,
    );
    expect(() => connectForStep({}, { ...cfg, environment: 'staging' }, { env })).to.throw(
      InvalidInputError,
      /Unknown T-Gate environment/,
    );
  });
});
