import { expect } from 'chai';
import { plainIdProblem } from '../../../lib/http';

describe('lib/http: an id as one URL path segment (plainIdProblem)', () => {
  it('accepts letters, digits, "_", "-" and ".", up to 200 characters, dots beside other characters', () => {
    for (const id of ['a', '7', 'A-z_0.9', '.a', 'a.', 'a..b', '..a', '-', '_', 'x'.repeat(200)]) {
      expect(plainIdProblem(id), id).to.equal(undefined);
    }
  });

  it('refuses a missing, empty or non-text value as missing', () => {
    for (const value of ['', undefined, null, 42, ['a'], { id: 'a' }]) {
      expect(plainIdProblem(value), JSON.stringify(value) ?? 'undefined').to.equal('is missing or empty');
    }
  });

  it('refuses ".", ".." and any run of dots as a step in a path, naming it', () => {
    for (const id of ['.', '..', '...'])
      expect(plainIdProblem(id)).to.equal(`is "${id}", which is not an id but a step in a path`);
  });

  it('refuses anything else that could change the path, at either end or in the middle, and 201 characters', () => {
    for (const id of [
      'a/b',
      '/a',
      'a/',
      'a\\b',
      '%2e%2e',
      'a?b',
      'a#b',
      'a b',
      ' a',
      'a\n',
      '\na',
      'é',
      'a:b',
      'x'.repeat(201),
    ]) {
      expect(plainIdProblem(id), JSON.stringify(id))
        .to.be.a('string')
        .and.contain(' is not a plain id: only letters, digits');
    }
  });

  it('shows the refused value JSON-escaped and cut to 60 characters, so a control character cannot reach a log raw', () => {
    expect(plainIdProblem('a\r\nb')).to.match(/^"a\\r\\nb" is not a plain id: /);
    expect(plainIdProblem(`${'y'.repeat(60)}/zzz`)).to.match(new RegExp(`^"${'y'.repeat(60)}" is not a plain id: `));
  });
});
