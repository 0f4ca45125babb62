import { ComponentError } from './errors';
import { KnownSecrets } from './http';
import { Cfg, connectForVerification, isTGateApiError, SailorContext } from './tgate';

/**
 * Proves the credential works: one cheap authenticated call (the first integration scope). The access
 * token is used while valid; an expired or rejected one is refreshed and the new keys saved through
 * the platform API. Throws, with what to do, when the credential does not work: the sailor reports a
 * throw as `{verified: false, reason}`, whereas a returned `false` would read as verified.
 */
async function verifyCredentials(this: SailorContext, cfg: Cfg): Promise<{ verified: true }> {
  const secrets = new KnownSecrets();
  try {
    const tgate = connectForVerification(this, cfg, { secrets });
    await tgate.page('integrationScopes', { page: 1, pageSize: 1 });
    this.logger?.info?.('T-Gate credential verified');
    return { verified: true };
  } catch (err) {
    // The reason is shown to the user: the known secret values are scrubbed from it, whatever built the error.
    const message = secrets.scrub(explain(secrets.scrubError(err)));
    this.logger?.info?.(`T-Gate credential not verified: ${message}`);
    throw new ComponentError(message, { cause: err });
  }
}

function explain(err: unknown): string {
  if (isTGateApiError(err)) {
    return err.status === 404
      ? `${err.message}. Check the credential's environment (Production or Sandbox) and TGATE_API_BASE_URL`
      : err.message;
  }
  if (err instanceof ComponentError) return err.message;
  const text = err instanceof Error ? err.message : String(err);
  return `Could not verify the T-Gate credential: ${text}`;
}

export = verifyCredentials;
