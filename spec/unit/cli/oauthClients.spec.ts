import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalPlatform, startLocalPlatform } from '../../../lib/platformSandbox/localPlatform';
import { bash, RunOptions, RunResult, tgate } from './tgateRunner';

function withTimeout<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const USER = 'ops@example.com';
const API_KEY = 'KEY-9f8e7d6c5b4a3210';
const BASIC_TOKEN = Buffer.from(`${USER}:${API_KEY}`).toString('base64');
const TENANT = 'tenant-1';
const SECRET_A = 'c7e56633-5e88-4c97-8da9-3243423412';
const SECRET_GONE = 'short-sec';
const NEW_SECRET = 'fresh-secret-from-stdin-4242';
const FILE_SECRET = 'secret-in-a-file-0000-7777';
const ALL_SECRETS = [SECRET_A, SECRET_GONE, NEW_SECRET, FILE_SECRET];

/** `tgate oauth-clients <list|get|create|update|delete>` as a subprocess, end to end. */
describe('cli: tgate oauth-clients (subprocess against the platform stand-in)', function () {
  this.timeout(20000);
  let api: LocalPlatform;
  let idA: string;
  let idGone: string;
  let tmp: string;

  /** Runs the command with the stand-in's URL, tenant and credentials in the environment; checks no secret leaked. */
  async function run(args: string[], options: RunOptions & { reveal?: boolean } = {}): Promise<RunResult> {
    const result = await tgate(['oauth-clients', ...args], {
      input: options.input,
      env: {
        ELASTICIO_API_URI: api.url,
        ELASTICIO_API_USERNAME: USER,
        ELASTICIO_API_KEY: API_KEY,
        ELASTICIO_TENANT_ID: TENANT,
        ...options.env,
      },
    });
    const all = result.stdout + result.stderr;
    expect(all, 'the API key leaked').to.not.contain(API_KEY);
    expect(all, 'the Authorization header leaked').to.not.contain(BASIC_TOKEN);
    expect(result.stderr, 'a client secret leaked to stderr').to.satisfy((s: string) =>
      ALL_SECRETS.every((x) => !s.includes(x)),
    );
    if (!options.reveal) {
      for (const secret of ALL_SECRETS) expect(result.stdout, `client secret ${secret} leaked`).to.not.contain(secret);
    }
    return result;
  }

  const calls = (): string[] =>
    api.requests.map((r) => `${r.method} ${r.path}${r.rawQuery ? `?${decodeURIComponent(r.rawQuery)}` : ''}`);

  beforeEach(async () => {
    api = await startLocalPlatform();
    api
      .addUser(USER, API_KEY)
      .addUser('viewer@example.com', 'viewer-key-0001', ['tenants.oauth_clients.get'])
      .addTenant(TENANT, ['cmp-a', 'cmp-b']);
    idA = api.addClient(TENANT, { clientId: 'client-a', clientSecret: SECRET_A, componentId: 'cmp-a' });
    idGone = api.addClient(TENANT, { clientId: 'client-gone', clientSecret: SECRET_GONE, componentId: 'cmp-removed' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-spec-'));
  });

  afterEach(async () => {
    await api.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('list and get', () => {
    it('prints a table with masked secrets and a mark for a missing component; --json masks; --reveal-secrets shows', async () => {
      const [table, json, revealed] = await Promise.all([
        run(['list']),
        run(['list', '--json']),
        run(['list', '--json', '--reveal-secrets'], { reveal: true }),
      ]);
      expect(table.code).to.equal(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^ID\s+COMPONENT\s+CLIENT_ID\s+CLIENT_SECRET$/);
      expect(lines[1]).to.match(new RegExp(`^${idA}\\s+cmp-a\\s+client-a\\s+••••••••3412$`));
      expect(lines[2]).to.match(
        new RegExp(`^${idGone}\\s+\\(none: component removed or hidden\\)\\s+client-gone\\s+••••••••$`),
      );
      expect(lines).to.have.length(3);

      expect(json.code).to.equal(0);
      const doc = JSON.parse(json.stdout);
      expect(doc.data).to.have.length(2);
      expect(doc.data[0]).to.deep.equal({
        id: idA,
        type: 'oauth-client',
        attributes: { client_id: 'client-a', client_secret: '••••••••3412' },
        relationships: {
          component: { data: { id: 'cmp-a', type: 'component' }, links: { self: '/v2/components/cmp-a' } },
        },
      });
      expect(doc.data[1]).to.deep.equal({
        id: idGone,
        type: 'oauth-client',
        attributes: { client_id: 'client-gone', client_secret: '••••••••' },
      });

      expect(revealed.code).to.equal(0);
      expect(JSON.parse(revealed.stdout).data.map((d: any) => d.attributes.client_secret)).to.deep.equal([
        SECRET_A,
        SECRET_GONE,
      ]);

      expect(calls()).to.deep.equal(Array(3).fill(`GET /v2/tenants/${TENANT}/oauth-clients`));
      for (const r of api.requests) expect(r.headers.authorization).to.equal(`Basic ${BASIC_TOKEN}`);
    });

    it('list --component sends filter[component]; reads every page', async () => {
      api.pageSize = 1;
      const r = await run(['list', '--component', 'cmp-a']);
      expect(r.code).to.equal(0);
      expect(calls()).to.deep.equal([`GET /v2/tenants/${TENANT}/oauth-clients?filter[component]=cmp-a`]);
      expect(r.stdout).to.contain(idA).and.not.contain(idGone);

      api.clearRequests();
      const all = await run(['list', '--json']);
      expect(JSON.parse(all.stdout).data.map((d: any) => d.id)).to.deep.equal([idA, idGone]);
      expect(calls()).to.deep.equal([
        `GET /v2/tenants/${TENANT}/oauth-clients`,
        `GET /v2/tenants/${TENANT}/oauth-clients?page[number]=2&page[size]=1`,
      ]);
    });

    it('get shows one client; 404 names the client and the tenant (exit 1)', async () => {
      const [found, missing] = await Promise.all([run(['get', idA]), run(['get', 'no-such-client'])]);
      expect(found.code).to.equal(0);
      expect(found.stdout).to.match(new RegExp(`${idA}\\s+cmp-a\\s+client-a\\s+••••••••3412`));
      expect(missing.code).to.equal(1);
      expect(missing.stdout).to.equal('');
      expect(missing.stderr).to.contain(`tgate: OAuth client no-such-client not found in tenant ${TENANT}`);
      expect(missing.stderr).to.contain('answered 404 to GET');
    });
  });

  describe('terminal escapes in what the platform, a file or the environment holds', () => {
    // ESC ] (retitle) and ESC [ (clear), the 8-bit CSI (U+009B) and a right-to-left override.
    const HOSTILE = 'evil\x1b]0;owned\x07\x1b[2J\u009b31m\u202ex';
    const SHOWN = 'evil\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202ex';
    // eslint-disable-next-line no-control-regex -- the spec looks for control characters
    const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

    it('a client id holding escape sequences is written out in the table and escaped in --json', async () => {
      api.addClient(TENANT, { clientId: HOSTILE, clientSecret: 'esc-client-secret-0001', componentId: 'cmp-b' });
      const [table, json] = await Promise.all([run(['list']), run(['list', '--json'])]);
      expect(table.code).to.equal(0);
      expect(table.stdout).not.to.match(CONTROL);
      expect(table.stdout).to.contain(SHOWN);
      expect(json.code).to.equal(0);
      expect(json.stdout).not.to.match(CONTROL);
      expect(JSON.parse(json.stdout).data.map((d: any) => d.attributes.client_id)).to.include(HOSTILE);
    });

    it('an error quoting an API URL with escape sequences writes them out', async () => {
      const r = await run(['list'], { env: { ELASTICIO_API_URI: 'https://api.example\x1b]0;owned\x07.test' } });
      expect(r.code).to.equal(2);
      expect(r.stderr).not.to.match(CONTROL);
      expect(r.stderr).to.contain('not a valid URL: "https://api.example\\x1b]0;owned\\x07.test"');
    });
  });

  describe('create', () => {
    it('reads the secret from stdin (one trailing newline dropped) and POSTs the documented body', async () => {
      const r = await run(['create', '--client-id', 'client-b', '--component', 'cmp-b', '--client-secret-stdin'], {
        input: `${NEW_SECRET}\n`,
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(calls()).to.deep.equal([`POST /v2/tenants/${TENANT}/oauth-clients`]);
      expect(api.requests[0].headers['content-type']).to.match(/^application\/json/);
      expect(api.requests[0].body).to.deep.equal({
        data: {
          type: 'oauth-client',
          attributes: { client_id: 'client-b', client_secret: NEW_SECRET },
          relationships: { component: { data: { id: 'cmp-b', type: 'component' } } },
        },
      });
      expect(r.stdout).to.match(/cmp-b\s+client-b\s+••••••••4242/);
      expect(r.stderr).to.match(/created OAuth client \S+ for component cmp-b in tenant tenant-1/);
    });

    it('reads the secret from --client-secret-file, keeping all but one trailing newline', async () => {
      const file = path.join(tmp, 'secret');
      fs.writeFileSync(file, `${FILE_SECRET}\r\n`, { mode: 0o600 });
      const r = await run([
        'create',
        '--client-id',
        'client-b',
        '--component',
        'cmp-b',
        '--client-secret-file',
        file,
        '--json',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      expect((api.requests[0].body as any).data.attributes.client_secret).to.equal(FILE_SECRET);
      expect(JSON.parse(r.stdout).data.attributes.client_secret).to.equal('••••••••7777');
    });

    it('refuses secrets and API keys as arguments, saying why, without echoing them or calling the API', async () => {
      const results = await Promise.all([
        run(['create', '--client-id', 'x', '--component', 'cmp-b', `--client-secret=${NEW_SECRET}`]),
        run(['update', idA, '--client-secret', NEW_SECRET]),
        run(['list', '--api-key', API_KEY]),
      ]);
      for (const r of results) expect(r.code).to.equal(2);
      expect(results[0].stderr)
        .to.contain('--client-secret is refused')
        .and.contain('shell history')
        .and.contain('--client-secret-stdin')
        .and.contain('--client-secret-file');
      expect(results[1].stderr).to.contain('--client-secret is refused');
      expect(results[2].stderr).to.contain('--api-key is refused').and.contain('ELASTICIO_API_KEY');
      expect(api.requests).to.have.length(0);
    });

    it('validates its inputs before calling the API (exit 2, naming the bad input)', async function () {
      this.timeout(90_000); // a dozen tgate processes at once: on a loaded two-core machine that takes a while
      const cases: Array<[string[], RunOptions, RegExp]> = [
        [['create', '--component', 'cmp-b', '--client-secret-stdin'], { input: 'x\n' }, /create needs --client-id ID/],
        [
          ['create', '--client-id', 'b', '--component', 'cmp-b'],
          {},
          /create needs --client-secret-stdin or --client-secret-file PATH/,
        ],
        [
          ['create', '--client-id', 'b', '--component', 'cmp-b', '--client-secret-stdin'],
          { input: '\n' },
          /the client secret from stdin is empty/,
        ],
        [
          ['create', '--client-id', 'b', '--component', 'cmp-b', '--client-secret-file', path.join(tmp, 'nope')],
          {},
          /cannot read --client-secret-file .*nope: ENOENT/,
        ],
        [
          ['create', '--client-id', 'b', '--component', 'cmp-b', '--client-secret-stdin', '--client-secret-file', '-'],
          { input: 'x' },
          /not both/,
        ],
        [['list'], { env: { ELASTICIO_TENANT_ID: '' } }, /no tenant: pass --tenant ID or set ELASTICIO_TENANT_ID/],
        [
          ['list'],
          { env: { ELASTICIO_API_USERNAME: '', ELASTICIO_API_KEY: '' } },
          /no credentials: set ELASTICIO_API_USERNAME .* and ELASTICIO_API_KEY/,
        ],
        [['list'], { env: { ELASTICIO_API_KEY: '' } }, /ELASTICIO_API_KEY is not set while ELASTICIO_API_USERNAME is/],
        [['list', '--api-url', 'not a url'], {}, /--api-url: not a valid URL/],
        [['list', '--api-url', 'http://api.elastic.io'], {}, /refusing to send the API key over plain http/],
        [['update', idA], {}, /nothing to change/],
        [
          ['update', idGone, '--client-id', 'renamed'],
          {},
          new RegExp(`OAuth client ${idGone} has no component .*pass --component ID`),
        ],
      ];
      const results = await Promise.all(cases.map(([args, options]) => run(args, options)));
      results.forEach((r, i) => {
        expect(r.code, `${cases[i][0].join(' ')}: ${r.stderr}`).to.equal(2);
        expect(r.stderr, cases[i][0].join(' ')).to.match(cases[i][2]);
        expect(r.stderr).to.match(/^tgate: /);
        expect(r.stdout).to.equal('');
      });
      // Only the update of a client without a component had to read it first.
      expect(calls()).to.deep.equal([`GET /v2/tenants/${TENANT}/oauth-clients/${idGone}`]);
    });

    it('409: says a client for the component already exists; an invisible component is named (exit 1)', async () => {
      const [dup, hidden] = await Promise.all([
        run(['create', '--client-id', 'again', '--component', 'cmp-a', '--client-secret-stdin'], { input: NEW_SECRET }),
        run(['create', '--client-id', 'again', '--component', 'cmp-secret-sauce', '--client-secret-stdin'], {
          input: NEW_SECRET,
        }),
      ]);
      expect(dup.code).to.equal(1);
      expect(dup.stderr).to.contain(
        `tgate: a client for component cmp-a already exists in tenant ${TENANT} (use \`tgate oauth-clients update\``,
      );
      expect(dup.stderr).to.contain('answered 409 to POST');
      expect(hidden.code).to.equal(1);
      expect(hidden.stderr).to.contain(`component cmp-secret-sauce not found or not visible in tenant ${TENANT}`);
      expect(api.clients(TENANT)).to.have.length(2);
    });
  });

  describe('the secret: one line, no whitespace; a pipe is a file', () => {
    const create = ['create', '--client-id', 'client-b', '--component', 'cmp-b'];
    const sentSecret = (): unknown => (api.requests[0]?.body as any)?.data?.attributes?.client_secret;

    it('stdin: whitespace or a line break inside is refused (exit 2, the secret not echoed); one trailing newline is not', async () => {
      const cases: Array<[string, RegExp]> = [
        ['part-one part-two', /the client secret from stdin contains whitespace/],
        ['part-one\tpart-two\n', /the client secret from stdin contains whitespace/],
        ['part-one\npart-two\n', /the client secret from stdin spans more than one line/],
        ['part-one-part-two\n\n', /the client secret from stdin spans more than one line/],
        [' part-one-part-two', /the client secret from stdin contains whitespace/],
      ];
      const results = await Promise.all(cases.map(([input]) => run([...create, '--client-secret-stdin'], { input })));
      results.forEach((r, i) => {
        expect(r.code, `${JSON.stringify(cases[i][0])}: ${r.stderr}`).to.equal(2);
        expect(r.stderr)
          .to.match(cases[i][1])
          .and.match(/^tgate: /);
        expect(r.stderr).to.not.contain('part-one').and.not.contain('part-two');
      });
      expect(api.requests).to.have.length(0);

      const echoed = await run([...create, '--client-secret-stdin'], { input: `${NEW_SECRET}\r\n` });
      expect(echoed.code, echoed.stderr).to.equal(0);
      expect(sentSecret()).to.equal(NEW_SECRET);
    });

    it('--client-secret-file: the same rules for a regular file', async () => {
      const file = path.join(tmp, 'two-lines');
      fs.writeFileSync(file, 'part-one\npart-two\n', { mode: 0o600 });
      const r = await run([...create, '--client-secret-file', file]);
      expect(r.code).to.equal(2);
      expect(r.stderr)
        .to.contain(`the client secret from --client-secret-file ${file} spans more than one line`)
        .and.not.contain('part-one');
      expect(api.requests).to.have.length(0);
    });

    it('--client-secret-file reads a FIFO to its end, without a mode warning, and refuses a line break in it', async () => {
      const fifo = path.join(tmp, 'secret.fifo');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      const feed = (text: string): Promise<void> =>
        withTimeout(fs.promises.writeFile(fifo, text), 10000, 'nobody read the FIFO');
      // Written in two pieces, so a reader that stops at the first chunk would send half a secret.
      const [ok] = await Promise.all([
        run([...create, '--client-secret-file', fifo]),
        (async () => {
          const handle = await withTimeout(fs.promises.open(fifo, 'w'), 10000, 'nobody opened the FIFO');
          await handle.write(FILE_SECRET.slice(0, 10));
          await new Promise((resolve) => setTimeout(resolve, 200));
          await handle.write(`${FILE_SECRET.slice(10)}\n`);
          await handle.close();
        })(),
      ]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(sentSecret()).to.equal(FILE_SECRET);
      expect(ok.stderr).to.not.contain('warning');

      api.clearRequests();
      const [refused] = await Promise.all([run([...create, '--client-secret-file', fifo]), feed('part-one\npart-two')]);
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.contain('spans more than one line').and.not.contain('part-one');
      expect(api.requests).to.have.length(0);
    });

    it('--client-secret-file <(printf %s "$SECRET") through bash process substitution', async () => {
      const command =
        `"${process.execPath}" bin/tgate.js oauth-clients create --client-id client-b --component cmp-b ` +
        '--client-secret-file <(printf %s "$PIPED_SECRET") --json';
      const r = await bash(command, {
        ELASTICIO_API_URI: api.url,
        ELASTICIO_API_USERNAME: USER,
        ELASTICIO_API_KEY: API_KEY,
        ELASTICIO_TENANT_ID: TENANT,
        PIPED_SECRET: NEW_SECRET,
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr)
        .to.match(/created OAuth client \S+ for component cmp-b/)
        .and.not.contain(NEW_SECRET);
      expect(sentSecret()).to.equal(NEW_SECRET);
      expect(JSON.parse(r.stdout).data.attributes.client_secret).to.equal('••••••••4242');
    });
  });

  describe('update', () => {
    it('GETs, merges and PATCHes the whole documented body', async () => {
      const r = await run(['update', idA, '--client-secret-stdin'], { input: `${NEW_SECRET}\n` });
      expect(r.code, r.stderr).to.equal(0);
      expect(calls()).to.deep.equal([
        `GET /v2/tenants/${TENANT}/oauth-clients/${idA}`,
        `PATCH /v2/tenants/${TENANT}/oauth-clients/${idA}`,
      ]);
      expect(api.requests[1].body).to.deep.equal({
        data: {
          type: 'oauth-client',
          attributes: { client_id: 'client-a', client_secret: NEW_SECRET },
          relationships: { component: { data: { id: 'cmp-a', type: 'component' } } },
        },
      });
      expect(api.client(TENANT, idA)).to.deep.include({ clientSecret: NEW_SECRET, clientId: 'client-a' });
      expect(r.stdout).to.match(/cmp-a\s+client-a\s+••••••••4242/);
    });

    it('moving a client to a component that has one already is a conflict', async () => {
      const r = await run(['update', idGone, '--component', 'cmp-a']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(`a client for component cmp-a already exists in tenant ${TENANT}`);
    });
  });

  describe('ids that would leave their path', () => {
    it('delete .., delete ., get ../x and --tenant .. exit 2 naming the id, with no request', async () => {
      const cases: Array<[string[], RegExp]> = [
        [
          ['delete', '..', '--yes'],
          /^tgate: the OAuth client object id is "\.\.", which is not an id but a step in a path\n$/,
        ],
        [
          ['delete', '.', '--yes'],
          /^tgate: the OAuth client object id is "\.", which is not an id but a step in a path\n$/,
        ],
        [['get', '../x'], /^tgate: the OAuth client object id "\.\.\/x" is not a plain id: only letters, digits/],
        [['update', 'a%2Fb', '--client-id', 'x'], /^tgate: the OAuth client object id "a%2Fb" is not a plain id/],
        [
          ['list', '--tenant', '..'],
          /^tgate: --tenant: the tenant id is "\.\.", which is not an id but a step in a path\n$/,
        ],
        [['delete', idA, '--yes', '--tenant', '..'], /^tgate: --tenant: the tenant id is "\.\."/],
        [['list', '--component', '../cmp-a'], /^tgate: the component id "\.\.\/cmp-a" is not a plain id/],
      ];
      const results = await Promise.all(cases.map(([args]) => run(args)));
      results.forEach((r, i) => {
        expect(r.code, `${cases[i][0].join(' ')}: ${r.stderr}`).to.equal(2);
        expect(r.stderr, cases[i][0].join(' ')).to.match(cases[i][1]);
        expect(r.stdout).to.equal('');
      });
      expect(calls()).to.deep.equal([]);
      expect(api.clients(TENANT)).to.have.length(2);
    });
  });

  describe('delete', () => {
    it('refuses without a terminal unless --yes; asks on a terminal and only deletes when the id is typed', async () => {
      const [noTty, declined] = await Promise.all([
        run(['delete', idA]),
        run(['delete', idA], { env: { TGATE_ASSUME_TTY: '1' }, input: 'y\n' }),
      ]);
      expect(noTty.code).to.equal(2);
      expect(noTty.stderr).to.contain('pass --yes');
      expect(declined.code).to.equal(2);
      expect(declined.stderr).to.contain(`Delete OAuth client ${idA} in tenant ${TENANT}? Type the id to confirm:`);
      expect(declined.stderr).to.contain('not confirmed: nothing was deleted');
      expect(api.requests).to.have.length(0);

      const confirmed = await run(['delete', idA], { env: { TGATE_ASSUME_TTY: '1' }, input: `${idA}\n` });
      expect(confirmed.code, confirmed.stderr).to.equal(0);
      expect(calls()).to.deep.equal([`DELETE /v2/tenants/${TENANT}/oauth-clients/${idA}`]);
      expect(api.client(TENANT, idA)).to.equal(undefined);

      const forced = await run(['delete', idGone, '--yes']);
      expect(forced.code).to.equal(0);
      expect(forced.stderr).to.contain(`deleted OAuth client ${idGone} from tenant ${TENANT}`);
      expect(api.clients(TENANT)).to.deep.equal([]);
    });

    it("a refusal because a flow uses the client is shown as exactly that, with the server's detail", async () => {
      api.useInFlow(TENANT, idA, 'Orders to ERP');
      const r = await run(['delete', idA, '--yes']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('tgate: refused: the OAuth client is still used by at least one flow in the tenant');
      expect(r.stderr).to.contain('OAuth client is used in flow "Orders to ERP" and can not be deleted');
      expect(api.client(TENANT, idA)).to.not.equal(undefined);
    });
  });

  describe('API refusals and failures', () => {
    it('401 and 403 explain the likely cause', async () => {
      const [wrongKey, viewer] = await Promise.all([
        run(['list'], { env: { ELASTICIO_API_KEY: 'KEY-wrong-5555-6666' } }),
        run(['delete', idA, '--yes'], {
          env: { ELASTICIO_API_USERNAME: 'viewer@example.com', ELASTICIO_API_KEY: 'viewer-key-0001' },
        }),
      ]);
      expect(wrongKey.code).to.equal(1);
      expect(wrongKey.stderr)
        .to.contain('did not accept the credentials from the environment')
        .and.contain('ELASTICIO_API_KEY')
        .and.not.contain('KEY-wrong-5555-6666');
      expect(viewer.code).to.equal(1);
      expect(viewer.stderr)
        .to.contain('permission denied (403)')
        .and.contain('tenants.oauth_clients.delete')
        .and.contain('service accounts')
        .and.not.contain('viewer-key-0001');
    });

    it('a 2xx that is not JSON says the API URL is probably wrong, naming it', async () => {
      api.inject({ status: 200, contentType: 'text/html', body: '<!doctype html><title>T-Gate</title>' });
      const r = await run(['list']);
      expect(r.code).to.equal(1);
      expect(r.stderr)
        .to.contain(`${api.url} answered 200 with an HTML page`)
        .and.contain('this does not look like the platform API')
        .and.contain(`check the API URL: ${api.url} came from ELASTICIO_API_URI`);
    });

    it('a wrong API URL whose web server answers an HTML 404 is named as not the platform API, not as a missing tenant', async () => {
      const web = http.createServer((_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><body><h1>404 Not Found</h1></body></html>');
      });
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      const webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      try {
        const [fromEnv, fromOption] = await Promise.all([
          run(['list'], { env: { ELASTICIO_API_URI: webUrl } }),
          run(['get', idA, '--api-url', `${webUrl}/`]),
        ]);
        for (const r of [fromEnv, fromOption]) {
          expect(r.code).to.equal(1);
          expect(r.stderr)
            .to.contain(`tgate: ${webUrl} answered 404 with an HTML page`)
            .and.contain('this does not look like the platform API')
            .and.not.contain('not found in tenant')
            .and.not.match(/tenant \S+ not found/);
          expect(r.stdout).to.equal('');
        }
        expect(fromEnv.stderr).to.contain(`check the API URL: ${webUrl} came from ELASTICIO_API_URI`);
        expect(fromOption.stderr).to.contain(`check the API URL: ${webUrl} came from --api-url`);
      } finally {
        web.closeAllConnections();
        await new Promise((resolve) => web.close(resolve));
      }
    });

    it('retries 429 (Retry-After) and 503, then succeeds; gives up on a persistent 500 with exit 1', async () => {
      api.inject({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 });
      const ok = await run(['get', idA]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(calls()).to.have.length(3);
      expect(ok.stderr).to.contain('429, retry 1 of 4').and.contain('503, retry 2 of 4');

      api.clearRequests();
      api.inject({ status: 500 });
      const failed = await run(['create', '--client-id', 'b', '--component', 'cmp-b', '--client-secret-stdin'], {
        input: NEW_SECRET,
      });
      expect(failed.code).to.equal(1);
      expect(failed.stderr).to.contain('the platform API failed (500)');
      expect(calls()).to.have.length(1); // a create is not repeated after a 500
    });
  });

  describe('profile file', () => {
    it('refuses a profile others may read, uses a private one, and lets the environment win', async () => {
      const profile = path.join(tmp, 'tgate.env');
      fs.writeFileSync(
        profile,
        [
          '# T-Gate staging',
          `ELASTICIO_API_URI=${api.url}`,
          `export ELASTICIO_API_USERNAME="${USER}"`,
          `ELASTICIO_API_KEY='${API_KEY}'`,
          'ELASTICIO_TENANT_ID=other-tenant',
          '',
        ].join('\n'),
        { mode: 0o644 },
      );
      fs.chmodSync(profile, 0o644);
      api.addTenant('other-tenant', ['cmp-a']);
      const bare = {
        ELASTICIO_API_URI: undefined,
        ELASTICIO_API_USERNAME: '',
        ELASTICIO_API_KEY: '',
        ELASTICIO_TENANT_ID: '',
      };

      const open = await run(['list', '--profile', profile], { env: bare });
      expect(open.code).to.equal(2);
      expect(open.stderr).to.contain('may be read by others (mode 644)').and.contain(`chmod 600 ${profile}`);
      expect(api.requests).to.have.length(0);

      fs.chmodSync(profile, 0o600);
      const [fromProfile, envWins] = await Promise.all([
        run(['list', '--json'], { env: { ...bare, TGATE_PROFILE: profile } }),
        run(['list', '--json', '--profile', profile], { env: { ...bare, ELASTICIO_TENANT_ID: TENANT } }),
      ]);
      expect(fromProfile.code, fromProfile.stderr).to.equal(0);
      expect(envWins.code, envWins.stderr).to.equal(0);
      expect(calls().sort()).to.deep.equal([
        'GET /v2/tenants/other-tenant/oauth-clients',
        `GET /v2/tenants/${TENANT}/oauth-clients`,
      ]);
      for (const r of api.requests) expect(r.headers.authorization).to.equal(`Basic ${BASIC_TOKEN}`);
    });
  });

  it('--help documents the subcommands, where credentials come from and the exit codes', async () => {
    const [group, create] = await Promise.all([run(['--help']), run(['create', '--help'])]);
    expect(group.code).to.equal(0);
    for (const name of ['list', 'get', 'create', 'update', 'delete'])
      expect(group.stdout).to.match(new RegExp(`\\n\\s+${name}\\b`));
    expect(group.stdout).to.contain('ELASTICIO_API_USERNAME').and.contain('chmod 600').and.contain('Exit codes:');
    expect(create.code).to.equal(0);
    expect(create.stdout)
      .to.contain('--client-secret-stdin')
      .and.contain('--client-secret-file')
      .and.contain('--reveal-secrets')
      .and.contain('Exit codes:')
      .and.contain('2    usage error');
    expect(create.stdout).to.not.match(/--client-secret \[value\]|--api-key/);
  });
});
