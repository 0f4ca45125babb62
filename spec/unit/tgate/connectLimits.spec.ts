import { expect } from 'chai';
import { connectForStep } from '../../../lib/tgate';
import { ConfigurationError, CredentialError } from '../../../lib/errors';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep } from '../../helpers/taskExec';

describe('lib/tgate connect: limits from the environment', () => {
  const cfg = {
    _account: 'a1',
    environment: 'company-sandbox',
    oauth: { access_token: 'at-1234', refresh_token: 'rt-1234' },
  };
  const base = { TGATE_CLIENT_ID: 'client-id', TGATE_CLIENT_SECRET: 'client-secret' };

  const cases: Array<[string, string, string]> = [
    ['TGATE_HTTP_TIMEOUT_MS', '0', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '-5', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '30s', 'milliseconds from 1 to 600000'],
    ['TGATE_HTTP_TIMEOUT_MS', '86400000', 'milliseconds from 1 to 600000'],
    ['TGATE_RETRY_MAX_ATTEMPTS', '0', 'attempts from 1 to 20'],
    ['TGATE_MAX_RESPONSE_BYTES', '1e9x', 'bytes from 1 to 1073741824'],
    ['TGATE_MAX_PAGES', 'many', 'pages from 1 to 1000000'],
  ];
  for (const [name, value, range] of cases) {
    it(`refuses ${name}=${value} with a ConfigurationError naming the variable`, () => {
      let thrown: unknown;
      try {
        connectForStep({}, cfg, { env: { ...base, [name]: value } });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(ConfigurationError).and.not.instanceOf(CredentialError);
      expect((thrown as ConfigurationError).variable).to.equal(name);
      expect((thrown as Error).message).to.equal(
        `The component's environment variable ${name} must be a whole number of ${range}, got "${value}": correct it, or remove it to use the default`,
      );
    });
  }

  it('accepts sensible values and unset variables', () => {
    expect(() =>
      connectForStep({}, cfg, {
        env: {
          ...base,
          TGATE_HTTP_TIMEOUT_MS: '5000',
          TGATE_RETRY_MAX_ATTEMPTS: '3',
          TGATE_MAX_RESPONSE_BYTES: '1048576',
        },
      }),
    ).not.to.throw();
    expect(() => connectForStep({}, cfg, { env: base })).not.to.throw();
  });

  describe("in a step (the sailor's TaskExec)", () => {
    let world: World;
    const saved = process.env.TGATE_HTTP_TIMEOUT_MS;
    afterEach(async () => {
      if (saved === undefined) delete process.env.TGATE_HTTP_TIMEOUT_MS;
      else process.env.TGATE_HTTP_TIMEOUT_MS = saved;
      await world?.close();
    });

    it('ends a message with the configuration error, not a rebound nor "OAuth client is misconfigured"', async () => {
      world = await createWorld();
      process.env.TGATE_HTTP_TIMEOUT_MS = '30s';
      const before = world.sandbox.requestCount;
      const outcome = await runStep(loadFunction('listIntegrationScopes'), { body: {} }, world.cfg, world.platform);
      expect(outcome.rebounds).to.deep.equal([]);
      expect(outcome.data).to.deep.equal([]);
      expect(outcome.errors).to.have.length(1);
      expect(outcome.errors[0]).to.be.instanceOf(ConfigurationError);
      expect(outcome.errors[0].message).to.match(
        /^The component's environment variable TGATE_HTTP_TIMEOUT_MS must be a whole number/,
      );
      expect(world.sandbox.requestCount).to.equal(before);
    });
  });
});
