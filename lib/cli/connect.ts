import http from 'node:http';
import { Command, Option } from 'commander';
import { OAuthKeys, requestToken, TGATE_PROFILE } from '../auth';
import { HttpClient } from '../http';
import { buildAuthorizeUrl, TGATE_ENVIRONMENTS, TGateEnvironmentName } from '../tgate';
import { readJsonObject, writePrivateJson } from './files';
import { EXIT_OK, UsageError } from './errors';
import { httpUrl, portNumber, refuseSecretArgument, secretArgumentOption } from './options';
import {
  checkLocalPair,
  DEFAULT_CFG_FILE,
  ensurePrivateDir,
  LOCAL_CLIENT_KEY,
  saveLocalClient,
} from './localCredential';
import { onShutdown } from './lifecycle';
import { printable } from './output';

/**
 * `tgate connect`: T-Gate's access grant flow for a developer. Prints the company portal's `/oauth` URL
 * (client id, a loopback redirect_uri served here, a random `state`), receives the redirect, checks
 * `state`, exchanges the code at once (it is valid 10 minutes) with Basic client authentication, and
 * writes the credential keys `{environment, oauth}` to a file only its owner can read, with the OAuth
 * client and the URLs it was made with, so `tgate verify`, `run` and `select` use it as it is.
 */
export interface ConnectCommandOptions {
  environment: TGateEnvironmentName;
  clientId?: string;
  out: string;
  port: number;
  authorizeUrl?: string;
  tokenUrl?: string;
  apiBaseUrl?: string;
}

const CALLBACK_PATH = '/callback';

/** The client secret: TGATE_CLIENT_SECRET, else stdin (one trailing line break dropped). Never an argument. */
export async function clientSecret(command = 'tgate connect ...'): Promise<string> {
  const fromEnv = process.env.TGATE_CLIENT_SECRET;
  let secret: string;
  let where: string;
  if (fromEnv !== undefined && fromEnv !== '') {
    secret = fromEnv;
    where = 'TGATE_CLIENT_SECRET';
  } else {
    if (process.stdin.isTTY)
      throw new UsageError(
        `no client secret: set TGATE_CLIENT_SECRET or pipe it on stdin (e.g. \`printf %s "$SECRET" | ${command}\`)`,
      );
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    secret = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    where = 'stdin';
  }
  if (secret === '') throw new UsageError('no client secret: set TGATE_CLIENT_SECRET or pipe it on stdin');
  if (/\s/.test(secret))
    throw new UsageError(`the client secret from ${where} contains whitespace or a line break: give the secret alone`);
  return secret;
}

