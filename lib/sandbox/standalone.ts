/**
 * The embedded sandbox as `tgate sandbox` serves it to a person (docs/SANDBOX.md): started with one
 * registered OAuth client (id and secret from the caller, TGATE_CLIENT_ID / TGATE_CLIENT_SECRET, or
 * generated), an optional webhook, and a guide printed to get a credential next.
 *
 * The client secret is never printed: the output says where it came from, and a generated one is written
 * to .tgate/sandbox-client.json (mode 0600) in the working directory. Webhook Meta Data may hold a shared
 * secret: it comes from a JSON file or TGATE_WEBHOOK_META_DATA and is not printed either. The command's
 * options and help are lib/cli/sandboxCommands.ts's.
 */
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { buildAuthorizeUrl } from '../tgate/grantFlow';
import { TGATE_RESOURCES } from '../tgate/resources';
import { startSandbox } from './server';
import { Sandbox } from './types';
import { WebhookBodyShape, WebhookConfig, WebhookEvent } from './webhooks';

export const DEFAULT_SANDBOX_REDIRECT_URI = 'http://127.0.0.1:8765/callback';
export const SANDBOX_CLIENT_FILE = path.join('.tgate', 'sandbox-client.json');

export interface StandaloneSandboxOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUri?: string;
  /** Where the output goes (default: process.stdout). */
  write?: (text: string) => void;
  /** Directory under which .tgate/ is created (default: process.cwd()). */
  cwd?: string;
  /**
   * Environment to read TGATE_CLIENT_ID / TGATE_CLIENT_SECRET / TGATE_REDIRECT_URI / TGATE_WEBHOOK_META_DATA
   * from (default: process.env).
   */
  env?: NodeJS.ProcessEnv;
  /** Send T-Gate's webhooks to this URL. */
  webhookUrl?: string;
  /** Default: every event. */
  webhookEvents?: string[];
  /** A JSON object file sent as `meta_data` (default: TGATE_WEBHOOK_META_DATA, JSON). */
  webhookMetaDataFile?: string;
  webhookBodyShape?: string;
  /** Configure the webhook switched off. */
  webhookOff?: boolean;
}

/** The webhook the options describe, or undefined without --webhook-url. */
function webhookFromOptions(
  opts: StandaloneSandboxOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): WebhookConfig | undefined {
  if (!nonEmpty(opts.webhookUrl)) {
    if (opts.webhookEvents || opts.webhookMetaDataFile || opts.webhookBodyShape || opts.webhookOff)
      throw new Error('the --webhook-* options need --webhook-url');
    return undefined;
  }
  let metaText: string | undefined;
  let metaSource = '';
  if (nonEmpty(opts.webhookMetaDataFile))
    [metaText, metaSource] = [
      fs.readFileSync(path.resolve(cwd, opts.webhookMetaDataFile), 'utf8'),
      opts.webhookMetaDataFile,
    ];
  else if (nonEmpty(env.TGATE_WEBHOOK_META_DATA))
    [metaText, metaSource] = [env.TGATE_WEBHOOK_META_DATA, 'TGATE_WEBHOOK_META_DATA'];
  let metaData: Record<string, unknown> | null = null;
  if (metaText !== undefined) {
    try {
      metaData = JSON.parse(metaText) as Record<string, unknown> | null; // checked by the webhook sender
    } catch {
      throw new Error(`webhook Meta Data from ${metaSource} is not JSON`);
    }
  }
  return {
    url: opts.webhookUrl,
    ...(opts.webhookEvents ? { events: opts.webhookEvents as WebhookEvent[] } : {}),
    metaData,
    enabled: !opts.webhookOff,
    ...(opts.webhookBodyShape ? { bodyShape: opts.webhookBodyShape as WebhookBodyShape } : {}),
  };
}

function nonEmpty(value: string | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

/** Write JSON to a file only the owner can read, also when the file already existed. */
function writePrivateJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600); // openSync's mode applies only when it creates the file
    fs.writeSync(fd, JSON.stringify(data, null, 2) + '\n');
  } finally {
    fs.closeSync(fd);
  }
}

