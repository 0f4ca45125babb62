/** Bounded waiting for end-to-end specs: every wait has a deadline and fails with a message that says why. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  timeoutMs: number;
  /** What we were waiting for, e.g. "45 data messages for message 1". */
  what: string;
  /** Extra context appended to the failure message (the child's last log lines, counts seen so far). */
  context?: () => string;
  intervalMs?: number;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      const context = opts.context ? `\n${opts.context()}` : '';
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${context}`);
    }
    await sleep(opts.intervalMs ?? 25);
  }
}

/** Sleeps until the wall clock reaches `epochMs` (no-op when it already has). */
export async function sleepUntil(epochMs: number): Promise<void> {
  const ms = epochMs - Date.now();
  if (ms > 0) await sleep(ms);
}

/** Rejects with `message` when `promise` has not settled within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} (no answer within ${timeoutMs} ms)`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
