import { expect } from 'chai';
import { InvalidInputError } from '../../../lib/errors';
import { forAjv, validator } from '../../../lib/schemas/validate';
import createOrderIn from '../../../lib/schemas/createOrder.in.json';

describe('lib/schemas validate: the platform\'s "required": true beside draft-07\'s required arrays', () => {
  const marked = {
    type: 'object',
    properties: {
      id: { type: 'integer', title: 'ID', required: true },
      note: { type: 'string', title: 'Note', required: false },
      child: {
        type: 'object',
        title: 'Child',
        properties: { name: { type: 'string', title: 'Name', required: true } },
      },
    },
  };

  it('compiles a schema whose properties carry boolean required flags (ajv alone refuses them)', () => {
    expect(() => validator(marked, 'message body')).not.to.throw();
  });

  it('enforces a property marked only with "required": true, at every depth, naming the field', () => {
    const check = validator(marked, 'message body');
    expect(() => check({ id: 1 })).not.to.throw();
    expect(() => check({})).to.throw(InvalidInputError, 'id is required');
    expect(() => check({ id: 1, child: {} })).to.throw(InvalidInputError, 'child.name is required');
    expect(() => check({ id: 1, note: undefined })).not.to.throw();
  });

  it('keeps the names of the required array and adds the marked ones, once each, without touching the input', () => {
    const schema = { type: 'object', properties: { a: { required: true }, b: {} }, required: ['b', 'a'] };
    const copy = JSON.parse(JSON.stringify(schema));
    expect(forAjv(schema)).to.deep.equal({ type: 'object', properties: { a: {}, b: {} }, required: ['b', 'a'] });
    expect(schema).to.deep.equal(copy);
  });

  it('leaves conditional required arrays (anyOf, if/then) as they are', () => {
    const schema = { anyOf: [{ required: ['x'] }], if: { required: ['y'] }, then: { required: ['z'] } };
    expect(forAjv(schema)).to.deep.equal(schema);
  });

  it('still refuses a createOrder body without its required fields (the files carry both forms)', () => {
    const check = validator(createOrderIn, 'message body');
    expect(() => check({})).to.throw(InvalidInputError, /is required/);
  });
});
