import crypto from 'node:crypto';
import { HttpClient } from '../http';
import { requestToken, TGATE_PROFILE, tokenMemory } from '../auth';
import { startSandbox, Sandbox } from '../sandbox';
import { buildAuthorizeUrl, codeFromRedirect } from '../tgate';
import { startLocalPlatform, LocalPlatform } from './localPlatform';
import { runFunctionLocally, verifyWithRunService } from './sailorRun';

export interface StartOptions {
  port?: number;
  /** Stop after the walk-through instead of serving until interrupted. */
  once?: boolean;
  write?: (line: string) => void;
}

/**
 * `npm start`: the component's whole path on the embedded sandbox. A company approves the app (access
 * grant flow), the real verifyCredentials runs under the sailor's runService.js, the access token
 * expires and is refreshed and saved, and the listIntegrationScopes action runs in the sailor's TaskExec.
 */
export async function runStart(options: StartOptions = {}): Promise<{ sandbox: Sandbox; platform: LocalPlatform; close: () => Promise<void> }> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const client = {
    clientId: `sandbox-app-${crypto.randomBytes(4).toString('hex')}`,
    clientSecret: crypto.randomBytes(24).toString('base64url'),
    redirectUris: ['http://127.0.0.1:8765/callback'],
  };
  const sandbox = await startSandbox({ port: options.port ?? 0, clients: [client] });
  const platform = await startLocalPlatform();
  const close = async (): Promise<void> => { await sandbox.close(); await platform.close(); };
  try {
    // What the platform puts in a step's environment: the tenant's OAuth client and, here, the sandbox URLs.
    const env = { TGATE_CLIENT_ID: client.clientId, TGATE_CLIENT_SECRET: client.clientSecret, TGATE_TOKEN_URI: sandbox.tokenUrl, TGATE_API_BASE_URL: sandbox.apiBaseUrl };
    Object.assign(process.env, env);
    write(`T-Gate sandbox on ${sandbox.url} (grant page ${sandbox.authorizeUrl}, token endpoint ${sandbox.tokenUrl}, partner API ${sandbox.apiBaseUrl})`);
    write(`OAuth client ${client.clientId} registered (its secret stays in this process)`);

    // 1. The access grant flow: the company user approves on the grant page, T-Gate redirects with a code.
    const http = new HttpClient({ service: 'the T-Gate sandbox', timeoutMs: 10_000 });
    const { url, state } = buildAuthorizeUrl(sandbox.authorizeUrl, client.clientId, client.redirectUris[0]);
    const approval = await http.send({ method: 'GET', url });
    const location = approval.headers.location;
    if (approval.status !== 302 || !location) throw new Error(`the grant page answered ${approval.status} instead of redirecting with a code`);
    const code = codeFromRedirect(location, state);
    const tokens = await requestToken(http, { tokenUrl: sandbox.tokenUrl, profile: TGATE_PROFILE, client, grant: { type: 'authorization_code', code, redirectUri: client.redirectUris[0] } });
    const account = `local-${crypto.randomBytes(4).toString('hex')}`;
    const cfg = { _account: account, environment: 'company-sandbox', oauth: tokens };
    platform.accounts.set(account, { keys: { environment: cfg.environment, oauth: tokens } });
    write(`1. access grant flow: the company approved the app; the code was exchanged for tokens (access token valid ${tokens.expires_in} s)`);

    // 2. verifyCredentials as the platform runs it.
    const first = await verifyWithRunService(cfg, platform, env);
    write(`2. verifyCredentials (sailor runService.js): ${first.verified ? 'verified' : `NOT verified: ${first.reason}`}`);

    // 3. Two hours later: the stored access token has expired.
    const expired = { ...cfg, oauth: { ...tokens, expires_at: new Date(Date.now() - 1000).toISOString() } };
    const second = await verifyWithRunService(expired, platform, env);
    const saved = platform.accounts.get(account)?.keys.oauth as Record<string, unknown> | undefined;
    const rotated = saved?.refresh_token !== undefined && saved.refresh_token !== tokens.refresh_token;
    write(`3. with an expired access token: ${second.verified ? 'verified' : `NOT verified: ${second.reason}`}; ${rotated ? `token refreshed, refresh token rotated, new keys saved (expires ${String(saved?.expires_at)})` : 'no new keys were saved'}`);

    // 4. The action, in the sailor's TaskExec, with the start-up cfg (whose refresh token is now dead).
    tokenMemory.forget(account);
    const run = await runFunctionLocally('listIntegrationScopes', { body: {} }, { ...expired, emitBehavior: 'emitIndividually' }, platform);
    if (run.errors.length) throw new Error(`listIntegrationScopes failed: ${run.errors.map((e) => e.message).join('; ')}`);
    write(`4. listIntegrationScopes (sailor TaskExec): ${run.data.length} integration scopes emitted, first ${JSON.stringify(run.data[0]?.body)}; ${run.updateKeys.length
      ? `new keys saved ${run.updateKeys.length} time(s)`
      : 'its start-up cfg held the rotated-out refresh token, so it re-read the credential and used the keys saved in step 3'}`);

    if (!first.verified || !second.verified || !rotated) throw new Error('the walk-through did not verify the credential');
    write(options.once ? 'done.' : `The sandbox keeps serving on ${sandbox.url}; press Ctrl-C to stop.`);
    return { sandbox, platform, close };
  } catch (err) {
    await close();
    throw err;
  }
}
