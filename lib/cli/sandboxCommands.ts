import { Command, InvalidArgumentError, Option } from 'commander';
import { runSandboxCommand } from '../sandbox/cli';
import { isLoopbackHost } from '../sandbox/server';
import { whenInterrupted } from './lifecycle';
import { runStart } from './start';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM); lib/cli/lifecycle then exits 130 or 143. */
function untilInterrupted(): Promise<void> {
  return whenInterrupted();
}

/** --host: a loopback address, as the sandbox only listens there. */
function loopbackHost(value: string): string {
  if (!isLoopbackHost(value)) throw new InvalidArgumentError('the sandbox only listens on loopback: 127.0.0.0/8, ::1 or localhost');
  return value;
}

export function registerSandboxCommands(program: Command): void {
  program
    .command('start')
    .description("run the component's main job on the embedded T-Gate sandbox and exit: access grant flow, verifyCredentials, lookups, an order and its webhook, two catalog polls")
    .addOption(new Option('--port <port>', 'sandbox port (0: any free port)').argParser(port).default(0))
    .option('--keep-serving', 'leave the sandbox up after the job, until Ctrl-C')
    .option('--once', 'accepted for compatibility: finishing after the job is now the default')
    .addHelpText('after', '\nExits 0 when every step succeeded, 1 naming the step that failed. Runs only on the embedded sandbox (pointing it at a real T-Gate sandbox with --environment company-sandbox is not supported yet).')
    .action(async (opts: { port: number; keepServing?: boolean; once?: boolean }) => {
      const { close } = await runStart({ port: opts.port, keepServing: opts.keepServing });
      if (opts.keepServing) await untilInterrupted();
      await close();
    });

  program
    .command('sandbox')
    .description('run the embedded T-Gate sandbox on loopback until Ctrl-C')
    .addOption(new Option('--port <port>', 'port (0: any free port)').argParser(port).default(8080))
    .option('--host <host>', 'loopback address to listen on (127.0.0.0/8, ::1, localhost)', loopbackHost, '127.0.0.1')
    .option('--client-id <id>', 'OAuth client id to register (default: TGATE_CLIENT_ID, else generated)')
    .option('--redirect-uri <uri>', 'redirect URI registered for the client')
    .option('--webhook-url <url>', "send T-Gate's webhooks (item.*, section.*, menu.update, branch.update, order.update) to this URL")
    .option('--webhook-events <list>', 'comma-separated events for the webhook (default: all)', (value: string) => value.split(',').map((e) => e.trim()).filter(Boolean))
    .option('--webhook-meta-data-file <path>', 'JSON object sent with every webhook as meta_data (default: TGATE_WEBHOOK_META_DATA)')
    .option('--webhook-body-shape <shape>', 'resource_action ({id, resource_type, action}, default) or event_type ({id, event_type})')
    .option('--webhook-off', 'configure the webhook switched off')
    .addHelpText('after', '\nThe client secret comes from TGATE_CLIENT_SECRET or is generated and written to .tgate/sandbox-client.json (mode 0600); it is never printed or taken as an argument. Webhook Meta Data may hold a shared secret: it comes from a file or TGATE_WEBHOOK_META_DATA and is never printed.')
    .action(async (opts: { port: number; host: string; clientId?: string; redirectUri?: string; webhookUrl?: string; webhookEvents?: string[]; webhookMetaDataFile?: string; webhookBodyShape?: string; webhookOff?: boolean }) => {
      const sandbox = await runSandboxCommand({
        port: opts.port, host: opts.host, clientId: opts.clientId, redirectUri: opts.redirectUri,
        webhookUrl: opts.webhookUrl, webhookEvents: opts.webhookEvents, webhookMetaDataFile: opts.webhookMetaDataFile, webhookBodyShape: opts.webhookBodyShape, webhookOff: opts.webhookOff,
      });
      process.stdout.write('Press Ctrl-C to stop the sandbox.\n');
      await untilInterrupted();
      await sandbox.close();
    });
}
