import axios, { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { challengeReason, HttpError, mayHaveTakenEffect, messageFromBody, neverSent } from './errors';
import { safePath } from './redact';
import { backoffDelay, parseRetryAfter, resolvePolicy, RetryPolicy, sleep as realSleep } from './retry';
import { KnownSecrets } from './secrets';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, string | number | boolean | undefined>;
  /** A string is sent as is; anything else as JSON. */
  data?: unknown;
  /** Deadline of this exchange, overriding the client's. */
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

/** Strings only: the sailor's logger stringifies objects, and nothing here may log a secret. */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export interface SendOptions {
  policy?: Partial<RetryPolicy>;
  /**
   * Called before every attempt; what it returns is merged into the request. The T-Gate layer uses it
   * to re-check the access token, which can expire in the middle of a long retry.
   */
  beforeAttempt?: (attempt: number) => Promise<Partial<HttpRequest> | void>;
  /**
   * Whether repeating the request is safe after it may have reached the server (network error, 5xx).
   * Defaults to true for GET, HEAD, PUT and DELETE. When false only 429, 503 and refused connections are retried.
   */
  idempotent?: boolean;
  /** Names the call in errors, e.g. "T-Gate" or "the T-Gate token endpoint". */
  service?: string;
  /** Cap of the response body for this call, overriding the client's. */
  maxResponseBytes?: number;
  /** 4xx/5xx statuses handed back as answers instead of thrown (a raw request's 404 as data). */
  answerStatuses?: readonly number[];
}

export interface HttpClientOptions {
  service: string;
  /**
   * Deadline of one whole exchange (connecting, sending, the headers and the whole body), per attempt.
   * A server that trickles its answer a byte at a time cannot hold a caller longer than this.
   */
  timeoutMs?: number;
  /** Cap of a response body in bytes; a larger answer fails at once, without a retry. */
  maxResponseBytes?: number;
  /** Secret values removed from every error this client builds, besides those the request itself carries. */
  secrets?: KnownSecrets;
  policy?: Partial<RetryPolicy>;
  userAgent?: string;
  logger?: Logger;
  /** Time is the only thing tests replace. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  axiosInstance?: AxiosInstance;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Longest deadline accepted: a longer one is a mistake (minutes given as milliseconds times 60, say). */
export const MAX_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Code of the error when the whole exchange did not finish within the deadline. */
const DEADLINE_CODE = 'ETIMEDOUT';
/** Code of the error when an answer is larger than the cap. */
const TOO_LARGE_CODE = 'ERESPONSETOOLARGE';

/** Checks a deadline or size setting; `name` says where it came from (an option, an environment variable). */
export function checkLimit(name: string, value: unknown, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be a whole number of ${unit} from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `host:port` of a URL (the port even when it is the scheme's default), for "cannot reach" messages. */
function hostOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_BAD_RESPONSE',
  'ECANCELED',
]);

const sharedAxios = axios.create({
  httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
});

/** The settings of one `send`, the same for all its attempts. */
interface CallSettings {
  policy: RetryPolicy;
  service: string;
  idempotent: boolean;
  maxResponseBytes: number;
}

/** What one attempt came back with: the answer, whatever its status, or why none came. */
interface Exchange {
  response?: AxiosResponse;
  /** When no answer came: the network error's code, or DEADLINE_CODE, or TOO_LARGE_CODE. */
  code?: string;
  /** When no answer came: why, for the error's message. */
  detail?: string;
}

/** A failed attempt as the retry rule reads it, and the error it ends the call with. */
interface Failure {
  status?: number;
  code?: string;
  retryAfterMs?: number;
  error(gaveUp?: string): HttpError;
}

/**
 * The one configured HTTP client: timeouts, bounded retries (429 honouring Retry-After, 5xx and network
 * errors with capped jittered backoff) and errors that never carry headers, tokens or the axios config.
 */
export class HttpClient {
  private readonly axios: AxiosInstance;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: HttpClientOptions) {
    if (options.timeoutMs !== undefined) checkLimit('timeoutMs', options.timeoutMs, MAX_TIMEOUT_MS, 'milliseconds');
    if (options.maxResponseBytes !== undefined)
      checkLimit('maxResponseBytes', options.maxResponseBytes, Number.MAX_SAFE_INTEGER, 'bytes');
    this.axios = options.axiosInstance ?? sharedAxios;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async send<T = unknown>(request: HttpRequest, sendOptions: SendOptions = {}): Promise<HttpResponse<T>> {
    const call = this.callSettings(request, sendOptions);
    let waited = 0;
    for (let attempt = 1; ; attempt += 1) {
      const req = await requestForAttempt(request, sendOptions, attempt);
      const exchange = await this.exchange(req, call.maxResponseBytes);
      const { response } = exchange;
      if (response && (response.status < 400 || sendOptions.answerStatuses?.includes(response.status))) {
        return { status: response.status, headers: flatHeaders(response.headers), data: response.data as T };
      }
      const failure = this.failure(req, call, attempt, exchange);
      const delay = this.delayBeforeRetry(failure, call, attempt, waited);
      waited += delay;
      const what = failure.status ?? failure.code ?? 'network error';
      this.options.logger?.info?.(
        `${call.service} ${req.method} ${safePath(req.url)}: ${what}, ` +
          `retry ${attempt} of ${call.policy.maxAttempts - 1} in ${delay} ms`,
      );
      await this.sleep(delay);
    }
  }

  private callSettings(request: HttpRequest, sendOptions: SendOptions): CallSettings {
    return {
      policy: resolvePolicy(this.options.policy, sendOptions.policy),
      service: sendOptions.service ?? this.options.service,
      idempotent: sendOptions.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method),
      maxResponseBytes: sendOptions.maxResponseBytes ?? this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
  }

  /** One exchange within its deadline: the answer, whatever its status, or why none came (returned, not thrown). */
  private async exchange(req: HttpRequest, maxResponseBytes: number): Promise<Exchange> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadlineMs = checkLimit('timeoutMs', timeoutMs, MAX_TIMEOUT_MS, 'milliseconds');
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    try {
      const config = this.axiosConfig(req, deadlineMs, deadline.signal, maxResponseBytes);
      return { response: await this.axios.request(config) };
    } catch (err) {
      if (deadline.signal.aborted) return { code: DEADLINE_CODE, detail: `no complete answer within ${deadlineMs} ms` };
      if (/maxContentLength/.test((err as Error)?.message ?? '')) {
        return { code: TOO_LARGE_CODE, detail: `the answer is larger than the ${maxResponseBytes}-byte limit` };
      }
      const code = networkErrorCode(err);
      // The path alone does not tell a stopped local server from a wrong host: name where it went.
      return { code, detail: neverSent(code) ? `cannot reach ${hostOf(req.url)}` : undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  private axiosConfig(
    req: HttpRequest,
    deadlineMs: number,
    signal: AbortSignal,
    maxResponseBytes: number,
  ): AxiosRequestConfig {
    const userAgent = this.options.userAgent ? { 'User-Agent': this.options.userAgent } : {};
    return {
      method: req.method,
      url: req.url,
      headers: { Accept: 'application/json', ...userAgent, ...req.headers },
      params: req.params,
      data: req.data,
      // axios' own timeout covers connecting and idle sockets; the abort signal bounds the whole exchange.
      timeout: deadlineMs,
      signal,
      maxContentLength: maxResponseBytes,
      validateStatus: () => true,
      maxRedirects: 0,
      // Keep bodies as text when they are not JSON, instead of throwing on parse.
      transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    };
  }

  /** A failed attempt: its status or network code, its Retry-After, and the error naming it (secrets scrubbed). */
  private failure(req: HttpRequest, call: CallSettings, attempt: number, exchange: Exchange): Failure {
    const { response, code } = exchange;
    const status = response?.status;
    const headers = response ? flatHeaders(response.headers) : {};
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
    const detail = response
      ? (messageFromBody(response.data) ?? challengeReason(headers['www-authenticate']) ?? response.statusText)
      : exchange.detail;
    const error = (gaveUp?: string): HttpError =>
      new HttpError(
        {
          service: call.service,
          method: req.method,
          path: safePath(req.url),
          attempts: attempt,
          status,
          code,
          data: response?.data,
          headers: response ? headers : undefined,
          detail,
          retryAfterMs,
          gaveUp,
        },
        new KnownSecrets().merge(this.options.secrets).addFromRequest(req.headers, req.data),
      );
    return { status, code, retryAfterMs, error };
  }

  /** How long to wait before the next attempt; throws the failure's error when there is to be none. */
  private delayBeforeRetry(failure: Failure, call: CallSettings, attempt: number, waited: number): number {
    const { policy } = call;
    if (!isRetryable(failure, call.idempotent)) throw failure.error();
    if (attempt >= policy.maxAttempts) throw failure.error(attempt > 1 ? 'retry limit reached' : undefined);
    const { retryAfterMs } = failure;
    if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
      const [asked, most] = [retryAfterMs, policy.maxRetryAfterMs].map((ms) => Math.ceil(ms / 1000));
      throw failure.error(`asked to retry after ${asked} s, more than the ${most} s this client waits`);
    }
    // Retry-After is a floor; a little jitter keeps many callers from returning at the same instant.
    const delay =
      retryAfterMs !== undefined
        ? retryAfterMs + Math.round(this.random() * Math.min(1000, policy.baseDelayMs))
        : backoffDelay(attempt, policy, this.random);
    if (waited + delay > policy.maxTotalDelayMs) throw failure.error('retry time budget spent');
    return delay;
  }
}

/** The request as `beforeAttempt` patches it for this attempt (the T-Gate layer: a fresh access token). */
async function requestForAttempt(request: HttpRequest, options: SendOptions, attempt: number): Promise<HttpRequest> {
  const patch = options.beforeAttempt ? await options.beforeAttempt(attempt) : undefined;
  return patch ? { ...request, ...patch, headers: { ...request.headers, ...(patch.headers ?? {}) } } : request;
}

/**
 * Whether a failed attempt is worth repeating: a 429 or a 5xx, or no answer (but for one too large to
 * read). A request that is not idempotent is repeated only when it cannot have taken effect.
 */
function isRetryable(failure: Failure, idempotent: boolean): boolean {
  const worthRepeating =
    failure.status !== undefined ? failure.status === 429 || failure.status >= 500 : failure.code !== TOO_LARGE_CODE;
  return worthRepeating && (idempotent || !mayHaveTakenEffect(failure));
}

function networkErrorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code && NETWORK_CODES.has(code)) return code;
  return code ?? 'network error';
}

function flatHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || typeof headers !== 'object') return out;
  const source =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
      : (headers as Record<string, unknown>);
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : JSON.stringify(v);
  }
  return out;
}
