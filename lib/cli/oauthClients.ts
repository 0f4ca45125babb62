import fs from 'node:fs';
import readline from 'node:readline';
import type { ReadStream } from 'node:tty';
import { Command, Option } from 'commander';
import {
  createTenantOAuthClients,
  isClientInUseError,
  isComponentError,
  isDuplicateClientError,
  OAuthClient,
  PLATFORM_SERVICE,
  PlatformApiError,
  PlatformInputError,
  TenantOAuthClients,
} from '../platform';
import { UsageError } from './errors';
import {
  checkBeforeStore,
  checkBeforeUpdate,
  checkOnWriteOptions,
  checkOnWriteUrl,
  CheckOnWriteOptions,
} from './oauthClientCheck';
import { CancelledError } from './lifecycle';
import { jsonOutput, printable, printableLines, tableOutput } from './output';
import { Connection, PROFILE_HELP, resolveConnection } from './profile';
import { refuseSecretArgument } from './options';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the API refused the request or failed (the message says why)
  2    usage error: a missing or wrong option, a refused confirmation
  130  cancelled with Ctrl-C (SIGINT), e.g. at the confirmation prompt
  143  stopped by SIGTERM`;

const SECRETS_HELP = `
Secrets:
  The client secret is read from --client-secret-stdin (on a terminal it is asked for without
  echo) or --client-secret-file PATH ("-" means stdin; a pipe works too, e.g.
  --client-secret-file <(printf %s "$SECRET")). One trailing newline is dropped; a secret with
  whitespace or a line break in it is refused. A --client-secret argument is refused: arguments
  end up in shell history and the process list.
  Output masks client_secret (••••••••3412: the last 4 characters of a secret of 12 or more)
  unless --reveal-secrets. The API key is only read from the environment or a profile.`;

const PERMISSIONS_HELP = `
Permissions:
  tenants.oauth_clients.get (list, get, update), .create, .edit (update), .delete. These are
  service permissions, held by service accounts: an ordinary user's key usually gets 403.`;

type Operation = 'list' | 'get' | 'create' | 'update' | 'delete';

export interface CommonOptions {
  apiUrl?: string;
  tenant?: string;
  profile?: string;
  json?: boolean;
  revealSecrets?: boolean;
  clientSecret?: string | boolean;
  apiKey?: string | boolean;
  password?: string | boolean;
  username?: string | boolean;
}

export interface WriteOptions extends CommonOptions {
  clientId?: string;
  component?: string;
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
}

interface Context {
  op: Operation;
  conn: Connection;
  id?: string;
  componentId?: string;
  /** For update: whether the component is being changed. */
  componentChange?: boolean;
}

function say(message: string): void {
  process.stderr.write(`tgate: ${printableLines(message)}\n`);
}

function connectionOptions(cmd: Command): Command {
  return (
    cmd
      .option('--api-url <url>', 'platform API root (else ELASTICIO_API_URI, the profile, https://api.elastic.io)')
      .option('--tenant <id>', 'tenant id (else ELASTICIO_TENANT_ID, the profile)')
      .option('--profile <path>', 'profile file with connection settings and credentials (else TGATE_PROFILE)')
      // Accepted only to refuse them with a reason instead of "unknown option" echoing the value.
      .addOption(new Option('--client-secret [value]').hideHelp())
      .addOption(new Option('--api-key [value]').hideHelp())
      .addOption(new Option('--password [value]').hideHelp())
      .addOption(new Option('--username [value]').hideHelp())
      .addHelpText('after', [PROFILE_HELP, PERMISSIONS_HELP].join('\n'))
  );
}

function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the JSON:API document instead of a table')
    .option('--reveal-secrets', 'print client_secret in plain text instead of masked');
}

export function secretOptions(cmd: Command): Command {
  return cmd
    .option('--client-secret-stdin', 'read the client secret from stdin')
    .option('--client-secret-file <path>', 'read the client secret from a file ("-" for stdin)')
    .addHelpText('after', SECRETS_HELP);
}

