import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpClient } from '../http';
import { OAuthKeys, requestToken, TGATE_PROFILE } from '../auth';
import { startSandbox, Sandbox } from '../sandbox';
import { buildAuthorizeUrl, codeFromRedirect, resolveEndpoints } from '../tgate';
import { grantThroughBrowser } from './connect';
import { readJsonObject, writePrivateJson } from './devCommands';
import { startLocalPlatform, LocalPlatform } from '../platformSandbox/localPlatform';
import { runFunctionLocally, StepOutcome, verifyWithRunService } from './sailorRun';

/** A real T-Gate (its company sandbox) instead of the embedded one. */
export interface RealTGate {
  environment: 'company-sandbox';
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Overrides the environment's API base (TGATE_API_BASE_URL). */
  apiBaseUrl?: string;
  /** Loopback port of the redirect_uri for the browser (0: any free port). */
  redirectPort: number;
  /** Keeps the credential between runs: read when it exists (no browser then), newest tokens written back. */
  credentialFile?: string;
}

export interface StartOptions {
  port?: number;
  /** Leave the sandbox up after the main job (the caller closes it). */
  keepServing?: boolean;
  /** Run against a real T-Gate: no embedded sandbox. */
  real?: RealTGate;
  write?: (line: string) => void;
}

/** What the steps share: where T-Gate is, the local platform, the credential, and what earlier steps found. */
interface Job {
  /** The embedded sandbox; absent against a real T-Gate. */
  sandbox?: Sandbox;
  real?: RealTGate;
  platform: LocalPlatform;
  write: (line: string) => void;
  /** What the platform puts in a step's environment: the tenant's OAuth client and T-Gate's URLs. */
  env: Record<string, string>;
  cfg: Record<string, unknown>;
  branch?: { id: number; brandId: number };
  menuId?: number;
  orderId?: number;
  receiver?: WebhookReceiver;
  webhookSecret: string;
  /** Authorization codes this command exchanged itself (the browser grant against a real T-Gate). */
  codeExchanges: number;
}

interface Step {
  name: string;
  run: (job: Job) => Promise<string>;
  /** Why the step cannot run against a real T-Gate (it is then reported as skipped). */
  notAgainstRealTGate?: string;
}

/**
 * `npm start`: the component's main job, as a list of named steps. Each prints one line: what it did or
 * emitted, and how many token requests it took. The first failing step stops the job.
 */
const STEPS: Step[] = [
  { name: 'connect the app to the company (OAuth sign-in)', run: grantAccess },
  { name: 'check the credential, as the platform does when one is saved', run: verifyCredential },
  { name: 'find the branches and menus the company shared', run: lookUpBranchesAndMenus },
  { name: 'list part of the catalog', run: listCatalog },
  { name: 'price and place an order', run: calculateAndCreateOrder },
  { name: 'move the order along', run: advanceOrderStatus },
  {
    name: "receive T-Gate's notice of the change (webhook)",
    run: receiveWebhook,
    notAgainstRealTGate:
      "T-Gate sends webhooks to the URL in the app's marketplace listing, which this machine does not serve " +
      '(try the webhook trigger with `tgate sandbox --webhook-url`)',
  },
  { name: 'watch the catalog for changes (two polls)', run: pollCatalogTwice },
];

export class StepFailed extends Error {}

export async function runStart(options: StartOptions = {}): Promise<{ sandbox?: Sandbox; close: () => Promise<void> }> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const started = Date.now();
  const platform = await startLocalPlatform();
  const { job, tokenRequests } = options.real
    ? againstRealTGate(options.real, platform, write)
    : await againstEmbeddedSandbox(options.port ?? 0, platform, write);
  write(
    "Each step runs the component's own triggers and actions as the platform would; " +
      '[n token requests] counts the times it had to ask T-Gate for an access token.',
  );
  const close = (): Promise<void> => closeJob(job);
  Object.assign(process.env, job.env); // the component's functions run in this process

  try {
    await runSteps(job, tokenRequests);
  } catch (err) {
    saveCredential(job);
    await close();
    throw err;
  }
  saveCredential(job);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  write(`Done in ${seconds} s: every step succeeded, with ${plural(tokenRequests(), 'token request')} in all.`);
  const { sandbox } = job;
  if (options.keepServing && sandbox) write(`The sandbox keeps serving on ${sandbox.url}; press Ctrl-C to stop.`);
  return { sandbox, close };
}

/** The job's starting point, and how many token requests it has made so far. */
interface Setup {
  job: Job;
  tokenRequests: () => number;
}

