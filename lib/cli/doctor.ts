import crypto from 'node:crypto';
import { Command } from 'commander';
import { basicAuthHeader, mergeTokenResponse, OAuthKeys, requestToken, TGATE_PROFILE, tokenMemory } from '../auth';
import { CredentialError } from '../errors';
import { HttpClient, KnownSecrets } from '../http';
import { validator } from '../schemas/validate';
import {
  Assumption,
  AssumptionProbe,
  checkedPageSize,
  connectForStep,
  credentialKeys,
  isTGateApiError,
  MAX_PAGE_ITEMS,
  resolveEndpoints,
  ResolvedEndpoints,
  TGATE_RESOURCES,
  TGateClient,
  tgateAssumptions,
  TGatePagingError,
  TGateResourceName,
} from '../tgate';
import { clientSecret } from './connect';
import { readJsonObject, writePrivateJson } from './files';
import { DEFAULT_CFG_FILE, localClientEnv } from './localCredential';
import { refuseSecretArgument, secretArgumentOption } from './options';
import { EXIT_FAILED, EXIT_OK, UsageError } from './errors';
import { checkClientPair, PairCheck } from './oauthClientCheck';
import { printable } from './output';

/**
 * `tgate doctor --cfg FILE`: every check of the component's assumptions (lib/tgate/assumptions.ts) that
 * costs nothing and changes nothing in the company's data, one row each. One refresh (the new tokens are
 * written back to the file, as `tgate start` does), first pages of every list, two filtered order
 * lookups; no order is created or changed.
 */
export type Verdict = 'holds' | 'fails' | 'not checked';

