import axios, { AxiosInstance, AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { challengeReason, HttpError, messageFromBody } from './errors';
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

/** Network failures after which the request surely did not reach the server. */
/** `host:port` of a URL (the port even when it is the scheme's default), for "cannot reach" messages. */
function hostOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND',
  'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_BAD_RESPONSE', 'ECANCELED']);

const sharedAxios = axios.create({
  httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
});

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
    if (options.maxResponseBytes !== undefined) checkLimit('maxResponseBytes', options.maxResponseBytes, Number.MAX_SAFE_INTEGER, 'bytes');
    this.axios = options.axiosInstance ?? sharedAxios;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async send<T = unknown>(request: HttpRequest, sendOptions: SendOptions = {}): Promise<HttpResponse<T>> {
    const policy = resolvePolicy(this.options.policy, sendOptions.policy);
    const service = sendOptions.service ?? this.options.service;
    const idempotent = sendOptions.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method);
    const maxResponseBytes = sendOptions.maxResponseBytes ?? this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let waited = 0;

    for (let attempt = 1; ; attempt += 1) {
      const patch = sendOptions.beforeAttempt ? await sendOptions.beforeAttempt(attempt) : undefined;
      const req: HttpRequest = patch
        ? { ...request, ...patch, headers: { ...request.headers, ...(patch.headers ?? {}) } }
        : request;
      const path = safePath(req.url);
      const base = { service, method: req.method, path, attempts: attempt };

      const deadlineMs = checkLimit('timeoutMs', req.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, 'milliseconds');
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), deadlineMs);
      let response: AxiosResponse | undefined;
      let networkCode: string | undefined;
      let networkDetail: string | undefined;
      try {
        response = await this.axios.request({
          method: req.method,
          url: req.url,
          headers: { Accept: 'application/json', ...(this.options.userAgent ? { 'User-Agent': this.options.userAgent } : {}), ...req.headers },
          params: req.params,
          data: req.data,
          // axios' own timeout covers connecting and idle sockets; the abort signal bounds the whole exchange.
          timeout: deadlineMs,
          signal: deadline.signal,
          maxContentLength: maxResponseBytes,
          validateStatus: () => true,
          maxRedirects: 0,
          // Keep bodies as text when they are not JSON, instead of throwing on parse.
          transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
        });
      } catch (err) {
        if (deadline.signal.aborted) {
          networkCode = DEADLINE_CODE;
          networkDetail = `no complete answer within ${deadlineMs} ms`;
        } else if (/maxContentLength/.test((err as Error)?.message ?? '')) {
          networkCode = TOO_LARGE_CODE;
          networkDetail = `the answer is larger than the ${maxResponseBytes}-byte limit`;
        } else {
          networkCode = networkErrorCode(err);
          // The path alone does not tell a stopped local server from a wrong host: name where it went.
          if (NOT_SENT_CODES.has(networkCode ?? '')) networkDetail = `cannot reach ${hostOf(req.url)}`;
        }
      } finally {
        clearTimeout(timer);
      }

      if (response && (response.status < 400 || sendOptions.answerStatuses?.includes(response.status))) {
        return { status: response.status, headers: flatHeaders(response.headers), data: response.data as T };
      }

      const status = response?.status;
      const headers = response ? flatHeaders(response.headers) : {};
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
      const retryable = status !== undefined
        ? status === 429 || status === 503 || (idempotent && status >= 500)
        : networkCode !== TOO_LARGE_CODE && (idempotent || NOT_SENT_CODES.has(networkCode ?? ''));
      const fail = (gaveUp?: string): HttpError => new HttpError({
        ...base, status, code: networkCode, data: response?.data, headers: response ? headers : undefined,
        detail: status !== undefined ? messageFromBody(response?.data) ?? challengeReason(headers['www-authenticate']) ?? response?.statusText : networkDetail,
        retryAfterMs, gaveUp,
      }, new KnownSecrets().merge(this.options.secrets).addFromRequest(req.headers, req.data));

      if (!retryable) throw fail();
      if (attempt >= policy.maxAttempts) throw fail(attempt > 1 ? 'retry limit reached' : undefined);

      let delay: number;
      if (retryAfterMs !== undefined) {
        if (retryAfterMs > policy.maxRetryAfterMs) {
          throw fail(`asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, more than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s this client waits`);
        }
        // Retry-After is a floor; a little jitter keeps many callers from returning at the same instant.
        delay = retryAfterMs + Math.round(this.random() * Math.min(1000, policy.baseDelayMs));
      } else {
        delay = backoffDelay(attempt, policy, this.random);
      }
      if (waited + delay > policy.maxTotalDelayMs) throw fail('retry time budget spent');
      waited += delay;
      this.options.logger?.info?.(
        `${service} ${req.method} ${path}: ${status ?? networkCode ?? 'network error'}, retry ${attempt} of ${policy.maxAttempts - 1} in ${delay} ms`,
      );
      await this.sleep(delay);
    }
  }
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
  const source = typeof (headers as { toJSON?: unknown }).toJSON === 'function'
    ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
    : headers as Record<string, unknown>;
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}
