import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
import { CancelledError, EXIT_SIGINT, installProcessHandlers, isStopping, setRunning } from './lifecycle';
import { registerConnectCommand } from './connect';
import { registerDevCommands } from './devCommands';
import { registerOauthClientsCommand } from './oauthClients';
import { registerOauthClientCheck } from './oauthClientCheck';
import { registerDoctorCommand } from './doctor';
import { printableLines } from './output';
import { registerPlatformSandboxCommand } from './platformSandbox';
import { registerSandboxCommands } from './sandboxCommands';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the API refused the request or failed (the message says why)
  2    usage error: a missing or wrong option, a refused confirmation, a port in use
  130  cancelled with Ctrl-C (SIGINT), wherever it happens; also how a serving sandbox stops
  143  stopped by SIGTERM`;

/** One example per command, shown at the end of its --help (the newer commands carry theirs). */
const EXAMPLES: Record<string, string> = {
  start: 'tgate start --keep-serving --port 8080',
  sandbox: 'tgate sandbox --port 8080   # prints the tgate connect command to run next',
  'oauth-clients': 'tgate oauth-clients list --profile ~/.config/tgate/staging.env',
  'oauth-clients list': 'tgate oauth-clients list --component 5f0c0ffee0000000000000aa --json',
  'oauth-clients get': 'tgate oauth-clients get 6a1b2c3d4e5f600000000001',
  'oauth-clients create':
    'printf %s "$SECRET" | tgate oauth-clients create --component 5f0c0ffee0000000000000aa ' +
    '--client-id my-app --client-secret-stdin',
  'oauth-clients update':
    'printf %s "$SECRET" | tgate oauth-clients update 6a1b2c3d4e5f600000000001 --client-secret-stdin',
  'oauth-clients delete': 'tgate oauth-clients delete 6a1b2c3d4e5f600000000001 --yes',
  'platform-sandbox':
    'tgate platform-sandbox --port 8090   # then: tgate oauth-clients list --profile .tgate/platform-sandbox.env',
};

function addExamples(command: Command, prefix = ''): void {
  for (const sub of command.commands) {
    const name = `${prefix}${sub.name()}`;
    if (EXAMPLES[name]) sub.addHelpText('after', `\nExample:\n  ${EXAMPLES[name]}`);
    addExamples(sub, `${name} `);
  }
}

export function buildProgram(): Command {
  const program = new Command('tgate')
    .description('T-Gate component tools: tenant OAuth clients, the embedded T-Gate sandbox, local runs')
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of the T-Gate component')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', EXIT_CODES_HELP);
  registerSandboxCommands(program);
  registerConnectCommand(program);
  registerDevCommands(program);
  registerOauthClientsCommand(program);
  registerOauthClientCheck(program);
  registerDoctorCommand(program);
  registerPlatformSandboxCommand(program);
  addExamples(program);
  program.commands.forEach((c) => c.addHelpText('after', EXIT_CODES_HELP));
  applyExitOverride(program);
  return program;
}

function packageVersion(): string {
  return (
    JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  command.commands.forEach(applyExitOverride);
}

/** Runs the command; resolves with the exit code instead of exiting, so tests and wrappers can use it. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(helpForSubcommand(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help asked for help; `commander.help` is help shown because a subcommand was missing: a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      if (err.code === 'commander.help' && err.exitCode === 0) return EXIT_OK; // `tgate help`
      return EXIT_USAGE; // commander already printed the message
    }
    if (err instanceof CancelledError) {
      process.stderr.write('tgate: cancelled\n');
      return EXIT_SIGINT;
    }
    const listen = listenProblem(err);
    if (listen) {
      process.stderr.write(`tgate: ${listen}\n`);
      return EXIT_USAGE;
    }
    // Messages quote servers, files and the environment: a terminal escape in them is written out, not run.
    if (err instanceof UsageError) {
      process.stderr.write(`tgate: ${printableLines(err.message)}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`tgate: ${printableLines(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_FAILED;
  }
}

/**
 * `tgate help oauth-clients create` as `tgate oauth-clients create --help`: commander's help command only
 * goes one level down, and would show the group's help instead.
 */
function helpForSubcommand(argv: string[]): string[] {
  const [node, script, first, ...rest] = argv;
  if (first !== 'help' || rest.length < 2 || rest.some((a) => a.startsWith('-'))) return argv;
  return [node, script, ...rest, '--help'];
}

/** A port or address that cannot be listened on, as one line with a hint; undefined for other errors. */
export function listenProblem(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!e || e.syscall !== 'listen') return undefined;
  const where = e.address ? `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}` : `port ${e.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${e.port} is in use (${where}): pick another with --port, or --port 0 for any free port`;
    case 'EACCES':
      return (
        `not allowed to listen on ${where} (ports below 1024 need special rights): ` +
        'pick another with --port, e.g. --port 8080, or --port 0 for any free port'
      );
    case 'EADDRNOTAVAIL':
      return (
        `cannot listen on ${where}: that address is not on this machine: ` +
        'pick a loopback address with --host, e.g. --host 127.0.0.1'
      );
    default:
      return undefined;
  }
}

/** The `tgate` command itself (bin/tgate.js): main() with the process's signal and output handling. */
export async function cli(argv: string[]): Promise<void> {
  installProcessHandlers();
  const command = main(argv);
  setRunning(command);
  const code = await command;
  if (!isStopping()) process.exitCode = code; // else the shutdown in lifecycle.ts exits with its own code
}
