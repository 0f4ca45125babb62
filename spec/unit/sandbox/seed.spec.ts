import { expect } from 'chai';
import Ajv from 'ajv';
import { startSandbox, Sandbox } from '../../../lib/sandbox';
import { DEFAULT_ITEM_COUNT } from '../../../lib/sandbox/seed';
import { TGATE_RESOURCES, TGATE_RESOURCE_NAMES, TGateResourceName } from '../../../lib/tgate/resources';
import type { TGateRecords } from '../../../lib/tgate/records';
import { CLIENT, bearer, http, ids } from './support';

const ARABIC = /[\u0600-\u06FF]/;

describe('sandbox: seeded catalog', () => {
  let sandbox: Sandbox;
  const all = <R extends TGateResourceName>(resource: R): Array<TGateRecords[R]> =>
    sandbox.store.allIds(resource).map((id) => sandbox.getRecord(resource, id)!);

  before(async () => {
    sandbox = await startSandbox({ clients: [CLIENT] });
  });

  after(async () => {
    await sandbox.close();
  });

  it('validates every record against its resource schema', () => {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    for (const name of TGATE_RESOURCE_NAMES) {
      const check = ajv.compile(TGATE_RESOURCES[name].schema);
      for (const record of all(name))
        expect(check(record), `${name} ${record.id}: ${ajv.errorsText(check.errors)}`).to.equal(true);
    }
    expect(all('items')).to.have.length(DEFAULT_ITEM_COUNT);
  });

  it('is deterministic', async () => {
    const other = await startSandbox();
    try {
      for (const name of TGATE_RESOURCE_NAMES) {
        expect(
          other.store.allIds(name).map((id) => other.getRecord(name, id)),
          name,
        ).to.deep.equal(all(name));
      }
    } finally {
      await other.close();
    }
  });

  it('keeps the 45 integration scopes consistent with the catalog', () => {
    const branches = new Map(all('branches').map((b) => [b.id, b]));
    const menus = new Map(all('menus').map((m) => [m.id, m]));
    const scopes = all('integrationScopes');
    expect(scopes).to.have.length(45);
    for (const scope of scopes) {
      expect(sandbox.getRecord('brands', scope.brand_id), `scope ${scope.id} brand`).to.not.equal(undefined);
      expect(branches.get(scope.branch_id)!.brand_ids).to.include(scope.brand_id);
      expect(branches.get(scope.branch_id)!.menu_ids).to.include(scope.menu_id);
      expect(menus.get(scope.menu_id)!.branch_ids).to.include(scope.branch_id);
    }
  });

  it('links menus and sections both ways, and items to existing children', () => {
    const sections = all('sections');
    for (const menu of all('menus')) {
      expect(ids(sections.filter((s) => s.menu_id === menu.id)), `menu ${menu.id}`).to.deep.equal(menu.section_ids);
    }
    const items = new Map(all('items').map((i) => [i.id, i]));
    for (const item of items.values()) {
      for (const child of item.children_ids) expect(items.has(child), `item ${item.id} child ${child}`).to.equal(true);
    }
  });

  it('has bilingual names: every name_ar is Arabic', () => {
    for (const name of ['brands', 'branches', 'menus', 'sections', 'items'] as const) {
      for (const record of all(name) as Array<{ id: number; name_en: string; name_ar: string | null }>) {
        expect(record.name_ar, `${name} ${record.id}`).to.match(ARABIC);
        expect(record.name_en, `${name} ${record.id}`).to.match(/^[A-Za-z&]/);
      }
    }
  });

  it('has branches with time zones, currencies and the three services, and one force-closed branch', () => {
    const branches = all('branches');
    expect(new Set(branches.map((b) => b.timezone.name))).to.deep.equal(
      new Set(['Asia/Riyadh', 'Asia/Dubai', 'Africa/Cairo', 'Asia/Kuwait']),
    );
    expect(new Set(branches.map((b) => b.currency.code))).to.deep.equal(new Set(['SAR', 'AED', 'EGP', 'KWD']));
    expect(new Set(branches.flatMap((b) => b.services.map((s) => s.service_type)))).to.deep.equal(
      new Set(['delivery', 'pickup', 'dine_in']),
    );
    expect(branches.some((b) => b.services.some((s) => s.service_type === 'delivery' && !s.is_active))).to.equal(true);
    expect(ids(branches.filter((b) => b.is_force_closed))).to.deep.equal([205]);
    expect(branches.find((b) => b.id === 210)!.force_closed_in_brands).to.deep.equal([102]);
  });

  it('serves the force-closed branch and section to the partner (force-closure is not a scope matter)', async () => {
    const { access_token: token } = await sandbox.issueTokens(CLIENT.clientId);
    const branch = await http.get(`${sandbox.apiBaseUrl}/branches/205`, bearer(token));
    expect(branch.data.is_force_closed).to.equal(true);
    const section = await http.get(`${sandbox.apiBaseUrl}/sections/402`, bearer(token));
    expect(section.data.is_force_closed).to.equal(true);
    expect(all('sections').find((s) => s.id === 403)!.force_closed_in_branches).to.deep.equal([202]);
  });

  it('has opening hours that cross midnight, a closed day, and special timings', () => {
    const groups = new Map(all('openingHourGroups').map((g) => [g.id, g]));
    const lateNight = groups.get(501)!;
    expect(lateNight.opening_hours).to.have.length(7);
    for (const day of lateNight.opening_hours)
      expect(day.intervals).to.deep.equal([{ starts_at: '10:00', ends_at: '02:00' }]);
    const crossing = [...groups.values()]
      .flatMap((g) => g.opening_hours.flatMap((d) => d.intervals))
      .filter((i) => i.starts_at >= i.ends_at);
    expect(crossing.length).to.be.above(10);
    expect(groups.get(507)!.opening_hours.map((d) => d.week_day)).to.not.include('friday');
    expect(groups.get(505)).to.include({ is_special_timing: true, is_force_closed: true });
    expect(groups.get(504)).to.include({ is_special_timing: true, start_date: '2027-02-08', end_date: '2027-03-09' });
  });

  it('has an inactive menu, a menu inactive in one branch, items inactive in one branch and inactive items', () => {
    const menus = all('menus');
    expect(ids(menus.filter((m) => !m.is_active))).to.deep.equal([303]);
    expect(menus.find((m) => m.id === 304)!.inactive_in_branches).to.deep.equal([207]);
    const items = all('items');
    expect(items.filter((i) => i.inactive_in_branches.length === 1).length).to.be.above(0);
    expect(items.filter((i) => !i.is_active).length).to.be.above(0);
  });

  it('has products with modifier groups (min, max, max_num_of_same_item) of modifiers', () => {
    const items = new Map(all('items').map((i) => [i.id, i]));
    const product = items.get(1005)!;
    expect(product).to.include({ item_type: 'product', section_id: 401 });
    expect(product.price).to.be.a('number');
    const size = items.get(product.children_ids[0])!;
    expect(size).to.include({ item_type: 'modifier_group', min: 1, max: 1, max_num_of_same_item: 1, price: null });
    expect(size.children_ids.map((id) => items.get(id)!.item_type)).to.deep.equal(['modifier', 'modifier', 'modifier']);
    const extras = items.get(items.get(1114)!.children_ids[0])!;
    expect(extras).to.include({ item_type: 'modifier_group', min: 0, max: 3, max_num_of_same_item: 2 });
    for (const item of items.values()) {
      if (item.item_type !== 'modifier_group')
        expect([item.min, item.max, item.max_num_of_same_item], `item ${item.id}`).to.deep.equal([null, null, null]);
      if (item.item_type === 'product') expect(item.price, `item ${item.id}`).to.be.a('number');
    }
  });

  // Speed is measured by `npm run bench:catalog`, not asserted here.
  it('seeds 100,000 items and serves its last pages', async () => {
    const big = await startSandbox({ clients: [CLIENT] });
    try {
      const summary = big.seedCatalog({ items: 100_000 });
      expect(summary.counts.items).to.equal(100_000);
      const { access_token: token } = await big.issueTokens(CLIENT.clientId);
      const first = await http.get(`${big.apiBaseUrl}/items?items=100`, bearer(token)); // builds the indexes
      const lastPage = Number(first.headers['total-pages']);
      expect(lastPage).to.be.above(500);
      for (let i = 0; i < 20; i++) {
        const res = await http.get(`${big.apiBaseUrl}/items?items=100&page=${lastPage - i}`, bearer(token));
        expect(res.data.length).to.be.within(1, 100);
      }
    } finally {
      await big.close();
    }
  });
});
