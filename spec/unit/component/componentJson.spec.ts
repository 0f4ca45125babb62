import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import { COMPONENT_ROOT, requireComponentFile } from '../../helpers/taskExec';
import { CREDENTIAL_FIELDS, TGATE_ENVIRONMENTS } from '../../../lib/tgate';
import { forAjv } from '../../../lib/schemas/validate';

const component: any = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'component.json'), 'utf8'));
const pkg: any = JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, 'package.json'), 'utf8'));

// The view classes the platform's tooling knows (docs view-classes.md plus elasticio-cli validate.js).
const VIEW_CLASSES = new Set([
  'TextFieldView',
  'TextAreaView',
  'CheckBoxView',
  'SelectView',
  'MultiSelectView',
  'PasswordFieldView',
  'OAuthFieldView',
  'TextFieldWithNoteView',
  'CodeFieldView',
  'TextAreaWithNoteView',
  'SelectTreeView',
  'SelectPropertyView',
  'WebHookPayloadView',
  'OutMetadataView',
  'InMetadataExtensionView',
  'CSVReadView',
  'CSVWriteView',
  'JSONataView',
  'RESTAPIView',
  'HTTPAuthView',
  'WebhookAuthView',
]);
const FUNCTION_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const functions: Array<[string, 'trigger' | 'action', any]> = [
  ...Object.entries(component.triggers ?? {}).map(([id, def]) => [id, 'trigger', def] as [string, 'trigger', any]),
  ...Object.entries(component.actions ?? {}).map(([id, def]) => [id, 'action', def] as [string, 'action', any]),
];

function checkFields(fields: Record<string, any>, where: string, exported: Record<string, unknown> | undefined): void {
  for (const [name, field] of Object.entries(fields ?? {})) {
    expect(VIEW_CLASSES.has(field.viewClass), `${where}.${name}: unknown viewClass ${field.viewClass}`).to.equal(true);
    if (field.viewClass === 'SelectView' || field.viewClass === 'MultiSelectView') {
      if (typeof field.model === 'string') {
        expect(exported, `${where}.${name}: a string select model needs a main module`).to.not.equal(undefined);
        expect(
          typeof exported?.[field.model],
          `${where}.${name}: select model ${field.model} is not an exported function`,
        ).to.equal('function');
      } else {
        expect(field.model, `${where}.${name}: select model`).to.be.an('object');
        expect(Object.keys(field.model).length, `${where}.${name}: empty select model`).to.be.greaterThan(0);
      }
    }
  }
}

