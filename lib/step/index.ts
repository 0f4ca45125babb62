/**
 * The step scaffold every trigger and action shares: reads and checks the step's fields and the message
 * body (ajv), connects to T-Gate, emits, and decides in one place what a failure becomes on the platform:
 *
 * - a transient failure (T-Gate or the token endpoint unreachable, overloaded or failing after the
 *   client's own retries) becomes a `rebound`, so the platform redelivers the message later, unless data
 *   was already emitted for it (a redelivery would emit that again): then it is an error saying so;
 * - anything else (a bad input, a refusal, a dead credential, a misconfigured OAuth client, a bad
 *   environment variable) is an error that names it; a dead credential and a ConfigurationError are
 *   never rebounded (they would only fail again, 20 times);
 * - an error from outside lib/errors.ts's taxonomy (a TypeError, say) is a bug: an UnexpectedError says so.
 */
import crypto from 'node:crypto';
import { ComponentError, InvalidInputError, TransientError, UnexpectedError } from '../errors';
import { KnownSecrets, MAX_JSON_DEPTH, nestedDeeperThan } from '../http';
import { validator } from '../schemas/validate';
import { Cfg, connectForStep, oauthClientValues, SailorContext, TGateClient } from '../tgate';

/** `this` of a trigger or action: the sailor's TaskExec. */
export type StepThis = SailorContext & { emit: NonNullable<SailorContext['emit']> };

