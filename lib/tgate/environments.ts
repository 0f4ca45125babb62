/**
 * Where T-Gate lives: the one table of T-Gate hosts and paths.
 *
 * Documented by T-Gate (guide: Access Grant Flow): the company portal hosts and the portal's `/oauth` grant page.
 * NOT documented publicly, chosen here and to be checked with T-Gate (see docs/ASSUMPTIONS.md):
 * the token path on the portal host (Doorkeeper's default `/oauth/token`), the partner API hosts and
 * the `/partner/v1` prefix. TGATE_TOKEN_URI and TGATE_API_BASE_URL override them.
 */
import { ConfigurationError, InvalidInputError } from '../errors';

export interface TGateEnvironment {
  label: string;
  portalUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
}

/** Keys are the values of the credential's `environment` select, templated into component.json's oauth2 URIs. */
export const TGATE_ENVIRONMENTS = {
  company: {
    label: 'Production',
    portalUrl: 'https://company.t-gate.net',
    authorizeUrl: 'https://company.t-gate.net/oauth',
    tokenUrl: 'https://company.t-gate.net/oauth/token',
    apiBaseUrl: 'https://api.t-gate.net/partner/v1',
  },
  'company-sandbox': {
    label: 'Sandbox',
    portalUrl: 'https://company-sandbox.t-gate.net',
    authorizeUrl: 'https://company-sandbox.t-gate.net/oauth',
    tokenUrl: 'https://company-sandbox.t-gate.net/oauth/token',
    apiBaseUrl: 'https://api-sandbox.t-gate.net/partner/v1',
  },
} as const satisfies Record<string, TGateEnvironment>;

export type TGateEnvironmentName = keyof typeof TGATE_ENVIRONMENTS;
const DEFAULT_ENVIRONMENT: TGateEnvironmentName = 'company';

/** Credential fields declared in component.json (a spec keeps the two in step). */
export const CREDENTIAL_FIELDS = ['environment', 'oauth'] as const;

export interface ResolvedEndpoints {
  environment: TGateEnvironmentName;
  tokenUrl: string;
  apiBaseUrl: string;
}

/** The credential's environment, with TGATE_TOKEN_URI / TGATE_API_BASE_URL overrides from the environment. */
export function resolveEndpoints(environment: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedEndpoints {
  const name =
    environment === undefined || environment === null || environment === ''
      ? DEFAULT_ENVIRONMENT
      : typeof environment === 'string'
        ? environment
        : JSON.stringify(environment);
  if (!Object.prototype.hasOwnProperty.call(TGATE_ENVIRONMENTS, name)) {
    throw new InvalidInputError(
      'environment',
      `Unknown T-Gate environment "${name}" in the credential: expected one of ${Object.keys(TGATE_ENVIRONMENTS)
        .map((k) => `"${k}"`)
        .join(', ')}`,
    );
  }
  const row = TGATE_ENVIRONMENTS[name as TGateEnvironmentName];
  return {
    environment: name as TGateEnvironmentName,
    tokenUrl: checkedUrl('TGATE_TOKEN_URI', env.TGATE_TOKEN_URI) ?? row.tokenUrl,
    apiBaseUrl: (checkedUrl('TGATE_API_BASE_URL', env.TGATE_API_BASE_URL) ?? row.apiBaseUrl).replace(/\/+$/, ''),
  };
}

function checkedUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError(name, `${name} is not a valid http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigurationError(name, `${name} is not a valid http(s) URL`);
  // User info would travel to whoever the URL names; a query or fragment would be glued in front of every path.
  if (url.username || url.password)
    throw new ConfigurationError(
      name,
      `${name} must not contain a user name or password: give the plain URL, e.g. https://host/path`,
    );
  if (url.search || url.hash || /[?#]/.test(value))
    throw new ConfigurationError(
      name,
      `${name} must not have a query (?...) or fragment (#...): give the plain URL, e.g. https://host/path`,
    );
  return value.trim().replace(/\/+$/, '');
}
