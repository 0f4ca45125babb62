import { HttpError } from '../http';
import { RefusedError, TransientError } from '../errors';

/** What every T-Gate API error names: the call (never the query) and T-Gate's own message. */
export interface TGateCallFailure {
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;
  /** T-Gate's own words, by field when it named one ({@link tgateErrorWords}). */
  readonly errors: readonly TGateErrorWord[];
}

/** One message of a T-Gate error answer, with the field it is about (Rails: `errors.add(:field, msg)`). */
export interface TGateErrorWord {
  field?: string;
  message: string;
}

const MAX_WORDS = 20;
const MAX_WORD_CHARS = 300;

/**
 * T-Gate's own words in an error answer, in every shape a Rails application answers with: `{field:
 * [msgs]}` (Rails' default `errors` JSON), `{errors: {field: [msgs]}}`, `{errors: [msgs]}`, `{error: msg}`
 * (also `error_description`), `{message: msg}`. A field `base` is about the whole record (no field).
 */
export function tgateErrorWords(data: unknown): TGateErrorWord[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const body = data as Record<string, unknown>;
  const words: TGateErrorWord[] = [];
  const add = (field: string | undefined, message: unknown): void => {
    if (typeof message !== 'string' && typeof message !== 'number') return;
    const text = String(message).trim().slice(0, MAX_WORD_CHARS);
    if (!text || words.length >= MAX_WORDS) return;
    words.push(field === undefined || field === 'base' ? { message: text } : { field, message: text });
  };
  const addField = (field: string, messages: unknown): void => {
    for (const m of Array.isArray(messages) ? messages : [messages]) add(field, m);
  };
  if (Array.isArray(body.errors)) {
    for (const e of body.errors) {
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const line = [o.title, o.detail ?? o.message].filter((x) => typeof x === 'string' && x).join(': ');
        add(typeof o.field === 'string' ? o.field : undefined, line);
      } else add(undefined, e);
    }
  } else if (body.errors && typeof body.errors === 'object') {
    for (const [field, messages] of Object.entries(body.errors)) addField(field, messages);
  }
  if (typeof body.error === 'string') {
    add(
      undefined,
      typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error,
    );
  } else if (body.error && typeof body.error === 'object') {
    add(undefined, (body.error as Record<string, unknown>).message);
  }
  add(undefined, body.message);
  if (words.length > 0) return words;
  // Rails' default `render json: record.errors`: each attribute to a list of messages, nothing else.
  for (const [field, messages] of Object.entries(body)) {
    if (Array.isArray(messages) && messages.every((m) => typeof m === 'string')) addField(field, messages);
  }
  return words;
}

/** The words as one line, as Rails' `full_messages` reads ("total_price does not match ..."). */
export function tgateErrorText(words: readonly TGateErrorWord[]): string | undefined {
  const text = words.map((w) => (w.field ? `${w.field} ${w.message}` : w.message)).join('; ');
  return text || undefined;
}

/** The HttpError's message with T-Gate's own words in place of the HTTP reason phrase. */
function messageWithWords(cause: HttpError, text: string | undefined): string {
  if (text === undefined || text === cause.detail) return cause.message;
  const answered = `answered ${cause.status}`;
  if (cause.detail && cause.message.includes(`${answered}: ${cause.detail}`)) {
    return cause.message.replace(`${answered}: ${cause.detail}`, () => `${answered}: ${text}`);
  }
  return cause.message.replace(answered, () => `${answered}: ${text}`);
}

/** T-Gate answered and refused (4xx, or a 3xx it is not our place to follow). Repeating it will not help. */
export class TGateRefusedError extends RefusedError implements TGateCallFailure {
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;
  readonly errors: readonly TGateErrorWord[];

  constructor(cause: HttpError, hint?: string) {
    const errors = tgateErrorWords(cause.data);
    const message = messageWithWords(cause, tgateErrorText(errors));
    super(hint ? `${message}. ${hint}` : message, { cause });
    this.status = cause.status;
    this.method = cause.method;
    this.path = cause.path;
    this.detail = tgateErrorText(errors) ?? cause.detail;
    this.errors = errors;
  }
}

/** T-Gate could not be reached, was overloaded (429) or failing (5xx), after the client's own retries. */
export class TGateUnavailableError extends TransientError implements TGateCallFailure {
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;
  /** Network error code when no answer came. */
  readonly code?: string;
  readonly errors: readonly TGateErrorWord[];

  constructor(cause: HttpError) {
    const errors = tgateErrorWords(cause.data);
    super(messageWithWords(cause, tgateErrorText(errors)), { cause });
    this.status = cause.status;
    this.method = cause.method;
    this.path = cause.path;
    this.detail = tgateErrorText(errors) ?? cause.detail;
    this.errors = errors;
    this.code = cause.code;
  }
}

export type TGateApiError = TGateRefusedError | TGateUnavailableError;

export function isTGateApiError(err: unknown): err is TGateApiError {
  return err instanceof TGateRefusedError || err instanceof TGateUnavailableError;
}

const HINTS: Record<number, string> = {
  401: 'T-Gate rejected the access token even after a refresh: reconnect the credential',
  403: 'T-Gate refused the action: check that the company granted this application the integration scopes it needs',
  404: 'T-Gate has no such record, or it is outside the integration scopes the company granted',
};

/** Network codes after which nothing is worth retrying: the answer itself was unusable. */
const FINAL_CODES = new Set(['ERESPONSETOOLARGE']);

/** An HttpError from a T-Gate call, as the taxonomy: refused (4xx) or unavailable (5xx, 429, network). */
export function tgateError(err: HttpError, hint?: string): TGateApiError {
  const transient =
    err.status === undefined ? !FINAL_CODES.has(err.code ?? '') : err.status === 429 || err.status >= 500;
  if (transient) return new TGateUnavailableError(err);
  return new TGateRefusedError(err, hint ?? (err.status !== undefined ? HINTS[err.status] : undefined));
}

/**
 * Whether a failed call may have reached T-Gate and taken effect (lib/http's one rule, which a T-Gate error
 * answers as its HttpError did). A POST or PATCH that may have taken effect must not be rebounded: the
 * platform would send it again.
 */
export { mayHaveTakenEffect } from '../http';
