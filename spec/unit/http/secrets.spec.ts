import { expect } from 'chai';
import { KnownSecrets } from '../../../lib/http';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('lib/http KnownSecrets', () => {
  describe('which values it knows', () => {
    it('knows values of four characters or more; shorter words stay readable', () => {
      const known = new KnownSecrets(['abc', 'wxyz', undefined]);
      expect(known.scrub('abc wxyz')).to.equal('abc [redacted]');
      expect(known.size).to.equal(1);
    });

    it('knows a value in the forms it travels in: raw, percent-encoded and form-encoded', () => {
      const known = new KnownSecrets(['s3 cr/t+x']);
      expect(known.size).to.equal(3);
      expect(known.scrub('a s3 cr/t+x b s3%20cr%2Ft%2Bx c s3+cr%2Ft%2Bx')).to.equal(
        'a [redacted] b [redacted] c [redacted]',
      );
    });

    it('knows a value added after a scrub', () => {
      const known = new KnownSecrets(['first-secret']);
      expect(known.scrub('first-secret')).to.equal('[redacted]');
      known.add('second-secret', null);
      expect(known.scrub('first-secret second-secret')).to.equal('[redacted] [redacted]');
      expect(known.replaceKnown('second-secret')).to.equal('[redacted]');
    });

    it('replaces the longest value first, so no tail of a longer secret is left', () => {
      const known = new KnownSecrets(['abcd', 'abcdefgh']);
      expect(known.scrub('x abcdefgh y')).to.equal('x [redacted] y');
      expect(new KnownSecrets(['abcd', 'abcdefgh']).replaceKnown('x abcdefgh y')).to.equal('x [redacted] y');
    });

    it('merges what another set knows, and takes no set as nothing', () => {
      const known = new KnownSecrets(['one-secret']).merge(new KnownSecrets(['two-secret'])).merge(undefined);
      expect(known.scrub('one-secret two-secret')).to.equal('[redacted] [redacted]');
      expect(known.size).to.equal(2);
    });
  });

  describe('what a request carries', () => {
    it('takes the Authorization header, whatever its case, and no other header', () => {
      const known = new KnownSecrets().addFromRequest(
        { AUTHORIZATION: 'Bearer access-1234', 'X-Trace': 'trace-5678', Accept: 'application/json' },
        undefined,
      );
      expect(known.scrub('access-1234 trace-5678 application/json')).to.equal('[redacted] trace-5678 application/json');
    });

    it('takes the secret fields of a form body, and not the others', () => {
      const known = new KnownSecrets().addFromRequest(
        {},
        'grant_type=refresh_token&refresh_token=rt-9876&client_secret=cs%2B5432&client_id=client-42',
      );
      expect(known.replaceKnown('rt-9876 cs+5432 refresh_token client-42')).to.equal(
        '[redacted] [redacted] refresh_token client-42',
      );
    });

    it('takes nothing from a text body without fields', () => {
      expect(new KnownSecrets().addFromRequest(undefined, 'refresh_token').size).to.equal(0);
    });

    it('takes the secret text fields of an object body, and not the others', () => {
      const known = new KnownSecrets().addFromRequest(undefined, {
        password: 'pw-123456',
        code: 424242,
        client_id: 'client-42',
        refresh_token: 'rt-9876',
      });
      expect(known.replaceKnown('pw-123456 424242 client-42 rt-9876')).to.equal(
        '[redacted] 424242 client-42 [redacted]',
      );
    });

    it('takes nothing from an array body, no body, or a header that is not text', () => {
      const body = Object.assign(['pw-123456'], { password: 'pw-123456' });
      expect(new KnownSecrets().addFromRequest(undefined, body).size).to.equal(0);
      expect(new KnownSecrets().addFromRequest(undefined, null).size).to.equal(0);
      const numeric = { Authorization: 12345 } as unknown as Record<string, string>;
      expect(new KnownSecrets().addFromRequest(numeric, undefined).size).to.equal(0);
    });
  });

  describe('an Authorization header', () => {
    it('Bearer: the token, not the scheme, and nothing decoded from it', () => {
      const token = Buffer.from('plainword:otherword').toString('base64');
      const known = new KnownSecrets().addAuthorization(`Bearer ${token}`);
      expect(known.replaceKnown(`Bearer ${token} plainword otherword`)).to.equal(
        'Bearer [redacted] plainword otherword',
      );
    });

    it('Basic: the credentials, the id and the secret (split at the first colon), raw and form-decoded', () => {
      const header = basic('my+client%21', 'se:cret-1');
      const known = new KnownSecrets().addAuthorization(`  ${header.replace(' ', '   ')} `);
      const credentials = header.slice('Basic '.length);
      expect(known.replaceKnown(`${credentials} my+client%21 my client! se:cret-1 se`)).to.equal(
        '[redacted] [redacted] [redacted] [redacted] se',
      );
    });

    it('Basic in lower case, and Basic credentials without a colon', () => {
      const known = new KnownSecrets().addAuthorization(`basic ${Buffer.from('only-an-id').toString('base64')}`);
      expect(known.replaceKnown('only-an-id only-an-item')).to.equal('[redacted] only-an-item');
      const secretOnly = new KnownSecrets().addAuthorization(basic('', 'only-a-secret'));
      expect(secretOnly.replaceKnown('only-a-secret')).to.equal('[redacted]');
    });

    it('a value without a scheme is taken whole', () => {
      const known = new KnownSecrets().addAuthorization(' raw-key-1234 ');
      expect(known.replaceKnown('raw-key-1234')).to.equal('[redacted]');
      expect(known.size).to.equal(1);
    });

    it('an id that is not form-encoded text is kept as it is', () => {
      const known = new KnownSecrets().addAuthorization(basic('id%zz-1', 'secret-1'));
      expect(known.replaceKnown('id%zz-1 secret-1')).to.equal('[redacted] [redacted]');
    });
  });

  describe('scrub and replaceKnown', () => {
    it('scrub also removes credential-looking patterns, even with no known value', () => {
      expect(new KnownSecrets().scrub('Bearer abc.def ?access_token=xyz')).to.equal(
        'Bearer [redacted] ?access_token=[redacted]',
      );
      expect(new KnownSecrets(['known-1']).scrub('known-1 Bearer abc')).to.equal('[redacted] Bearer [redacted]');
    });

    it('replaceKnown replaces the known values only: T-Gate data that looks like a credential stays', () => {
      expect(new KnownSecrets().replaceKnown('Bearer abc')).to.equal('Bearer abc');
      expect(new KnownSecrets(['known-1']).replaceKnown('known-1 Bearer abc ?access_token=xyz')).to.equal(
        '[redacted] Bearer abc ?access_token=xyz',
      );
    });
  });

  describe('replaceKnownDeep', () => {
    it('copies a parsed body with the known values replaced in every string and key', () => {
      const body = { 'key-secret': [1, 'a key-secret', { nested: 'key-secret', n: null, t: true }], n: 7, s: 'plain' };
      const copy = new KnownSecrets(['key-secret']).replaceKnownDeep(body);
      expect(copy).to.deep.equal({
        '[redacted]': [1, 'a [redacted]', { nested: '[redacted]', n: null, t: true }],
        n: 7,
        s: 'plain',
      });
      expect(body['key-secret'][1]).to.equal('a key-secret');
    });

    it('returns the value itself when it knows nothing', () => {
      const body = { a: 'b' };
      expect(new KnownSecrets().replaceKnownDeep(body)).to.equal(body);
    });

    it('goes through a body nested far deeper than the stack would allow, cutting nothing', () => {
      let body: unknown = 'deep key-secret';
      for (let i = 0; i < 20_000; i += 1) body = i % 2 ? { v: body } : [body];
      let copy = new KnownSecrets(['key-secret']).replaceKnownDeep(body);
      for (let i = 19_999; i >= 0; i -= 1) copy = i % 2 ? (copy as { v: unknown }).v : (copy as unknown[])[0];
      expect(copy).to.equal('deep [redacted]');
    });
  });

  describe('scrubDeep', () => {
    it('scrubs strings and keys, keeps other values, and keeps the first 50 items of an array', () => {
      const list = Array.from({ length: 60 }, (_, i) => `item ${i} key-secret`);
      const copy = new KnownSecrets(['key-secret']).scrubDeep({
        'key-secret': 1,
        list,
        n: null,
        f: false,
        t: true,
      }) as Record<string, unknown>;
      expect(Object.keys(copy)).to.deep.equal(['[redacted]', 'list', 'n', 'f', 't']);
      expect(copy.t).to.equal(true);
      expect(new KnownSecrets(['key-secret']).scrubDeep(7)).to.equal(7);
      expect(copy.list).to.have.length(50);
      expect((copy.list as string[])[49]).to.equal('item 49 [redacted]');
      expect(copy.n).to.equal(null);
      expect(copy.f).to.equal(false);
    });

    it('copies six levels deep and leaves what lies deeper as it is', () => {
      let body: Record<string, unknown> = { s: 'key-secret' };
      for (let i = 0; i < 7; i += 1) body = { s: 'key-secret', next: body };
      let copy = new KnownSecrets(['key-secret']).scrubDeep(body) as Record<string, unknown>;
      let original = body;
      for (let level = 0; level < 7; level += 1) {
        expect(copy.s, `level ${level}`).to.equal('[redacted]');
        expect(copy).not.to.equal(original);
        copy = copy.next as Record<string, unknown>;
        original = original.next as Record<string, unknown>;
      }
      expect(copy).to.equal(original);
    });

    it('counts nested lists in the depth too', () => {
      let body: unknown = ['key-secret'];
      for (let i = 0; i < 7; i += 1) body = [body];
      let copy = new KnownSecrets(['key-secret']).scrubDeep(body);
      for (let level = 0; level < 7; level += 1) copy = (copy as unknown[])[0];
      expect(copy).to.deep.equal(['key-secret']);
    });
  });

  describe('scrubError', () => {
    it('scrubs the message, stack, text and object fields, and every cause', () => {
      const cause = new Error('cause with key-secret');
      const err = Object.assign(new Error('failed with key-secret', { cause }), {
        detail: 'sent key-secret',
        body: { echo: 'key-secret' },
        status: 400,
        inner: new Error('key-secret'),
      });
      expect(err.stack).to.include('key-secret');
      expect(new KnownSecrets(['key-secret']).scrubError(err)).to.equal(err);
      expect(err.message).to.equal('failed with [redacted]');
      expect(err.stack).to.not.include('key-secret');
      expect(err.detail).to.equal('sent [redacted]');
      expect(err.body).to.deep.equal({ echo: '[redacted]' });
      expect(err.status).to.equal(400);
      expect(cause.message).to.equal('cause with [redacted]');
      expect(Object.keys(err)).to.deep.equal(['detail', 'body', 'status', 'inner']);
      expect(Object.keys(cause)).to.deep.equal([]);

      new KnownSecrets(['failed with']).scrubError(err);
      expect(err.message).to.equal('[redacted] [redacted]');
      err.message = 'written again';
      expect(err.message).to.equal('written again');
      expect(Object.keys(err)).to.deep.equal(['detail', 'body', 'status', 'inner']);
    });

    it('stops at a cause it has seen, and after ten errors', () => {
      const errors = Array.from({ length: 12 }, (_, i) => new Error(`error ${i} key-secret`));
      errors.forEach((e, i) => Object.assign(e, { cause: errors[i + 1] }));
      new KnownSecrets(['key-secret']).scrubError(errors[0]);
      expect(errors.map((e) => e.message.endsWith('[redacted]'))).to.deep.equal([
        ...Array(10).fill(true),
        false,
        false,
      ]);

      const loop = new Error('loop key-secret');
      Object.assign(loop, { cause: loop });
      expect(new KnownSecrets(['key-secret']).scrubError(loop).message).to.equal('loop [redacted]');
    });

    it('leaves a frozen error as it is, without throwing, and passes anything else through', () => {
      const frozen = Object.freeze(Object.assign(new Error('frozen key-secret'), { detail: 'key-secret' }));
      expect(() => new KnownSecrets(['key-secret']).scrubError(frozen)).not.to.throw();
      expect(frozen.detail).to.equal('key-secret');
      expect(new KnownSecrets(['key-secret']).scrubError('key-secret')).to.equal('key-secret');
    });
  });
});