function againstRealTGate(real: RealTGate, platform: LocalPlatform, write: (line: string) => void): Setup {
  const job: Job = {
    real,
    platform,
    write,
    cfg: {},
    webhookSecret: '',
    codeExchanges: 0,
    env: {
      OAUTH_CLIENT_ID: real.clientId,
      OAUTH_CLIENT_SECRET: real.clientSecret,
      TGATE_TOKEN_URI: real.tokenUrl,
      ...(real.apiBaseUrl ? { TGATE_API_BASE_URL: real.apiBaseUrl } : {}),
    },
  };
  write(
    `Running against T-Gate's company sandbox (API ${resolveEndpoints(real.environment, job.env).apiBaseUrl}) ` +
      `with OAuth app ${real.clientId}; the steps create and cancel one test order.`,
  );
  // T-Gate's count is out of sight here. Every token a function gets is saved to the credential through the
  // platform API (updateKeys), in this process or in verifyCredentials' own: one save per token request.
  return { job, tokenRequests: () => job.codeExchanges + platform.calls.filter(isCredentialSave).length };
}

/** Starts the embedded sandbox with a test app registered; the platform stand-in is closed if it cannot start. */
async function againstEmbeddedSandbox(
  port: number,
  platform: LocalPlatform,
  write: (line: string) => void,
): Promise<Setup> {
  const client = {
    clientId: `sandbox-app-${crypto.randomBytes(4).toString('hex')}`,
    clientSecret: crypto.randomBytes(24).toString('base64url'),
    redirectUris: ['http://127.0.0.1:8765/callback'],
  };
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ port, clients: [client] });
  } catch (err) {
    await platform.close();
    throw err;
  }
  const job: Job = {
    sandbox,
    platform,
    write,
    cfg: {},
    webhookSecret: crypto.randomBytes(12).toString('base64url'),
    codeExchanges: 0,
    env: {
      OAUTH_CLIENT_ID: client.clientId,
      OAUTH_CLIENT_SECRET: client.clientSecret,
      TGATE_TOKEN_URI: sandbox.tokenUrl,
      TGATE_API_BASE_URL: sandbox.apiBaseUrl,
    },
  };
  write(
    `T-Gate sandbox started on ${sandbox.url} with a test restaurant company and its catalog; ` +
      `a test app (OAuth client ${client.clientId}) is registered, its secret never printed.`,
  );
  return { job, tokenRequests: () => sandbox.tokenRequests.length };
}

