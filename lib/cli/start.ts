import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpClient } from '../http';
import { requestToken, TGATE_PROFILE } from '../auth';
import { startSandbox, Sandbox } from '../sandbox';
import { buildAuthorizeUrl, codeFromRedirect } from '../tgate';
import { startLocalPlatform, LocalPlatform } from './localPlatform';
import { runFunctionLocally, StepOutcome, verifyWithRunService } from './sailorRun';

export interface StartOptions {
  port?: number;
  /** Leave the sandbox up after the main job (the caller closes it). */
  keepServing?: boolean;
  write?: (line: string) => void;
}

/** What the steps share: the sandbox, the local platform, the credential, and what earlier steps found. */
interface Job {
  sandbox: Sandbox;
  platform: LocalPlatform;
  client: { clientId: string; clientSecret: string; redirectUris: string[] };
  /** What the platform puts in a step's environment: the tenant's OAuth client and the sandbox URLs. */
  env: Record<string, string>;
  cfg: Record<string, unknown>;
  branch?: { id: number; brandId: number };
  menuId?: number;
  orderId?: number;
  receiver?: WebhookReceiver;
  webhookSecret: string;
}

interface Step { name: string; run: (job: Job) => Promise<string> }

/**
 * `npm start`: the component's main job on the embedded sandbox, as a list of named steps. Each prints one
 * line: what it did or emitted, and how many token requests it took. The first failing step stops the job.
 */
const STEPS: Step[] = [
  { name: 'connect the app to the company (OAuth sign-in)', run: grantAccess },
  { name: 'check the credential, as the platform does when one is saved', run: verifyCredential },
  { name: 'find the branches and menus the company shared', run: lookUpBranchesAndMenus },
  { name: 'list part of the catalog', run: listCatalog },
  { name: 'price and place an order', run: calculateAndCreateOrder },
  { name: 'move the order along', run: advanceOrderStatus },
  { name: "receive T-Gate's notice of the change (webhook)", run: receiveWebhook },
  { name: 'watch the catalog for changes (two polls)', run: pollCatalogTwice },
];

export class StepFailed extends Error {}

