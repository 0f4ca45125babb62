import { expect } from 'chai';
import Ajv from 'ajv';
import { TGATE_RESOURCES, TGATE_RESOURCE_NAMES, resourcePaths } from '../../../lib/tgate/resources';
import { properties } from '../../helpers/schemas';

describe('tgate: resource table', () => {
  it('holds the nine T-Gate resources with their assumed paths', () => {
    expect(resourcePaths()).to.deep.equal({
      integrationScopes: '/integration_scopes',
      brands: '/brands',
      branches: '/branches',
      menus: '/menus',
      sections: '/sections',
      items: '/items',
      openingHourGroups: '/opening_hour_groups',
      branchSpecialTimings: '/branch_special_timings',
      orders: '/orders',
    });
  });

  it('has no "get one" for integration scopes only', () => {
    expect(TGATE_RESOURCE_NAMES.filter((name) => !TGATE_RESOURCES[name].getOne)).to.deep.equal(['integrationScopes']);
  });

  it('names the documented list filters', () => {
    const filters = Object.fromEntries(
      TGATE_RESOURCE_NAMES.map((name) => [name, TGATE_RESOURCES[name].filters.map((f) => `${f.name}:${f.type}`)]),
    );
    expect(filters).to.deep.equal({
      integrationScopes: [],
      brands: [],
      branches: ['brand_id:integer'],
      menus: ['branch_id:integer'],
      sections: ['menu_id:integer'],
      items: ['section_id:integer', 'item_type:string'],
      openingHourGroups: [],
      branchSpecialTimings: ['branch_id:integer'],
      orders: ['app_order_uuid:string', 'order_status:string', 'branch_id:integer'],
    });
  });

  it('applies path overrides in one place and refuses malformed ones', () => {
    expect(resourcePaths({ brands: '/v2/brands' }).brands).to.equal('/v2/brands');
    expect(resourcePaths({ brands: '/v2/brands' }).menus).to.equal('/menus');
    expect(() => resourcePaths({ items: 'items' })).to.throw(/items/);
    expect(() => resourcePaths({ items: '/items/' })).to.throw(/items/);
  });

  for (const name of TGATE_RESOURCE_NAMES) {
    it(`${name}: the record schema compiles and titles and describes every property`, () => {
      const schema = TGATE_RESOURCES[name].schema as Record<string, unknown>;
      new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
      expect(schema.title, 'schema title').to.be.a('string');
      const props = properties(schema);
      expect(props.length).to.be.above(2);
      for (const [pointer, prop] of props) {
        expect(prop.title, `${pointer} title`).to.be.a('string').and.not.equal('');
        expect(prop.description, `${pointer} description`).to.be.a('string').and.not.equal('');
      }
      expect(Object.keys(schema.properties as object)).to.include('id');
    });
  }
});
