import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DoctorReport, DoctorRow, runDoctor } from '../../../lib/cli/doctor';
import { Sandbox, startSandbox } from '../../../lib/sandbox';
import { TGATE_RESOURCE_NAMES, tgateAssumptions } from '../../../lib/tgate';
import { deliveryOrder } from '../../helpers/orders';
import { tgate } from './tgateRunner';

/** The secret has characters where raw and form Basic encoding differ, so the encoding row is checked. */
const CLIENT = {
  clientId: 'doctor-app',
  clientSecret: `doc+tor/=${crypto.randomBytes(6).toString('hex')}`,
  redirectUris: ['http://127.0.0.1:8765/callback'],
};
const ORDER_UUID = 'a3c5e7f9-0000-4000-8000-000000000001';

/** `tgate doctor` against the embedded sandbox: all hold, then each fault that breaks one assumption. */
describe('cli: tgate doctor (against the embedded sandbox)', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let tmp: string;
  const issued: string[] = [];

  before(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
    const order = { ...deliveryOrder(ORDER_UUID), order_status: 'pending', payment_status: 'pending_payment' };
    sandbox.createRecord('orders', order as never);
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-doctor-'));
  });
  afterEach(() => {
    sandbox.clearFaults();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A cfg file as `tgate connect` writes it, with fresh tokens. */
  async function cfgFile(extra: Record<string, unknown> = {}): Promise<string> {
    const tokens = await sandbox.issueTokens(CLIENT.clientId);
    issued.push(tokens.access_token, tokens.refresh_token);
    const file = path.join(tmp, 'cfg.json');
    const cfg = { environment: 'company-sandbox', oauth: tokens, brand_id: 101, ...extra };
    fs.writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
    return file;
  }

  async function doctor(secret = CLIENT.clientSecret): Promise<DoctorReport> {
    const file = await cfgFile();
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return runDoctor({
      cfgFile: file,
      cfg,
      client: { clientId: CLIENT.clientId, clientSecret: secret },
      endpoints: { environment: 'company-sandbox', tokenUrl: sandbox.tokenUrl, apiBaseUrl: sandbox.apiBaseUrl },
    });
  }

  const urls = (): Record<string, string> => ({
    TGATE_TOKEN_URI: sandbox.tokenUrl,
    TGATE_API_BASE_URL: sandbox.apiBaseUrl,
  });
  const row = (report: DoctorReport, id: string): DoctorRow => {
    const found = report.rows.find((r) => r.id === id);
    expect(found, `no row ${id}`).to.not.equal(undefined);
    return found!;
  };
  const failing = (report: DoctorReport): string[] => report.rows.filter((r) => r.verdict === 'fails').map((r) => r.id);

  it('all hold: a row per assumption of the table, tokens written back (0600), exit 0, no secret printed', async () => {
    const file = await cfgFile();
    const before = JSON.parse(fs.readFileSync(file, 'utf8'));
    const result = await tgate(['doctor', '--cfg', file], {
      env: { ...urls(), TGATE_CLIENT_ID: CLIENT.clientId },
      input: `${CLIENT.clientSecret}\n`,
    });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(after.oauth.refresh_token).to.be.a('string').and.not.equal(before.oauth.refresh_token);
    expect(after.brand_id, 'other fields kept').to.equal(101);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    for (const secret of [CLIENT.clientSecret, ...issued, after.oauth.access_token, after.oauth.refresh_token]) {
      expect(result.stdout + result.stderr).not.to.contain(secret);
    }
    const lines = result.stdout.trimEnd().split('\n');
    const ids = tgateAssumptions({ tokenUrl: sandbox.tokenUrl, apiBaseUrl: sandbox.apiBaseUrl }).map((a) => a.id);
    expect(lines).to.have.length(ids.length + 2);
    ids.forEach((id, i) => expect(lines[i + 1].split(/\s+/)[id === 'webhooks' ? 2 : 1], lines[i + 1]).to.equal(id));
    const out = result.stdout;
    expect(lines[1]).to.match(/^HOLDS\s+token\.refresh\s+assumed\s+a refresh_token grant at POST .* -> 200 with new/);
    expect(out).to.match(/HOLDS\s+token\.basic_encoding .* -> raw: accepted \(400 invalid_grant\), form: refused/);
    expect(out).to.match(/HOLDS\s+items\.paging\s+documented .* -> current-page 1, page-items 100, total-count 198/);
    expect(out).to.match(/HOLDS\s+orders\.app_order_uuid .* -> an unknown uuid answered \[\], an existing order's/);
    expect(out).to.match(/NOT CHECKED webhooks .* -> out of scope: webhooks need the app's marketplace listing/);
    const summary = `^${ids.length} assumptions: ${ids.length - 1} hold, 0 fail, 1 not checked; new tokens written to `;
    expect(lines[lines.length - 1]).to.match(new RegExp(summary));
    expect(ids).to.include.members(TGATE_RESOURCE_NAMES.flatMap((n) => [`${n}.path`, `${n}.paging`, `${n}.schema`]));
  });

  it('--json prints one document with the same rows; usage errors exit 2', async () => {
    const file = await cfgFile();
    const env = { ...urls(), TGATE_CLIENT_ID: CLIENT.clientId, TGATE_CLIENT_SECRET: CLIENT.clientSecret };
    const json = await tgate(['doctor', '--cfg', file, '--json'], { env });
    expect(json.code).to.equal(0);
    const doc = JSON.parse(json.stdout) as DoctorReport;
    expect(doc).to.include({ ok: true, environment: 'company-sandbox', tokensWritten: true });
    expect(doc).to.include({ tokenUrl: sandbox.tokenUrl, apiBaseUrl: sandbox.apiBaseUrl });
    expect(doc.counts).to.deep.equal({ holds: doc.rows.length - 1, fails: 0, notChecked: 1 });
    expect(row(doc, 'token.expires_in')).to.deep.include({
      verdict: 'holds',
      answered: 'expires_in 7200',
      documentedBy: 'reference/getaccesstoken-1',
    });
    expect(json.stdout).not.to.contain(CLIENT.clientSecret);

    const empty = path.join(tmp, 'empty.json');
    fs.writeFileSync(empty, JSON.stringify({ environment: 'company-sandbox' }));
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--cfg', empty], env, /holds no oauth\.refresh_token: get a credential first with tgate connect --out /],
      [['--cfg', file], { ...env, TGATE_CLIENT_ID: '' }, /no client id: give --client-id ID or set TGATE_CLIENT_ID/],
      [['--cfg', file], { ...env, TGATE_API_BASE_URL: 'not a url' }, /TGATE_API_BASE_URL is not a valid http\(s\) URL/],
      [['--cfg', path.join(tmp, 'missing.json')], env, /cannot read the cfg file/],
      [[], env, /cannot read the cfg file .tgate\/cfg.json/],
    ];
    for (const [args, caseEnv, pattern] of cases) {
      // In an empty folder, so a .tgate/cfg.json a developer made in the checkout does not count.
      const result = await tgate(['doctor', ...args], { env: caseEnv, cwd: tmp });
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr).to.match(pattern);
    }
  });

  describe('with a fault that breaks one assumption (each named)', () => {
    it('a resource path that is not there: items answered 404, the fix names TGATE_API_BASE_URL', async () => {
      sandbox.injectFault({ path: '/partner/v1/items', status: 404, times: Infinity });
      const report = await doctor();
      expect(report.ok).to.equal(false);
      expect(failing(report)).to.deep.equal(['items.path']);
      expect(row(report, 'items.path').answered).to.match(/^answered 404/);
      expect(row(report, 'items.path').fix).to.match(/^set TGATE_API_BASE_URL if T-Gate's API lives elsewhere/);
      expect(row(report, 'items.paging').verdict).to.equal('not checked');
      expect(row(report, 'items.schema').verdict).to.equal('not checked');
    });

    it('paging headers lost: brands misses total-count and total-pages', async () => {
      sandbox.injectFault({ path: '/partner/v1/brands', dropHeaders: ['total-count', 'total-pages'], times: Infinity });
      const report = await doctor();
      expect(failing(report)).to.deep.equal(['brands.paging']);
      expect(row(report, 'brands.paging').answered).to.equal(
        'current-page 1, page-items 100, total-count -, total-pages -: ' +
          'missing or not a number: total-count, total-pages',
      );
    });

    it('the largest page size not honoured: items ignores items=100 and answers its default 20', async () => {
      sandbox.injectFault({ path: '/partner/v1/items', ignoreQuery: ['items'], times: Infinity });
      const report = await doctor();
      expect(failing(report)).to.deep.equal(['items.paging']);
      expect(row(report, 'items.paging').answered).to.match(/page-items 20, .*: asked items=100, page-items says 20$/);
    });

    it('paging headers that contradict each other: total-pages against total-count', async () => {
      const headers = { 'current-page': '1', 'page-items': '100', 'total-count': '9', 'total-pages': '3' };
      sandbox.injectFault({ path: '/partner/v1/menus', status: 200, headers, body: [], times: Infinity });
      const report = await doctor();
      expect(row(report, 'menus.paging')).to.deep.include({ verdict: 'fails' });
      expect(row(report, 'menus.paging').answered).to.match(
        /total-pages 3 contradicts total-count 9 .*; total-count 9 but 0 record\(s\) on page 1, not 9/,
      );
    });

    it('the app_order_uuid filter ignored: the unknown uuid answers every order', async () => {
      sandbox.injectFault({ path: '/partner/v1/orders', ignoreQuery: ['app_order_uuid'], times: Infinity });
      const report = await doctor();
      expect(failing(report)).to.deep.equal(['orders.app_order_uuid']);
      expect(row(report, 'orders.app_order_uuid').answered).to.equal(
        '1 order(s) came for a uuid no order has: the filter was ignored',
      );
      expect(row(report, 'orders.app_order_uuid').fix).to.match(/lib\/tgate\/resources\.ts/);
      const writes = sandbox.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/partner'));
      expect(writes, 'nothing written').to.deep.equal([]);
    });

    it('records of another shape: the fields missing or of another type are listed', async () => {
      sandbox.injectFault({
        path: '/partner/v1/brands',
        status: 200,
        body: [{ id: 'b-1', name_ar: 5 }],
        times: Infinity,
        headers: { 'current-page': '1', 'page-items': '100', 'total-count': '1', 'total-pages': '1' },
      });
      const report = await doctor();
      expect(failing(report)).to.deep.equal(['brands.schema']);
      expect(row(report, 'brands.schema').answered).to.equal(
        'Invalid brand record: name_en is required; id must be an integer; name_ar must be a string or null',
      );
    });

    it('a refused refresh (wrong secret): token rows fail or go unchecked, the API uses the stored token', async () => {
      const report = await doctor('wrong+secret/0000');
      expect(failing(report)).to.deep.equal(['token.refresh', 'token.basic_encoding']);
      expect(row(report, 'token.refresh').answered).to.match(/^invalid_client: .*rejected the client id or secret/);
      expect(row(report, 'token.refresh').fix).to.match(/TGATE_TOKEN_URI.*invalid_client means the tenant's OAuth/);
      expect(row(report, 'token.rotation').verdict).to.equal('not checked');
      expect(row(report, 'brands.path').verdict).to.equal('holds');
      expect(report.tokensWritten).to.equal(false);
      expect(JSON.stringify(report)).not.to.contain('wrong+secret/0000');
    });
  });
});
