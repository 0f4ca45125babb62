/**
 * Emit behaviours of list steps. Records are read page by page and emitted as they come, so memory holds
 * one T-Gate page (plus one emitted page), whatever the size of the catalog; only `fetchAll` collects, and
 * it refuses beyond a cap rather than build a message the platform cannot carry.
 */
import { InvalidInputError } from '../errors';
import { MAX_PAGE_ITEMS, TGATE_RESOURCES, TGateResourceName } from '../tgate';
import { Step } from './index';

const EMIT_BEHAVIORS = ['emitIndividually', 'emitPage', 'fetchAll'] as const;
export type EmitBehavior = (typeof EMIT_BEHAVIORS)[number];

const DEFAULT_EMIT_PAGE_SIZE = 100;
const DEFAULT_FETCH_ALL_LIMIT = 10_000;
const MAX_FETCH_ALL_LIMIT = 100_000;

export interface ListFields {
  emitBehavior: EmitBehavior;
  /** Records per emitted message with `emitPage`. */
  pageSize: number;
  /** Stop after this many records. */
  maxResults?: number;
  /** Most records `fetchAll` puts in one message. */
  fetchAllLimit: number;
}

/** JSON Schema of the list step fields, with their defaults. */
export const LIST_FIELDS_SCHEMA = {
  emitBehavior: { type: 'string', enum: EMIT_BEHAVIORS, default: 'emitIndividually' },
  pageSize: { type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_EMIT_PAGE_SIZE },
  maxResults: { type: 'integer', minimum: 1 },
  fetchAllLimit: { type: 'integer', minimum: 1, maximum: MAX_FETCH_ALL_LIMIT, default: DEFAULT_FETCH_ALL_LIMIT },
} as const;

/** What `emitPage` emits. */
export interface EmittedPage<T> {
  results: T[];
  /** 1-based number of this emitted page. */
  page: number;
  /** Records T-Gate says the listing has (before `maxResults`), when it says. */
  totalCount?: number;
}

/** Reads a list page by page and emits it as the step's fields say. Returns the records emitted. */
export async function emitList(
  step: Step<ListFields, unknown>,
  resource: TGateResourceName,
  filters: Record<string, unknown>,
): Promise<number> {
  const { emitBehavior, pageSize, maxResults, fetchAllLimit } = step.fields;
  const limit = maxResults ?? Number.POSITIVE_INFINITY;
  // The fewest requests T-Gate's page size allows: full pages, or fewer records when fewer are wanted.
  const requestSize = Math.min(MAX_PAGE_ITEMS, limit);
  const collected: unknown[] = [];
  let buffer: unknown[] = [];
  let seen = 0;
  let emittedPages = 0;
  let totalCount: number | undefined;

  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    emittedPages += 1;
    const page: EmittedPage<unknown> = {
      results: buffer,
      page: emittedPages,
      ...(totalCount !== undefined ? { totalCount } : {}),
    };
    buffer = [];
    await step.emitData(page);
  };

  for await (const page of step.tgate.pages<unknown>(resource, { pageSize: requestSize, filters })) {
    totalCount ??= page.totalCount;
    if (emitBehavior === 'fetchAll') {
      // T-Gate's total-count refuses before anything is collected; without it, the count so far does.
      if (totalCount !== undefined && Math.min(limit, totalCount) > fetchAllLimit)
        refuseOverCap(resource, `${totalCount} records`, fetchAllLimit);
      if (Math.min(limit, seen + page.items.length) > fetchAllLimit)
        refuseOverCap(resource, `more than ${fetchAllLimit} records`, fetchAllLimit);
    }
    for (const record of page.items) {
      if (seen >= limit) break;
      seen += 1;
      if (emitBehavior === 'emitIndividually') await step.emitData(record);
      else if (emitBehavior === 'fetchAll') collected.push(record);
      else {
        buffer.push(record);
        if (buffer.length === pageSize) await flush();
      }
    }
    if (seen >= limit) break;
  }
  if (emitBehavior === 'emitPage') await flush();
  if (emitBehavior === 'fetchAll')
    await step.emitData({ results: collected, totalCount: totalCount ?? collected.length });
  return seen;
}

function refuseOverCap(resource: TGateResourceName, count: string, cap: number): never {
  throw new InvalidInputError(
    'emitBehavior',
    `The ${TGATE_RESOURCES[resource].title} listing has ${count}, ` +
      `more than the ${cap} that "Fetch all" puts in one message (fetchAllLimit): ` +
      'choose "Emit page by page" or "Emit individually", narrow the filters, or set maxResults',
  );
}

/** What a list step emits for each emit behaviour, as the mapper shows it (`out` of getMetaModel). */
export function listOutSchema(record: object, emitBehavior: unknown, plural: string): object {
  const many = (title: string, description: string, extra: Record<string, object>): object => ({
    type: 'object',
    title,
    description,
    properties: {
      results: { type: 'array', title: 'Results', description: `The ${plural} of this message`, items: record },
      ...extra,
    },
    required: ['results'],
  });
  const totalCount = {
    type: 'integer',
    title: 'Total count',
    description: `How many ${plural} T-Gate says the listing has`,
  };
  if (emitBehavior === 'emitPage') {
    return many('Page of results', `One page of ${plural} (Emit page by page)`, {
      page: { type: 'integer', title: 'Page', description: 'Number of this emitted page, from 1' },
      totalCount,
    });
  }
  if (emitBehavior === 'fetchAll')
    return many('All results', `All the ${plural} of the listing in one message (Fetch all)`, { totalCount });
  return record;
}
