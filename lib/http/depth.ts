/**
 * Deepest nesting of objects and arrays read in a JSON value (a message body, a webhook delivery). Far
 * beyond any T-Gate record or request; well below where JSON.stringify and other recursive walks
 * overflow the stack (a few thousand levels), so a value within it can be copied, checked and emitted.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether `value` nests objects or arrays more than `max` levels deep; iterative, so safe at any depth. */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const work: Array<[unknown, number]> = [[value, 0]];
  for (let next = work.pop(); next; next = work.pop()) {
    const [v, depth] = next;
    if (!v || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child && typeof child === 'object') work.push([child, depth + 1]);
    }
  }
  return false;
}
