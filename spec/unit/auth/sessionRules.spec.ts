import { expect } from 'chai';
import { HttpClient, HttpError, HttpRequest } from '../../../lib/http';
import {
  KeyPersistence,
  OAuthKeys,
  ProviderProfile,
  ReconnectRequiredError,
  TGATE_PROFILE,
  TokenMemory,
  TokenRequestFailedError,
  TokenSession,
} from '../../../lib/auth';
import { CLIENT_CREDENTIALS_PROFILE, JSON_BODY_PROFILE } from '../../helpers/profiles';

/**
 * The token session's rules one at a time, against a scripted token endpoint (no server, no clock): which
 * grant it uses, what it says when it cannot refresh, how it saves and re-reads the stored credential.
 */
const client = { clientId: 'rules-client', clientSecret: 'rules-secret' };
const EXPIRED = new Date(Date.now() - 60_000).toISOString();
const VALID = new Date(Date.now() + 3_600_000).toISOString();
const invalidGrant = (): HttpError =>
  new HttpError({
    service: 'the T-Gate token endpoint',
    method: 'POST',
    path: '/oauth/token',
    status: 400,
    data: { error: 'invalid_grant' },
    attempts: 1,
  });

interface Rig {
  session: TokenSession;
  memory: TokenMemory;
  bodies: string[];
  logs: string[];
  sleeps: number[];
  saved: Array<Record<string, unknown>>;
}

/** A session whose token endpoint gives `answers` in turn (an Error is thrown); by default its saves work. */
function rig(options: {
  tokens?: OAuthKeys | undefined;
  answers?: unknown[];
  persistence?: KeyPersistence;
  profile?: ProviderProfile;
  credentialId?: string | null;
  memory?: TokenMemory;
}): Rig {
  const bodies: string[] = [];
  const logs: string[] = [];
  const sleeps: number[] = [];
  const saved: Array<Record<string, unknown>> = [];
  const answers = [...(options.answers ?? [])];
  const http = {
    send: async (req: HttpRequest) => {
      bodies.push(String(req.data));
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return { status: 200, headers: {}, data: answer };
    },
  } as unknown as HttpClient;
  const memory = options.memory ?? new TokenMemory();
  const session = new TokenSession({
    credentialId: options.credentialId === null ? undefined : (options.credentialId ?? 'cred-1'),
    keys:
      'tokens' in options
        ? options.tokens
          ? { oauth: options.tokens }
          : {}
        : { oauth: { access_token: 'a-0', refresh_token: 'r-0', expires_at: EXPIRED } },
    profile: options.profile ?? TGATE_PROFILE,
    tokenUrl: 'https://tgate.example/oauth/token',
    client,
    http,
    persistence: options.persistence ?? {
      save: async (keys) => {
        saved.push(keys);
      },
    },
    logger: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    memory,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { session, memory, bodies, logs, sleeps, saved };
}
const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('did not fail');
    },
    (e: Error) => e,
  );