/** Runs the steps in order, one line each; the first failing step stops the job with StepFailed. */
async function runSteps(job: Job, tokenRequests: () => number): Promise<void> {
  for (const [index, step] of STEPS.entries()) {
    const label = `${index + 1}. ${step.name}`;
    if (job.real && step.notAgainstRealTGate) {
      job.write(`${label}: skipped: ${step.notAgainstRealTGate}`);
      continue;
    }
    const tokensBefore = tokenRequests();
    try {
      const summary = await step.run(job);
      job.write(`${label}: ${summary} [${plural(tokenRequests() - tokensBefore, 'token request')}]`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      job.write(`${label}: FAILED: ${reason}`);
      throw new StepFailed(`the step "${step.name}" failed: ${reason}`);
    }
  }
}

/** Closes what the job opened: the webhook receiver, the embedded sandbox, the platform stand-in. */
async function closeJob(job: Job): Promise<void> {
  await job.receiver?.close();
  await job.sandbox?.close();
  await job.platform.close();
}

/** A credential saved through the platform API: what updateKeys becomes (PUT /v1/accounts/{id}). */
const isCredentialSave = (call: { method: string; path: string; status: number }): boolean =>
  call.method === 'PUT' && call.path.startsWith('/v1/accounts/') && call.status < 300;

/**
 * Writes the newest keys back to --credential: T-Gate rotates refresh tokens,
 * so the file's old one may no longer work.
 */
function saveCredential(job: Job): void {
  const file = job.real?.credentialFile;
  const account = job.cfg._account as string | undefined;
  const stored = account ? job.platform.accounts.get(account) : undefined;
  if (!file || !stored) return;
  const existing = readJsonObject(file, 'credential', { missingOk: true }) ?? {};
  writePrivateJson(file, { ...existing, ...stored.keys });
}

/**
 * Runs one of the component's functions (its component.json id) in the sailor's TaskExec;
 * its log lines are kept, not printed.
 */
async function run(
  job: Job,
  fn: string,
  body: unknown,
  fields: Record<string, unknown> = {},
  snapshot?: Record<string, unknown>,
): Promise<StepOutcome> {
  const outcome = await runFunctionLocally(
    fn,
    { id: crypto.randomUUID(), body, headers: {}, attachments: {}, metadata: {} },
    { ...job.cfg, ...fields },
    job.platform,
    { snapshot, onLog: () => undefined },
  );
  const problems = [...outcome.errors.map((e) => e.message), ...outcome.rebounds.map((r) => `retry later: ${r}`)];
  if (problems.length) throw new Error(`${fn} ${problems.join('; ')}`);
  return outcome;
}

const bodies = <T>(outcome: StepOutcome): T[] => outcome.data.map((d) => d.body as T);
const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** The company user approves the app on the grant page; T-Gate redirects with a code, exchanged for tokens. */
async function grantAccess(job: Job): Promise<string> {
  const account = `local-${crypto.randomBytes(4).toString('hex')}`;
  const keep = (tokens: Record<string, unknown>): void => {
    job.cfg = { _account: account, environment: 'company-sandbox', oauth: tokens };
    job.platform.accounts.set(account, { keys: { environment: 'company-sandbox', oauth: tokens } });
  };
  if (!job.real) {
    const tokens = await approveInSandbox(job);
    keep(tokens);
    return (
      "the company approved the app on T-Gate's sign-in page; the one-time code was swapped for an access token " +
      `(valid ${tokens.expires_in} s) and a refresh token`
    );
  }
  const { real } = job;
  const kept = keptCredential(real);
  if (kept) {
    keep(kept);
    return (
      `used the credential kept in ${real.credentialFile} ` + '(granted earlier; delete the file to grant access again)'
    );
  }
  const tokens = await grantThroughBrowser({
    authorizeUrl: real.authorizeUrl,
    tokenUrl: real.tokenUrl,
    clientId: real.clientId,
    clientSecret: real.clientSecret,
    port: real.redirectPort,
    portOption: '--redirect-port',
    command: 'tgate start',
    write: job.write,
  });
  job.codeExchanges += 1;
  keep(tokens);
  saveCredential(job);
  return (
    "the company approved the app on T-Gate's sign-in page; the one-time code was swapped for an access token " +
    `(valid ${String(tokens.expires_in ?? '?')} s) and a refresh token` +
    `${real.credentialFile ? `, kept in ${real.credentialFile}` : ''}`
  );
}

/** The OAuth tokens --credential holds from an earlier grant, if any; refused when made for another environment. */
function keptCredential(real: RealTGate): Record<string, unknown> | undefined {
  const kept = real.credentialFile ? readJsonObject(real.credentialFile, 'credential', { missingOk: true }) : undefined;
  if (!kept?.oauth || typeof kept.oauth !== 'object') return undefined;
  if (kept.environment !== undefined && kept.environment !== real.environment)
    throw new Error(
      `${real.credentialFile} holds a credential for the ` +
        `${typeof kept.environment === 'string' ? kept.environment : JSON.stringify(kept.environment)} ` +
        `environment, not ${real.environment}`,
    );
  return kept.oauth as Record<string, unknown>;
}

/** The embedded sandbox approves at once: its grant page redirects with a code, exchanged here for tokens. */
async function approveInSandbox(job: Job): Promise<OAuthKeys> {
  const sandbox = job.sandbox!;
  const client = {
    clientId: job.env.OAUTH_CLIENT_ID,
    clientSecret: job.env.OAUTH_CLIENT_SECRET,
    redirectUris: ['http://127.0.0.1:8765/callback'],
  };
  const httpClient = new HttpClient({ service: 'the T-Gate sandbox', timeoutMs: 10_000 });
  const { url, state } = buildAuthorizeUrl(sandbox.authorizeUrl, client.clientId, client.redirectUris[0]);
  const approval = await httpClient.send({ method: 'GET', url });
  const location = approval.headers.location;
  if (approval.status !== 302 || !location)
    throw new Error(`the grant page answered ${approval.status} instead of redirecting with a code`);
  const code = codeFromRedirect(location, state);
  return requestToken(httpClient, {
    tokenUrl: sandbox.tokenUrl,
    profile: TGATE_PROFILE,
    client,
    grant: { type: 'authorization_code', code, redirectUri: client.redirectUris[0] },
  });
}

async function verifyCredential(job: Job): Promise<string> {
  const result = await verifyWithRunService(job.cfg, job.platform, job.env);
  if (!result.verified) throw new Error(`the credential was not verified: ${result.reason ?? 'no reason given'}`);
  return 'the credential works';
}

interface Named {
  id: number;
  name_en?: string | null;
}

async function lookUpBranchesAndMenus(job: Job): Promise<string> {
  const branches = bodies<Named & { brand_ids: number[]; is_force_closed: boolean }>(
    await run(job, 'lookupObjects', {}, { resourceType: 'branches' }),
  );
  // Brand 103's branches are open around the clock in the sandbox, so the order below can be placed at any time.
  const branch =
    branches.find((b) => b.brand_ids.includes(103) && !b.is_force_closed) ?? branches.find((b) => !b.is_force_closed);
  if (!branch) throw new Error('no open branch was granted');
  job.branch = { id: branch.id, brandId: branch.brand_ids[0] };
  const menus = bodies<Named & { is_active: boolean; inactive_in_branches: number[] }>(
    await run(job, 'lookupObjects', {}, { resourceType: 'menus', branch_id: String(branch.id) }),
  );
  const menu = menus.find((m) => m.is_active && !m.inactive_in_branches.includes(branch.id));
  if (!menu) throw new Error(`branch ${branch.id} has no active menu`);
  job.menuId = menu.id;
  return (
    `${plural(branches.length, 'branch', 'branches')} shared (e.g. ${branch.id} "${branch.name_en}"); ` +
    `${plural(menus.length, 'menu')} at branch ${branch.id} (e.g. ${menu.id} "${menu.name_en}")`
  );
}

async function listCatalog(job: Job): Promise<string> {
  const pages = bodies<{ results: Array<Named & { price: number | null; item_type: string }>; totalCount: number }>(
    await run(
      job,
      'lookupObjects',
      {},
      { resourceType: 'items', emitBehavior: 'emitPage', pageSize: '20', maxResults: '40' },
    ),
  );
  const items = pages.flatMap((p) => p.results);
  const example = items.find((i) => i.item_type === 'product') ?? items[0];
  return (
    `${plural(pages.length, 'page')} of 20 items, ${items.length} of the ${pages[0]?.totalCount ?? 0} in the catalog ` +
    `(e.g. ${example?.id} "${example?.name_en}", ${example?.price ?? 'no'} SAR)`
  );
}

/**
 * A plain product (no modifiers) on the chosen menu, active at the chosen branch:
 * found through the API, as a flow would.
 */
async function plainProduct(job: Job): Promise<{ id: number; name_en?: string | null }> {
  const branchId = job.branch!.id;
  type Section = Named & { is_force_closed: boolean; force_closed_in_branches: number[] };
  type Item = Named & {
    item_type: string;
    children_ids: number[];
    is_active: boolean;
    inactive_in_branches: number[];
    price: number | null;
  };
  const sections = bodies<Section>(
    await run(job, 'lookupObjects', {}, { resourceType: 'sections', menu_id: String(job.menuId) }),
  ).filter((s) => !s.is_force_closed && !s.force_closed_in_branches.includes(branchId));
  for (const section of sections) {
    const items = bodies<Item>(
      await run(job, 'lookupObjects', { section_id: section.id, item_type: 'product' }, { resourceType: 'items' }),
    );
    const product = items.find(
      (i) =>
        i.item_type === 'product' &&
        i.children_ids.length === 0 &&
        i.is_active &&
        !i.inactive_in_branches.includes(branchId) &&
        i.price !== null,
    );
    if (product) return product;
  }
  throw new Error(`menu ${job.menuId} has no plain product to order at branch ${branchId}`);
}

async function calculateAndCreateOrder(job: Job): Promise<string> {
  const product = await plainProduct(job);
  const order = {
    brand_id: job.branch!.brandId,
    branch_id: job.branch!.id,
    menu_id: job.menuId,
    service_type: 'delivery',
    items: [{ item_id: product.id, quantity: 2, children: [] }],
    address: { full_address: '5 Tahrir Square, Cairo', lat: 30.04, lng: 31.23 },
    customer: { name: 'Mona Hassan', phone_number: '+201000000001' },
  };
  const [calculation] = bodies<{ total_price: number; currency: string }>(await run(job, 'calculateOrder', order));
  const [created] = bodies<{ order: { id: number; order_status: string; total_price: number }; outcome: string }>(
    await run(job, 'createOrder', {
      ...order,
      app_order_uuid: crypto.randomUUID(),
      total_price: calculation.total_price,
    }),
  );
  job.orderId = created.order.id;
  return (
    `2 x "${product.name_en}" cost ${calculation.total_price} ${calculation.currency}; ` +
    `order ${created.order.id} ${created.outcome} (status ${created.order.order_status})`
  );
}

/** The company marks the order ready in its portal; the app then sends it on its way (in_route). */
async function advanceOrderStatus(job: Job): Promise<string> {
  if (job.real) {
    // Only the company moves an order to ready; the app may cancel, which also leaves no test order open.
    const [cancelled] = bodies<{ order: { order_status: string } }>(
      await run(job, 'updateOrder', {
        id: job.orderId,
        order_status: 'cancelled',
        cancel_reason: 'Test order from tgate start',
      }),
    );
    return (
      `the component's Update Order action cancelled test order ${job.orderId} ` +
      `(now ${cancelled.order.order_status})`
    );
  }
  const sandbox = job.sandbox!;
  // T-Gate sends order.update on each status change: point its webhook at a loopback receiver first.
  job.receiver = await listen();
  sandbox.configureWebhook({
    url: job.receiver.url,
    events: ['order.update'],
    metaData: { secret: job.webhookSecret },
  });
  sandbox.updateOrderAsCompany(job.orderId!, { order_status: 'ready' });
  const [updated] = bodies<{ order: { order_status: string } }>(
    await run(job, 'updateOrder', { id: job.orderId, order_status: 'in_route' }),
  );
  return (
    `the company marked order ${job.orderId} ready; ` +
    `the component's Update Order action then set it to ${updated.order.order_status} (on its way)`
  );
}

async function receiveWebhook(job: Job): Promise<string> {
  await job.sandbox!.webhooks.idle();
  const deliveries = job.receiver!.got.splice(0);
  if (deliveries.length === 0) throw new Error('no webhook reached the receiver');
  const events = [];
  for (const delivery of deliveries) {
    const outcome = await run(job, 'webhookEvents', delivery.body, {
      sharedSecret: job.webhookSecret,
      enrich: true,
      events: ['order.update'],
    });
    events.push(...bodies<{ event: string; id: number; record?: { order_status?: string } | null }>(outcome));
  }
  const last = events[events.length - 1];
  return (
    `${plural(deliveries.length, 'notice')} received and passed on as ${plural(events.length, 'event')} ` +
    `(e.g. ${last?.event} for order ${last?.id}, now ${last?.record?.order_status ?? 'unknown'})`
  );
}

async function pollCatalogTwice(job: Job): Promise<string> {
  const fields = { resourceType: 'sections', startMode: 'watchOnly' };
  const first = await run(job, 'pollCatalog', {}, fields);
  const snapshot = first.snapshots[first.snapshots.length - 1];
  if (first.data.length !== 0 || !snapshot)
    throw new Error(
      `the first poll emitted ${first.data.length} changes and ${first.snapshots.length} snapshots ` +
        '(expected none and one)',
    );
  if (!job.sandbox) {
    // A real catalog is not ours to change: the second poll shows what changed meanwhile (usually nothing).
    const second = bodies<{ change: string; id: number }>(await run(job, 'pollCatalog', {}, fields, snapshot));
    return (
      'the first poll only noted the catalog as it is; ' +
      `the second reported ${plural(second.length, 'change')} (made in T-Gate meanwhile)`
    );
  }
  const section = [...job.sandbox.store.records('sections')].find((s) => s.menu_id === job.menuId)!;
  job.sandbox.updateRecord('sections', section.id, { name_en: `${section.name_en} (renamed)` });
  const changes = bodies<{ change: string; id: number }>(await run(job, 'pollCatalog', {}, fields, snapshot));
  const seen = changes.map((c) => `${c.change} ${c.id}`);
  if (seen.join() !== `updated ${section.id}`)
    throw new Error(`after renaming section ${section.id}, the second poll emitted [${seen.join(', ')}]`);
  return (
    'the first poll only noted the catalog as it is; ' +
    `after section ${section.id} was renamed, the second reported exactly that change`
  );
}

interface WebhookReceiver {
  url: string;
  got: Array<{ body: unknown }>;
  close(): Promise<void>;
}

/**
 * Where the sandbox POSTs its webhooks, standing in for the platform's webhook URL:
 * a loopback server keeping each body.
 */
async function listen(): Promise<WebhookReceiver> {
  const got: Array<{ body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      try {
        got.push({ body: JSON.parse(text) });
      } catch {
        /* not JSON: not a T-Gate webhook */
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/tgate`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
