import { expect } from 'chai';
import { describeJsonApiErrors, parseJsonApiErrors } from '../../../lib/platform';

describe('platform: parseJsonApiErrors (lenient)', () => {
  it('reads integer and string status, title, detail, source and meta', () => {
    expect(
      parseJsonApiErrors({
        errors: [
          {
            status: 404,
            title: 'Resource not found',
            detail: 'The resource is not found.',
            code: 404,
            meta: {},
            source: { parameter: { id: 'x1' } },
          },
          { status: '409', title: 'Conflict', detail: 'in use', source: { pointer: '/data/type' } },
        ],
      }),
    ).to.deep.equal([
      {
        status: 404,
        code: '404',
        title: 'Resource not found',
        detail: 'The resource is not found.',
        source: { parameter: { id: 'x1' } },
      },
      { status: 409, title: 'Conflict', detail: 'in use', source: { pointer: '/data/type' } },
    ]);
  });

  it('accepts a single error object, plain strings, {error, message} and ignores junk', () => {
    expect(parseJsonApiErrors({ errors: { status: 'abc', detail: 'one' } })).to.deep.equal([{ detail: 'one' }]);
    expect(parseJsonApiErrors({ errors: ['first', '', 42, null, { message: 'second' }] })).to.deep.equal([
      { detail: 'first' },
      { detail: 'second' },
    ]);
    expect(parseJsonApiErrors({ error: 'Bad Request', message: 'no body', statusCode: 400 })).to.deep.equal([
      { title: 'Bad Request', detail: 'no body', status: 400 },
    ]);
    expect(parseJsonApiErrors({ errors: [{ status: 9999, code: '[redacted]' }] })).to.deep.equal([]);
    for (const junk of [undefined, null, '', '<html>', 42, [], { data: {} }])
      expect(parseJsonApiErrors(junk)).to.deep.equal([]);
  });

  it('describes errors as "title: detail" joined', () => {
    expect(describeJsonApiErrors([{ title: 'Conflict', detail: 'used in flow X' }, { detail: 'second' }])).to.equal(
      'Conflict: used in flow X; second',
    );
    expect(describeJsonApiErrors([])).to.equal(undefined);
  });
});
