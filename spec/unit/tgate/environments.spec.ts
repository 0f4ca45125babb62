import { expect } from 'chai';
import { resolveEndpoints } from '../../../lib/tgate/environments';
import { ConfigurationError } from '../../../lib/errors';

describe('tgate: resolveEndpoints', () => {
  it('takes plain TGATE_API_BASE_URL and TGATE_TOKEN_URI overrides, without a trailing slash', () => {
    const got = resolveEndpoints('company', {
      TGATE_API_BASE_URL: 'https://api.example.test/partner/v1/',
      TGATE_TOKEN_URI: 'http://127.0.0.1:9/oauth/token',
    });
    expect(got).to.deep.equal({
      environment: 'company',
      apiBaseUrl: 'https://api.example.test/partner/v1',
      tokenUrl: 'http://127.0.0.1:9/oauth/token',
    });
  });

  for (const name of ['TGATE_API_BASE_URL', 'TGATE_TOKEN_URI'] as const) {
    it(`refuses ${name} with user info, naming the variable and keeping the password out of the message`, () => {
      for (const value of ['https://user:pa55word@api.example.test/v1', 'https://user@api.example.test/v1']) {
        expect(() => resolveEndpoints('company', { [name]: value }))
          .to.throw(ConfigurationError, `${name} must not contain a user name or password`)
          .that.satisfies((e: Error) => !e.message.includes('pa55word'));
      }
    });

    it(`refuses ${name} with a query or a fragment, naming the variable`, () => {
      for (const value of [
        'https://api.example.test/v1?tenant=a',
        'https://api.example.test/v1#x',
        'https://api.example.test/v1?',
        'https://api.example.test/v1#',
      ]) {
        expect(() => resolveEndpoints('company', { [name]: value }), value).to.throw(
          ConfigurationError,
          `${name} must not have a query (?...) or fragment (#...)`,
        );
      }
    });
  }

  it('refuses a URL that is not http(s), naming the variable', () => {
    expect(() => resolveEndpoints('company', { TGATE_API_BASE_URL: 'ftp://x/y' })).to.throw(
      'TGATE_API_BASE_URL is not a valid http(s) URL',
    );
  });
});
