import Ajv from 'ajv';
import { forAjv } from '../../../lib/schemas/validate';
import { expect } from 'chai';
import { createWorld, leakedSecrets, serviceEnv, World } from '../../helpers/world';
import { runGetMetaModel, runSelectModel, ServiceRun } from '../../helpers/runService';
import { undescribed } from '../../helpers/schemas';
import { TGATE_RESOURCE_NAMES, TGATE_RESOURCES } from '../../../lib/tgate';

type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

/** getMetaModel and the select models through the sailor's real runService.js, against the sandbox over HTTP. */
describe('dynamic metadata and select models through runService.js', function () {
  this.timeout(120_000);
  let world: World;
  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });

  const noLeaks = (run: ServiceRun): void => {
    expect(leakedSecrets(world, [run.stdout, run.stderr, JSON.stringify(run.result)])).to.deep.equal([]);
  };
  async function metaModel(fn: string, fields: Record<string, unknown>): Promise<{ in: Schema; out: Schema }> {
    const run = await runGetMetaModel(fn, { ...world.cfg, ...fields }, world.platform, serviceEnv(world));
    expect(run.result?.status, JSON.stringify(run.result)).to.equal('success');
    noLeaks(run);
    return run.result!.data as unknown as { in: Schema; out: Schema };
  }
  function checkDescribed(meta: { in: Schema; out: Schema }): void {
    for (const side of ['in', 'out'] as const) {
      expect(() => new Ajv({ strict: false }).compile(forAjv(meta[side])), `${side} compiles`).not.to.throw();
      expect(undescribed(meta[side]), `${side}: schema and properties without title or description`).to.deep.equal([]);
    }
  }

  describe('lookupObjects', () => {
    for (const resource of TGATE_RESOURCE_NAMES) {
      it(`${resource}: in holds the type's filters, out its record schema`, async () => {
        const meta = await metaModel('lookupObjects', { resourceType: resource });
        checkDescribed(meta);
        expect(Object.keys(meta.in.properties ?? {})).to.deep.equal(
          TGATE_RESOURCES[resource].filters.map((f) => f.name),
        );
        expect(meta.in.additionalProperties).to.equal(false);
        expect(meta.out).to.deep.equal(TGATE_RESOURCES[resource].schema);
      });
    }

    it('out follows the emit behaviour: a page of results with its number, or all results with the total', async () => {
      const page = await metaModel('lookupObjects', { resourceType: 'items', emitBehavior: 'emitPage' });
      checkDescribed(page);
      expect(Object.keys(page.out.properties ?? {})).to.deep.equal(['results', 'page', 'totalCount']);
      expect(page.out.properties!.results.items).to.deep.equal(TGATE_RESOURCES.items.schema);
      const all = await metaModel('lookupObjects', { resourceType: 'items', emitBehavior: 'fetchAll' });
      checkDescribed(all);
      expect(Object.keys(all.out.properties ?? {})).to.deep.equal(['results', 'totalCount']);
    });

    it('answers an error naming resourceType when no type is chosen yet', async () => {
      const run = await runGetMetaModel('lookupObjects', { ...world.cfg }, world.platform, serviceEnv(world));
      expect(run.result).to.deep.equal({
        status: 'error',
        data: {
          message: `Choose the object type in the step (resourceType): no resource type is chosen; the types are ${TGATE_RESOURCE_NAMES.join(', ')}`,
        },
      });
    });
  });

  describe('lookupObject', () => {
    for (const resource of TGATE_RESOURCE_NAMES.filter((n) => TGATE_RESOURCES[n].getOne)) {
      it(`${resource}: in asks for the id, out is the record`, async () => {
        const meta = await metaModel('lookupObject', { resourceType: resource });
        checkDescribed(meta);
        expect(meta.in.required).to.deep.equal(['id']);
        expect(meta.out).to.deep.equal(TGATE_RESOURCES[resource].schema);
      });
    }

    it('requires nothing in out when an empty result is allowed', async () => {
      const meta = await metaModel('lookupObject', { resourceType: 'brands', allowEmptyResult: true });
      checkDescribed(meta);
      expect(meta.out.required).to.deep.equal([]);
    });

    it('refuses integration scopes, which T-Gate cannot fetch one by one, naming resourceType', async () => {
      const run = await runGetMetaModel(
        'lookupObject',
        { ...world.cfg, resourceType: 'integrationScopes' },
        world.platform,
        serviceEnv(world),
      );
      expect(run.result?.status).to.equal('error');
      expect(run.result?.data.message).to.match(
        /^Choose the object type in the step \(resourceType\): "integrationScopes" is not one of them; the types are brands, /,
      );
    });
  });

  describe('listIntegrationScopes (released id and shapes)', () => {
    it('describes one scope per message by default, and {integrationScopes, count} with emitAll', async () => {
      const one = await metaModel('listIntegrationScopes', {});
      checkDescribed(one);
      expect(one.out).to.deep.equal(TGATE_RESOURCES.integrationScopes.schema);
      const all = await metaModel('listIntegrationScopes', { emitBehavior: 'emitAll' });
      checkDescribed(all);
      expect(all.out.required).to.deep.equal(['integrationScopes', 'count']);
    });
  });

  describe('select models', () => {
    async function selectModel(model: string, fields: Record<string, unknown> = {}): Promise<Record<string, string>> {
      const run = await runSelectModel(
        'lookupObjects',
        model,
        { ...world.cfg, ...fields },
        world.platform,
        serviceEnv(world),
      );
      expect(run.result?.status, JSON.stringify(run.result)).to.equal('success');
      noLeaks(run);
      return run.result!.data as Record<string, string>;
    }

    it('resourceTypes offers every type, and only those with "get one" for lookupObject', async () => {
      expect(Object.keys(await selectModel('resourceTypes'))).to.deep.equal(TGATE_RESOURCE_NAMES);
      const run = await runSelectModel('lookupObject', 'resourceTypes', world.cfg, world.platform, serviceEnv(world));
      expect(run.result?.data).to.include({ items: 'Items', openingHourGroups: 'Opening Hour Groups' });
      expect(run.result?.data).not.to.have.property('integrationScopes');
    });

    it('brands: the granted brands, English with the Arabic in brackets, keyed by id; never the brand outside the scopes', async () => {
      expect(await selectModel('brands')).to.deep.equal({
        101: 'Shawarma House (بيت الشاورما)',
        102: 'Kabsa Kitchen (مطبخ الكبسة)',
        103: 'Bean & Date Coffee (قهوة البن والتمر)',
      });
    });

    it('labels a record without an Arabic name with its English name alone', async () => {
      world.sandbox.updateRecord('brands', 102, { name_ar: null });
      try {
        expect((await selectModel('brands'))[102]).to.equal('Kabsa Kitchen');
      } finally {
        world.sandbox.updateRecord('brands', 102, { name_ar: 'مطبخ الكبسة' });
      }
    });

    it('branches: all granted ones, or those of the chosen brand', async () => {
      const all = await selectModel('branches');
      expect(Object.keys(all).map(Number)).to.deep.equal(Array.from({ length: 15 }, (_, i) => 201 + i));
      expect(all[201]).to.equal('Shawarma House Olaya (بيت الشاورما العليا)');
      const before = world.sandbox.requests.length;
      const ofKabsa = await selectModel('branches', { brand_id: '102' });
      expect(Object.keys(ofKabsa).map(Number)).to.deep.equal([206, 207, 208, 209, 210]);
      // One page of scopes, one page of the brand's branches.
      expect(world.sandbox.requests.slice(before).map((r) => `${r.path}?${r.query}`)).to.deep.equal([
        '/partner/v1/integration_scopes?page=1&items=100',
        '/partner/v1/branches?brand_id=102&page=1&items=100',
      ]);
    });

    it('menus: all granted ones (never the staff menu outside the scopes), or those of the chosen branch', async () => {
      const all = await selectModel('menus');
      expect(Object.keys(all).map(Number)).to.deep.equal([301, 302, 303, 304, 305, 306, 307, 308, 309]);
      expect(all[301]).to.equal('Main Menu (القائمة الرئيسية)');
      expect(Object.keys(await selectModel('menus', { branch_id: '212' })).map(Number)).to.deep.equal([307, 308, 309]);
      expect(await selectModel('menus', { brand_id: '101', branch_id: '212' })).to.deep.equal({});
    });

    it('answers an error naming the field when a chosen brand is not an id', async () => {
      const run = await runSelectModel(
        'lookupObjects',
        'branches',
        { ...world.cfg, brand_id: 'Shawarma' },
        world.platform,
        serviceEnv(world),
      );
      expect(run.result).to.deep.equal({
        status: 'error',
        data: { message: 'Invalid step configuration: brand_id must be an integer' },
      });
    });

    it('saves refreshed tokens through the platform API: runService.js ends right after answering', async () => {
      const expired = {
        ...world.cfg,
        oauth: { ...world.cfg.oauth, expires_at: new Date(Date.now() - 60_000).toISOString() },
      };
      const putsBefore = world.platform.calls.filter((c) => c.method === 'PUT').length;
      const run = await runSelectModel('lookupObjects', 'brands', expired, world.platform, serviceEnv(world));
      expect(run.result?.status).to.equal('success');
      const puts = world.platform.calls.filter((c) => c.method === 'PUT').slice(putsBefore);
      expect(puts.map((c) => [c.path, c.status])).to.deep.equal([[`/v1/accounts/${world.cfg._account}`, 200]]);
      const saved = world.platform.accounts.get(world.cfg._account)!.keys.oauth as Record<string, string>;
      expect(saved.refresh_token).not.to.equal(world.tokens.refresh_token);
      noLeaks(run);
      // Later steps use the saved credential.
      world.cfg.oauth = { ...saved };
    });
  });
});
