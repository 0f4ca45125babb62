/**
 * Fault injection: a FIFO list of FaultSpecs. The first fault that matches a request applies to it
 * and is consumed once (a fault with times: Infinity is never used up).
 */
import { FaultSpec } from './types';

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultList {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    const checked = checkFaultSpec(spec);
    this.faults.push({ spec: checked, remaining: checked.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  get size(): number {
    return this.faults.length;
  }

  /** A plain description of the pending faults (for the HTTP control route). */
  describe(): Array<Record<string, unknown>> {
    return this.faults.map(({ spec, remaining }) => ({
      ...spec,
      path: spec.path instanceof RegExp ? String(spec.path) : spec.path,
      query: spec.query instanceof RegExp ? String(spec.query) : spec.query,
      times: remaining === Infinity ? 'Infinity' : remaining,
    }));
  }

  /** Find the first fault matching the request and consume one use of it. */
  take(method: string, pathname: string, query = ''): FaultSpec | undefined {
    const index = this.faults.findIndex(({ spec }) => matches(spec, method, pathname, query));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.spec;
  }
}

function matches(spec: FaultSpec, method: string, pathname: string, query: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false;
  if (spec.query !== undefined && !pattern(spec.query, query)) return false;
  return spec.path === undefined || pattern(spec.path, pathname);
}

/** A string matches exactly; a RegExp by test(). */
function pattern(expected: string | RegExp, actual: string): boolean {
  if (expected instanceof RegExp) {
    expected.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
    return expected.test(actual);
  }
  return expected === actual;
}

export class FaultSpecError extends Error {}

/** Validate a FaultSpec (from code or from JSON) and return a copy of it. */
function checkFaultSpec(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new FaultSpecError('a fault must be an object');
  }
  const raw = input as Record<string, unknown>;
  const known = [
    'method',
    'path',
    'query',
    'status',
    'headers',
    'body',
    'delayMs',
    'drop',
    'afterHandler',
    'dropHeaders',
    'ignoreQuery',
    'times',
  ];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new FaultSpecError(`unknown fault field(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  const spec: FaultSpec = {};
  if (raw.method !== undefined) {
    if (typeof raw.method !== 'string' || !/^[A-Za-z]+$/.test(raw.method))
      throw new FaultSpecError('fault method must be an HTTP method name');
    spec.method = raw.method.toUpperCase();
  }
  if (raw.path !== undefined) {
    if (typeof raw.path !== 'string' && !(raw.path instanceof RegExp))
      throw new FaultSpecError('fault path must be a string or a RegExp');
    spec.path = raw.path;
  }
  if (raw.query !== undefined) {
    if (typeof raw.query !== 'string' && !(raw.query instanceof RegExp))
      throw new FaultSpecError('fault query must be a string or a RegExp');
    spec.query = raw.query;
  }
  if (raw.status !== undefined) {
    if (!Number.isInteger(raw.status) || (raw.status as number) < 200 || (raw.status as number) > 599) {
      throw new FaultSpecError('fault status must be an integer from 200 to 599');
    }
    spec.status = raw.status as number;
  }
  if (raw.headers !== undefined) {
    if (!raw.headers || typeof raw.headers !== 'object' || Array.isArray(raw.headers))
      throw new FaultSpecError('fault headers must be an object');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw.headers as Record<string, unknown>)) {
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new FaultSpecError(`fault header ${name} must be a string`);
      headers[name] = String(value);
    }
    spec.headers = headers;
  }
  if (raw.body !== undefined) spec.body = raw.body;
  if (raw.delayMs !== undefined) {
    if (typeof raw.delayMs !== 'number' || !Number.isFinite(raw.delayMs) || raw.delayMs < 0) {
      throw new FaultSpecError('fault delayMs must be a finite number >= 0');
    }
    spec.delayMs = raw.delayMs;
  }
  if (raw.drop !== undefined) {
    if (typeof raw.drop !== 'boolean') throw new FaultSpecError('fault drop must be a boolean');
    spec.drop = raw.drop;
  }
  if (raw.afterHandler !== undefined) {
    if (typeof raw.afterHandler !== 'boolean') throw new FaultSpecError('fault afterHandler must be a boolean');
    spec.afterHandler = raw.afterHandler;
  }
  for (const field of ['dropHeaders', 'ignoreQuery'] as const) {
    if (raw[field] === undefined) continue;
    const names: unknown = raw[field];
    if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string' || !n)) {
      throw new FaultSpecError(`fault ${field} must be a non-empty list of names`);
    }
    spec[field] = (names as string[]).slice();
  }
  if (raw.times !== undefined) {
    // JSON cannot carry Infinity: accept the string "Infinity" (and null) from the HTTP control route.
    const times = raw.times === 'Infinity' || raw.times === null ? Infinity : raw.times;
    if (times !== Infinity && (!Number.isInteger(times) || (times as number) < 1)) {
      throw new FaultSpecError('fault times must be an integer >= 1 or Infinity');
    }
    spec.times = times as number;
  }
  if (spec.status === undefined && !spec.drop && spec.delayMs === undefined && !spec.dropHeaders && !spec.ignoreQuery) {
    throw new FaultSpecError('a fault needs at least one of status, drop, delayMs, dropHeaders or ignoreQuery');
  }
  if (spec.drop && spec.status !== undefined) {
    throw new FaultSpecError('a fault cannot both drop the connection and answer a status');
  }
  return spec;
}