describe('component.json, validated as the platform tooling does', () => {
  it('has title, description, docsUrl and a semver version matching package.json', () => {
    expect(component.title).to.be.a('string').and.not.equal('');
    expect(component.description).to.be.a('string').and.not.equal('');
    expect(component.docsUrl).to.match(/^https:\/\//);
    expect(component.version).to.match(SEMVER);
    expect(component.version).to.equal(pkg.version);
  });

  it('declares at least one trigger or action, with unique, well-formed ids', () => {
    expect(functions.length).to.be.greaterThan(0);
    const ids = functions.map(([id]) => id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(id, id).to.match(FUNCTION_ID);
  });

  for (const [id, kind, def] of functions) {
    describe(`${kind} ${id}`, () => {
      it('has a title and a main that resolves after the build and exports process', () => {
        expect(def.title, 'title').to.be.a('string').and.not.equal('');
        const mainPath = path.join(COMPONENT_ROOT, def.main);
        expect(fs.existsSync(mainPath), `${def.main} exists`).to.equal(true);
        const mod = requireComponentFile(def.main) as any;
        expect(typeof mod.process, 'exports.process').to.equal('function');
        expect(mod.default, 'no default export in place of named ones').to.equal(undefined);
        if (kind === 'trigger') expect(['polling', 'webhook', undefined]).to.include(def.type);
      });

      it('has metadata files that exist and are valid JSON Schemas, or dynamic metadata', () => {
        const mod = requireComponentFile(def.main) as any;
        if (def.dynamicMetadata) {
          expect(typeof mod.getMetaModel).to.equal('function');
          return;
        }
        expect(def.metadata, 'metadata').to.be.an('object');
        for (const side of ['in', 'out']) {
          const ref = def.metadata[side];
          if (ref === undefined) continue;
          const schema =
            typeof ref === 'string' ? JSON.parse(fs.readFileSync(path.join(COMPONENT_ROOT, ref), 'utf8')) : ref;
          expect(() => new Ajv({ strict: false }).compile(forAjv(schema)), `${side} schema compiles`).not.to.throw();
        }
      });

      it('uses known view classes, and select models name exported functions', () => {
        checkFields(def.fields, `${id}.fields`, requireComponentFile(def.main) as Record<string, unknown>);
      });
    });
  }

  describe('credentials', () => {
    const creds = component.credentials;

    it('use the tenant OAuth client with an OAuthFieldView field', () => {
      // Both places: inside credentials (the docs' example, outlook) and at the top (salesforce, gspreadsheets, onedrive).
      expect(creds.useOAuthClient).to.equal(true);
      expect(component.useOAuthClient).to.equal(true);
      expect(creds.fields.oauth).to.include({ viewClass: 'OAuthFieldView', required: true });
      checkFields(creds.fields, 'credentials.fields', undefined);
    });

    it('declare exactly the fields the component saves with updateKeys', () => {
      expect(Object.keys(creds.fields).sort()).to.deep.equal([...CREDENTIAL_FIELDS].sort());
    });

    it('have an oauth2 block with client templates, Basic client auth, and URIs matching the environment table', () => {
      const oauth2 = creds.oauth2;
      expect(oauth2.client_id).to.equal('{{OAUTH_CLIENT_ID}}');
      expect(oauth2.client_secret).to.equal('{{OAUTH_CLIENT_SECRET}}');
      expect(oauth2.client_auth).to.equal('basic');
      const model = creds.fields.environment.model;
      expect(Object.keys(model).sort()).to.deep.equal(Object.keys(TGATE_ENVIRONMENTS).sort());
      for (const [key, row] of Object.entries(TGATE_ENVIRONMENTS)) {
        expect(oauth2.auth_uri.replace('{{environment}}', key), key).to.equal(row.authorizeUrl);
        expect(oauth2.token_uri.replace('{{environment}}', key), key).to.equal(row.tokenUrl);
      }
      const placeholders = JSON.stringify(oauth2).match(/{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}/g) ?? [];
      for (const p of placeholders) {
        const name = p.replace(/[{}\s]/g, '');
        expect(
          name in (component.envVars ?? {}) || name in creds.fields,
          `${p} refers to an env var or credential field`,
        ).to.equal(true);
      }
    });

    it('declare the OAuth client env vars as required and the URL overrides as optional', () => {
      // The names every elastic.io component that adopted useOAuthClient reads; the TGATE_ ones are local aliases.
      expect(component.envVars.OAUTH_CLIENT_ID.required).to.equal(true);
      expect(component.envVars.OAUTH_CLIENT_SECRET.required).to.equal(true);
      expect(component.envVars).not.to.have.property('TGATE_CLIENT_ID');
      expect(component.envVars).not.to.have.property('TGATE_CLIENT_SECRET');
      expect(component.envVars.TGATE_API_BASE_URL.required).to.equal(false);
      expect(component.envVars.TGATE_TOKEN_URI.required).to.equal(false);
      for (const [name, v] of Object.entries<any>(component.envVars))
        expect(v.description, name).to.be.a('string').and.not.equal('');
    });
  });

  it('has a root verifyCredentials.js that exports a function (the sailor treats a load failure as verified)', () => {
    const verify = requireComponentFile('verifyCredentials.js') as any;
    expect(verify).to.be.a('function');
  });

  it('has a logo.png that is a real PNG of at least 64x64', () => {
    const png = fs.readFileSync(path.join(COMPONENT_ROOT, 'logo.png'));
    expect(png.subarray(0, 8).toString('hex')).to.equal('89504e470d0a1a0a');
    expect(png.subarray(12, 16).toString('ascii')).to.equal('IHDR');
    expect(png.readUInt32BE(16)).to.be.at.least(64);
    expect(png.readUInt32BE(20)).to.be.at.least(64);
  });

  it('runs on an LTS Node range the sailor supports and compiles in prepare', () => {
    expect(pkg.engines.node).to.equal('20.x');
    expect(pkg.scripts.prepare).to.contain('build');
    for (const dep of ['elasticio-sailor-nodejs', 'axios', 'ajv']) expect(pkg.dependencies, dep).to.have.property(dep);
  });
});
