/**
 * The platform's UI conventions in component.json, and the checks of elastic.io's own validator
 * (`elasticio-cli validate`, lib/executables/validate.js), ported: the CLI itself installs from git URLs
 * that a build from the npm registry cannot reach.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { COMPONENT_ROOT, requireComponentFile } from '../../helpers/taskExec';
import { idInSchema } from '../../../lib/step/resources';
import { TGATE_RESOURCE_NAMES } from '../../../lib/tgate';

const component: any = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8'));
const readme = fs.readFileSync(path.join(COMPONENT_ROOT, 'README.md'), 'utf8');

const functions: Array<[string, 'trigger' | 'action', any]> = [
  ...Object.entries<any>(component.triggers ?? {}).map(([id, def]) => [id, 'trigger', def] as [string, 'trigger', any]),
  ...Object.entries<any>(component.actions ?? {}).map(([id, def]) => [id, 'action', def] as [string, 'action', any]),
];
const load = (def: any) => requireComponentFile(def.main) as Record<string, unknown>;

/** The anchors GitHub gives README's headings (lower case, punctuation dropped, spaces to hyphens). */
function readmeAnchors(): Set<string> {
  const anchors = new Set<string>();
  for (const line of readme.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    anchors.add(
      heading[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

function expectHelp(help: any, where: string): void {
  expect(help, `${where}: help`).to.be.an('object');
  expect(help.description, `${where}: help.description`).to.be.a('string').and.not.equal('');
  expect(help.link, `${where}: help.link`).to.match(/^README\.md#[a-z0-9-]+$/);
  const anchor = String(help.link).split('#')[1];
  expect(readmeAnchors().has(anchor), `${where}: README has no section #${anchor}`).to.equal(true);
}

const CONDITIONAL = new Set(['if', 'then', 'else', 'anyOf', 'allOf', 'oneOf', 'not']);

/** Every node of a schema that lists required properties, with its path. */
function requiredLists(node: any, at: string, out: Array<[string, any]> = []): Array<[string, any]> {
  if (!node || typeof node !== 'object') return out;
  if (node.properties && typeof node.properties === 'object') out.push([at, node]);
  for (const [key, value] of Object.entries<any>(node)) {
    // Conditional subschemas (if/then, anyOf ...) require only under a condition: the mapper cannot show that.
    if (key === 'enum' || key === 'required' || CONDITIONAL.has(key)) continue;
    requiredLists(value, `${at}/${key}`, out);
  }
  return out;
}

/** Where the boolean flag and the draft-07 array disagree ([] when they agree). */
function requiredMismatches(schema: any, name: string): string[] {
  const problems: string[] = [];
  for (const [at, node] of requiredLists(schema, name)) {
    const listed: string[] = Array.isArray(node.required) ? node.required : [];
    for (const [prop, def] of Object.entries<any>(node.properties)) {
      const flagged = def && def.required === true;
      if (flagged !== listed.includes(prop))
        problems.push(
          `${at}/properties/${prop}: required ${flagged ? 'flag without array entry' : 'array entry without "required": true'}`,
        );
    }
  }
  return problems;
}

describe("component.json: the platform's UI conventions", () => {
  it('has help (a description and a link to a README section) on the component and on every function', () => {
    expectHelp(component.help, 'component');
    for (const [id, , def] of functions) expectHelp(def.help, id);
  });

  it('has help on the fields whose meaning is not obvious, wherever they appear', () => {
    const fields = ['emitBehavior', 'startMode', 'maxSnapshotKB', 'sharedSecret'];
    let seen = 0;
    for (const [id, , def] of functions) {
      for (const name of fields) {
        if (!def.fields?.[name]) continue;
        expectHelp(def.fields[name].help, `${id}.${name}`);
        seen += 1;
      }
    }
    expect(seen).to.be.at.least(fields.length);
  });

  it('orders every field (highest on top), with distinct orders within a step and in the credentials', () => {
    const groups: Array<[string, Record<string, any>]> = [['credentials', component.credentials.fields]];
    for (const [id, , def] of functions) if (def.fields) groups.push([id, def.fields]);
    for (const [where, fields] of groups) {
      const orders = Object.entries(fields).map(([name, f]) => {
        expect(f.order, `${where}.${name}: order`).to.be.a('number');
        return f.order as number;
      });
      expect(new Set(orders).size, `${where}: orders are distinct`).to.equal(orders.length);
    }
  });

  it('makes Branch require Brand and Menu require Branch wherever they appear, and every require names a field of the step', () => {
    let branches = 0;
    for (const [id, , def] of functions) {
      const fields = def.fields ?? {};
      if (fields.branch_id) {
        expect(fields.branch_id.require, `${id}.branch_id`).to.deep.equal(['brand_id']);
        branches += 1;
      }
      if (fields.menu_id) expect(fields.menu_id.require, `${id}.menu_id`).to.deep.equal(['branch_id']);
      for (const [name, f] of Object.entries<any>(fields)) {
        for (const other of f.require ?? []) expect(fields, `${id}.${name} requires ${other}`).to.have.property(other);
      }
    }
    expect(branches).to.be.at.least(2);
  });

  it('marks each required input property with "required": true, in agreement with the draft-07 arrays', () => {
    let files = 0;
    for (const [id, kind, def] of functions) {
      const ref = def.metadata?.in;
      if (kind !== 'action' || typeof ref !== 'string') continue;
      const schema = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, ref), 'utf8'));
      expect(requiredMismatches(schema, id)).to.deep.equal([]);
      expect(JSON.stringify(schema), `${id}: at least one required flag`).to.contain('"required":true');
      files += 1;
    }
    expect(files).to.equal(4);
    for (const resource of TGATE_RESOURCE_NAMES)
      expect(requiredMismatches(idInSchema(resource), resource)).to.deep.equal([]);
  });

  it("passes elasticio-cli validate's checks with no error and no warning", () => {
    const problems: string[] = [];
    const check = (ok: unknown, text: string): void => {
      if (!ok) problems.push(text);
    };
    check(component.title, 'component has no title');
    check(component.description, 'component has no description');
    check(component.credentials?.fields, 'credentials need fields');
    for (const [name, f] of Object.entries<any>(component.credentials.fields)) {
      check(f.label, `credential field ${name} has no label`);
      check(f.viewClass, `credential field ${name} has no view class`);
      if (f.viewClass === 'SelectView')
        check(typeof f.model === 'object', `credential field ${name} needs an object model`);
    }
    check(component.actions, 'no actions');
    check(component.triggers, 'no triggers');
    const triggerIds = Object.keys(component.triggers);
    for (const id of Object.keys(component.actions))
      check(!triggerIds.includes(id), `${id} is both a trigger and an action`);
    for (const [id, kind, def] of functions) {
      check(/^[A-Za-z]+[\w_]*$/.test(id), `${id}: invalid name`);
      check(def.title, `${kind} ${id} has no title`);
      check(def.description, `${kind} ${id} has no description`);
      check(def.dynamicMetadata || def.metadata, `${kind} ${id} has no metadata`);
      const mod = load(def);
      for (const hook of ['process', 'init', 'startup', 'shutdown']) {
        const fn = mod[hook] as ((...a: unknown[]) => unknown) | undefined;
        if (hook === 'process') check(fn, `${kind} ${id} has no process function`);
        if (fn) check(fn.constructor.name === 'AsyncFunction', `${kind} ${id}: ${hook} should be an async function`);
        if (hook === 'startup' || hook === 'shutdown')
          check(!fn || kind === 'trigger', `${id}: ${hook} only runs for triggers`);
      }
      if (def.dynamicMetadata)
        check(typeof mod.getMetaModel === 'function', `${id}: dynamic metadata without getMetaModel`);
      for (const [name, f] of Object.entries<any>(def.fields ?? {})) {
        check(f.viewClass, `${id}.${name} has no viewClass`);
        if (f.viewClass === 'SelectView') {
          check(
            typeof f.model === 'object' || (typeof f.model === 'string' && mod[f.model]),
            `${id}.${name}: select model`,
          );
        }
      }
      if (def.metadata) {
        if (kind === 'action') check(def.metadata.in, `${kind} ${id} is missing IN metadata`);
        check(def.metadata.out, `${kind} ${id} is missing OUT metadata`);
        for (const side of ['in', 'out']) {
          const ref = def.metadata[side];
          if (typeof ref === 'string')
            check(fs.existsSync(path.join(COMPONENT_ROOT, ref)), `${id}: ${ref} does not exist`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });
});