export interface IncomingMessage {
  id?: string;
  body?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Step<F, B> {
  sailor: StepThis;
  msg: IncomingMessage;
  cfg: Cfg;
  /** The step's fields, checked, with defaults filled. */
  fields: F;
  /** The message body, checked against the step's input schema. */
  body: B;
  /** The polling state the platform kept for this step (third argument of `process`). */
  snapshot: Record<string, unknown>;
  /** The T-Gate client for the step's credential, connected on first use. */
  readonly tgate: TGateClient;
  /** Emits one data message (awaited: the sailor's emit is async). */
  emitData(body: unknown): Promise<void>;
  /** Data messages emitted so far for this incoming message. */
  readonly emitted: number;
  /** Every secret value the step knows (client id and secret, tokens, those refreshed meanwhile). */
  readonly secrets: KnownSecrets;
}

export interface StepDefinition<F, B> {
  /** JSON Schema of the step's fields in cfg (defaults are filled in). */
  fields?: object;
  /** JSON Schema of the message body, or a function of the fields giving one (resource-typed steps). */
  body?: object | ((fields: F) => object);
  /**
   * Checks who sent the message before its body is read, copied or checked (a webhook's shared secret):
   * an unauthenticated body, however built, is refused before anything else looks at it.
   */
  authenticate?(fields: F, rawBody: unknown): void;
  run(step: Step<F, B>): Promise<void>;
}

const EMPTY_OBJECT_SCHEMA = { type: 'object' };
const bodyValidators = new WeakMap<object, (value: unknown) => unknown>();

function bodyValidator(schema: object): (value: unknown) => unknown {
  let check = bodyValidators.get(schema);
  if (!check) {
    check = validator(schema, 'message body');
    bodyValidators.set(schema, check);
  }
  return check;
}

/** Only the fields the schema names: cfg also holds the credential's keys, which must not be validated or copied. */
function pickFields(cfg: Cfg, schema: object): Record<string, unknown> {
  const names = Object.keys((schema as { properties?: object }).properties ?? {});
  const out: Record<string, unknown> = {};
  // The platform sends an untouched optional field as "" or leaves it out: both mean "not set".
  for (const name of names)
    if (cfg[name] !== undefined && cfg[name] !== '' && cfg[name] !== null) out[name] = cfg[name];
  return out;
}

/**
 * Reads a step's fields out of cfg (which also holds the credential's keys): only the fields the schema
 * names, text read as the numbers it spells, defaults filled; a bad field is an InvalidInputError naming it.
 * defineStep uses it for `process`; select models and getMetaModel, which get the same cfg, use it too.
 */
export function stepFieldsReader<F>(schema: object): (cfg: Cfg | undefined) => F {
  const readFields = validator<F>(schema, 'step configuration', { coerce: true });
  return (cfg) => readFields(pickFields(cfg ?? {}, schema));
}

/** Builds a step's `process(msg, cfg, snapshot)` from what is specific to it. */
export function defineStep<F = Record<string, never>, B = Record<string, unknown>>(definition: StepDefinition<F, B>) {
  const readFields = stepFieldsReader<F>(definition.fields ?? EMPTY_OBJECT_SCHEMA);
  return async function process(
    this: StepThis,
    msg: IncomingMessage,
    cfg: Cfg,
    snapshot: Record<string, unknown> = {},
  ): Promise<void> {
    let emitted = 0;
    let client: TGateClient | undefined;
    const secrets = stepSecrets(cfg);
    const connect = (): TGateClient => (client ??= connectForStep(this, cfg, { secrets }));
    const emitData = async (data: unknown): Promise<void> => {
      await this.emit('data', newMessage(data));
      emitted += 1;
    };
    try {
      const fields = readFields(cfg);
      const bodySchema = bodySchemaFor(definition.body, fields);
      const rawBody = msg?.body ?? {};
      definition.authenticate?.(fields, rawBody);
      // Copying and checking the body walk it recursively: a body nested thousands deep would overflow the stack.
      if (nestedDeeperThan(rawBody)) {
        throw new InvalidInputError(
          'body',
          `The message body is nested more than ${MAX_JSON_DEPTH} levels deep, ` +
            'more than this component reads: nothing was done with it',
        );
      }
      const body = bodyValidator(bodySchema)(
        rawBody && typeof rawBody === 'object' ? JSON.parse(JSON.stringify(rawBody)) : rawBody,
      ) as B;
      await definition.run({
        sailor: this,
        msg,
        cfg,
        fields,
        body,
        snapshot: snapshot ?? {},
        get tgate() {
          return connect();
        },
        emitData,
        get emitted() {
          return emitted;
        },
        secrets,
      });
    } catch (err) {
      await settleFailure(this, err, emitted, secrets);
    }
  };
}

function bodySchemaFor<F>(body: StepDefinition<F, unknown>['body'], fields: F): object {
  if (body === undefined) return EMPTY_OBJECT_SCHEMA;
  return typeof body === 'function' ? (body as (fields: F) => object)(fields) : body;
}

/**
 * A data message as the platform expects it (the shape elasticio-node's newMessageWithBody builds; that
 * package is not used because it pulls in the deprecated `request` for nothing we need). The sailor makes
 * `id` the outgoing message's messageId.
 */
export function newMessage(body: unknown): {
  id: string;
  attachments: object;
  body: unknown;
  headers: object;
  metadata: object;
} {
  return { id: crypto.randomUUID(), attachments: {}, body, headers: {}, metadata: {} };
}

/** The credential's secret values as the step starts; connectForStep adds the tokens it gets later. */
function stepSecrets(cfg: Cfg | undefined): KnownSecrets {
  const oauth = cfg?.oauth ?? {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : undefined);
  const client = oauthClientValues();
  return new KnownSecrets([text(oauth.access_token), text(oauth.refresh_token), client.clientId, client.clientSecret]);
}

/**
 * The one place that decides what a failure becomes: a rebound, or an error naming it. It is also the one
 * place every failure leaves a step through, so the known secrets are scrubbed from it here, whatever
 * built it, and anything outside lib/errors.ts's taxonomy is reported as the bug it is (UnexpectedError).
 */
export async function settleFailure(
  sailor: StepThis,
  err: unknown,
  emitted: number,
  secrets?: KnownSecrets,
): Promise<void> {
  secrets?.scrubError(err);
  if (!(err instanceof ComponentError)) throw new UnexpectedError(err);
  if (err instanceof TransientError) {
    if (emitted === 0) {
      sailor.logger?.info?.(`Retrying the message later (rebound): ${err.message}`);
      await sailor.emit('rebound', err.message);
      return;
    }
    throw new ComponentError(
      `${err.message}. ${emitted} message(s) were already emitted for this input, ` +
        'so it is not retried: a retry would emit them again',
      { cause: err },
    );
  }
  throw err;
}
