/** The sandbox's notion of "now": the real time, or a fixed instant a test sets (opening hours depend on it). */
export class SandboxClock {
  private fixed?: Date;

  constructor(at?: Date | string | null) {
    this.set(at);
  }

  now(): Date {
    return this.fixed ? new Date(this.fixed.getTime()) : new Date();
  }

  /** The fixed instant as ISO 8601, or null while the clock follows the real time. */
  get fixedAt(): string | null {
    return this.fixed ? this.fixed.toISOString() : null;
  }

  /** Fix the clock at an instant (a Date or an ISO 8601 string), or follow the real time again (null/undefined). */
  set(at: Date | string | null | undefined): void {
    if (at === null || at === undefined) {
      this.fixed = undefined;
      return;
    }
    const date = at instanceof Date ? new Date(at.getTime()) : typeof at === 'string' ? new Date(at) : new Date(NaN);
    if (Number.isNaN(date.getTime()))
      throw new TypeError(`sandbox clock: not a date: ${String(at)} (use ISO 8601, e.g. 2026-12-01T09:30:00Z)`);
    this.fixed = date;
  }
}
