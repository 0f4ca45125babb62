import { Command, InvalidArgumentError, Option } from 'commander';
import { startStandaloneSandbox } from '../sandbox/standalone';
import { isLoopbackHost } from '../sandbox/server';
import { TGATE_ENVIRONMENTS } from '../tgate';
import { clientSecret as readClientSecret } from './connect';
import { UsageError } from './errors';
import { whenInterrupted } from './lifecycle';
import { httpUrl, portNumber, refuseSecretArgument, SECRET_ARGUMENT_WHY, secretArgumentOption } from './options';
import { RealTGate, runStart } from './start';

const START_ENVIRONMENTS = ['embedded', 'company-sandbox', 'company'];

interface StartCommandOptions {
  environment?: string;
  port?: number;
  keepServing?: boolean;
  once?: boolean;
  clientId?: string;
  credential?: string;
  redirectPort: number;
  authorizeUrl?: string;
  tokenUrl?: string;
  apiBaseUrl?: string;
}

/** The real T-Gate the options point at, or undefined for the embedded sandbox (refusing options that do not fit). */
async function realTGateFromOptions(opts: StartCommandOptions): Promise<RealTGate | undefined> {
  const environment = opts.environment ?? process.env.TGATE_ENVIRONMENT ?? 'embedded';
  if (!START_ENVIRONMENTS.includes(environment))
    throw new UsageError(`TGATE_ENVIRONMENT is "${environment}": expected one of ${START_ENVIRONMENTS.join(', ')}`);
  if (environment === 'embedded') {
    refuseRealOnlyOptions(opts);
    return undefined;
  }
  if (environment === 'company') {
    throw new UsageError(
      'the main job creates and cancels an order, so it runs only on the embedded sandbox ' +
        "or T-Gate's company sandbox (--environment company-sandbox), not on production",
    );
  }
  return companySandboxFromOptions(opts);
}

/** The embedded sandbox registers its own OAuth app: options about a real T-Gate's app are refused. */
function refuseRealOnlyOptions(opts: StartCommandOptions): void {
  const realOnly = {
    '--client-id': opts.clientId,
    '--credential': opts.credential,
    '--authorize-url': opts.authorizeUrl,
    '--token-url': opts.tokenUrl,
    '--api-base-url': opts.apiBaseUrl,
  };
  const misplaced = Object.entries(realOnly)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (misplaced.length)
    throw new UsageError(
      `${misplaced.join(', ')} ${misplaced.length === 1 ? 'is' : 'are'} for --environment company-sandbox; ` +
        'the embedded sandbox registers its own OAuth app',
    );
}

/** T-Gate's company sandbox with the OAuth app and URLs from the options or the environment, the secret read last. */
async function companySandboxFromOptions(opts: StartCommandOptions): Promise<RealTGate> {
  if (opts.port !== undefined || opts.keepServing)
    throw new UsageError('--port and --keep-serving are for the embedded sandbox, not --environment company-sandbox');
  const clientId = (opts.clientId ?? process.env.TGATE_CLIENT_ID ?? '').trim();
  if (!clientId)
    throw new UsageError(
      'no client id: give --client-id or set TGATE_CLIENT_ID (the OAuth app from the T-Gate marketplace)',
    );
  const row = TGATE_ENVIRONMENTS['company-sandbox'];
  const authorizeUrl = httpUrl(
    'the authorize URL',
    opts.authorizeUrl ?? process.env.TGATE_AUTHORIZE_URI ?? row.authorizeUrl,
  );
  const tokenUrl = httpUrl('the token URL', opts.tokenUrl ?? process.env.TGATE_TOKEN_URI ?? row.tokenUrl);
  const apiBase = opts.apiBaseUrl ?? process.env.TGATE_API_BASE_URL;
  const apiBaseUrl = apiBase === undefined ? undefined : httpUrl('the API base URL', apiBase);
  const clientSecret = await readClientSecret('tgate start --environment company-sandbox ...');
  return {
    environment: 'company-sandbox',
    clientId,
    clientSecret,
    authorizeUrl,
    tokenUrl,
    apiBaseUrl,
    redirectPort: opts.redirectPort,
    credentialFile: opts.credential,
  };
}

/** --host: a loopback address, as the sandbox only listens there. */
function loopbackHost(value: string): string {
  if (!isLoopbackHost(value))
    throw new InvalidArgumentError('the sandbox only listens on loopback: 127.0.0.0/8, ::1 or localhost');
  return value;
}

interface SandboxCommandOptions {
  port: number;
  host: string;
  clientId?: string;
  redirectUri?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  webhookMetaDataFile?: string;
  webhookBodyShape?: string;
  webhookOff?: boolean;
  /** Only to be refused, as the secret is. */
  clientSecret?: unknown;
  webhookMetaData?: unknown;
}

/** `--webhook-meta-data`, accepted only to refuse it with a reason instead of "unknown option" echoing the value. */
function metaDataArgumentOption(): Option {
  return new Option('--webhook-meta-data [json]').hideHelp();
}

/** Webhook Meta Data may hold a shared secret: from a file or the environment, never an argument. */
function refuseMetaDataArgument(opts: { webhookMetaData?: unknown }): void {
  if (opts.webhookMetaData === undefined) return;
  throw new UsageError(
    `--webhook-meta-data is refused: it may hold a shared secret, and ${SECRET_ARGUMENT_WHY}. ` +
      'Instead, use --webhook-meta-data-file PATH or set TGATE_WEBHOOK_META_DATA',
  );
}

