export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** First backoff step for 5xx and network errors. */
  baseDelayMs: number;
  /** Cap of one backoff step. */
  maxDelayMs: number;
  /** Longest Retry-After the client will wait; a longer one fails at once, saying so. */
  maxRetryAfterMs: number;
  /** Cap of the time spent waiting between attempts, all retries together. */
  maxTotalDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  maxTotalDelayMs: 120_000,
};

/** Longest single wait we ever schedule: far below setTimeout's 2^31-1 ms limit. */
const MAX_TIMER_MS = 10 * 60_000;

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 10.2.3).
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = String(raw).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Capped exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffDelay(retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped / 2 + random() * (capped / 2));
}

export function sleep(ms: number): Promise<void> {
  const bounded = Math.min(Math.max(0, ms), MAX_TIMER_MS);
  return new Promise((resolve) => setTimeout(resolve, bounded));
}

export function resolvePolicy(...parts: Array<Partial<RetryPolicy> | undefined>): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY };
  for (const part of parts) {
    if (!part) continue;
    for (const [k, v] of Object.entries(part)) {
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) (merged as Record<string, number>)[k] = v;
    }
  }
  merged.maxAttempts = Math.max(1, Math.floor(merged.maxAttempts));
  return merged;
}