export function refuseSecretArguments(opts: CommonOptions): void {
  refuseSecretArgument(
    opts,
    'use --client-secret-stdin (e.g. `printf %s "$SECRET" | tgate oauth-clients ...`) or --client-secret-file PATH',
  );
  if (opts.apiKey !== undefined || opts.password !== undefined) {
    throw new UsageError(
      `${opts.apiKey !== undefined ? '--api-key' : '--password'} is refused: ` +
        'the API key is never taken as an argument (shell history, process list). ' +
        'Set ELASTICIO_API_KEY or use a profile file (--profile PATH, chmod 600)',
    );
  }
  if (opts.username !== undefined) {
    throw new UsageError(
      '--username is not an option: set ELASTICIO_API_USERNAME (with ELASTICIO_API_KEY) or use a profile file',
    );
  }
}

function requireArgument(value: string, what: string): string {
  if (!value || !value.trim()) throw new UsageError(`${what} is empty`);
  return value.trim();
}

function connect(opts: CommonOptions): { conn: Connection; api: TenantOAuthClients } {
  const conn = resolveConnection(opts, process.env, (m) => say(`warning: ${m}`));
  try {
    const api = createTenantOAuthClients({
      apiUrl: conn.apiUrl,
      username: conn.username,
      apiKey: conn.apiKey,
      tenantId: conn.tenantId,
      logger: { info: (m) => say(m), warn: (m) => say(`warning: ${m}`) },
    });
    return { conn, api };
  } catch (err) {
    // A tenant id that is not a plain id (e.g. `--tenant ..`) is a usage error, like any other bad option.
    if (!(err instanceof PlatformInputError)) throw err;
    throw new UsageError(err.field === 'tenantId' ? `${conn.tenantFrom}: ${err.message}` : err.message);
  }
}

export type SecretSource = { kind: 'stdin' } | { kind: 'file'; path: string };

export function secretSource(opts: WriteOptions): SecretSource | undefined {
  if (opts.clientSecretStdin && opts.clientSecretFile !== undefined) {
    throw new UsageError('give the client secret once: --client-secret-stdin or --client-secret-file, not both');
  }
  if (opts.clientSecretStdin) return { kind: 'stdin' };
  if (opts.clientSecretFile !== undefined) {
    const path = opts.clientSecretFile.trim();
    if (!path) throw new UsageError('--client-secret-file needs a path ("-" for stdin)');
    return path === '-' ? { kind: 'stdin' } : { kind: 'file', path };
  }
  return undefined;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from a terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin as ReadStream;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new CancelledError());
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** A secret is a few hundred bytes at most: more means the wrong file (e.g. /dev/zero). */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a file, a FIFO or /dev/fd/N (`<(printf %s "$SECRET")`) to its end. Only a regular file that
 * others may read gets a warning: a pipe has no such mode to check.
 */
