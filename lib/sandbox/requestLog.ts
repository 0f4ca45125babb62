/** The requests the sandbox served: a total count and the most recent ones, so 100k-request benchmarks stay small. */
import { RequestRecord } from './types';

const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

export class RequestLog {
  private recent: RequestRecord[] = [];
  private total = 0;

  constructor(private readonly limit = DEFAULT_REQUEST_LOG_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new TypeError('startSandbox: requestLogLimit must be an integer >= 1');
  }

  add(record: RequestRecord): void {
    this.total += 1;
    this.recent.push(record);
    // Drop the older half at once: O(1) per request on average, never more than 2 x limit held.
    if (this.recent.length >= 2 * this.limit) this.recent = this.recent.slice(-this.limit);
  }

  /** The last `limit` records, oldest first (a copy; the records themselves are live). */
  last(): RequestRecord[] {
    return this.recent.slice(-this.limit);
  }

  get count(): number {
    return this.total;
  }
}
