import crypto from 'node:crypto';
import { expect } from 'chai';
import sinon from 'sinon';
import { startSandbox, Sandbox, SandboxClient } from '../../lib/sandbox';
import { tokenMemory } from '../../lib/auth';
import { connectViaGrantFlow, ConnectedTokens } from './sandboxConnect';
import { PlatformAccountsServer, startPlatformAccounts } from './platformAccounts';
import type { StepOutcome } from '../../lib/cli/sailorRun';
import type { IntegrationScope } from '../../lib/tgate/records';

export const TWO_HOURS_MS = 2 * 3600 * 1000;

/**
 * A sandbox T-Gate, a platform API stand-in and a connected credential, with the environment the
 * platform gives a step (tenant OAuth client and URL overrides). Only Date is faked, and only when asked.
 */
export interface World {
  sandbox: Sandbox;
  platform: PlatformAccountsServer;
  client: SandboxClient;
  tokens: ConnectedTokens;
  cfg: { _account: string; environment: string; oauth: Record<string, unknown> };
  clock?: sinon.SinonFakeTimers;
  /** Every secret value of this world, for leak checks. */
  secrets(): string[];
  tokenRequestsSince(n: number): number;
  apiRequests(): number;
  close(): Promise<void>;
}

const ENV_KEYS = [
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'TGATE_CLIENT_ID',
  'TGATE_CLIENT_SECRET',
  'TGATE_TOKEN_URI',
  'TGATE_API_BASE_URL',
];

export interface WorldOptions {
  fakeDate?: boolean;
  account?: string;
  /** The sandbox's access-token lifetime (default: its own, 2 h). */
  accessTokenLifetimeSeconds?: number;
  /** The integration scopes the company granted (default: the seed's 45). */
  integrationScopes?: IntegrationScope[];
}

export async function createWorld(opts: WorldOptions = {}): Promise<World> {
  const clock = opts.fakeDate ? sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] }) : undefined;
  const client: SandboxClient = {
    clientId: `partner app ${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: `s3cr3t/with+chars=${crypto.randomBytes(8).toString('hex')}`,
    redirectUris: ['https://platform.example.io/callback/oauth2'],
  };
  const { accessTokenLifetimeSeconds, integrationScopes } = opts;
  const sandbox = await startSandbox({ clients: [client], accessTokenLifetimeSeconds, integrationScopes });
  const platform = await startPlatformAccounts();
  const saved: Record<string, string | undefined> = {};
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  process.env.OAUTH_CLIENT_ID = client.clientId;
  process.env.OAUTH_CLIENT_SECRET = client.clientSecret;
  process.env.TGATE_TOKEN_URI = sandbox.tokenUrl;
  process.env.TGATE_API_BASE_URL = sandbox.apiBaseUrl;

  const tokens = await connectViaGrantFlow(sandbox, client);
  const account = opts.account ?? `account-${crypto.randomBytes(4).toString('hex')}`;
  // What the platform stores after the access grant flow: the token response as is.
  const cfg = { _account: account, environment: 'company-sandbox', oauth: { ...tokens } };
  platform.accounts.set(account, { keys: { environment: cfg.environment, oauth: { ...tokens } } });
  const connectRequests = sandbox.tokenRequests.length;

  return {
    sandbox,
    platform,
    client,
    tokens,
    cfg,
    clock,
    secrets: () => {
      const values = new Set<string>([client.clientSecret, platform.apiKey, tokens.access_token, tokens.refresh_token]);
      for (const call of platform.calls) {
        const oauth = (call.body as { keys?: { oauth?: Record<string, string | undefined> } })?.keys?.oauth;
        if (oauth?.access_token) values.add(String(oauth.access_token));
        if (oauth?.refresh_token) values.add(String(oauth.refresh_token));
      }
      return [...values];
    },
    tokenRequestsSince: (n = connectRequests) => sandbox.tokenRequests.length - n,
    apiRequests: () => sandbox.requests.filter((r) => r.path.includes('/partner/v1/')).length,
    close: async () => {
      clock?.restore();
      tokenMemory.forget(account);
      for (const k of ENV_KEYS)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      await sandbox.close();
      await platform.close();
    },
  };
}

/** The environment the platform gives a runService.js child for this world: the tenant OAuth client and the sandbox's URLs. */
export function serviceEnv(
  w: World,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    OAUTH_CLIENT_ID: w.client.clientId,
    OAUTH_CLIENT_SECRET: w.client.clientSecret,
    TGATE_TOKEN_URI: w.sandbox.tokenUrl,
    TGATE_API_BASE_URL: w.sandbox.apiBaseUrl,
    ...overrides,
  };
}

/** Everything a step run let out: its log lines, rebound reasons, errors (message, stack, fields) and emitted messages. */
export function outcomeTexts(outcomes: StepOutcome[]): string[] {
  return outcomes.flatMap((o) => [
    ...o.logLines,
    ...o.rebounds,
    ...o.errors.map((e) => `${e.message}\n${e.stack}\n${JSON.stringify(e)}`),
    ...o.data.map((d) => JSON.stringify(d)),
  ]);
}

/**
 * Runs a step that must refuse its input: one InvalidInputError naming `field` (with exactly `message`
 * when given), nothing emitted, no rebound, and no request to the sandbox (token endpoint included).
 */
export async function expectInputRefused(
  world: World,
  run: () => Promise<StepOutcome>,
  field: string,
  message?: string,
): Promise<void> {
  const before = world.sandbox.requestCount;
  const outcome = await run();
  expect(outcome.data, 'messages emitted').to.deep.equal([]);
  expect(outcome.rebounds, 'rebounds').to.deep.equal([]);
  expect(outcome.errors.map((e) => [e.name, (e as { field?: string }).field])).to.deep.equal([
    ['InvalidInputError', field],
  ]);
  if (message !== undefined) expect(outcome.errors[0].message).to.equal(message);
  expect(world.sandbox.requestCount - before, 'requests made').to.equal(0);
}

/** Asserts that none of the world's secrets appears in any of the given texts. */
export function leakedSecrets(world: World, texts: string[]): string[] {
  const all = texts.join('\n');
  return world.secrets().filter((s) => s && all.includes(s));
}