async function readSecretFile(path: string, where: string): Promise<string> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (err) {
    throw new UsageError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new UsageError(`${where} is a directory`);
    if (stat.isFile() && process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      say(`warning: ${path} may be read by others; consider chmod 600 ${path}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 16 * 1024 })) {
      size += (chunk as Buffer).length;
      if (size > MAX_SECRET_BYTES)
        throw new UsageError(`${where} holds more than ${MAX_SECRET_BYTES} bytes: not a client secret`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The secret without the one trailing newline `echo` adds; refused (naming neither it nor any part of it)
 * when empty or holding whitespace or a line break.
 */
export function checkedSecret(text: string, where: string): string {
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`the client secret from ${where} is empty`);
  if (/[\r\n]/.test(secret)) {
    throw new UsageError(
      `the client secret from ${where} spans more than one line: give the secret alone on one line ` +
        '(one trailing newline, as echo adds, is dropped), e.g. printf %s "$SECRET"',
    );
  }
  if (/\s/.test(secret)) {
    throw new UsageError(
      `the client secret from ${where} contains whitespace (a space or tab): a client secret has none, ` +
        'so this is probably not the secret alone; give it exactly, e.g. printf %s "$SECRET"',
    );
  }
  return secret;
}

export async function readSecret(source: SecretSource): Promise<string> {
  if (source.kind === 'stdin') {
    const text = process.stdin.isTTY
      ? await promptHidden('OAuth client secret (not shown): ')
      : await readAll(process.stdin);
    return checkedSecret(text, 'stdin');
  }
  const where = `--client-secret-file ${source.path}`;
  return checkedSecret(await readSecretFile(source.path, where), where);
}

/** Reads one line from stdin, or undefined when stdin ends first. */
function askLine(prompt: string): Promise<string | undefined> {
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      if (!process.stdin.isTTY) process.stderr.write('\n');
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

/**
 * Whether a person can answer a prompt. TGATE_ASSUME_TTY=1 treats a pipe as a terminal: for tests of
 * the prompt only.
 */
function interactive(): boolean {
  return process.stdin.isTTY === true || process.env.TGATE_ASSUME_TTY === '1';
}

function print(clients: OAuthClient[] | OAuthClient, opts: CommonOptions): void {
  const reveal = opts.revealSecrets === true;
  process.stdout.write(
    opts.json ? jsonOutput(clients, reveal) : tableOutput(Array.isArray(clients) ? clients : [clients], reveal),
  );
}

const PERMISSION_OF: Record<string, string> = { GET: 'get', POST: 'create', PATCH: 'edit', DELETE: 'delete' };

/** Turns a library error into what the command says (UsageError: exit 2; Error: exit 1). */
export function explain(err: unknown, ctx: Context): Error {
  if (err instanceof PlatformInputError) {
    if (err.field === 'componentId' && ctx.op === 'update') {
      return new UsageError(
        `OAuth client ${ctx.id} has no component (it was removed or is hidden): pass --component ID to update it`,
      );
    }
    return new UsageError(err.message);
  }
  if (!(err instanceof PlatformApiError)) return err instanceof Error ? err : new Error(String(err));
  const { conn } = ctx;
  if (err.kind === 'not-json') {
    return new Error(
      `${printable(err.message)}\n  check the API URL: ${conn.apiUrl} came from ${conn.apiUrlFrom} ` +
        "(set --api-url, ELASTICIO_API_URI or the profile's ELASTICIO_API_URI to the platform API)",
    );
  }
  if (err.kind === 'network') {
    return new Error(
      `${printable(err.message)}\n  check the API URL (${err.origin}, from ${conn.apiUrlFrom}) and the network`,
    );
  }
  if (err.kind !== 'http') return new Error(printable(err.message));
  return new Error(refusal(err, ctx) + platformAnswer(err));
}

/** The platform's own answer, on a line of its own under the explanation. */
function platformAnswer(err: PlatformApiError): string {
  return (
    `\n  ${PLATFORM_SERVICE} answered ${err.status} to ${err.method} ${err.path}` +
    `${err.serverMessage ? `: ${printable(err.serverMessage)}` : ''}` +
    `${err.attempts > 1 ? ` (after ${err.attempts} attempts)` : ''}`
  );
}

/** What an HTTP error answer of the platform API means for the command that got it. */
function refusal(err: PlatformApiError, ctx: Context): string {
  const tenant = ctx.conn.tenantId;
  switch (err.status) {
    case 401:
      return (
        `${err.origin} did not accept the credentials from ${ctx.conn.credentialsFrom} (401): ` +
        "check ELASTICIO_API_USERNAME (the account email) and ELASTICIO_API_KEY (on the account's profile page), " +
        `and that they belong to ${err.origin}`
      );
    case 403: {
      const perm = `tenants.oauth_clients.${PERMISSION_OF[err.method] ?? 'get'}`;
      return (
        `permission denied (403): ${err.method} ${err.path} needs the permission ${perm} in tenant ${tenant}. ` +
        'The tenants.oauth_clients.* permissions are service permissions held by service accounts, ' +
        'not ordinary users: use the email and API key of a service account that has them, ' +
        'or ask the platform operator (support) to grant them'
      );
    }
    case 404:
      return notFound(err, ctx);
    default:
      break;
  }
  if (ctx.op === 'delete' && isClientInUseError(err)) {
    return (
      'refused: the OAuth client is still used by at least one flow in the tenant; remove it from those flows ' +
      '(drafts and versions included) before deleting it'
    );
  }
  if ((ctx.op === 'create' || (ctx.op === 'update' && ctx.componentChange)) && isDuplicateClientError(err)) {
    return ctx.op === 'create'
      ? `a client for component ${ctx.componentId} already exists in tenant ${tenant} ` +
          '(use `tgate oauth-clients update`; ' +
          `\`tgate oauth-clients list --component ${ctx.componentId}\` shows its id)`
      : `a client for component ${ctx.componentId} already exists in tenant ${tenant}: ` +
          'one OAuth client per component per tenant';
  }
  if (err.status === 409) return `conflict (409) in tenant ${tenant}`;
  if (err.status === 400 || err.status === 422) return `the platform API rejected the request (${err.status})`;
  if (err.status === 429) return 'rate limited (429) by the platform API: try again later';
  if (err.status !== undefined && err.status >= 500) return `the platform API failed (${err.status})`;
  return `the platform API refused the request (${err.status})`;
}

/** A 404: the component, the OAuth client or the tenant, depending on what the command named. */
function notFound(err: PlatformApiError, ctx: Context): string {
  const tenant = ctx.conn.tenantId;
  if (ctx.componentId && isComponentError(err) && (ctx.op === 'create' || ctx.componentChange)) {
    return (
      `component ${ctx.componentId} not found or not visible in tenant ${tenant}: an OAuth client can only be ` +
      'defined for a component that exists in the tenant and is visible to it'
    );
  }
  if (ctx.id) {
    const maybe =
      err.method === 'DELETE' && err.attempts > 1 ? ' (an earlier attempt that failed may have deleted it)' : '';
    return `OAuth client ${ctx.id} not found in tenant ${tenant}${maybe}; \`tgate oauth-clients list\` shows the ids`;
  }
  if (ctx.op === 'create') {
    return (
      `not found: tenant ${tenant}, or component ${ctx.componentId} ` +
      '(the component must exist in the tenant and be visible to it)'
    );
  }
  return `tenant ${tenant} not found (or not visible to this account)`;
}

async function run<T>(ctx: Context, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw explain(err, ctx);
  }
}

