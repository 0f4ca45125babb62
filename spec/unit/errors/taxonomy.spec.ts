import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as errors from '../../../lib/errors';
import * as auth from '../../../lib/auth';
import * as http from '../../../lib/http';
import * as platform from '../../../lib/platform';
import * as schemas from '../../../lib/schemas/validate';
import * as step from '../../../lib/step';
import * as tgate from '../../../lib/tgate';
import { COMPONENT_ROOT } from '../../helpers/taskExec';

/** The folders whose errors can reach a step or the platform; lib/cli and lib/sandbox are tools beside it. */
const COMPONENT_CODE = [
  'lib/errors.ts',
  'lib/verifyCredentials.ts',
  'lib/actions',
  'lib/triggers',
  'lib/step',
  'lib/tgate',
  'lib/auth',
  'lib/http',
  'lib/platform',
  'lib/schemas',
];

function sourceFiles(entry: string): string[] {
  const full = path.join(COMPONENT_ROOT, entry);
  if (!fs.statSync(full).isDirectory()) return [entry];
  const wanted = (name: string): boolean => name.endsWith('.ts') || !name.includes('.');
  return fs
    .readdirSync(full)
    .filter(wanted)
    .flatMap((name) => sourceFiles(`${entry}/${name}`));
}

describe('lib/errors.ts: one taxonomy', () => {
  it('every error class the layers export extends ComponentError', () => {
    const modules = { errors, auth, http, platform, schemas, step, tgate };
    const classes = Object.entries(modules).flatMap(([module, exports]) =>
      Object.entries(exports)
        .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
        .map(([name, value]) => ({ name: `${module}.${name}`, value: value as new (...args: never[]) => Error })),
    );
    expect(classes.map((c) => c.name)).to.include.members([
      'http.HttpError',
      'platform.PlatformApiError',
      'platform.PlatformInputError',
      'auth.TokenRequestFailedError',
      'tgate.TGateRefusedError',
      'errors.UnexpectedError',
    ]);
    const { ComponentError } = errors;
    const outside = classes.filter((c) => !(c.value.prototype instanceof ComponentError) && c.value !== ComponentError);
    expect(outside.map((c) => c.name)).to.deep.equal([]);
  });

  it("the component's code throws no plain Error and declares no class on Error but ComponentError", () => {
    const read = (file: string): string => fs.readFileSync(path.join(COMPONENT_ROOT, file), 'utf8');
    const found = COMPONENT_CODE.flatMap(sourceFiles).flatMap((file) =>
      read(file)
        .split('\n')
        .filter((line) => /new Error\(|extends Error\b/.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(found).to.deep.equal(['lib/errors.ts: export class ComponentError extends Error {']);
  });

  it('keeps the cause it is given, and names each instance by its class', () => {
    const cause = new Error('underneath');
    const made = [
      new errors.TransientError('t', { cause }),
      new errors.ReconnectRequiredError('r', { cause }),
      new auth.TokenRequestFailedError('f', { cause }),
      new errors.UnexpectedError(cause),
    ];
    expect(made.map((e) => e.cause)).to.deep.equal([cause, cause, cause, cause]);
    expect(made.map((e) => e.name)).to.deep.equal([
      'TransientError',
      'ReconnectRequiredError',
      'TokenRequestFailedError',
      'UnexpectedError',
    ]);
  });
});
