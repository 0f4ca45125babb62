import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { LocalPlatform } from '../platformSandbox/localPlatform';
import {
  DEFAULT_PORT,
  IN_USE_CLIENT_ID,
  IN_USE_COMPONENT_ID,
  LOOPBACK_HOSTS,
  platformSandboxGuide,
  platformSandboxProfile,
  PROFILE_FILE,
  SANDBOX_ACCOUNT_ID,
  SANDBOX_COMPONENT_ID,
  SANDBOX_TENANT_ID,
  startPlatformSandbox,
} from '../platformSandbox/standalone';
import { UsageError } from './errors';
import { writePrivateFile } from './files';
import { whenInterrupted } from './lifecycle';
import { portNumber } from './options';

/**
 * `tgate platform-sandbox`: the local platform stand-in (lib/platformSandbox) on loopback until Ctrl-C, to try
 * `tgate oauth-clients` without a tenant service account. The generated API key goes to a profile file
 * (mode 0600) that `--profile` reads; it is never printed.
 */
export interface PlatformSandboxCommandOptions {
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

export async function runPlatformSandbox(opts: PlatformSandboxCommandOptions = {}): Promise<RunningPlatformSandbox> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) {
    const hosts = LOOPBACK_HOSTS.join(', ');
    throw new UsageError(`--host ${host} is not a loopback address: the sandbox only listens on ${hosts}`);
  }
  const profilePath = path.resolve(opts.cwd ?? process.cwd(), opts.profileFile ?? PROFILE_FILE);
  const write = opts.write ?? ((text: string) => void process.stdout.write(text));
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));

  const platform = await startPlatformSandbox({ host, port: opts.port, log }); // a port in use is told by main.ts
  try {
    fs.mkdirSync(path.dirname(profilePath), { recursive: true, mode: 0o700 });
    writePrivateFile(profilePath, platformSandboxProfile(platform));
  } catch (err) {
    await platform.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write the profile ${profilePath}: ${code} (choose another with --profile-file)`);
  }
  write(platformSandboxGuide(platform, profilePath));
  return { platform, profilePath, close: () => platform.close() };
}

export function registerPlatformSandboxCommand(program: Command): void {
  program
    .command('platform-sandbox')
    .description(
      'run a local stand-in of the platform API on loopback until Ctrl-C, ' +
        'to try `tgate oauth-clients` without a tenant service account',
    )
    .addOption(new Option('--port <port>', 'port (0: any free port)').argParser(portNumber).default(DEFAULT_PORT))
    .option('--host <host>', `loopback address to listen on (${LOOPBACK_HOSTS.join(', ')})`, '127.0.0.1')
    .option('--profile-file <path>', 'where to write the profile for --profile (mode 600)', PROFILE_FILE)
    .addHelpText(
      'after',
      `
What it serves:
  /v2/tenants/{tenant}/oauth-clients as the platform documents it (JSON:API; HTTP Basic with the
  email and API key; errors as {"errors":[{status, title, detail}]}), one tenant
  (${SANDBOX_TENANT_ID}) where component ${SANDBOX_COMPONENT_ID} has no OAuth client
  yet and the OAuth client ${IN_USE_CLIENT_ID} (component ${IN_USE_COMPONENT_ID}) is used by a
  flow, so deleting it is refused (409 here; the platform does not document the status). Also
  GET/PUT /v1/accounts/{id}, the calls the sailor makes (account ${SANDBOX_ACCOUNT_ID}). Everything
  is in memory.

The API key is generated at each start and written with the rest of the settings to the profile
file (mode 600), never printed: use it with --profile PATH or TGATE_PROFILE=PATH.`,
    )
    .action(async (opts: { port: number; host: string; profileFile: string }) => {
      const sandbox = await runPlatformSandbox({ port: opts.port, host: opts.host, profileFile: opts.profileFile });
      await whenInterrupted(); // lib/cli/lifecycle then exits 130 (Ctrl-C) or 143 (SIGTERM), as every command does
      await sandbox.close();
    });
}
