import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { writePrivateFile } from '../cli/devCommands';
import { UsageError } from '../cli/errors';
import { whenInterrupted } from '../cli/lifecycle';
import { LocalPlatform, PlatformCall } from './localPlatform';
import { portNumber } from '../cli/options';

/**
 * `tgate platform-sandbox`: the local platform stand-in (lib/cli/localPlatform.ts) on loopback until
 * Ctrl-C, to try `tgate oauth-clients` without a tenant service account. The generated API key goes to a
 * profile file (mode 0600) that `--profile` reads; it is never printed.
 */
export const DEFAULT_PORT = 8090;
export const PROFILE_FILE = path.join('.tgate', 'platform-sandbox.env');
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
export const SANDBOX_EMAIL = 'sandbox-admin@tgate.invalid';
export const SANDBOX_TENANT_ID = '5e5e5e5e5e5e5e5e5e5e5e01';
/** Visible in the tenant, with no OAuth client yet: create one for it. */
export const SANDBOX_COMPONENT_ID = '5f0c0ffee0000000000000aa';
/** Has the seeded OAuth client that a flow uses: deleting that client is refused. */
export const IN_USE_COMPONENT_ID = '5f0c0ffee0000000000000bb';
export const IN_USE_CLIENT_ID = '6a1b2c3d4e5f600000000001';
export const IN_USE_FLOW = 'Orders to ERP (sandbox)';
/** A v1 credential for the sailor's GET/PUT /v1/accounts/:id. */
export const SANDBOX_ACCOUNT_ID = 'sandbox-account';

export interface PlatformSandboxOptions {
  port?: number;
  host?: string;
  profileFile?: string;
  cwd?: string;
  /** Where the settings go (stdout). */
  write?: (text: string) => void;
  /** One line per request (stderr). */
  log?: (line: string) => void;
}

export interface RunningPlatformSandbox {
  platform: LocalPlatform;
  profilePath: string;
  close(): Promise<void>;
}

function describeCall(call: PlatformCall): string {
  return `${call.method} ${call.path}${call.rawQuery ? `?${call.rawQuery}` : ''} -> ${call.status}`;
}

export async function startPlatformSandbox(opts: PlatformSandboxOptions = {}): Promise<RunningPlatformSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new UsageError(`--host ${host} is not a loopback address: the sandbox only listens on ${LOOPBACK_HOSTS.join(', ')}`);
  }
  const profilePath = path.resolve(opts.cwd ?? process.cwd(), opts.profileFile ?? PROFILE_FILE);
  const write = opts.write ?? ((text: string) => void process.stdout.write(text));
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));

  const platform = new LocalPlatform({
    username: SANDBOX_EMAIL,
    apiKey: crypto.randomBytes(24).toString('base64url'),
    host,
    port,
    onCall: (call) => log(describeCall(call)),
  });
  platform.addTenant(SANDBOX_TENANT_ID, [SANDBOX_COMPONENT_ID, IN_USE_COMPONENT_ID]);
  platform.addClient(SANDBOX_TENANT_ID, {
    id: IN_USE_CLIENT_ID, clientId: 'erp-connector', clientSecret: crypto.randomBytes(18).toString('base64url'), componentId: IN_USE_COMPONENT_ID,
  });
  platform.useInFlow(SANDBOX_TENANT_ID, IN_USE_CLIENT_ID, IN_USE_FLOW);
  platform.accounts.set(SANDBOX_ACCOUNT_ID, { keys: {} });

  await platform.listen(); // a port in use is told by main.ts, as for every command
  try {
    fs.mkdirSync(path.dirname(profilePath), { recursive: true, mode: 0o700 });
    writePrivateFile(profilePath, [
      '# tgate platform-sandbox: a local stand-in of the platform API; rewritten at each start (new API key).',
      `ELASTICIO_API_URI=${platform.url}`,
      `ELASTICIO_API_USERNAME=${platform.username}`,
      `ELASTICIO_API_KEY=${platform.apiKey}`,
      `ELASTICIO_TENANT_ID=${SANDBOX_TENANT_ID}`,
      '',
    ].join('\n'));
  } catch (err) {
    await platform.close();
    throw new UsageError(`cannot write the profile ${profilePath}: ${(err as NodeJS.ErrnoException).code ?? 'error'} (choose another with --profile-file)`);
  }

  write([
    `Platform API sandbox listening on ${platform.url} (Ctrl-C to stop)`,
    '',
    `  API URL       ${platform.url}`,
    `  email         ${platform.username}`,
    `  API key       generated, in the profile ${profilePath} (mode 600); never printed`,
    `  tenant id     ${SANDBOX_TENANT_ID}`,
    `  component id  ${SANDBOX_COMPONENT_ID} (no OAuth client yet: create one)`,
    `  in use        OAuth client ${IN_USE_CLIENT_ID} (component ${IN_USE_COMPONENT_ID}) is used by the flow "${IN_USE_FLOW}": deleting it is refused`,
    '',
    'Use the profile (API URL, email, API key and tenant id; ELASTICIO_* variables set in the environment win over it):',
    `  export TGATE_PROFILE=${profilePath}`,
    `  or add --profile ${profilePath} to each command`,
    '',
    'Try (asks for the client secret without echo; or pipe it: printf %s "$SECRET" | ...):',
    `  tgate oauth-clients create --profile ${profilePath} --component ${SANDBOX_COMPONENT_ID} --client-id my-app --client-secret-stdin`,
    '',
    `Serves /v2/tenants/${SANDBOX_TENANT_ID}/oauth-clients (create, list, get, update, delete), and GET/PUT /v1/accounts/${SANDBOX_ACCOUNT_ID} for the sailor.`,
    '',
  ].join('\n'));
  return { platform, profilePath, close: () => platform.close() };
}

export function registerPlatformSandboxCommand(program: Command): void {
  program
    .command('platform-sandbox')
    .description('run a local stand-in of the platform API on loopback until Ctrl-C, to try `tgate oauth-clients` without a tenant service account')
    .addOption(new Option('--port <port>', 'port (0: any free port)').argParser(portNumber).default(DEFAULT_PORT))
    .option('--host <host>', `loopback address to listen on (${LOOPBACK_HOSTS.join(', ')})`, '127.0.0.1')
    .option('--profile-file <path>', 'where to write the profile for --profile (mode 600)', PROFILE_FILE)
    .addHelpText('after', `
What it serves:
  /v2/tenants/{tenant}/oauth-clients as the platform documents it (JSON:API; HTTP Basic with the
  email and API key; errors as {"errors":[{status, title, detail}]}), one tenant
  (${SANDBOX_TENANT_ID}) where component ${SANDBOX_COMPONENT_ID} has no OAuth client
  yet and the OAuth client ${IN_USE_CLIENT_ID} (component ${IN_USE_COMPONENT_ID}) is used by a
  flow, so deleting it is refused (409 here; the platform does not document the status). Also
  GET/PUT /v1/accounts/{id}, the calls the sailor makes (account ${SANDBOX_ACCOUNT_ID}). Everything
  is in memory.

The API key is generated at each start and written with the rest of the settings to the profile
file (mode 600), never printed: use it with --profile PATH or TGATE_PROFILE=PATH.`)
    .action(async (opts: { port: number; host: string; profileFile: string }) => {
      const sandbox = await startPlatformSandbox({ port: opts.port, host: opts.host, profileFile: opts.profileFile });
      await whenInterrupted(); // lib/cli/lifecycle then exits 130 (Ctrl-C) or 143 (SIGTERM), as every command does
      await sandbox.close();
    });
}
