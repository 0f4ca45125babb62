import { expect } from 'chai';
import { HttpClient, HttpError, HttpRequest, SendOptions } from '../../../lib/http';
import {
  buildTokenRequest,
  Grant,
  OAuthClientMisconfiguredError,
  ReconnectRequiredError,
  requestToken,
  TGATE_PROFILE,
  TokenRequestFailedError,
} from '../../../lib/auth';
import { CLIENT_CREDENTIALS_PROFILE, JSON_BODY_PROFILE } from '../../helpers/profiles';

const client = { clientId: 'spec-client', clientSecret: 'spec-secret' };
const refresh: Grant = { type: 'refresh_token', refreshToken: 'r-1' };
const code: Grant = { type: 'authorization_code', code: 'c-1', redirectUri: 'https://app.example/cb' };

/** An HttpClient whose one answer is `answer` (an Error is thrown), recording what it was asked to send. */
function answering(answer: unknown): { http: HttpClient; sent: Array<[HttpRequest, SendOptions | undefined]> } {
  const sent: Array<[HttpRequest, SendOptions | undefined]> = [];
  const http = {
    send: async (req: HttpRequest, options?: SendOptions) => {
      sent.push([req, options]);
      if (answer instanceof Error) throw answer;
      return { status: 200, headers: {}, data: answer };
    },
  };
  return { http: http as unknown as HttpClient, sent };
}
const refusal = (status: number | undefined, data?: unknown): HttpError =>
  new HttpError({
    service: 'the T-Gate token endpoint',
    method: 'POST',
    path: '/oauth/token',
    status,
    data,
    attempts: 1,
  });
const ask = (answer: unknown, grant: Grant = refresh): Promise<unknown> =>
  requestToken(answering(answer).http, {
    tokenUrl: 'https://tgate.example/oauth/token',
    profile: TGATE_PROFILE,
    client,
    grant,
  }).catch((err) => err);

describe('lib/auth requestToken: what each answer of the token endpoint becomes', () => {
  it('sends one POST, never repeated, bounded, named for messages', async () => {
    const { http, sent } = answering({ access_token: 'a-1' });
    const tokens = await requestToken(http, {
      tokenUrl: 'https://tgate.example/oauth/token',
      profile: TGATE_PROFILE,
      client,
      grant: refresh,
    });
    expect(tokens).to.deep.equal({ access_token: 'a-1' });
    expect(sent).to.have.length(1);
    const [req, options] = sent[0];
    expect(req).to.include({
      method: 'POST',
      url: 'https://tgate.example/oauth/token',
      data: 'grant_type=refresh_token&refresh_token=r-1',
    });
    expect(req.headers).to.include({ Accept: 'application/json' });
    expect(options).to.deep.equal({
      idempotent: false,
      service: 'the T-Gate token endpoint',
      maxResponseBytes: 64 * 1024,
    });
  });

  it('an answer without an access token is a transient failure saying so', async () => {
    for (const data of [null, '', 'text', [], {}, { access_token: 5 }]) {
      const err = (await ask(data)) as Error;
      expect(err, JSON.stringify(data)).to.be.instanceOf(TokenRequestFailedError);
      expect(err.message).to.equal(
        'the T-Gate token endpoint answered without an access token (is the token URL right?)',
      );
    }
  });

  it('invalid_grant: reconnect, worded for the grant, with the description cut to 200 characters', async () => {
    const long = 'd'.repeat(250);
    const refused = (await ask(
      refusal(400, { error: 'invalid_grant', error_description: long }),
    )) as ReconnectRequiredError;
    expect(refused).to.be.instanceOf(ReconnectRequiredError);
    expect(refused.message).to.equal(
      `T-Gate credential must be reconnected: the refresh token was rejected (invalid_grant (${'d'.repeat(200)})); ` +
        'it was revoked, expired, or already used. Open the credential and authenticate again.',
    );
    expect([refused.oauthError, refused.status]).to.deep.equal(['invalid_grant', 400]);
    const codeRefused = (await ask(refusal(400, { error: 'invalid_grant' }), code)) as Error;
    expect(codeRefused.message).to.equal(
      'T-Gate credential must be reconnected: the authorization code was rejected (invalid_grant); ' +
        'codes are single-use and expire quickly. Open the credential and authenticate again.',
    );
  });

  it('invalid_client, or a 401 without an OAuth error: the OAuth client is misconfigured', async () => {
    const invalidClient = (await ask(
      refusal(400, { error: 'invalid_client', error_description: 'unknown client' }),
    )) as Error;
    expect(invalidClient).to.be.instanceOf(OAuthClientMisconfiguredError);
    expect(invalidClient.message).to.equal(
      'T-Gate OAuth client is misconfigured: the token endpoint rejected the client id or secret ' +
        "(invalid_client (unknown client)); check the tenant's OAuth client (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET)",
    );
    expect(((await ask(refusal(401))) as Error).message).to.include('rejected the client id or secret (401)');
  });

  it('any other OAuth error, or a 4xx but 429, is a refusal naming it', async () => {
    const cases: Array<[HttpError, string]> = [
      [refusal(401, { error: 'invalid_scope' }), '(invalid_scope)'],
      [refusal(500, { error: 'server_error' }), '(server_error)'],
      [refusal(400), '(400)'],
      [refusal(499), '(499)'],
    ];
    for (const [err, named] of cases) {
      const result = (await ask(err)) as Error;
      expect(result, named).to.be.instanceOf(OAuthClientMisconfiguredError);
      expect(result.message).to.equal(
        `T-Gate OAuth client is misconfigured: the token endpoint refused the refresh token request ${named}`,
      );
    }
  });

  it('a 429, a 5xx and a network failure are transient, keeping the cause', async () => {
    for (const err of [refusal(429), refusal(500), refusal(399), refusal(undefined)]) {
      const result = (await ask(err)) as TokenRequestFailedError;
      expect(result, String(err.status)).to.be.instanceOf(TokenRequestFailedError);
      expect(result.message).to.equal(`could not get a T-Gate access token with the refresh token: ${err.message}`);
      expect(result.cause).to.equal(err);
    }
    const other = new Error('not an HTTP failure');
    expect(await ask(other)).to.equal(other);
  });

  it('a refresh sends its scope; a grant the provider lacks is refused naming what it supports', () => {
    const req = buildTokenRequest({
      tokenUrl: 'https://x',
      profile: TGATE_PROFILE,
      client,
      grant: { ...refresh, scope: 'orders' },
    });
    expect(req.body).to.equal('grant_type=refresh_token&refresh_token=r-1&scope=orders');
    expect(() =>
      buildTokenRequest({ tokenUrl: 'https://x', profile: JSON_BODY_PROFILE, client, grant: refresh }),
    ).to.throw('the refresh_token grant is not supported by this provider (it supports authorization_code)');
    expect(() =>
      buildTokenRequest({
        tokenUrl: 'https://x',
        profile: { ...CLIENT_CREDENTIALS_PROFILE, grants: ['client_credentials', 'authorization_code'] },
        client,
        grant: refresh,
      }),
    ).to.throw('(it supports client_credentials, authorization_code)');
  });
});
