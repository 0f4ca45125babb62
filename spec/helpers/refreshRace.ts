/**
 * Several containers holding one credential, as separate processes: each worker runs messages of the
 * List integration scopes action through the sailor's real TaskExec, with updateKeys saved to a platform
 * stand-in whose save can be slow, against the sandbox or another T-Gate (RaceOptions.server: a real
 * Doorkeeper in spec/conformance). Used by the refresh-race specs and by bench/refreshRace.
 *
 * Run as a script, this file is one worker: it reads its job from TGATE_RACE_JOB and prints one JSON
 * line per message.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { startSandbox, SandboxClient } from '../../lib/sandbox';
import { startLocalPlatform } from '../../lib/platformSandbox/localPlatform';
import { runFunctionLocally } from '../../lib/cli/sailorRun';
import { connectViaGrantFlow, ConnectedTokens } from './sandboxConnect';

export interface RaceOptions {
  containers: number;
  messagesPerContainer: number;
  /** The sandbox's access-token lifetime: short, so that refreshes collide. */
  accessTokenLifetimeSeconds: number;
  /** Delay of each PUT /v1/accounts, picked per call from [min, max] (min defaults to 0). */
  maxSaveDelayMs: number;
  minSaveDelayMs?: number;
  /** Pause between two messages of one worker. */
  gapMs?: number;
  /** The token server and partner API to race against (default: the sandbox, see {@link sandboxRaceServer}). */
  server?: (accessTokenLifetimeSeconds: number) => Promise<RaceServer>;
}

/** What the race needs of a T-Gate: its URLs, a client, a connected credential and its token-request record. */
export interface RaceServer {
  tokenUrl: string;
  apiBaseUrl: string;
  client: { clientId: string; clientSecret: string };
  /** The access grant flow: the tokens a freshly connected credential holds. */
  connect(): Promise<ConnectedTokens>;
  /** Every token request answered so far, in order; the refresh token sent only as a {@link tag}. */
  tokenRequests(): Promise<Array<{ at: number; status: number; refreshTokenTag: string }>>;
  close(): Promise<void>;
}

export interface RaceResult {
  messages: number;
  failed: number;
  /** The distinct error messages, for the report. */
  failures: string[];
  tokenRequests: number;
  refusedTokenRequests: number;
  saves: number;
  elapsedMs: number;
  /** Token requests and saves in time order, tokens shown as short one-way tags: for reading a failure. */
  timeline: string[];
}

/** A token shown as a short one-way tag (the first 6 hex of its sha256). */
export const tag = (token: unknown): string =>
  typeof token === 'string' ? crypto.createHash('sha256').update(token).digest('hex').slice(0, 6) : '-';

interface WorkerJob {
  platform: { url: string; username: string; apiKey: string };
  cfg: Record<string, unknown>;
  env: Record<string, string>;
  messages: number;
  gapMs: number;
  /** Workers start their first message together at this time, whatever their start-up took. */
  startAt: number;
}

interface WorkerLine {
  ok: boolean;
  error?: string;
  records: number;
}

/** The embedded sandbox as the race's T-Gate. */
export async function sandboxRaceServer(accessTokenLifetimeSeconds: number): Promise<RaceServer> {
  const client: SandboxClient = {
    clientId: `race ${crypto.randomBytes(3).toString('hex')}`,
    clientSecret: crypto.randomBytes(16).toString('base64url'),
    redirectUris: ['https://platform.example.io/callback/oauth2'],
  };
  const sandbox = await startSandbox({ clients: [client], accessTokenLifetimeSeconds });
  return {
    tokenUrl: sandbox.tokenUrl,
    apiBaseUrl: sandbox.apiBaseUrl,
    client,
    connect: () => connectViaGrantFlow(sandbox, client),
    tokenRequests: async () =>
      sandbox.tokenRequests.map((r) => ({
        at: r.at,
        status: r.status,
        refreshTokenTag: tag(new URLSearchParams(r.rawBody).get('refresh_token') ?? undefined),
      })),
    close: () => sandbox.close(),
  };
}

