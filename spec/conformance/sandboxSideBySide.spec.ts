/**
 * The sandbox against a real Doorkeeper, side by side: one sequence of grant-page, token and API requests
 * sent to both gives the same status codes and OAuth error codes, in both of Doorkeeper's refresh modes.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import axios from 'axios';
import sinon from 'sinon';
import { startSandbox } from '../../lib/sandbox';
import { basicAuthHeader } from '../../lib/auth';
import { Doorkeeper, DoorkeeperClient, RefreshMode, startDoorkeeper } from './helpers/doorkeeper';

const http = axios.create({ validateStatus: () => true, maxRedirects: 0, proxy: false });

interface Subject {
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
  /** As if `seconds` had passed for every code and token issued so far. */
  age(seconds: number): Promise<void>;
}

/** What one step got: the status, and the OAuth error code where the body has one. */
type Outcome = [step: string, status: number, error: string];

const REDIRECT_URI = 'https://platform.example.io/callback/oauth2';
/** A secret that RFC 6749 2.3.1 form-encoding changes, and a Doorkeeper-style one (urlsafe base64). */
const clients = (): { app: DoorkeeperClient; other: DoorkeeperClient } => ({
  app: {
    clientId: `tgate-app-${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: `s3cr3t+/=:${crypto.randomBytes(6).toString('hex')}`,
    redirectUris: [REDIRECT_URI],
  },
  other: {
    clientId: `other-app-${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: crypto.randomBytes(32).toString('base64url'),
    redirectUris: [REDIRECT_URI],
  },
});

async function sequence(s: Subject, app: DoorkeeperClient, other: DoorkeeperClient): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const raw = (c: DoorkeeperClient, secret = c.clientSecret) => basicAuthHeader(c.clientId, secret, 'raw');
  const token = async (step: string, body: Record<string, string>, authorization?: string, json = false) => {
    const res = await http.post(s.tokenUrl, json ? JSON.stringify(body) : new URLSearchParams(body).toString(), {
      headers: {
        'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        ...(authorization ? { Authorization: authorization } : {}),
      },
    });
    out.push([step, res.status, typeof res.data?.error === 'string' ? res.data.error : '']);
    return res.data as { access_token: string; refresh_token: string };
  };
  const api = async (step: string, accessToken: string) => {
    const res = await http.get(`${s.apiBaseUrl}/integration_scopes`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    out.push([step, res.status, '']);
  };
  const authorize = async (step: string, params: Record<string, string>): Promise<string> => {
    const res = await http.get(s.authorizeUrl, { params });
    const location = typeof res.headers.location === 'string' ? new URL(res.headers.location) : undefined;
    // Doorkeeper shows an HTML error page (200), the sandbox answers JSON (400): what counts is no redirect.
    out.push([step, location ? 302 : 0, location?.searchParams.get('error') ?? '']);
    return location?.searchParams.get('code') ?? '';
  };

  await authorize('grant page without response_type: no redirect', {
    client_id: app.clientId,
    redirect_uri: REDIRECT_URI,
  });
  const code = await authorize('grant page', {
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: REDIRECT_URI,
    state: 'st',
  });
  const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
  await token('code, wrong secret', exchange, raw(app, 'wrong'));
  await token('code, unknown client', exchange, basicAuthHeader('nobody', app.clientSecret, 'raw'));
  await token(
    'code, secret form-encoded (RFC 6749 2.3.1)',
    exchange,
    basicAuthHeader(app.clientId, app.clientSecret, 'form'),
  );
  await token('code, no client authentication', exchange);
  await token('code, no redirect_uri', { grant_type: 'authorization_code', code }, raw(app));
  await token(
    'code, another redirect_uri',
    { ...exchange, redirect_uri: 'https://platform.example.io/other' },
    raw(app),
  );
  await token("code, another client's", exchange, raw(other));
  const first = await token('code', exchange, raw(app));
  await token('code reused', exchange, raw(app));
  await token('password grant', { grant_type: 'password', username: 'u', password: 'p' }, raw(app));
  await token('no grant_type', { code }, raw(app));
  await token(
    "refresh, another client's token",
    { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    raw(other),
  );
  await token('refresh, no refresh_token', { grant_type: 'refresh_token' }, raw(app));
  await token('refresh, unknown token', { grant_type: 'refresh_token', refresh_token: 'no-such-token' }, raw(app));
  await api('API with the first access token', first.access_token);
  const second = await token('refresh', { grant_type: 'refresh_token', refresh_token: first.refresh_token }, raw(app));
  await api('API with the old access token, new one unused', first.access_token);
  await token(
    'refresh with the old token, new access token unused',
    { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    raw(app),
  );
  await api('API with the new access token', second.access_token);
  await api('API with the old access token, new one used', first.access_token);
  await token(
    'refresh with the old token, new access token used',
    { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    raw(app),
  );
  const late = await authorize('grant page again', {
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: REDIRECT_URI,
  });
  await s.age(599);
  await api('API, 10 minutes on', second.access_token);
  await s.age(2);
  await token(
    'code after 10 minutes',
    { grant_type: 'authorization_code', code: late, redirect_uri: REDIRECT_URI },
    raw(app),
  );
  await s.age(7200);
  await api('API with an expired access token', second.access_token);
  const third = await token(
    'refresh after expiry (JSON body)',
    { grant_type: 'refresh_token', refresh_token: second.refresh_token },
    raw(app),
    true,
  );
  await api('API with the refreshed access token', third.access_token);
  await api('API without a token', '');
  return out;
}

const EXPECTED: Record<RefreshMode, Outcome[]> = {
  instant: [
    ['grant page without response_type: no redirect', 0, ''],
    ['grant page', 302, ''],
    ['code, wrong secret', 401, 'invalid_client'],
    ['code, unknown client', 401, 'invalid_client'],
    ['code, secret form-encoded (RFC 6749 2.3.1)', 401, 'invalid_client'],
    ['code, no client authentication', 401, 'invalid_client'],
    ['code, no redirect_uri', 400, 'invalid_request'],
    ['code, another redirect_uri', 400, 'invalid_grant'],
    ["code, another client's", 400, 'invalid_grant'],
    ['code', 200, ''],
    ['code reused', 400, 'invalid_grant'],
    ['password grant', 400, 'unsupported_grant_type'],
    ['no grant_type', 400, 'invalid_request'],
    ["refresh, another client's token", 400, 'invalid_grant'],
    ['refresh, no refresh_token', 400, 'invalid_request'],
    ['refresh, unknown token', 400, 'invalid_grant'],
    ['API with the first access token', 200, ''],
    ['refresh', 200, ''],
    ['API with the old access token, new one unused', 401, ''],
    ['refresh with the old token, new access token unused', 400, 'invalid_grant'],
    ['API with the new access token', 200, ''],
    ['API with the old access token, new one used', 401, ''],
    ['refresh with the old token, new access token used', 400, 'invalid_grant'],
    ['grant page again', 302, ''],
    ['API, 10 minutes on', 200, ''],
    ['code after 10 minutes', 400, 'invalid_grant'],
    ['API with an expired access token', 401, ''],
    ['refresh after expiry (JSON body)', 200, ''],
    ['API with the refreshed access token', 200, ''],
    ['API without a token', 401, ''],
  ],
  grace: [],
};
// Grace differs only inside the window: the old pair works until the new access token is first used.
EXPECTED.grace = EXPECTED.instant.map(([step, status, error]): Outcome =>
  step === 'API with the old access token, new one unused'
    ? [step, 200, '']
    : step === 'refresh with the old token, new access token unused'
      ? [step, 200, '']
      : [step, status, error],
);

for (const mode of ['instant', 'grace'] as const) {
  describe(`the sandbox and a real Doorkeeper side by side (${mode} mode)`, function () {
    this.timeout(60_000);
    const { app, other } = clients();
    let dk: Doorkeeper;
    before(async () => {
      dk = await startDoorkeeper({ mode, clients: [app, other] });
    });
    after(async () => {
      await dk?.close();
    });

    it('gives the same status and OAuth error code for every step', async () => {
      const real = await sequence(dk, app, other);
      const sandbox = await startSandbox({ clients: [app, other], refreshGrace: mode === 'grace' });
      // The sandbox runs in this process: its time passes by a faked Date (and only Date).
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      let imitation: Outcome[];
      try {
        imitation = await sequence(
          {
            ...sandbox,
            age: async (seconds) => {
              clock.tick(seconds * 1000);
            },
          },
          app,
          other,
        );
      } finally {
        clock.restore();
        await sandbox.close();
      }
      expect(real, 'Doorkeeper').to.deep.equal(EXPECTED[mode]);
      expect(imitation, 'the sandbox').to.deep.equal(real);
    });
  });
}