function page(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

export async function connectCommand(
  opts: ConnectCommandOptions,
  write: (line: string) => void = (l) => void process.stdout.write(`${l}\n`),
): Promise<number> {
  const row = TGATE_ENVIRONMENTS[opts.environment];
  const clientId = (opts.clientId ?? process.env.TGATE_CLIENT_ID ?? '').trim();
  if (!clientId) throw new UsageError('no client id: give --client-id or set TGATE_CLIENT_ID');
  const authorizeUrl = httpUrl(
    'the authorize URL',
    opts.authorizeUrl ?? process.env.TGATE_AUTHORIZE_URI ?? row.authorizeUrl,
  );
  const tokenUrl = httpUrl('the token URL', opts.tokenUrl ?? process.env.TGATE_TOKEN_URI ?? row.tokenUrl);
  const apiBase = opts.apiBaseUrl ?? process.env.TGATE_API_BASE_URL;
  const apiBaseUrl = apiBase === undefined ? undefined : httpUrl('the API base URL', apiBase);
  checkLocalPair(tokenUrl, apiBaseUrl);
  const secret = await clientSecret();
  // An existing cfg file (step fields, say) keeps its other fields: checked now, before the grant flow.
  const existing = readJsonObject(opts.out, 'out', { missingOk: true }) ?? {};
  ensurePrivateDir(opts.out);

  const oauth = await grantThroughBrowser({
    authorizeUrl,
    tokenUrl,
    clientId,
    clientSecret: secret,
    port: opts.port,
    write,
  });
  const client = saveLocalClient(opts.out, {
    environment: opts.environment,
    clientId,
    clientSecret: secret,
    tokenUrl,
    apiBaseUrl,
  });
  writePrivateJson(opts.out, { ...existing, environment: opts.environment, oauth, [LOCAL_CLIENT_KEY]: client });
  write(
    `Access granted: credential keys {environment, oauth} written to ${opts.out} ` +
      `(mode 0600; access token valid ${String(oauth.expires_in ?? '?')} s),`,
  );
  write(
    `with the OAuth client ${clientId} (its secret in ${client.secretFile} beside it, mode 0600) ` +
      'and the URLs it was made with.',
  );
  write(`Try it: npx tgate verify${opts.out === DEFAULT_CFG_FILE ? '' : ` --cfg ${opts.out}`}`);
  return EXIT_OK;
}

export interface BrowserGrantOptions {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Loopback port of the redirect_uri (0: any free port). */
  port: number;
  /** The option that sets the port, named when it is in use (default --port). */
  portOption?: string;
  /** The command to run again when no redirect comes back in time (default tgate connect). */
  command?: string;
  write: (line: string) => void;
}

/**
 * The grant flow with a person at a browser: prints the `/oauth` URL, serves the loopback redirect_uri,
 * checks `state`, and exchanges the code at once (it is valid 10 minutes) with Basic client authentication.
 */
export async function grantThroughBrowser(opts: BrowserGrantOptions): Promise<OAuthKeys> {
  const { authorizeUrl, clientId, write } = opts;
  const server = await listenOnLoopback(opts.port, opts.portOption ?? '--port');
  const closeServer = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const unregister = onShutdown(closeServer); // Ctrl-C while waiting for the browser
  const port = (server.address() as { port: number }).port;
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
  const { url, state } = buildAuthorizeUrl(authorizeUrl, clientId, redirectUri);
  write('Open this URL in a browser, sign in to the company portal and approve access:');
  write(`  ${url}`);
  write(
    `Waiting for T-Gate to redirect to ${redirectUri} (the client must have it as a redirect URI; Ctrl-C to stop)...`,
  );

  try {
    const redirect = await redirectFromBrowser(server, redirectUri, state, opts.command ?? 'tgate connect');
    return await exchangeCode(opts, redirect, redirectUri);
  } finally {
    unregister();
    await closeServer();
  }
}

/** A server listening on 127.0.0.1:port; a port in use is a usage error naming the option that sets it. */
async function listenOnLoopback(port: number, portOption: string): Promise<http.Server> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UsageError(
              `port ${port} on 127.0.0.1 is in use: give another with ${portOption} ` +
                `(and register http://127.0.0.1:PORT${CALLBACK_PATH} as the client's redirect URI)`,
            )
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

interface BrowserRedirect {
  code: string;
  /** The browser's page, answered once the code exchange tells whether access was really granted. */
  res: http.ServerResponse;
}

/**
 * Waits for T-Gate's redirect carrying our `state`, for as long as an authorization code lives; a redirect
 * with another state is refused and the wait goes on.
 */
function redirectFromBrowser(
  server: http.Server,
  redirectUri: string,
  state: string,
  command: string,
): Promise<BrowserRedirect> {
  const lifetime = TGATE_PROFILE.authorizationCodeLifetimeSeconds ?? 600;
  return new Promise<BrowserRedirect>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no redirect came back within ${lifetime / 60} minutes: run ${command} again`)),
      lifetime * 1000,
    );
    server.on('request', (req, res) => {
      const received = new URL(req.url ?? '/', redirectUri);
      if (received.pathname !== CALLBACK_PATH) return page(res, 404, 'Not found');
      const error = received.searchParams.get('error');
      const gotState = received.searchParams.get('state');
      // A redirect without our state was not started by this command: refuse it and keep waiting.
      if (gotState !== state) {
        process.stderr.write('tgate: ignored a redirect with a missing or different state (not from this request)\n');
        return page(res, 400, 'This redirect was not for this request (state does not match).');
      }
      clearTimeout(timer);
      if (error) {
        const description = received.searchParams.get('error_description');
        page(res, 400, 'T-Gate did not grant access; see the terminal.');
        return reject(
          new Error(
            `T-Gate did not grant access: ${printable(error)}` +
              `${description ? ` (${printable(description.slice(0, 200))})` : ''}`,
          ),
        );
      }
      const got = received.searchParams.get('code');
      if (!got) {
        page(res, 400, 'The redirect held no authorization code; see the terminal.');
        return reject(new Error('T-Gate redirected back without an authorization code'));
      }
      return resolve({ code: got, res });
    });
  });
}

/** Exchanges the code for tokens, then tells the waiting browser page whether access was granted. */
async function exchangeCode(
  opts: BrowserGrantOptions,
  redirect: BrowserRedirect,
  redirectUri: string,
): Promise<OAuthKeys> {
  const client = new HttpClient({ service: 'the T-Gate token endpoint', timeoutMs: 20_000 });
  try {
    const tokens = await requestToken(client, {
      tokenUrl: opts.tokenUrl,
      profile: TGATE_PROFILE,
      client: { clientId: opts.clientId, clientSecret: opts.clientSecret },
      grant: { type: 'authorization_code', code: redirect.code, redirectUri },
    });
    page(redirect.res, 200, 'Access granted. You can close this window and return to the terminal.');
    return tokens;
  } catch (err) {
    page(
      redirect.res,
      502,
      'Access was NOT granted: T-Gate refused to exchange the code for tokens. See the terminal for why.',
    );
    throw err;
  }
}

export function registerConnectCommand(program: Command): void {
  program
    .command('connect')
    .description("T-Gate's access grant flow for a developer: writes the credential keys to a file only you can read")
    .addOption(
      new Option('--environment <name>', 'T-Gate environment')
        .choices(Object.keys(TGATE_ENVIRONMENTS))
        .default('company-sandbox'),
    )
    .option('--client-id <id>', 'OAuth client id (default: TGATE_CLIENT_ID)')
    .option(
      '--out <file>',
      'where to write the credential (mode 0600; an existing JSON cfg keeps its other fields)',
      DEFAULT_CFG_FILE,
    )
    .addOption(
      new Option('--port <port>', 'loopback port of the redirect_uri http://127.0.0.1:PORT/callback (0: any free port)')
        .argParser(portNumber)
        .default(8765),
    )
    .option('--authorize-url <url>', "the grant page (default: the environment's, or TGATE_AUTHORIZE_URI)")
    .option('--token-url <url>', "the token endpoint (default: the environment's, or TGATE_TOKEN_URI)")
    .option(
      '--api-base-url <url>',
      "the API base the credential is for (default: the environment's, or TGATE_API_BASE_URL; " +
        'required with a token URL on this machine)',
    )
    .addOption(secretArgumentOption())
    .addHelpText(
      'after',
      `
The client secret comes from TGATE_CLIENT_SECRET or stdin, never an argument; it and the tokens are never
printed. The code is exchanged as soon as the redirect arrives (codes are valid 10 minutes).

Example:
  printf %s "$SECRET" | npx tgate connect --environment company-sandbox --client-id my-app`,
    )
    .action(async (opts: ConnectCommandOptions & { clientSecret?: unknown }) => {
      refuseSecretArgument(opts);
      await connectCommand(opts);
    });
}
