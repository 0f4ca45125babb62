import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { forAjv } from '../../../lib/schemas/validate';
import { expect } from 'chai';
import { COMPONENT_ROOT } from '../../helpers/taskExec';
import { TGATE_RESOURCES } from '../../../lib/tgate';

const component: any = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8'));
const read = (ref: string): any => JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, ref), 'utf8'));

/** Pointers of the properties (at any depth, definitions included) that lack a title or a description. */
function undescribed(node: any, at: string, out: string[] = []): string[] {
  if (!node || typeof node !== 'object') return out;
  for (const [key, child] of Object.entries<any>(node.properties ?? {})) {
    if (!child.title || !child.description) out.push(`${at}/properties/${key}`);
    undescribed(child, `${at}/properties/${key}`, out);
  }
  for (const [key, child] of Object.entries<any>(node.definitions ?? {}))
    undescribed(child, `${at}/definitions/${key}`, out);
  if (node.items) undescribed(node.items, `${at}/items`, out);
  return out;
}

describe('order actions: metadata', () => {
  for (const id of ['calculateOrder', 'createOrder', 'updateOrder']) {
    it(`${id}: in and out are JSON Schema files with a title and description on every property`, () => {
      const def = component.actions[id];
      expect(def, id).to.be.an('object');
      for (const side of ['in', 'out']) {
        const schema = read(def.metadata[side]);
        // strictRequired off: `required` inside if/then/else names properties declared at the top.
        new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true }).compile(forAjv(schema));
        expect(schema.title, `${id} ${side} title`).to.be.a('string').and.not.equal('');
        expect(schema.description, `${id} ${side} description`).to.be.a('string').and.not.equal('');
        expect(undescribed(schema, side)).to.deep.equal([]);
      }
    });
  }

  it('the order emitted by createOrder and updateOrder is described by the order record schema itself', () => {
    for (const id of ['createOrder', 'updateOrder']) {
      expect(read(component.actions[id].metadata.out).properties.order, id).to.deep.equal(
        TGATE_RESOURCES.orders.schema,
      );
    }
  });

  it('createOrder takes the calculate fields with the same definitions', () => {
    const calculate = read(component.actions.calculateOrder.metadata.in);
    const create = read(component.actions.createOrder.metadata.in);
    expect(create.definitions).to.deep.equal(calculate.definitions);
    for (const [name, schema] of Object.entries(calculate.properties))
      expect(create.properties[name], name).to.deep.equal(schema);
  });
});
