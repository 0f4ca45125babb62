/**
 * `tgate oauth-clients check` and `tgate doctor`'s token rows against a real Doorkeeper (the server T-Gate
 * runs): the two answers the check reads, and the token answer the doctor judges.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import { requestToken, TGATE_PROFILE } from '../../lib/auth';
import { DoctorReport } from '../../lib/cli/doctor';
import { HttpClient } from '../../lib/http';
import { buildAuthorizeUrl, codeFromRedirect } from '../../lib/tgate';
import { tgate } from '../unit/cli/tgateRunner';
import { Doorkeeper, DoorkeeperClient, startDoorkeeper } from './helpers/doorkeeper';

const REDIRECT_URI = 'https://platform.example.io/callback/oauth2';

describe('tgate oauth-clients check and tgate doctor against a real Doorkeeper', function () {
  this.timeout(120_000);
  // `+ / =` : raw and form Basic encoding differ, so the doctor's encoding row is decided too.
  const client: DoorkeeperClient = {
    clientId: `tgate-doctor-${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: `s3cr3t+/=${crypto.randomBytes(8).toString('hex')}`,
    redirectUris: [REDIRECT_URI],
  };
  let dk: Doorkeeper;
  let tmp: string;

  before(async () => {
    dk = await startDoorkeeper({ mode: 'instant', clients: [client] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-doctor-dk-'));
  });
  after(async () => {
    await dk?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const check = (clientId: string, secret: string, json = true) =>
    tgate(
      ['oauth-clients', 'check', '--client-id', clientId, '--token-url', dk.tokenUrl, ...(json ? ['--json'] : [])],
      { input: secret },
    );

  it('check: the right pair is accepted (Doorkeeper answers 400 invalid_grant), exit 0', async () => {
    const result = await check(client.clientId, client.clientSecret);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ verdict: 'accepted', status: 400, oauthError: 'invalid_grant' });
    const last = (await dk.tokenRequests()).slice(-1)[0];
    expect(last).to.include({ status: 400, grant_type: 'authorization_code' });
  });

  it('check: a wrong secret or an unknown client id is refused (Doorkeeper: 401 invalid_client), exit 1', async () => {
    // Why the check sends a made-up code, not a made-up refresh token: Doorkeeper checks a refresh token
    // before the client, so that grant answers invalid_grant whatever the pair.
    const byRefresh = await requestToken(new HttpClient({ service: 'Doorkeeper' }), {
      tokenUrl: dk.tokenUrl,
      profile: TGATE_PROFILE,
      client: { clientId: client.clientId, clientSecret: 'wrong-secret-1234' },
      grant: { type: 'refresh_token', refreshToken: 'made-up-refresh-token' },
    }).then(
      () => undefined,
      (e: { oauthError?: string }) => e.oauthError,
    );
    expect(byRefresh).to.equal('invalid_grant');

    for (const [id, secret] of [
      [client.clientId, 'wrong-secret-1234'],
      ['no-such-client', client.clientSecret],
    ]) {
      const result = await check(id, secret);
      expect(result.code, `${id}: ${result.stderr}`).to.equal(1);
      expect(JSON.parse(result.stdout)).to.include({ verdict: 'refused', status: 401, oauthError: 'invalid_client' });
      expect(result.stdout + result.stderr).not.to.contain(client.clientSecret);
    }
    const text = await check(client.clientId, 'wrong-secret-1234', false);
    expect(text.stdout).to.match(/^refused: .* does not accept client tgate-doctor-\w+ with this secret: it answered/);
  });

  it("doctor: every token row holds on Doorkeeper's real answer; the new tokens are written back", async () => {
    const http = new HttpClient({ service: 'T-Gate', timeoutMs: 10_000 });
    const { url, state } = buildAuthorizeUrl(dk.authorizeUrl, client.clientId, REDIRECT_URI);
    const page = await axios.get(url, { maxRedirects: 0, proxy: false, validateStatus: () => true });
    const code = codeFromRedirect(page.headers.location as string, state);
    const grant = { type: 'authorization_code' as const, code, redirectUri: REDIRECT_URI };
    const tokens = await requestToken(http, { tokenUrl: dk.tokenUrl, profile: TGATE_PROFILE, client, grant });
    const file = path.join(tmp, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify({ environment: 'company-sandbox', oauth: tokens }), { mode: 0o600 });

    const result = await tgate(['doctor', '--cfg', file, '--json'], {
      env: {
        TGATE_CLIENT_ID: client.clientId,
        TGATE_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: dk.tokenUrl,
        TGATE_API_BASE_URL: dk.apiBaseUrl,
      },
    });
    const report = JSON.parse(result.stdout) as DoctorReport;
    const rows = Object.fromEntries(report.rows.map((r) => [r.id, r]));
    const tokenRows = ['refresh', 'rotation', 'expires_in', 'token_type', 'created_at', 'basic_encoding'].map(
      (r) => `token.${r}`,
    );
    for (const id of tokenRows) {
      expect(rows[id].verdict, `${id}: ${rows[id].answered}`).to.equal('holds');
    }
    expect(rows['token.expires_in'].answered).to.equal('expires_in 7200');
    expect(rows['token.token_type'].answered).to.equal('token_type "Bearer"');
    expect(rows['token.basic_encoding'].answered).to.equal(
      'raw: accepted (400 invalid_grant), form: refused (401 invalid_client)',
    );
    // The conformance app serves only integration scopes: those hold, a path it does not have fails with the fix.
    const scopeRows = ['path', 'paging', 'schema'].map((r) => rows[`integrationScopes.${r}`].verdict);
    expect(scopeRows).to.deep.equal(['holds', 'holds', 'holds']);
    expect(rows['brands.path']).to.deep.include({ verdict: 'fails' });
    expect(rows['brands.path'].answered).to.match(/^answered 404/);
    expect(result.code).to.equal(1);
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(after.oauth.refresh_token).to.not.equal(tokens.refresh_token);
    const secrets = [
      client.clientSecret,
      tokens.access_token,
      tokens.refresh_token,
      after.oauth.access_token,
      after.oauth.refresh_token,
    ];
    for (const secret of secrets) {
      expect(result.stdout + result.stderr).not.to.contain(secret as string);
    }
  });
});
