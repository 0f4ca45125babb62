import crypto from 'node:crypto';
import path from 'node:path';
import { LocalPlatform, PlatformCall } from './localPlatform';

/**
 * The platform stand-in as `tgate platform-sandbox` serves it to a person (docs/CLI.md, "Try it locally"):
 * one tenant seeded with a component that has no OAuth client yet and a client a flow uses, a v1 account
 * for the sailor, and a per-start API key that goes only to the profile file (mode 0600), never printed.
 * The command's options, its checks and the profile write are lib/cli/platformSandbox.ts's.
 */
export const DEFAULT_PORT = 8090;
export const PROFILE_FILE = path.join('.tgate', 'platform-sandbox.env');
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
export const SANDBOX_EMAIL = 'sandbox-admin@tgate.invalid';
export const SANDBOX_TENANT_ID = '5e5e5e5e5e5e5e5e5e5e5e01';
/** Visible in the tenant, with no OAuth client yet: create one for it. */
export const SANDBOX_COMPONENT_ID = '5f0c0ffee0000000000000aa';
/** Has the seeded OAuth client that a flow uses: deleting that client is refused. */
export const IN_USE_COMPONENT_ID = '5f0c0ffee0000000000000bb';
export const IN_USE_CLIENT_ID = '6a1b2c3d4e5f600000000001';
export const IN_USE_FLOW = 'Orders to ERP (sandbox)';
/** A v1 credential for the sailor's GET/PUT /v1/accounts/:id. */
export const SANDBOX_ACCOUNT_ID = 'sandbox-account';

export interface PlatformSandboxOptions {
  port?: number;
  host?: string;
  /** One line per request. */
  log?: (line: string) => void;
}

/** One request as the log line shows it: method, path and query, status; never a header or a body. */
export function describeCall(call: PlatformCall): string {
  return `${call.method} ${call.path}${call.rawQuery ? `?${call.rawQuery}` : ''} -> ${call.status}`;
}

/** The seeded stand-in, listening (rejects with the listen error, e.g. EADDRINUSE, when it cannot). */
export async function startPlatformSandbox(opts: PlatformSandboxOptions = {}): Promise<LocalPlatform> {
  const log = opts.log;
  const platform = new LocalPlatform({
    username: SANDBOX_EMAIL,
    apiKey: crypto.randomBytes(24).toString('base64url'),
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? DEFAULT_PORT,
    onCall: log ? (call) => log(describeCall(call)) : undefined,
  });
  platform.addTenant(SANDBOX_TENANT_ID, [SANDBOX_COMPONENT_ID, IN_USE_COMPONENT_ID]);
  platform.addClient(SANDBOX_TENANT_ID, {
    id: IN_USE_CLIENT_ID,
    clientId: 'erp-connector',
    clientSecret: crypto.randomBytes(18).toString('base64url'),
    componentId: IN_USE_COMPONENT_ID,
  });
  platform.useInFlow(SANDBOX_TENANT_ID, IN_USE_CLIENT_ID, IN_USE_FLOW);
  platform.accounts.set(SANDBOX_ACCOUNT_ID, { keys: {} });
  return platform.listen();
}

/** The profile `--profile` reads: API URL, email, API key and tenant id. It holds the key: write it 0600. */
export function platformSandboxProfile(platform: LocalPlatform): string {
  return [
    '# tgate platform-sandbox: a local stand-in of the platform API; rewritten at each start (new API key).',
    `ELASTICIO_API_URI=${platform.url}`,
    `ELASTICIO_API_USERNAME=${platform.username}`,
    `ELASTICIO_API_KEY=${platform.apiKey}`,
    `ELASTICIO_TENANT_ID=${SANDBOX_TENANT_ID}`,
    '',
  ].join('\n');
}

/** What the command prints: the settings to use, where the API key is (never the key), a command to try. */
export function platformSandboxGuide(platform: LocalPlatform, profilePath: string): string {
  const inUse =
    `OAuth client ${IN_USE_CLIENT_ID} (component ${IN_USE_COMPONENT_ID})` + ` is used by the flow "${IN_USE_FLOW}"`;
  const tryCreate =
    `tgate oauth-clients create --profile ${profilePath} --component ${SANDBOX_COMPONENT_ID}` +
    ' --client-id my-app --client-secret-stdin';
  return [
    `Platform API sandbox listening on ${platform.url} (Ctrl-C to stop)`,
    '',
    `  API URL       ${platform.url}`,
    `  email         ${platform.username}`,
    `  API key       generated, in the profile ${profilePath} (mode 600); never printed`,
    `  tenant id     ${SANDBOX_TENANT_ID}`,
    `  component id  ${SANDBOX_COMPONENT_ID} (no OAuth client yet: create one)`,
    `  in use        ${inUse}: deleting it is refused`,
    '',
    'Use the profile (API URL, email, API key and tenant id; ELASTICIO_* variables set in the environment ' +
      'win over it):',
    `  export TGATE_PROFILE=${profilePath}`,
    `  or add --profile ${profilePath} to each command`,
    '',
    'Try (asks for the client secret without echo; or pipe it: printf %s "$SECRET" | ...):',
    `  ${tryCreate}`,
    '',
    `Serves /v2/tenants/${SANDBOX_TENANT_ID}/oauth-clients (create, list, get, update, delete), ` +
      `and GET/PUT /v1/accounts/${SANDBOX_ACCOUNT_ID} for the sailor.`,
    '',
  ].join('\n');
}