export function registerSandboxCommands(program: Command): void {
  program
    .command('start')
    .description(
      "run the component's main job and exit: connect the app, check the credential, look up the catalog, " +
        'place and move an order, receive its webhook, poll the catalog twice ' +
        '(on the embedded T-Gate sandbox unless --environment says otherwise)',
    )
    .addOption(
      new Option(
        '--environment <name>',
        "where T-Gate is: the embedded sandbox, or T-Gate's own company sandbox " +
          '(default: TGATE_ENVIRONMENT, else embedded)',
      ).choices(START_ENVIRONMENTS),
    )
    .addOption(new Option('--port <port>', 'embedded sandbox port (0: any free port)').argParser(portNumber))
    .option('--keep-serving', 'leave the embedded sandbox up after the job, until Ctrl-C')
    .option('--once', 'accepted for compatibility: finishing after the job is now the default')
    .option('--client-id <id>', 'company-sandbox: the OAuth client id (default: TGATE_CLIENT_ID)')
    .option(
      '--credential <file>',
      'company-sandbox: keep the credential in this file (mode 0600): ' +
        'reused when it exists, newest tokens written back',
    )
    .addOption(
      new Option(
        '--redirect-port <port>',
        'company-sandbox: loopback port of the redirect_uri http://127.0.0.1:PORT/callback (0: any free port)',
      )
        .argParser(portNumber)
        .default(8765),
    )
    .option(
      '--authorize-url <url>',
      "company-sandbox: the grant page (default: TGATE_AUTHORIZE_URI, else the environment's)",
    )
    .option(
      '--token-url <url>',
      "company-sandbox: the token endpoint (default: TGATE_TOKEN_URI, else the environment's)",
    )
    .option(
      '--api-base-url <url>',
      "company-sandbox: the API base (default: TGATE_API_BASE_URL, else the environment's)",
    )
    .addOption(secretArgumentOption())
    .addHelpText(
      'after',
      `
Exits 0 when every step succeeded, 1 naming the step that failed.

With --environment company-sandbox the job runs against T-Gate's company sandbox: it prints the /oauth URL
to open in a browser (the OAuth client must have the printed redirect URI), creates one test order and
cancels it, and skips the webhook step (T-Gate sends webhooks to the app's registered URL). The client
secret comes from TGATE_CLIENT_SECRET or stdin, never an argument, and is never printed.

Example against the company sandbox:
  printf %s "$SECRET" | npm start -- --environment company-sandbox ` +
        '--client-id my-app --credential .tgate/company-sandbox.json',
    )
    .action(async (opts: StartCommandOptions & { clientSecret?: unknown }) => {
      refuseSecretArgument(opts);
      const real = await realTGateFromOptions(opts);
      const { close } = await runStart({ port: opts.port ?? 0, keepServing: opts.keepServing, real });
      if (opts.keepServing) await whenInterrupted(); // lib/cli/lifecycle then exits 130 or 143
      await close();
    });

  program
    .command('sandbox')
    .description('run the embedded T-Gate sandbox on loopback until Ctrl-C')
    .addOption(new Option('--port <port>', 'port (0: any free port)').argParser(portNumber).default(8080))
    .option('--host <host>', 'loopback address to listen on (127.0.0.0/8, ::1, localhost)', loopbackHost, '127.0.0.1')
    .option('--client-id <id>', 'OAuth client id to register (default: TGATE_CLIENT_ID, else generated)')
    .option('--redirect-uri <uri>', 'redirect URI registered for the client')
    .option(
      '--webhook-url <url>',
      "send T-Gate's webhooks (item.*, section.*, menu.update, branch.update, order.update) to this URL",
    )
    .option('--webhook-events <list>', 'comma-separated events for the webhook (default: all)', (value: string) =>
      value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .option(
      '--webhook-meta-data-file <path>',
      'JSON object sent with every webhook as meta_data (default: TGATE_WEBHOOK_META_DATA)',
    )
    .option(
      '--webhook-body-shape <shape>',
      'resource_action ({id, resource_type, action}, default) or event_type ({id, event_type})',
    )
    .option('--webhook-off', 'configure the webhook switched off')
    .addOption(secretArgumentOption())
    .addOption(metaDataArgumentOption())
    .addHelpText(
      'after',
      '\nThe client secret comes from TGATE_CLIENT_SECRET or is generated and written to ' +
        '.tgate/sandbox-client.json (mode 0600); it is never printed or taken as an argument. ' +
        'Webhook Meta Data may hold a shared secret: ' +
        'it comes from a file or TGATE_WEBHOOK_META_DATA and is never printed.',
    )
    .action(async (opts: SandboxCommandOptions) => {
      refuseSecretArgument(
        opts,
        'set TGATE_CLIENT_SECRET, or leave it unset and the sandbox generates one into ' + '.tgate/sandbox-client.json',
      );
      refuseMetaDataArgument(opts);
      const sandbox = await startStandaloneSandbox({
        port: opts.port,
        host: opts.host,
        clientId: opts.clientId,
        redirectUri: opts.redirectUri,
        webhookUrl: opts.webhookUrl,
        webhookEvents: opts.webhookEvents,
        webhookMetaDataFile: opts.webhookMetaDataFile,
        webhookBodyShape: opts.webhookBodyShape,
        webhookOff: opts.webhookOff,
      });
      process.stdout.write('Press Ctrl-C to stop the sandbox.\n');
      await whenInterrupted(); // lib/cli/lifecycle then exits 130 or 143
      await sandbox.close();
    });
}