export interface DoctorRow {
  id: string;
  assumes: string;
  /** T-Gate's page documenting it; absent: assumed. */
  documentedBy?: string;
  answered: string;
  verdict: Verdict;
  /** What to do, when it fails. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  environment: string;
  tokenUrl: string;
  apiBaseUrl: string;
  cfg: string;
  tokensWritten: boolean;
  counts: { holds: number; fails: number; notChecked: number };
  rows: DoctorRow[];
}

type Outcome = Pick<DoctorRow, 'answered' | 'verdict'>;
type Json = Record<string, unknown>;

const holds = (answered: string): Outcome => ({ verdict: 'holds', answered });
const fails = (answered: string): Outcome => ({ verdict: 'fails', answered });
const notChecked = (answered: string): Outcome => ({ verdict: 'not checked', answered });

/** A whole non-negative number, or undefined. */
function intHeader(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

function listOf(data: unknown): unknown[] | undefined {
  const list: unknown = Array.isArray(data) ? data : (data as { data?: unknown } | null | undefined)?.data;
  return Array.isArray(list) ? (list as unknown[]) : undefined;
}

interface Listing {
  status: number;
  headers: Record<string, string>;
  list?: unknown[];
}

interface DoctorInput {
  cfgFile: string;
  cfg: Json;
  endpoints: ResolvedEndpoints;
  client: { clientId: string; clientSecret: string };
}

/** The probes, run once each and shared by the rows that read them. */
class Doctor {
  private readonly secrets: KnownSecrets;
  private readonly before: OAuthKeys;
  private refreshed?: OAuthKeys;
  private refreshFailure?: string;
  private merged?: OAuthKeys;
  private api?: TGateClient;
  private readonly account = `doctor-${crypto.randomBytes(6).toString('hex')}`;
  private readonly listings = new Map<TGateResourceName, Listing | string>();
  tokensWritten = false;

  constructor(private readonly input: DoctorInput) {
    this.before = input.cfg.oauth as OAuthKeys;
    this.secrets = new KnownSecrets([
      input.client.clientId,
      input.client.clientSecret,
      this.before.access_token,
      this.before.refresh_token,
    ]);
  }

  /** A value of the token answer, as JSON, safe to print. */
  private shown(value: unknown): string {
    return this.safe(JSON.stringify(value) ?? 'absent');
  }

  /** Text from a server or an error, safe to print. */
  private safe(text: string): string {
    return printable(this.secrets.scrub(text)).slice(0, 400);
  }

  private failure(err: unknown): string {
    if (isTGateApiError(err)) {
      const status = err.status ?? `nothing (${(err as { code?: string }).code ?? 'network error'})`;
      return this.safe(`answered ${status}${err.detail ? `: ${err.detail}` : ''}`);
    }
    return this.safe(err instanceof Error ? err.message : String(err));
  }

  async refresh(): Promise<void> {
    const { endpoints, client } = this.input;
    const http = new HttpClient({
      service: 'the T-Gate token endpoint',
      timeoutMs: 20_000,
      policy: { maxAttempts: 1 },
      secrets: this.secrets,
    });
    const sentAt = Date.now();
    try {
      this.refreshed = await requestToken(http, {
        tokenUrl: endpoints.tokenUrl,
        profile: TGATE_PROFILE,
        client,
        grant: { type: 'refresh_token', refreshToken: String(this.before.refresh_token) },
      });
    } catch (err) {
      const oauth = err instanceof CredentialError && err.oauthError ? `${err.oauthError}: ` : '';
      this.refreshFailure = this.safe(`${oauth}${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.secrets.add(this.refreshed.access_token, this.refreshed.refresh_token);
    this.merged = mergeTokenResponse(this.before, this.refreshed, sentAt);
    // The old refresh token is dead now: the new one goes to the file at once (other fields kept).
    this.writeKeys({ oauth: this.merged });
  }

  private writeKeys(keys: Json): void {
    const current = readJsonObject(this.input.cfgFile, 'cfg') ?? {};
    writePrivateJson(this.input.cfgFile, { ...current, ...keys });
    this.tokensWritten = true;
  }

  private client(): TGateClient | undefined {
    const oauth = this.merged ?? this.before;
    if (!oauth.access_token) return undefined;
    if (!this.api) {
      const { endpoints, client } = this.input;
      const env = {
        ...process.env,
        OAUTH_CLIENT_ID: client.clientId,
        OAUTH_CLIENT_SECRET: client.clientSecret,
        TGATE_TOKEN_URI: endpoints.tokenUrl,
        TGATE_API_BASE_URL: endpoints.apiBaseUrl,
      };
      const cfg = { ...credentialKeys(this.input.cfg), oauth, _account: this.account };
      // A refresh the session makes (a 401) is written back like the first one.
      const emit = async (event: string, keys: unknown): Promise<void> => {
        if (event === 'updateKeys' && keys && typeof keys === 'object') this.writeKeys(keys as Json);
      };
      this.api = connectForStep({ emit }, cfg, { env, policy: { maxAttempts: 2 } });
    }
    return this.api;
  }

  forget(): void {
    tokenMemory.forget(this.account);
  }

  async listing(name: TGateResourceName, params: Record<string, string | number> = {}): Promise<Listing | string> {
    const api = this.client();
    if (!api) return `no access token to call the API with (the refresh failed: ${this.refreshFailure ?? 'no answer'})`;
    const spec = TGATE_RESOURCES[name];
    try {
      const paging = spec.paged ? { page: 1, items: MAX_PAGE_ITEMS } : {};
      const res = await api.request<unknown>({ method: 'GET', path: spec.path, params: { ...params, ...paging } });
      return { status: res.status, headers: res.headers, list: listOf(res.data) };
    } catch (err) {
      return this.failure(err);
    }
  }

  private async firstPage(name: TGateResourceName): Promise<Listing | string> {
    if (!this.listings.has(name)) this.listings.set(name, await this.listing(name));
    return this.listings.get(name)!;
  }

  async run(a: Assumption): Promise<Outcome> {
    if (a.probe.startsWith('token.')) return this.token(a.probe);
    if (a.probe === 'none') return notChecked(a.notChecked ?? 'not checked');
    const name = a.resource as TGateResourceName;
    const page = await this.firstPage(name);
    if (a.probe === 'resource.path') {
      if (typeof page === 'string') return fails(page);
      if (!page.list) return fails(`${page.status} without a list`);
      return holds(`${page.status}, ${page.list.length} record(s)`);
    }
    if (typeof page === 'string' || !page.list) return notChecked(`no list to judge (see ${name}.path)`);
    if (a.probe === 'resource.paging') return this.paging(name, page as Required<Listing>);
    if (a.probe === 'resource.schema') return this.schema(name, page.list);
    return this.uuidFilter(page.list);
  }

  private token(probe: AssumptionProbe): Promise<Outcome> | Outcome {
    if (probe === 'token.basicEncoding') return this.basicEncoding();
    const r = this.refreshed;
    if (probe === 'token.refresh') {
      if (!r) return fails(this.refreshFailure ?? 'no answer');
      return holds(`200 with new tokens, written to ${this.input.cfgFile}`);
    }
    if (!r) return notChecked('no token answer to judge (see token.refresh)');
    if (probe === 'token.rotation') {
      const rotated = typeof r.refresh_token === 'string' && r.refresh_token !== this.before.refresh_token;
      const said = rotated
        ? 'a new refresh token came'
        : r.refresh_token
          ? 'the same refresh token came back'
          : 'no refresh token in the answer';
      return rotated === TGATE_PROFILE.rotatesRefreshTokens ? holds(said) : fails(said);
    }
    if (probe === 'token.expiresIn') {
      const n = typeof r.expires_in === 'number' ? r.expires_in : Number(r.expires_in);
      const documented = TGATE_PROFILE.accessTokenLifetimeSeconds;
      if (!(Number.isFinite(n) && n > 0)) return fails(`expires_in ${this.shown(r.expires_in)}`);
      const other =
        documented && n !== documented ? ` (not the documented ${documented}; the component goes by expires_in)` : '';
      return holds(`expires_in ${n}${other}`);
    }
    if (probe === 'token.tokenType') {
      const said = `token_type ${this.shown(r.token_type)}`;
      return typeof r.token_type === 'string' && /^bearer$/i.test(r.token_type) ? holds(said) : fails(said);
    }
    const at = r.created_at;
    if (typeof at !== 'number' || !Number.isInteger(at)) return fails(`created_at ${this.shown(at)}`);
    const skew = Math.abs(at - Date.now() / 1000);
    // Within an hour of this machine's clock: seconds, not milliseconds, and not another epoch.
    return skew < 3600
      ? holds(`created_at ${at} (${new Date(at * 1000).toISOString()})`)
      : fails(`created_at ${at}: ${Math.round(skew)} s off this machine's clock${at > 1e11 ? ' (ms?)' : ''}`);
  }

  private async basicEncoding(): Promise<Outcome> {
    const { clientId, clientSecret: secret } = this.input.client;
    if (basicAuthHeader(clientId, secret, 'raw') === basicAuthHeader(clientId, secret, 'form')) {
      return notChecked(
        'the client id and secret have no character where raw and form encoding differ ' +
          '(such as + / = : % or a space): nothing to tell apart',
      );
    }
    const tokenUrl = this.input.endpoints.tokenUrl;
    const checks: Record<'raw' | 'form', PairCheck> = {
      raw: await checkClientPair({ tokenUrl, clientId, clientSecret: secret, basicEncoding: 'raw' }),
      form: await checkClientPair({ tokenUrl, clientId, clientSecret: secret, basicEncoding: 'form' }),
    };
    const said = (['raw', 'form'] as const)
      .map((e) => `${e}: ${checks[e].verdict} (${this.safe(checks[e].answered)})`)
      .join(', ');
    return checks[TGATE_PROFILE.basicEncoding ?? 'form'].verdict === 'accepted' ? holds(said) : fails(said);
  }

  private paging(name: TGateResourceName, page: Required<Listing>): Outcome {
    const names = ['current-page', 'page-items', 'total-count', 'total-pages'] as const;
    const [currentPage, pageItems, totalCount, totalPages] = names.map((n) => intHeader(page.headers[n]));
    const said = names
      .map((n) => `${n} ${page.headers[n] !== undefined ? this.safe(page.headers[n]) : '-'}`)
      .join(', ');
    const problems: string[] = [];
    const missing = names.filter((n) => intHeader(page.headers[n]) === undefined);
    if (missing.length) problems.push(`missing or not a number: ${missing.join(', ')}`);
    try {
      const headers = { currentPage, pageItems, totalCount, totalPages };
      checkedPageSize(TGATE_RESOURCES[name].path, 1, MAX_PAGE_ITEMS, page.list.length, headers);
    } catch (err) {
      if (!(err instanceof TGatePagingError)) throw err;
      problems.push(err.message);
    }
    if (pageItems !== undefined && pageItems !== MAX_PAGE_ITEMS) {
      problems.push(`asked items=${MAX_PAGE_ITEMS}, page-items says ${pageItems}`);
    }
    if (totalCount !== undefined) {
      const expected = Math.min(totalCount, pageItems ?? MAX_PAGE_ITEMS);
      if (page.list.length !== expected) {
        problems.push(`total-count ${totalCount} but ${page.list.length} record(s) on page 1, not ${expected}`);
      }
    }
    return problems.length ? fails(`${said}: ${problems.join('; ')}`) : holds(said);
  }

  private schema(name: TGateResourceName, list: unknown[]): Outcome {
    const spec = TGATE_RESOURCES[name];
    if (!list.length) return notChecked(`no ${spec.singularTitle} on the first page to check`);
    const record = list[0];
    const id = record && typeof record === 'object' ? (record as { id?: unknown }).id : undefined;
    try {
      validator(spec.schema, `${spec.singularTitle} record`)(structuredClone(record));
      return holds(`${spec.singularTitle} ${this.safe(String(id))} matches`);
    } catch (err) {
      return fails(this.safe(err instanceof Error ? err.message : String(err)));
    }
  }

  private async uuidFilter(orders: unknown[]): Promise<Outcome> {
    // Random: no order has it. An empty answer proves the filter only when unfiltered orders exist.
    const unknown = await this.listing('orders', { app_order_uuid: crypto.randomUUID() });
    if (typeof unknown === 'string') return fails(`GET with an unknown app_order_uuid ${unknown}`);
    if (!unknown.list) return fails(`GET with an unknown app_order_uuid: ${unknown.status} without a list`);
    if (unknown.list.length) {
      return fails(`${unknown.list.length} order(s) came for a uuid no order has: the filter was ignored`);
    }
    const known = orders.find((o): o is { app_order_uuid: string } => typeof (o as Json)?.app_order_uuid === 'string');
    if (!known) {
      return notChecked(
        'an unknown uuid answered [], but the first page has no order with an app_order_uuid: ' +
          'an ignored filter would answer [] too',
      );
    }
    const own = await this.listing('orders', { app_order_uuid: known.app_order_uuid });
    if (typeof own === 'string') return fails(`GET with an existing order's app_order_uuid ${own}`);
    const found = own.list ?? [];
    const exact = found.length > 0 && found.every((o) => (o as Json)?.app_order_uuid === known.app_order_uuid);
    const n = found.length;
    if (exact) return holds(`an unknown uuid answered [], an existing order's uuid answered ${n} order(s) with it`);
    return fails(`an existing order's uuid answered ${n} order(s)${n ? ', not all with that uuid' : ''}`);
  }
}

/** Runs every assumption's probe; the rows in the table's order. */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const { endpoints } = input;
  const doctor = new Doctor(input);
  const rows: DoctorRow[] = [];
  try {
    await doctor.refresh();
    for (const a of tgateAssumptions(endpoints)) {
      const outcome = await doctor.run(a);
      rows.push({
        id: a.id,
        assumes: a.assumes,
        ...(a.documentedBy ? { documentedBy: a.documentedBy } : {}),
        ...outcome,
        ...(outcome.verdict === 'fails' ? { fix: a.fix } : {}),
      });
    }
  } finally {
    doctor.forget();
  }
  const count = (v: Verdict): number => rows.filter((r) => r.verdict === v).length;
  const counts = { holds: count('holds'), fails: count('fails'), notChecked: count('not checked') };
  return {
    ok: counts.fails === 0,
    environment: endpoints.environment,
    tokenUrl: endpoints.tokenUrl,
    apiBaseUrl: endpoints.apiBaseUrl,
    cfg: input.cfgFile,
    tokensWritten: doctor.tokensWritten,
    counts,
    rows,
  };
}

/** The report as text: a header, one line per assumption, a summary. */
export function reportText(report: DoctorReport): string {
  const width = Math.max(...report.rows.map((r) => r.id.length));
  const lines = [
    `T-Gate environment ${report.environment}: token endpoint ${report.tokenUrl}, API ${report.apiBaseUrl}`,
    ...report.rows.map((r) =>
      [
        r.verdict.toUpperCase().padEnd(11),
        r.id.padEnd(width),
        (r.documentedBy ? 'documented' : 'assumed').padEnd(10),
        `${r.assumes} -> ${r.answered}${r.fix ? ` | fix: ${r.fix}` : ''}`,
      ].join(' '),
    ),
    `${report.rows.length} assumptions: ${report.counts.holds} hold, ${report.counts.fails} fail, ` +
      `${report.counts.notChecked} not checked${report.tokensWritten ? `; new tokens written to ${report.cfg}` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface DoctorCommandOptions {
  cfg: string;
  clientId?: string;
  json?: boolean;
}

/** `tgate doctor`: exit 0 when every checked assumption holds, 1 when one fails. */
export async function doctorCommand(opts: DoctorCommandOptions): Promise<number> {
  const cfg = readJsonObject(opts.cfg, 'cfg') as Json;
  const oauth = cfg.oauth as OAuthKeys | undefined;
  if (!oauth || typeof oauth !== 'object' || typeof oauth.refresh_token !== 'string' || !oauth.refresh_token) {
    throw new UsageError(
      `the cfg file ${opts.cfg} holds no oauth.refresh_token: ` +
        `get a credential first with tgate connect --out ${opts.cfg}`,
    );
  }
  // A cfg from tgate connect names its OAuth client and T-Gate: those win over the shell's variables.
  const local = localClientEnv(cfg, opts.cfg);
  const env = { ...process.env, ...local };
  let endpoints: ResolvedEndpoints;
  try {
    endpoints = resolveEndpoints(cfg.environment, env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const clientId = (opts.clientId ?? local.OAUTH_CLIENT_ID ?? process.env.TGATE_CLIENT_ID ?? '').trim();
  if (!clientId) throw new UsageError('no client id: give --client-id ID or set TGATE_CLIENT_ID');
  const secret = local.OAUTH_CLIENT_SECRET ?? (await clientSecret('tgate doctor --cfg FILE'));
  const report = await runDoctor({ cfgFile: opts.cfg, cfg, endpoints, client: { clientId, clientSecret: secret } });
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

const DOCTOR_HELP = `
What it does:
  One refresh at the token endpoint (the new tokens are written back to the cfg file, mode 0600),
  then the first page of every resource with the largest page size, and two order lookups by
  app_order_uuid (a uuid no order has, and an existing order's). Nothing is created or changed in
  the company's data. One line per assumption of lib/tgate/assumptions.ts: verdict, name, whether
  T-Gate documents it, what the component assumes -> what the server answered (| fix: when it fails).
  Webhooks are not checked: they need the app's marketplace listing.
  A cfg written by tgate connect names its OAuth client and T-Gate, so nothing else is needed.
  Otherwise the OAuth client comes from TGATE_CLIENT_ID (or --client-id) and TGATE_CLIENT_SECRET
  (else stdin); TGATE_TOKEN_URI and TGATE_API_BASE_URL override the environment's URLs. Tokens and
  the secret are never printed.

Exit 0 when every checked assumption holds, 1 when one fails, 2 for usage.

Example:
  npx tgate doctor --json                     (the credential tgate connect wrote to .tgate/cfg.json)`;

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check, with a live credential, what the component assumes about T-Gate ' +
        "(changes nothing in the company's data)",
    )
    .option(
      '--cfg <file>',
      'JSON cfg with the credential keys {"environment", "oauth"} (from tgate connect)',
      DEFAULT_CFG_FILE,
    )
    .option('--client-id <id>', 'the OAuth client id (else TGATE_CLIENT_ID)')
    .option('--json', 'print one JSON document with the same rows')
    .addOption(secretArgumentOption())
    .addHelpText('after', DOCTOR_HELP)
    .action(async (opts: DoctorCommandOptions & { clientSecret?: unknown }) => {
      refuseSecretArgument(opts);
      const code = await doctorCommand(opts);
      if (code !== EXIT_OK) process.exitCode = code;
    });
}