export async function runRefreshRace(options: RaceOptions): Promise<RaceResult> {
  const server = await (options.server ?? sandboxRaceServer)(options.accessTokenLifetimeSeconds);
  const { client } = server;
  const platform = await startLocalPlatform();
  try {
    const min = options.minSaveDelayMs ?? 0;
    platform.delayUpdates(() => Math.round(min + Math.random() * (options.maxSaveDelayMs - min)));
    const tokens = await server.connect();
    const account = `account-${crypto.randomBytes(4).toString('hex')}`;
    // Every container starts with the stored keys, the access token already expired: they all refresh at once.
    const oauth = { ...tokens, expires_at: new Date(Date.now() - 1000).toISOString() };
    platform.accounts.set(account, { keys: { environment: 'company-sandbox', oauth } });
    const before = (await server.tokenRequests()).length;
    const job: WorkerJob = {
      platform: { url: platform.url, username: platform.username, apiKey: platform.apiKey },
      cfg: { _account: account, environment: 'company-sandbox', oauth, emitBehavior: 'emitAll' },
      env: {
        TGATE_CLIENT_ID: client.clientId,
        TGATE_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: server.tokenUrl,
        TGATE_API_BASE_URL: server.apiBaseUrl,
      },
      messages: options.messagesPerContainer,
      gapMs: options.gapMs ?? 250,
      startAt: Date.now() + 2000,
    };
    const started = Date.now();
    const lines = (await Promise.all(Array.from({ length: options.containers }, () => runWorker(job)))).flat();
    const failures = lines.filter((l) => !l.ok).map((l) => l.error ?? 'no result');
    const requests = (await server.tokenRequests()).slice(before);
    return {
      messages: lines.length,
      failed: failures.length,
      failures: [...new Set(failures)],
      tokenRequests: requests.length,
      refusedTokenRequests: requests.filter((r) => r.status !== 200).length,
      saves: platform.calls.filter((c) => c.method === 'PUT').length,
      elapsedMs: Date.now() - started,
      timeline: [
        ...requests.map((r) => ({ at: r.at, line: `token ${r.status} refresh_token=${r.refreshTokenTag}` })),
        ...platform.calls
          .filter((c) => c.method === 'PUT')
          .map((c) => ({
            at: c.at,
            line: `save ${c.status} refresh_token=${tag((c.body as { keys?: { oauth?: { refresh_token?: string } } })?.keys?.oauth?.refresh_token)}`,
          })),
      ]
        .sort((a, b) => a.at - b.at)
        .map((e) => `${e.at - started} ms ${e.line}`),
    };
  } finally {
    await server.close();
    await platform.close();
  }
}

function runWorker(job: WorkerJob): Promise<WorkerLine[]> {
  const child = spawn(process.execPath, [__filename], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'fatal', TGATE_RACE_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as WorkerLine);
      if (lines.length !== job.messages) {
        lines.push(
          ...Array.from({ length: job.messages - lines.length }, () => ({
            ok: false,
            records: 0,
            error: `worker exited ${code}: ${err.trim().split('\n').slice(-1)[0] ?? ''}`,
          })),
        );
      }
      resolve(lines);
    });
  });
}

async function workerMain(job: WorkerJob): Promise<void> {
  Object.assign(process.env, job.env);
  await new Promise((r) => setTimeout(r, Math.max(0, job.startAt - Date.now())));
  for (let i = 0; i < job.messages; i += 1) {
    const outcome = await runFunctionLocally('listIntegrationScopes', { id: `m${i}`, body: {} }, job.cfg, job.platform);
    const body = outcome.data[0]?.body as { count?: number } | undefined;
    const line: WorkerLine = outcome.errors.length
      ? { ok: false, records: 0, error: outcome.errors[0].message }
      : {
          ok: outcome.data.length === 1,
          records: body?.count ?? 0,
          ...(outcome.data.length === 1 ? {} : { error: 'no data' }),
        };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    await new Promise((r) => setTimeout(r, job.gapMs));
  }
}

if (require.main === module && process.env.TGATE_RACE_JOB) {
  workerMain(JSON.parse(process.env.TGATE_RACE_JOB) as WorkerJob).then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
