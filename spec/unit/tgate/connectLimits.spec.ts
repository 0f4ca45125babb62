import { expect } from 'chai';
import { connectForStep } from '../../../lib/tgate';

describe('lib/tgate connect: limits from the environment', () => {
  const cfg = { _account: 'a1', environment: 'company-sandbox', oauth: { access_token: 'at-1234', refresh_token: 'rt-1234' } };
  const base = { TGATE_CLIENT_ID: 'client-id', TGATE_CLIENT_SECRET: 'client-secret' };

  const cases: Array<[string, string, string]> = [
    ['TGATE_HTTP_TIMEOUT_MS', '0', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '-5', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '30s', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '86400000', 'milliseconds from 1 to 600000'],
    ['TGATE_RETRY_MAX_ATTEMPTS', '0', 'attempts from 1 to 20'],
    ['TGATE_MAX_RESPONSE_BYTES', '1e9x', 'bytes from 1 to 1073741824'],
  ];
  for (const [name, value, range] of cases) {
    it(`refuses ${name}=${value}, naming the variable`, () => {
      expect(() => connectForStep({}, cfg, { env: { ...base, [name]: value } })).to.throw(
        `T-Gate OAuth client is misconfigured: the environment variable ${name} must be a whole number of ${range}, got "${value}"`,
      );
    });
  }

  it('accepts sensible values and unset variables', () => {
    expect(() => connectForStep({}, cfg, { env: { ...base, TGATE_HTTP_TIMEOUT_MS: '5000', TGATE_RETRY_MAX_ATTEMPTS: '3', TGATE_MAX_RESPONSE_BYTES: '1048576' } })).not.to.throw();
    expect(() => connectForStep({}, cfg, { env: base })).not.to.throw();
  });
});
