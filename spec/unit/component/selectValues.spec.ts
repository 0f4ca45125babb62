/**
 * One source per list of values: every fixed select in component.json (a field whose `model` is an object)
 * and every `enum` of the JSON Schemas in lib/schemas (the static metadata and the record schemas the
 * dynamic metadata is built from) is the list the code validates with, or is declared the only list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { COMPONENT_ROOT } from '../../helpers/taskExec';
import { SCOPE_EMIT_BEHAVIORS } from '../../../lib/actions/listIntegrationScopes';
import { LIST_FIELDS_SCHEMA } from '../../../lib/step/emit';
import { PARTNER_ORDER_STATUSES, TGATE_ENVIRONMENTS } from '../../../lib/tgate';
import { TGATE_WEBHOOK_EVENTS, webhookEventResource } from '../../../lib/tgate/webhooks';
import { START_MODES } from '../../../lib/triggers/pollCatalog';
import { PAYMENT_STATUSES } from '../../../lib/sandbox/orderRules';

const component: any = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8'));
const SCHEMA_DIR = path.join(COMPONENT_ROOT, 'lib/schemas');

/** The list each fixed select of component.json must hold, by `<function or credentials>.<field>`. */
const SELECT_SOURCES: Record<string, readonly string[]> = {
  'credentials.environment': Object.keys(TGATE_ENVIRONMENTS),
  'pollCatalog.startMode': START_MODES,
  'webhookEvents.events': TGATE_WEBHOOK_EVENTS,
  'listIntegrationScopes.emitBehavior': SCOPE_EMIT_BEHAVIORS,
  'lookupObjects.emitBehavior': LIST_FIELDS_SCHEMA.emitBehavior.enum,
};

/** The list each schema enum must hold, by `<file>#<JSON pointer>` (a pointer `*` stands for any). */
const ENUM_SOURCES: Record<string, readonly string[]> = {
  'updateOrder.in.json#/properties/order_status': PARTNER_ORDER_STATUSES,
  '*#payment_status': PAYMENT_STATUSES,
  'webhookEvent.out.json#/properties/event': TGATE_WEBHOOK_EVENTS,
  'webhookEvent.out.json#/properties/resourceType': [...new Set(TGATE_WEBHOOK_EVENTS.map(webhookEventResource))],
  'webhookEvent.out.json#/properties/action': [...new Set(TGATE_WEBHOOK_EVENTS.map((event) => event.split('.')[1]))],
};

/** Enums no code repeats at run time: the schema is the one list (a step validates with it, or the mapper shows it). */
const SCHEMA_ONLY = new Set([
  'branch.out.json#/properties/services/items/properties/service_type',
  'createOrder.out.json#/properties/outcome',
  'updateOrder.out.json#/properties/outcome',
  'item.out.json#/properties/item_type',
  'openingHourGroup.out.json#/properties/opening_hours/items/properties/week_day',
  'rawRequest.in.json#/properties/method',
]);

/** Every object select of a fields block, as `[key, values]`. */
function fixedSelects(fields: Record<string, any> | undefined, owner: string): Array<[string, string[]]> {
  return Object.entries(fields ?? {})
    .filter(([, field]) => field.model && typeof field.model === 'object')
    .map(([name, field]) => [`${owner}.${name}`, Object.keys(field.model)]);
}

/** Every `enum` in a schema, as `[JSON pointer, values]`. */
function enums(node: any, at = ''): Array<[string, unknown[]]> {
  if (!node || typeof node !== 'object') return [];
  const found: Array<[string, unknown[]]> = Array.isArray(node.enum) ? [[at, node.enum]] : [];
  for (const [key, value] of Object.entries<any>(node)) {
    if (key !== 'enum') found.push(...enums(value, `${at}/${key}`));
  }
  return found;
}

describe('component.json and lib/schemas: one source per list of values', () => {
  it('every fixed select in component.json holds the values the step validates with, in the same order', () => {
    const selects = [
      ...fixedSelects(component.credentials?.fields, 'credentials'),
      ...Object.entries<any>({ ...component.triggers, ...component.actions }).flatMap(([id, def]) =>
        fixedSelects(def.fields, id),
      ),
    ];
    expect(selects.length).to.be.greaterThan(0);
    for (const [key, values] of selects) {
      expect(SELECT_SOURCES, `${key}: a select needs the code's list in SELECT_SOURCES`).to.have.property(key);
      expect(values, key).to.deep.equal([...SELECT_SOURCES[key]]);
    }
    const declared = Object.keys(SELECT_SOURCES).sort();
    expect(declared, 'no source for a select that is gone').to.deep.equal(selects.map(([key]) => key).sort());
  });

  it('every enum of lib/schemas is the list the code holds, or declared the only list', () => {
    const seen = new Set<string>();
    for (const file of fs.readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.json'))) {
      for (const [pointer, values] of enums(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')))) {
        const key = `${file}#${pointer}`;
        const source = ENUM_SOURCES[key] ?? ENUM_SOURCES[`*#${pointer.split('/').pop()}`];
        if (source) {
          expect(values, key).to.deep.equal([...source]);
        } else {
          const why = `${key}: give the code's list in ENUM_SOURCES, or declare it in SCHEMA_ONLY`;
          expect(SCHEMA_ONLY.has(key), why).to.equal(true);
        }
        seen.add(key);
      }
    }
    for (const key of SCHEMA_ONLY) expect(seen.has(key), `${key} is no longer an enum`).to.equal(true);
    for (const key of Object.keys(ENUM_SOURCES).filter((k) => !k.startsWith('*#'))) {
      expect(seen.has(key), `${key} is no longer an enum`).to.equal(true);
    }
  });
});
