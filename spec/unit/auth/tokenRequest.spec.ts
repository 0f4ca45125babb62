import { expect } from 'chai';
import { basicAuthHeader, buildTokenRequest, INTANDEM_PROFILE, TGATE_PROFILE, TREDDY_PROFILE } from '../../../lib/auth';

describe('lib/auth token requests per provider profile', () => {
  const client = { clientId: 'my app:1', clientSecret: 's3cr&t+/= x' };

  it('form-urlencodes id and secret before base64 in the Basic header (RFC 6749 2.3.1)', () => {
    const header = basicAuthHeader(client.clientId, client.clientSecret);
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).to.equal('my+app%3A1:s3cr%26t%2B%2F%3D+x');
  });

  it('T-Gate: Basic client auth, form body, no credentials in the body', () => {
    const req = buildTokenRequest({ tokenUrl: 'https://x/oauth/token', profile: TGATE_PROFILE, client, grant: { type: 'refresh_token', refreshToken: 'r-1' } });
    expect(req.headers['Content-Type']).to.equal('application/x-www-form-urlencoded');
    expect(req.headers.Authorization).to.equal(basicAuthHeader(client.clientId, client.clientSecret));
    expect(req.body).to.equal('grant_type=refresh_token&refresh_token=r-1');
  });

  it('inTandem: client id and secret in a JSON body, no Authorization header', () => {
    const req = buildTokenRequest({ tokenUrl: 'https://x/oauth/token', profile: INTANDEM_PROFILE, client, grant: { type: 'authorization_code', code: 'c-1', redirectUri: 'https://app/cb' } });
    expect(req.headers.Authorization).to.equal(undefined);
    expect(req.headers['Content-Type']).to.equal('application/json');
    expect(JSON.parse(req.body)).to.deep.equal({ grant_type: 'authorization_code', code: 'c-1', redirect_uri: 'https://app/cb', client_id: 'my app:1', client_secret: 's3cr&t+/= x' });
  });

  it('Treddy: client credentials with Basic auth; other grants refused with a clear error', () => {
    const req = buildTokenRequest({ tokenUrl: 'https://x/token', profile: TREDDY_PROFILE, client, grant: { type: 'client_credentials', scope: 'deals' } });
    expect(req.body).to.equal('grant_type=client_credentials&scope=deals');
    expect(() => buildTokenRequest({ tokenUrl: 'https://x/token', profile: TREDDY_PROFILE, client, grant: { type: 'refresh_token', refreshToken: 'r' } }))
      .to.throw('the refresh_token grant is not supported by this provider (it supports client_credentials)');
  });
});
