import { expect } from 'chai';
import { basicAuthHeader, buildTokenRequest, TGATE_PROFILE } from '../../../lib/auth';
// Token endpoints shaped unlike T-Gate's, so the profile fields T-Gate does not use stay covered.
import { CLIENT_CREDENTIALS_PROFILE, JSON_BODY_PROFILE } from '../../helpers/profiles';

describe('lib/auth token requests per provider profile', () => {
  const client = { clientId: 'my app:1', clientSecret: 's3cr&t+/= x' };

  it('form-urlencodes id and secret before base64 in the Basic header (RFC 6749 2.3.1)', () => {
    const header = basicAuthHeader(client.clientId, client.clientSecret);
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).to.equal('my+app%3A1:s3cr%26t%2B%2F%3D+x');
  });

  it('raw Basic joins id and secret as they are (what Doorkeeper decodes)', () => {
    const header = basicAuthHeader('my app', 's3cr&t+/=: x', 'raw');
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).to.equal('my app:s3cr&t+/=: x');
  });

  it('T-Gate: raw Basic client auth, form body, no credentials in the body', () => {
    const tgateClient = { clientId: 'my app', clientSecret: 's3cr&t+/=: x' };
    const req = buildTokenRequest({
      tokenUrl: 'https://x/oauth/token',
      profile: TGATE_PROFILE,
      client: tgateClient,
      grant: { type: 'refresh_token', refreshToken: 'r-1' },
    });
    expect(req.headers['Content-Type']).to.equal('application/x-www-form-urlencoded');
    expect(req.headers.Authorization).to.equal(`Basic ${Buffer.from('my app:s3cr&t+/=: x').toString('base64')}`);
    expect(req.body).to.equal('grant_type=refresh_token&refresh_token=r-1');
  });

  it('T-Gate: a client id with ":" is refused before anything is sent (raw Basic cannot carry it)', () => {
    expect(() =>
      buildTokenRequest({
        tokenUrl: 'https://x/oauth/token',
        profile: TGATE_PROFILE,
        client,
        grant: { type: 'refresh_token', refreshToken: 'r-1' },
      }),
    ).to.throw('the client id contains ":"');
  });

  it('a JSON-body provider: client id and secret in a JSON body, no Authorization header', () => {
    const req = buildTokenRequest({
      tokenUrl: 'https://x/oauth/token',
      profile: JSON_BODY_PROFILE,
      client,
      grant: { type: 'authorization_code', code: 'c-1', redirectUri: 'https://app/cb' },
    });
    expect(req.headers.Authorization).to.equal(undefined);
    expect(req.headers['Content-Type']).to.equal('application/json');
    expect(JSON.parse(req.body)).to.deep.equal({
      grant_type: 'authorization_code',
      code: 'c-1',
      redirect_uri: 'https://app/cb',
      client_id: 'my app:1',
      client_secret: 's3cr&t+/= x',
    });
  });

  it('a client-credentials provider: form Basic auth; other grants refused with a clear error', () => {
    const profile = CLIENT_CREDENTIALS_PROFILE;
    const req = buildTokenRequest({
      tokenUrl: 'https://x/token',
      profile,
      client,
      grant: { type: 'client_credentials', scope: 'deals' },
    });
    expect(req.body).to.equal('grant_type=client_credentials&scope=deals');
    expect(req.headers.Authorization).to.equal(basicAuthHeader(client.clientId, client.clientSecret, 'form'));
    expect(() =>
      buildTokenRequest({
        tokenUrl: 'https://x/token',
        profile,
        client,
        grant: { type: 'refresh_token', refreshToken: 'r' },
      }),
    ).to.throw('the refresh_token grant is not supported by this provider (it supports client_credentials)');
  });
});