/** `create` needs the client id, the component and where the secret comes from; a usage error names the missing. */
function requireCreateOptions(opts: WriteOptions): void {
  const missing = [
    opts.clientId === undefined || !opts.clientId.trim() ? '--client-id ID' : undefined,
    opts.component === undefined || !opts.component.trim() ? '--component ID' : undefined,
    !opts.clientSecretStdin && opts.clientSecretFile === undefined
      ? '--client-secret-stdin or --client-secret-file PATH'
      : undefined,
  ].filter(Boolean);
  if (missing.length) throw new UsageError(`create needs ${missing.join(', ')}`);
}

/** A person at a terminal types the id to confirm a delete; without a terminal there is no one to ask. */
async function confirmDeletion(id: string, tenantId: string): Promise<void> {
  if (!interactive()) {
    throw new UsageError(
      `not deleting OAuth client ${id} without confirmation: ` +
        'stdin is not a terminal, so pass --yes to delete without asking',
    );
  }
  const answer = await askLine(`Delete OAuth client ${id} in tenant ${tenantId}? Type the id to confirm: `);
  if (answer === undefined || answer.trim() !== id) throw new UsageError('not confirmed: nothing was deleted');
}

/** `tgate oauth-clients <list|get|create|update|delete>`. */
export function registerOauthClientsCommand(program: Command): void {
  const group = program
    .command('oauth-clients')
    .description('manage tenant OAuth clients (one per component per tenant) over the platform v2 API')
    .addHelpText('after', [PROFILE_HELP, SECRETS_HELP, PERMISSIONS_HELP].join('\n'));

  const sub = (name: string, description: string): Command =>
    connectionOptions(group.command(name).description(description));

  outputOptions(sub('list', "list the tenant's OAuth clients (every page)"))
    .option('--component <id>', 'only the client of this component')
    .action(async (opts: CommonOptions & { component?: string }) => {
      refuseSecretArguments(opts);
      const componentId = opts.component !== undefined ? requireArgument(opts.component, '--component') : undefined;
      const { conn, api } = connect(opts);
      const clients = await run({ op: 'list', conn, componentId }, () => api.list({ componentId }));
      if (clients.length === 0 && !opts.json) {
        say(
          componentId
            ? `no OAuth client for component ${componentId} in tenant ${conn.tenantId}`
            : `no OAuth clients in tenant ${conn.tenantId}`,
        );
        return;
      }
      print(clients, opts);
    });

  outputOptions(sub('get', 'show one OAuth client'))
    .argument('<id>', 'id of the OAuth client object')
    .action(async (rawId: string, opts: CommonOptions) => {
      refuseSecretArguments(opts);
      const id = requireArgument(rawId, 'the OAuth client id');
      const { conn, api } = connect(opts);
      print(await run({ op: 'get', conn, id }, () => api.get(id)), opts);
    });

  const create = sub('create', 'create the OAuth client of a component in the tenant');
  checkOnWriteOptions(secretOptions(outputOptions(create)))
    .option('--client-id <id>', 'OAuth client id (client_id) from the provider (required)')
    .option('--component <id>', 'component id (required; the component must be visible in the tenant)')
    .action(async (opts: WriteOptions & CheckOnWriteOptions) => {
      refuseSecretArguments(opts);
      requireCreateOptions(opts);
      const source = secretSource(opts)!;
      const checkUrl = checkOnWriteUrl(opts);
      const { conn, api } = connect(opts);
      const clientSecret = await readSecret(source);
      await checkBeforeStore(checkUrl, { clientId: opts.clientId!.trim(), clientSecret });
      const componentId = opts.component!.trim();
      const created = await run({ op: 'create', conn, componentId }, () =>
        api.create({ clientId: opts.clientId!.trim(), clientSecret, componentId }),
      );
      say(`created OAuth client ${created.id} for component ${componentId} in tenant ${conn.tenantId}`);
      print(created, opts);
    });

  const update = sub('update', 'change an OAuth client: reads it, merges the change, sends the whole object');
  checkOnWriteOptions(secretOptions(outputOptions(update)))
    .alias('patch') // the platform's verb for it (PATCH /v2/tenants/{id}/oauth-clients/{id})
    .argument('<id>', 'id of the OAuth client object')
    .option('--client-id <id>', 'new OAuth client id (client_id)')
    .option('--component <id>', 'new component id')
    .action(async (rawId: string, opts: WriteOptions & CheckOnWriteOptions) => {
      refuseSecretArguments(opts);
      const id = requireArgument(rawId, 'the OAuth client id');
      const source = secretSource(opts);
      const clientId = opts.clientId !== undefined ? requireArgument(opts.clientId, '--client-id') : undefined;
      const componentId = opts.component !== undefined ? requireArgument(opts.component, '--component') : undefined;
      if (clientId === undefined && componentId === undefined && source === undefined) {
        throw new UsageError(
          'nothing to change: give --client-id, --component, --client-secret-stdin or --client-secret-file',
        );
      }
      const checkUrl = checkOnWriteUrl(opts);
      const { conn, api } = connect(opts);
      const clientSecret = source ? await readSecret(source) : undefined;
      const stored = (): Promise<OAuthClient> => run({ op: 'get', conn, id }, () => api.get(id));
      await checkBeforeUpdate(checkUrl, { clientId, clientSecret }, stored);
      const updated = await run(
        { op: 'update', conn, id, componentId, componentChange: componentId !== undefined },
        () => api.update(id, { clientId, clientSecret, componentId }),
      );
      say(`updated OAuth client ${updated.id} in tenant ${conn.tenantId}`);
      print(updated, opts);
    });

  sub('delete', 'delete an OAuth client (refused while a flow uses it); asks first unless --yes')
    .argument('<id>', 'id of the OAuth client object')
    .option('-y, --yes', 'delete without asking (required when stdin is not a terminal)')
    .action(async (rawId: string, opts: CommonOptions & { yes?: boolean }) => {
      refuseSecretArguments(opts);
      const id = requireArgument(rawId, 'the OAuth client id');
      const { conn, api } = connect(opts);
      if (!opts.yes) await confirmDeletion(id, conn.tenantId);
      await run({ op: 'delete', conn, id }, () => api.delete(id));
      say(`deleted OAuth client ${id} from tenant ${conn.tenantId}`);
    });

  group.commands.forEach((c) => c.addHelpText('after', EXIT_CODES_HELP));
}