export async function runStart(options: StartOptions = {}): Promise<{ sandbox: Sandbox; close: () => Promise<void> }> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const started = Date.now();
  const client = {
    clientId: `sandbox-app-${crypto.randomBytes(4).toString('hex')}`,
    clientSecret: crypto.randomBytes(24).toString('base64url'),
    redirectUris: ['http://127.0.0.1:8765/callback'],
  };
  const sandbox = await startSandbox({ port: options.port ?? 0, clients: [client] });
  const platform = await startLocalPlatform();
  const job: Job = {
    sandbox, platform, client, cfg: {}, webhookSecret: crypto.randomBytes(12).toString('base64url'),
    env: { TGATE_CLIENT_ID: client.clientId, TGATE_CLIENT_SECRET: client.clientSecret, TGATE_TOKEN_URI: sandbox.tokenUrl, TGATE_API_BASE_URL: sandbox.apiBaseUrl },
  };
  const close = async (): Promise<void> => { await job.receiver?.close(); await sandbox.close(); await platform.close(); };
  Object.assign(process.env, job.env); // the component's functions run in this process
  write(`T-Gate sandbox started on ${sandbox.url} with a test restaurant company and its catalog; a test app (OAuth client ${client.clientId}) is registered, its secret never printed.`);
  write("Each step runs the component's own triggers and actions as the platform would; [n token requests] counts the times it had to ask T-Gate for an access token.");

  for (const [index, step] of STEPS.entries()) {
    const tokensBefore = sandbox.tokenRequests.length;
    try {
      const summary = await step.run(job);
      const tokens = sandbox.tokenRequests.length - tokensBefore;
      write(`${index + 1}. ${step.name}: ${summary} [${plural(tokens, 'token request')}]`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      write(`${index + 1}. ${step.name}: FAILED: ${reason}`);
      await close();
      throw new StepFailed(`the step "${step.name}" failed: ${reason}`);
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  write(`Done in ${seconds} s: every step succeeded, with ${plural(sandbox.tokenRequests.length, 'token request')} in all.`);
  if (options.keepServing) write(`The sandbox keeps serving on ${sandbox.url}; press Ctrl-C to stop.`);
  return { sandbox, close };
}

/** Runs one of the component's functions (its component.json id) in the sailor's TaskExec; its log lines are kept, not printed. */
async function run(job: Job, fn: string, body: unknown, fields: Record<string, unknown> = {}, snapshot?: Record<string, unknown>): Promise<StepOutcome> {
  const outcome = await runFunctionLocally(fn, { id: crypto.randomUUID(), body, headers: {}, attachments: {}, metadata: {} }, { ...job.cfg, ...fields }, job.platform, { snapshot, onLog: () => undefined });
  const problems = [...outcome.errors.map((e) => e.message), ...outcome.rebounds.map((r) => `retry later: ${r}`)];
  if (problems.length) throw new Error(`${fn} ${problems.join('; ')}`);
  return outcome;
}

const bodies = <T>(outcome: StepOutcome): T[] => outcome.data.map((d) => d.body as T);
const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** The company user approves the app on the grant page; T-Gate redirects with a code, exchanged for tokens. */
async function grantAccess(job: Job): Promise<string> {
  const { sandbox, client, platform } = job;
  const httpClient = new HttpClient({ service: 'the T-Gate sandbox', timeoutMs: 10_000 });
  const { url, state } = buildAuthorizeUrl(sandbox.authorizeUrl, client.clientId, client.redirectUris[0]);
  const approval = await httpClient.send({ method: 'GET', url });
  const location = approval.headers.location;
  if (approval.status !== 302 || !location) throw new Error(`the grant page answered ${approval.status} instead of redirecting with a code`);
  const code = codeFromRedirect(location, state);
  const tokens = await requestToken(httpClient, { tokenUrl: sandbox.tokenUrl, profile: TGATE_PROFILE, client, grant: { type: 'authorization_code', code, redirectUri: client.redirectUris[0] } });
  const account = `local-${crypto.randomBytes(4).toString('hex')}`;
  job.cfg = { _account: account, environment: 'company-sandbox', oauth: tokens };
  platform.accounts.set(account, { keys: { environment: 'company-sandbox', oauth: tokens } });
  return `the company approved the app on T-Gate's sign-in page; the one-time code was swapped for an access token (valid ${tokens.expires_in} s) and a refresh token`;
}

async function verifyCredential(job: Job): Promise<string> {
  const result = await verifyWithRunService(job.cfg, job.platform, job.env);
  if (!result.verified) throw new Error(`the credential was not verified: ${result.reason ?? 'no reason given'}`);
  return 'the credential works';
}

interface Named { id: number; name_en?: string | null }

async function lookUpBranchesAndMenus(job: Job): Promise<string> {
  const branches = bodies<Named & { brand_ids: number[]; is_force_closed: boolean }>(await run(job, 'lookupObjects', {}, { resourceType: 'branches' }));
  // Brand 103's branches are open around the clock in the sandbox, so the order below can be placed at any time.
  const branch = branches.find((b) => b.brand_ids.includes(103) && !b.is_force_closed) ?? branches.find((b) => !b.is_force_closed);
  if (!branch) throw new Error('no open branch was granted');
  job.branch = { id: branch.id, brandId: branch.brand_ids[0] };
  const menus = bodies<Named & { is_active: boolean; inactive_in_branches: number[] }>(await run(job, 'lookupObjects', {}, { resourceType: 'menus', branch_id: String(branch.id) }));
  const menu = menus.find((m) => m.is_active && !m.inactive_in_branches.includes(branch.id));
  if (!menu) throw new Error(`branch ${branch.id} has no active menu`);
  job.menuId = menu.id;
  return `${plural(branches.length, 'branch', 'branches')} shared (e.g. ${branch.id} "${branch.name_en}"); ${plural(menus.length, 'menu')} at branch ${branch.id} (e.g. ${menu.id} "${menu.name_en}")`;
}

async function listCatalog(job: Job): Promise<string> {
  const pages = bodies<{ results: Array<Named & { price: number | null; item_type: string }>; totalCount: number }>(await run(job, 'lookupObjects', {}, { resourceType: 'items', emitBehavior: 'emitPage', pageSize: '20', maxResults: '40' }));
  const items = pages.flatMap((p) => p.results);
  const example = items.find((i) => i.item_type === 'product') ?? items[0];
  return `${plural(pages.length, 'page')} of 20 items, ${items.length} of the ${pages[0]?.totalCount ?? 0} in the catalog (e.g. ${example?.id} "${example?.name_en}", ${example?.price ?? 'no'} SAR)`;
}

/** A plain product (no modifiers) on the chosen menu, active at the chosen branch. */
function plainProduct(job: Job): { id: number; name_en: string | null } {
  const { sandbox, branch, menuId } = job;
  const sections = new Set([...sandbox.store.records('sections')].filter((s) => s.menu_id === menuId && !s.is_force_closed && !s.force_closed_in_branches.includes(branch!.id)).map((s) => s.id));
  const product = [...sandbox.store.records('items')].find((i) => i.item_type === 'product' && i.children_ids.length === 0 && i.is_active
    && !i.inactive_in_branches.includes(branch!.id) && i.section_id !== null && sections.has(i.section_id) && i.price !== null);
  if (!product) throw new Error(`menu ${menuId} has no plain product to order`);
  return product;
}

async function calculateAndCreateOrder(job: Job): Promise<string> {
  const product = plainProduct(job);
  const order = {
    brand_id: job.branch!.brandId, branch_id: job.branch!.id, menu_id: job.menuId, service_type: 'delivery',
    items: [{ item_id: product.id, quantity: 2, children: [] }],
    address: { full_address: '5 Tahrir Square, Cairo', lat: 30.04, lng: 31.23 },
    customer: { name: 'Mona Hassan', phone_number: '+201000000001' },
  };
  const [calculation] = bodies<{ total_price: number; currency: string }>(await run(job, 'calculateOrder', order));
  const [created] = bodies<{ order: { id: number; order_status: string; total_price: number }; outcome: string }>(
    await run(job, 'createOrder', { ...order, app_order_uuid: crypto.randomUUID(), total_price: calculation.total_price }));
  job.orderId = created.order.id;
  return `2 x "${product.name_en}" cost ${calculation.total_price} ${calculation.currency}; order ${created.order.id} ${created.outcome} (status ${created.order.order_status})`;
}

/** The company marks the order ready in its portal; the app then sends it on its way (in_route). */
async function advanceOrderStatus(job: Job): Promise<string> {
  // T-Gate sends order.update on each status change: point its webhook at a loopback receiver first.
  job.receiver = await listen();
  job.sandbox.configureWebhook({ url: job.receiver.url, events: ['order.update'], metaData: { secret: job.webhookSecret } });
  job.sandbox.updateOrderAsCompany(job.orderId!, { order_status: 'ready' });
  const [updated] = bodies<{ order: { order_status: string } }>(await run(job, 'updateOrder', { id: job.orderId, order_status: 'in_route' }));
  return `the company marked order ${job.orderId} ready; the component's Update Order action then set it to ${updated.order.order_status} (on its way)`;
}

async function receiveWebhook(job: Job): Promise<string> {
  await job.sandbox.webhooks.idle();
  const deliveries = job.receiver!.got.splice(0);
  if (deliveries.length === 0) throw new Error('no webhook reached the receiver');
  const events = [];
  for (const delivery of deliveries) {
    const outcome = await run(job, 'webhookEvents', delivery.body, { sharedSecret: job.webhookSecret, enrich: true, events: ['order.update'] });
    events.push(...bodies<{ event: string; id: number; record?: { order_status?: string } | null }>(outcome));
  }
  const last = events[events.length - 1];
  return `${plural(deliveries.length, 'notice')} received and passed on as ${plural(events.length, 'event')} (e.g. ${last?.event} for order ${last?.id}, now ${last?.record?.order_status ?? 'unknown'})`;
}

async function pollCatalogTwice(job: Job): Promise<string> {
  const fields = { resourceType: 'sections', startMode: 'watchOnly' };
  const first = await run(job, 'pollCatalog', {}, fields);
  const snapshot = first.snapshots[first.snapshots.length - 1];
  if (first.data.length !== 0 || !snapshot) throw new Error(`the first poll emitted ${first.data.length} changes and ${first.snapshots.length} snapshots (expected none and one)`);
  const section = [...job.sandbox.store.records('sections')].find((s) => s.menu_id === job.menuId)!;
  job.sandbox.updateRecord('sections', section.id, { name_en: `${section.name_en} (renamed)` });
  const changes = bodies<{ change: string; id: number }>(await run(job, 'pollCatalog', {}, fields, snapshot));
  const seen = changes.map((c) => `${c.change} ${c.id}`);
  if (seen.join() !== `updated ${section.id}`) throw new Error(`after renaming section ${section.id}, the second poll emitted [${seen.join(', ')}]`);
  return `the first poll only noted the catalog as it is; after section ${section.id} was renamed, the second reported exactly that change`;
}

interface WebhookReceiver { url: string; got: Array<{ body: unknown }>; close(): Promise<void> }

/** Where the sandbox POSTs its webhooks, standing in for the platform's webhook URL: a loopback server keeping each body. */
async function listen(): Promise<WebhookReceiver> {
  const got: Array<{ body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { text += chunk; });
    req.on('end', () => {
      try { got.push({ body: JSON.parse(text) }); } catch { /* not JSON: not a T-Gate webhook */ }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/tgate`,
    got,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
