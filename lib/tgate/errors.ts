import { HttpError, NOT_SENT_CODES } from '../http';
import { RefusedError, TransientError } from '../errors';

/** What every T-Gate API error names: the call (never the query) and T-Gate's own message. */
export interface TGateCallFailure {
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;
}

/** T-Gate answered and refused (4xx, or a 3xx it is not our place to follow). Repeating it will not help. */
export class TGateRefusedError extends RefusedError implements TGateCallFailure {
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;

  constructor(cause: HttpError, hint?: string) {
    super(hint ? `${cause.message}. ${hint}` : cause.message, { cause });
    this.status = cause.status;
    this.method = cause.method;
    this.path = cause.path;
    this.detail = cause.detail;
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

  constructor(cause: HttpError) {
    super(cause.message, { cause });
    this.status = cause.status;
    this.method = cause.method;
    this.path = cause.path;
    this.detail = cause.detail;
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
  const transient = err.status === undefined ? !FINAL_CODES.has(err.code ?? '') : err.status === 429 || err.status >= 500;
  if (transient) return new TGateUnavailableError(err);
  return new TGateRefusedError(err, hint ?? (err.status !== undefined ? HINTS[err.status] : undefined));
}

/**
 * Whether a failed call may have reached T-Gate and taken effect: any answer but 429 and 503 (both say
 * "not processed"), or a network failure other than a refused connection or an unknown host. A POST or
 * PATCH that may have taken effect must not be rebounded: the platform would send it again.
 */
export function mayHaveTakenEffect(err: TGateApiError): boolean {
  if (err.status !== undefined) return err.status !== 429 && err.status !== 503;
  return !(err instanceof TGateUnavailableError && err.code !== undefined && NOT_SENT_CODES.has(err.code));
}
