/**
 * The component's one error taxonomy. Every error a step can end with is one of these, told apart with
 * `instanceof`; the step scaffold (lib/step) maps each to what the platform should do:
 *
 * | class                          | the platform                                  |
 * |--------------------------------|-----------------------------------------------|
 * | TransientError (subclasses)    | rebound: the message is retried later          |
 * | ReconnectRequiredError          | error: the user must reconnect the credential |
 * | OAuthClientMisconfiguredError   | error: the tenant's OAuth client is wrong     |
 * | RefusedError (subclasses)       | error: T-Gate refused what was asked          |
 * | InvalidInputError               | error: a field of the message or step is bad  |
 * | ConfigurationError              | error: a component environment variable is bad |
 * | other ComponentErrors           | error: names what failed                      |
 * | UnexpectedError                 | error: anything else reaching a step, a bug   |
 *
 * Every error class of the component extends ComponentError, those of the lower layers too (lib/http's
 * HttpError, lib/platform's errors): this module imports nothing, so any layer may import it. Messages
 * say what happened and what to do, and never carry a token, secret or API key; `cause` keeps the
 * underlying (already scrubbed) error for logs.
 */
export class ComponentError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Worth retrying later: the service was unreachable, overloaded or failing. */
export class TransientError extends ComponentError {}

/** The request was understood and refused; repeating it would be refused again. */
export class RefusedError extends ComponentError {}

/** A field of the incoming message or of the step's configuration is missing or malformed. */
export class InvalidInputError extends ComponentError {
  /** Where the problem is, e.g. `id`, `items[2].quantity`, `step field resourceType`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** What a CredentialError keeps of the token endpoint's answer, and the error it was made from. */
export interface CredentialErrorDetails {
  oauthError?: string;
  status?: number;
  cause?: unknown;
}

/** A refusal about the credential or the OAuth client, with what the token endpoint said. */
export class CredentialError extends ComponentError {
  /** OAuth error code from the token endpoint (invalid_grant, invalid_client, ...), when there was one. */
  readonly oauthError?: string;
  readonly status?: number;

  constructor(message: string, extra: CredentialErrorDetails = {}) {
    super(message, { cause: extra.cause });
    this.oauthError = extra.oauthError;
    this.status = extra.status;
  }
}

/** The credential no longer works (revoked, expired, rotated away): only reconnecting it helps. */
export class ReconnectRequiredError extends CredentialError {}

/** The tenant's OAuth client (client id or secret, allowed grants) or the component's settings are wrong. */
export class OAuthClientMisconfiguredError extends CredentialError {}

/**
 * A component environment variable (a tuning limit such as TGATE_HTTP_TIMEOUT_MS, a URL override) is not
 * usable: neither the credential nor the OAuth client is at fault, and a retry would fail the same way.
 */
export class ConfigurationError extends ComponentError {
  /** The variable at fault, e.g. `TGATE_HTTP_TIMEOUT_MS`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
  }
}

/**
 * An error from outside this taxonomy reached a step (a TypeError, a library's own error): a bug, since
 * every failure the component foresees is one of the classes above. The step scaffold wraps it so that
 * the platform shows it as one; `cause` is the original, and the stack ends with the original's.
 */
export class UnexpectedError extends ComponentError {
  constructor(cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : `${typeof cause} ${String(cause)} thrown`;
    super(`The component failed in a way it does not foresee, a bug to report to its maintainers: ${what}`, { cause });
    if (cause instanceof Error && cause.stack) this.stack = `${this.stack ?? this.message}\nCaused by: ${cause.stack}`;
  }
}