export async function startStandaloneSandbox(opts: StandaloneSandboxOptions = {}): Promise<Sandbox> {
  const env = opts.env ?? process.env;
  const write = opts.write ?? ((text: string) => void process.stdout.write(text));
  const cwd = opts.cwd ?? process.cwd();

  let clientId: string;
  let idSource: string;
  if (nonEmpty(opts.clientId)) [clientId, idSource] = [opts.clientId, 'from the command options'];
  else if (nonEmpty(env.TGATE_CLIENT_ID)) [clientId, idSource] = [env.TGATE_CLIENT_ID, 'from TGATE_CLIENT_ID'];
  else [clientId, idSource] = [`sandbox-${randomBytes(8).toString('hex')}`, 'generated'];

  let clientSecret: string;
  let secretSource: string;
  let generatedSecret = false;
  if (nonEmpty(opts.clientSecret)) [clientSecret, secretSource] = [opts.clientSecret, 'given by the caller'];
  else if (nonEmpty(env.TGATE_CLIENT_SECRET))
    [clientSecret, secretSource] = [env.TGATE_CLIENT_SECRET, 'yours, from TGATE_CLIENT_SECRET'];
  else {
    clientSecret = randomBytes(32).toString('base64url');
    secretSource = '';
    generatedSecret = true;
  }

  const redirectUri = nonEmpty(opts.redirectUri)
    ? opts.redirectUri
    : nonEmpty(env.TGATE_REDIRECT_URI)
      ? env.TGATE_REDIRECT_URI
      : DEFAULT_SANDBOX_REDIRECT_URI;

  const webhook = webhookFromOptions(opts, env, cwd);
  const sandbox = await startSandbox({
    port: opts.port ?? 0,
    host: opts.host,
    clients: [{ clientId, clientSecret, redirectUris: [redirectUri] }],
    webhooks: webhook ? [webhook] : [],
  });
  const configured = sandbox.webhooks.list()[0];
  const webhookLine = configured
    ? `${configured.url} (${configured.enabled ? 'on' : 'off'}; ${configured.events.join(', ')}; ` +
      `body ${configured.bodyShape}; meta_data keys: ${Object.keys(configured.metaData ?? {}).join(', ') || 'none'})`
    : 'none (add one with --webhook-url)';

  if (generatedSecret) {
    const file = path.resolve(cwd, SANDBOX_CLIENT_FILE);
    try {
      writePrivateJson(file, {
        clientId,
        clientSecret,
        redirectUris: [redirectUri],
        authorizeUrl: sandbox.authorizeUrl,
        tokenUrl: sandbox.tokenUrl,
        apiBaseUrl: sandbox.apiBaseUrl,
      });
    } catch (err) {
      await sandbox.close();
      throw new Error(`could not write the generated client secret to ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    secretSource = `generated, saved in ${file} (mode 0600: only you can read it)`;
  }

  write(
    sandboxGuide({
      sandbox,
      clientId,
      idSource,
      secretSource,
      secretFile: generatedSecret ? path.resolve(cwd, SANDBOX_CLIENT_FILE) : undefined,
      redirectUri,
      webhookLine,
    }),
  );
  return sandbox;
}

/** Single-quoted for a POSIX shell. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

interface GuideFacts {
  sandbox: Sandbox;
  clientId: string;
  idSource: string;
  secretSource: string;
  /** The 0600 file holding a generated secret. */
  secretFile?: string;
  redirectUri: string;
  webhookLine: string;
}

/**
 * What `tgate sandbox` prints: where it runs, a grant page URL ready to open, the API with example
 * paths from the resource table, where the secret is (never the secret), and the next command.
 */
export function sandboxGuide(facts: GuideFacts): string {
  const { sandbox, clientId, redirectUri } = facts;
  const { url: grantUrl } = buildAuthorizeUrl(sandbox.authorizeUrl, clientId, redirectUri);
  const api = sandbox.apiBaseUrl;
  const readSecret = facts.secretFile
    ? `node -p ${shellQuote(`require(${JSON.stringify(facts.secretFile)}).clientSecret`)}`
    : undefined;
  // tgate connect serves the redirect on http://127.0.0.1:PORT/callback: usable when that is the registered URI.
  const redirect = new URL(redirectUri);
  const connectPort =
    redirect.protocol === 'http:' && redirect.hostname === '127.0.0.1' && redirect.pathname === '/callback'
      ? redirect.port || '80'
      : undefined;
  const connect =
    `npx tgate connect --environment company-sandbox --client-id ${shellQuote(clientId)} ` +
    `--authorize-url ${sandbox.authorizeUrl} --token-url ${sandbox.tokenUrl} ` +
    `--api-base-url ${api} --port ${connectPort}`;
  let next: string[];
  if (!connectPort)
    next = [
      '  tgate connect needs the redirect URI http://127.0.0.1:PORT/callback: ' +
        'start the sandbox with --redirect-uri http://127.0.0.1:8765/callback',
    ];
  else if (readSecret) next = [`  ${readSecret} | ${connect}`];
  else if (facts.secretSource.includes('TGATE_CLIENT_SECRET')) next = [`  ${connect}   (it reads TGATE_CLIENT_SECRET)`];
  else next = [`  printf %s "$SECRET" | ${connect}`];
  return [
    `T-Gate sandbox running at ${sandbox.url} (a test company and its catalog)`,
    '',
    'OAuth client',
    `  client id:      ${clientId} (${facts.idSource})`,
    `  client secret:  not shown: ${facts.secretSource}`,
    ...(readSecret ? [`                  print it with: ${readSecret}`] : []),
    `  redirect URI:   ${redirectUri}`,
    '',
    'Grant page: open in a browser; the sandbox approves at once and redirects with ?code=...',
    `  ${grantUrl}`,
    `Token URL: ${sandbox.tokenUrl} (Basic client id:secret; codes are valid 10 minutes)`,
    '',
    `API base URL: ${api} (header Authorization: Bearer ACCESS_TOKEN), for example:`,
    `  GET ${api}${TGATE_RESOURCES.integrationScopes.path}`,
    `  GET ${api}${TGATE_RESOURCES.branches.path}`,
    `  GET ${api}${TGATE_RESOURCES.menus.path}?branch_id=BRANCH_ID`,
    '',
    `Webhook: ${facts.webhookLine}`,
    '',
    'Next, in another terminal: get a credential file (.tgate/cfg.json) through the grant flow',
    ...next,
    'then check it (it names its OAuth client and this sandbox, so nothing else is needed):',
    '  npx tgate verify',
    '',
  ].join('\n');
}