describe('lib/auth TokenSession: its rules one at a time', () => {
  describe('which grant, and why not', () => {
    it('a credential without tokens and without a refresh grant to fall back on must be reconnected', async () => {
      const err = await failure(rig({ tokens: undefined }).session.accessToken());
      expect(err).to.be.instanceOf(ReconnectRequiredError);
      expect(err.message).to.equal(
        'T-Gate credential must be reconnected: the credential holds no refresh token. ' +
          'Open the credential and authenticate again.',
      );
    });

    it('a provider with client credentials gets a token with them', async () => {
      const { session, bodies } = rig({
        tokens: undefined,
        profile: CLIENT_CREDENTIALS_PROFILE,
        answers: [{ access_token: 'cc-1' }],
      });
      expect(await session.accessToken()).to.equal('cc-1');
      expect(bodies).to.deep.equal(['grant_type=client_credentials']);
    });

    it('a provider that cannot refresh says so', async () => {
      const err = await failure(rig({ profile: JSON_BODY_PROFILE }).session.accessToken());
      expect(err.message).to.equal(
        'JSON-body provider credential must be reconnected: the access token has expired and the provider does not ' +
          'support refreshing access tokens. Open the credential and authenticate again.',
      );
    });

    it('a rotating refresh that could not be saved is not attempted, saying why the token is needed', async () => {
      const expired = await failure(rig({ persistence: {} }).session.accessToken());
      expect(expired).to.be.instanceOf(ReconnectRequiredError);
      expect(expired.message).to.equal(
        'T-Gate credential must be reconnected: the access token has expired and a refreshed token could ' +
          'not be saved (no place to save it), so the refresh was not attempted, ' +
          'to keep the stored refresh token valid. ' +
          'Open the credential and authenticate again.',
      );
      const none = await failure(
        rig({ tokens: { refresh_token: 'r-0' }, persistence: { whyNoSave: 'a local run' } }).session.accessToken(),
      );
      expect(none.message).to.include(
        ': the credential holds no access token and a refreshed token could not be saved (a local run),',
      );
      const valid = rig({ tokens: { access_token: 'a-0', refresh_token: 'r-0', expires_at: VALID }, persistence: {} });
      const rejected = await failure(valid.session.accessTokenAfterRejection('a-0'));
      expect(rejected.message).to.include(
        ': T-Gate rejected the access token (401) before its stored expiry and a refreshed token could not',
      );
    });

    it('logs why it asks for a new token', async () => {
      const expired = rig({ answers: [{ access_token: 'a-1', refresh_token: 'r-1', expires_in: 7200 }] });
      await expired.session.accessToken();
      const missing = rig({
        tokens: { refresh_token: 'r-0' },
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
      });
      await missing.session.accessToken();
      const rejected = rig({
        tokens: { access_token: 'a-0', refresh_token: 'r-0', expires_at: VALID },
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
      });
      expect(await rejected.session.accessTokenAfterRejection('a-0')).to.equal('a-1');
      expect([...expired.logs, ...missing.logs, ...rejected.logs]).to.deep.equal([
        'info T-Gate credential cred-1: the access token expired or is about to; requesting a new one (refresh_token)',
        'info T-Gate credential cred-1: there is no access token; requesting a new one (refresh_token)',
        'info T-Gate credential cred-1: the API rejected the access token; requesting a new one (refresh_token)',
      ]);
    });

    it('after a 401, a newer valid token another caller got is used without a token request', async () => {
      const { session, bodies, memory } = rig({
        tokens: { access_token: 'a-0', refresh_token: 'r-0', expires_at: VALID },
      });
      memory.remember('cred-1', { access_token: 'a-9', refresh_token: 'r-9', expires_at: VALID });
      expect(await session.accessTokenAfterRejection('a-0')).to.equal('a-9');
      expect(bodies).to.deep.equal([]);
    });
    it('after a 401, never hands back the rejected token, even when the stored credential still holds it', async () => {
      const stored = { oauth: { access_token: 'a-0', refresh_token: 'r-9', expires_at: VALID } };
      const { session, bodies } = rig({
        tokens: { access_token: 'a-0', refresh_token: 'r-0', expires_at: VALID },
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
        persistence: { save: async () => undefined, load: async () => stored },
      });
      expect(await session.accessTokenAfterRejection('a-0')).to.equal('a-1');
      expect(bodies).to.deep.equal(['grant_type=refresh_token&refresh_token=r-0']);
    });
  });

  describe('refresh tokens already spent or refused', () => {
    it('a refresh token refused once is not sent again: reconnect, as an invalid_grant', async () => {
      const { session, bodies, sleeps } = rig({
        answers: [invalidGrant()],
        persistence: { save: async () => undefined },
      });
      const first = await failure(session.accessToken());
      expect(sleeps, 'no stored credential to wait for').to.deep.equal([]);
      const second = (await failure(session.accessToken())) as ReconnectRequiredError;
      expect(first).to.be.instanceOf(ReconnectRequiredError);
      expect(second.message).to.include(': the refresh token was already rejected (invalid_grant).');
      expect(second.oauthError).to.equal('invalid_grant');
      expect(bodies).to.have.length(1);
    });

    it('a refresh token already exchanged here is not sent again', async () => {
      const memory = new TokenMemory();
      memory.markRefreshTokenSpent('cred-1', 'r-0');
      const { session, bodies } = rig({ memory, persistence: { save: async () => undefined } });
      const err = (await failure(session.accessToken())) as ReconnectRequiredError;
      expect(err.message).to.include(': the refresh token was already used.');
      expect(err.oauthError).to.equal('invalid_grant');
      expect(bodies).to.deep.equal([]);
    });

    it('a refresh answered without a new refresh token keeps the old one usable', async () => {
      const { session, bodies, memory } = rig({
        answers: [
          { access_token: 'a-1', expires_in: 7200 },
          { access_token: 'a-2', expires_in: 7200 },
        ],
      });
      expect(await session.accessToken()).to.equal('a-1');
      memory.remember('cred-1', { ...session.currentKeys(), expires_at: EXPIRED });
      expect(await session.accessToken()).to.equal('a-2');
      expect(bodies).to.deep.equal([
        'grant_type=refresh_token&refresh_token=r-0',
        'grant_type=refresh_token&refresh_token=r-0',
      ]);
    });

    it("waits for the winner's save with a doubling delay, up to 2 s, within the window", async () => {
      const stored = { oauth: { access_token: 'a-0', refresh_token: 'r-0', expires_at: EXPIRED } };
      const { session, sleeps } = rig({
        answers: [invalidGrant()],
        persistence: { save: async () => undefined, load: async () => stored },
      });
      expect(await failure(session.accessToken())).to.be.instanceOf(ReconnectRequiredError);
      expect(sleeps).to.deep.equal([200, 400, 800, 1600, 2000, 1000]);
    });

    it('uses newer tokens the stored credential holds after an invalid_grant, saying so', async () => {
      const stored = [
        { oauth: { access_token: 'a-0', refresh_token: 'r-0', expires_at: EXPIRED } },
        { oauth: { access_token: 'a-5', refresh_token: 'r-5', expires_at: VALID } },
      ];
      const { session, logs } = rig({
        answers: [invalidGrant()],
        persistence: { save: async () => undefined, load: async () => stored.shift() },
      });
      expect(await session.accessToken()).to.equal('a-5');
      expect(logs).to.include(
        'info T-Gate credential cred-1: the stored credential holds newer tokens (another process ' +
          'refreshed them, or the credential was reconnected); using them',
      );
    });

    it('newer stored tokens whose refresh fails for another reason: that failure, at once', async () => {
      const stored: Array<Record<string, unknown>> = [
        { oauth: { access_token: 'a-0', refresh_token: 'r-0', expires_at: EXPIRED } },
        { oauth: { access_token: 'a-5', refresh_token: 'r-5', expires_at: EXPIRED } },
      ];
      const down = new HttpError({
        service: 'the T-Gate token endpoint',
        method: 'POST',
        path: '/oauth/token',
        status: 503,
        attempts: 3,
      });
      const { session, bodies } = rig({
        answers: [invalidGrant(), down],
        persistence: { save: async () => undefined, load: async () => stored.shift() ?? stored[0] },
      });
      expect(await failure(session.accessToken())).to.be.instanceOf(TokenRequestFailedError);
      expect(bodies).to.deep.equal([
        'grant_type=refresh_token&refresh_token=r-0',
        'grant_type=refresh_token&refresh_token=r-5',
      ]);
    });
  });

  describe('saving and re-reading the stored credential', () => {
    it('a save failing three times: two waits, then a warning without the new tokens, cut short', async () => {
      const { session, logs, sleeps } = rig({
        answers: [{ access_token: 'fresh-access-token', refresh_token: 'fresh-refresh-token' }],
        persistence: {
          save: async () => {
            throw new Error(`refused fresh-access-token ${'x'.repeat(400)}`);
          },
        },
      });
      expect(await session.accessToken()).to.equal('fresh-access-token');
      expect(sleeps).to.deep.equal([500, 1000]);
      const warning = logs.find((l) => l.startsWith('warn'));
      expect(warning).to.equal(
        `warn T-Gate credential cred-1: T-Gate issued new tokens, but saving them to the credential failed 3 times ` +
          `(refused [redacted] ${'x'.repeat(300 - 'refused [redacted] '.length)}); this process keeps using them`,
      );
    });

    it('a failure that is no Error is logged as an unknown error', async () => {
      const { session, logs } = rig({
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
        persistence: {
          save: async () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless platform client does
            throw { status: 500 };
          },
        },
      });
      await session.accessToken();
      expect(logs.filter((l) => l.startsWith('warn'))[0]).to.include('failed 3 times (unknown error)');
    });

    it('a stored credential that cannot be read is logged, and the refresh goes on', async () => {
      const { session, logs, bodies } = rig({
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
        persistence: {
          save: async () => undefined,
          load: async () => {
            throw new Error('platform down');
          },
        },
      });
      expect(await session.accessToken()).to.equal('a-1');
      expect(logs[0]).to.equal(
        'warn T-Gate credential cred-1: could not re-read the stored credential (platform down)',
      );
      expect(bodies).to.have.length(1);
    });

    it('stored keys that are not an object are not carried into the save', async () => {
      const { session, saved } = rig({
        answers: [{ access_token: 'a-1', refresh_token: 'r-1' }],
        persistence: {
          save: async (keys) => {
            saved.push(keys);
          },
          load: async () => 'text' as unknown as Record<string, unknown>,
        },
      });
      await session.accessToken();
      expect(Object.keys(saved[0])).to.deep.equal(['oauth']);
    });
  });

  it('a credential not saved yet is known by a digest of its tokens', () => {
    const a = rig({ credentialId: null, tokens: { refresh_token: 'r-a' } }).session.credentialId;
    const b = rig({ credentialId: null, tokens: { refresh_token: 'r-b' } }).session.credentialId;
    expect(a).to.match(/^unsaved:[0-9a-f]{16}$/);
    expect(b)
      .to.match(/^unsaved:[0-9a-f]{16}$/)
      .and.not.equal(a);
  });
});
