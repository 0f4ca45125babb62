/**
 * Get New, Updated and Deleted Catalog Objects (a polling trigger). T-Gate's lists have no "updated
 * since" filter, so each poll reads the chosen list page by page and compares every record with a digest
 * kept in the snapshot (lib/triggers/catalogState.ts). Records are never held beyond their page.
 *
 * T-Gate pages by offset (reference page Pagination) while the restaurant edits its catalog, so a listing
 * can show a record twice (lib/tgate/paging.ts gives it once) or miss one that a deletion on an earlier
 * page moved back: a record of the last snapshot that this listing did not show is asked for by id before
 * it is called deleted. The state's size is bounded before a page is emitted, so nothing is emitted that
 * the snapshot could not remember. Progress snapshots are saved at growing intervals (or every 30 s), and
 * once more when the poll fails, so a failed poll repeats nothing and a killed one repeats little.
 */
import { InvalidInputError } from '../errors';
import { defineStep, Step } from '../step';
import { readResourceType, recordSchema, resourceTypeField, resourceTypeModel } from '../step/resources';
import {
  branchesModel,
  brandsModel,
  menusModel,
  NARROWING_FIELDS_SCHEMA,
  narrowedFilters,
  NarrowingFields,
} from '../step/selectModels';
import { MAX_PAGE_ITEMS, TGATE_RESOURCES, TGateRefusedError, TGateResourceName } from '../tgate';
import type { TGatePage } from '../tgate/client';
import { CatalogState, encodedSizeBound, ListedRecords, recordDigest } from './catalogState';

/** The startMode select's values (component.json lists the same, checked by a spec). */
export const START_MODES = ['emitAll', 'watchOnly'] as const;
export type StartMode = (typeof START_MODES)[number];

interface Fields extends NarrowingFields {
  resourceType: TGateResourceName;
  startMode: StartMode;
  maxSnapshotKB: number;
}

/** What the trigger keeps between polls; `startOver` marks a snapshot that was refused and set aside. */
interface PollSnapshot {
  v: 1;
  /** Which listing the state describes: a changed step configuration starts over. */
  scope: string;
  state?: string;
  startOver?: true;
}

export interface CatalogChange {
  change: 'created' | 'updated' | 'deleted';
  resourceType: TGateResourceName;
  id: number;
  /** The record as T-Gate lists it now; null for a deleted one. */
  record: Record<string, unknown> | null;
}

/** A progress snapshot is saved once this many changes wait (or half the records of the last one saved, if more)... */
export const COMMIT_MIN_CHANGES = 100;
/** ...or once changes have waited this long. */
export const COMMIT_INTERVAL_MS = 30_000;
/** A snapshot's state inflates to at most this many times maxSnapshotKB (a real one: under 2.5). */
const INFLATE_FACTOR = 3;
/** Probing for the end of a listing without total-count stops here (the listing's page cap fails it anyway). */
const MAX_PROBED_PAGE = 1 << 20;

type Rec = Record<string, unknown>;

export const process = defineStep<Fields>({
  fields: {
    type: 'object',
    properties: {
      resourceType: resourceTypeField('all'),
      startMode: { type: 'string', enum: START_MODES, default: 'emitAll' },
      ...NARROWING_FIELDS_SCHEMA,
      maxSnapshotKB: { type: 'integer', minimum: 1, maximum: 16_384, default: 1024 },
    },
    required: ['resourceType', 'startMode', 'maxSnapshotKB'],
  },
  run: (step) => new Poll(step).run(),
});

class Poll {
  private readonly resource: TGateResourceName;
  private readonly filters: Record<string, unknown>;
  private readonly scope: string;
  private readonly maxBytes: number;
  private old = CatalogState.empty();
  private firstRun = true;
  private readonly listed = new ListedRecords();
  /** Changes emitted in this poll (a digest, or null for a deletion): the old state plus these is the progress. */
  private readonly applied = new Map<number, number | null>();
  private committed = { changes: 0, records: 0, at: Date.now() };
  /** Where the listing ends, learnt before the first emit when the size check needs it. */
  private end: { count: number; highestId: number } | undefined;

  constructor(private readonly step: Step<Fields, unknown>) {
    this.resource = step.fields.resourceType;
    this.filters = narrowedFilters(this.resource, step.fields, {});
    this.scope = JSON.stringify([this.resource, this.filters]);
    this.maxBytes = step.fields.maxSnapshotKB * 1024;
  }

  async run(): Promise<void> {
    await this.readSnapshot();
    try {
      await this.list();
      await this.confirmMissing();
      await this.commit(this.listed.state());
    } catch (err) {
      // What was emitted is remembered before the poll ends with the error: the next poll repeats none of it.
      if (this.applied.size > this.committed.changes) await this.commit(this.progress()).catch(() => undefined);
      throw err;
    }
  }

  private async readSnapshot(): Promise<void> {
    const s = this.step.snapshot as Partial<PollSnapshot>;
    if (s?.v !== 1 || s.scope !== this.scope) return;
    if (s.startOver) {
      const mode = `startMode ${this.step.fields.startMode}`;
      this.step.sailor.logger?.info?.(`The last snapshot was set aside: starting over as a first run (${mode})`);
      return;
    }
    try {
      if (typeof s.state !== 'string') throw new RangeError('the snapshot has no catalog state');
      if (s.state.length > 2 * this.maxBytes) {
        const kb = Math.ceil(s.state.length / 1024);
        throw new RangeError(`the catalog state in the snapshot is ${kb} KB, far more than maxSnapshotKB allows`);
      }
      this.old = CatalogState.decode(s.state, INFLATE_FACTOR * this.maxBytes);
      this.firstRun = false;
    } catch (err) {
      // Set aside once: the next poll starts over instead of failing on the same snapshot for ever.
      const startOver: PollSnapshot = { v: 1, scope: this.scope, startOver: true };
      await this.step.sailor.emit('snapshot', startOver);
      const { startMode } = this.step.fields;
      const then = startMode === 'emitAll' ? 'emits every record as created' : 'only starts watching';
      throw new InvalidInputError(
        'snapshot',
        `The trigger's snapshot was refused (${(err as Error).message}): ` +
          `it was set aside, and the next poll starts over as a first run (startMode ${startMode}: it ${then})`,
      );
    }
  }

  private async list(): Promise<void> {
    const emitting = !(this.firstRun && this.step.fields.startMode === 'watchOnly');
    const pages = this.step.tgate.pages<Rec>(this.resource, { pageSize: MAX_PAGE_ITEMS, filters: this.filters });
    for await (const page of pages) {
      const records = page.items.map((record) => [record, this.idOf(record)] as const);
      await this.checkSize(
        page,
        records.map(([, id]) => id),
      );
      for (const [record, id] of records) {
        const digest = recordDigest(record);
        if (!this.listed.add(id, digest) || !emitting) continue;
        const known = this.old.digestOf(id);
        if (known === undefined) await this.emit('created', id, record, digest);
        else if (known !== digest) await this.emit('updated', id, record, digest);
      }
      await this.maybeCommit();
    }
  }

  /**
   * A record of the last snapshot missing from this listing may only have been moved onto a page already
   * read (a deletion before it): asked for by id, a 404 is a deletion; a record still there is kept, and
   * emitted as updated if it changed. Without a "get one" endpoint, missing means deleted.
   */
  private async confirmMissing(): Promise<void> {
    const { getOne } = TGATE_RESOURCES[this.resource];
    for (const [id, known] of this.old.entries()) {
      if (this.listed.has(id)) continue;
      const record = getOne ? await this.stillThere(id) : undefined;
      if (!record) {
        await this.emit('deleted', id, null, null);
      } else {
        const digest = recordDigest(record);
        this.listed.add(id, digest);
        if (digest !== known) await this.emit('updated', id, record, digest);
      }
      await this.maybeCommit();
    }
  }

  /** The record by id, or undefined when T-Gate says 404 or it left the listing's narrowing. */
  private async stillThere(id: number): Promise<Rec | undefined> {
    try {
      const record = await this.step.tgate.get<Rec>(this.resource, id);
      return record.id === id && this.inListing(record) ? record : undefined;
    } catch (err) {
      if (err instanceof TGateRefusedError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Whether a record matches the listing's filters (an array field matches any of its elements). */
  private inListing(record: Rec): boolean {
    return Object.entries(this.filters).every(([name, wanted]) => {
      if (wanted === undefined || wanted === null || wanted === '') return true;
      const filter = TGATE_RESOURCES[this.resource].filters.find((f) => f.name === name);
      const value = record[(filter as { field?: string } | undefined)?.field ?? name];
      const values: unknown[] = Array.isArray(value) ? value : [value];
      const wantedText =
        typeof wanted === 'string' || typeof wanted === 'number' ? String(wanted) : JSON.stringify(wanted);
      return values.some((v) => String(v) === wantedText);
    });
  }

  private idOf(record: Rec): number {
    const { id } = record;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      const what = TGATE_RESOURCES[this.resource].singularTitle;
      throw new InvalidInputError(
        'resourceType',
        `T-Gate listed a ${what} without a whole-number id, which this trigger cannot follow`,
      );
    }
    return id;
  }

  /**
   * Refuses, before a page is emitted, a listing whose state could pass maxSnapshotKB: the records it can
   * hold (total-count, or the end of the listing found by probing when T-Gate sends none) and its highest
   * id bound the state's size (catalogState.ts encodedSizeBound). The end is probed only when the bound
   * with any id could pass the limit.
   */
  private async checkSize(page: TGatePage<Rec>, ids: number[]): Promise<void> {
    const count = (): number => Math.max(page.totalCount ?? 0, this.end?.count ?? 0, this.listed.size + ids.length);
    const highest = Math.max(this.old.highestId, ...ids.slice(-1), this.end?.highestId ?? -1);
    const more = page.items.length >= page.pageItems && (page.totalPages === undefined || page.page < page.totalPages);
    // Without total-count, a full page says nothing of the records after it until the end is probed.
    const counted = page.totalCount !== undefined || !more || this.end !== undefined;
    if (counted && encodedSizeBound(count(), Number.MAX_SAFE_INTEGER) <= this.maxBytes) return;
    if (more && this.end === undefined) this.end = await this.probeEnd(page);
    const bound = encodedSizeBound(count(), Math.max(highest, this.end?.highestId ?? -1));
    if (bound <= this.maxBytes) return;
    throw tooLarge(this.resource, count(), bound, this.step.fields.maxSnapshotKB);
  }

  /** The last page of the listing and what it says: from total-pages, or by doubling then halving the page number. */
  private async probeEnd(first: TGatePage<Rec>): Promise<{ count: number; highestId: number }> {
    const size = first.pageItems;
    const at = (n: number): Promise<TGatePage<Rec>> =>
      this.step.tgate.page<Rec>(this.resource, { pageSize: size, filters: this.filters, page: n });
    const ending = (p: TGatePage<Rec>): { count: number; highestId: number } => ({
      count: Math.max(p.totalCount ?? 0, (p.page - 1) * size + p.items.length),
      highestId: p.items.length ? Math.max(...p.items.map((r) => this.idOf(r))) : -1,
    });
    if (first.totalPages !== undefined) return ending(await at(first.totalPages));
    // Without total-count: page `lo` is full, page `hi` is not (short or empty), so the last page lies between.
    let lo = first;
    let hi = await at(lo.page * 2);
    while (hi.items.length >= size && hi.page < MAX_PROBED_PAGE) [lo, hi] = [hi, await at(hi.page * 2)];
    while (hi.page - lo.page > 1) {
      const mid = await at(Math.floor((lo.page + hi.page) / 2));
      if (mid.items.length >= size) lo = mid;
      else hi = mid;
    }
    return ending(hi.items.length ? hi : lo);
  }

  private async emit(
    change: CatalogChange['change'],
    id: number,
    record: Rec | null,
    digest: number | null,
  ): Promise<void> {
    await this.step.emitData({ change, resourceType: this.resource, id, record } satisfies CatalogChange);
    this.applied.set(id, digest);
  }

  /**
   * Saves a progress snapshot when the changes not yet saved reach COMMIT_MIN_CHANGES and half the records
   * of the last snapshot saved, or have waited COMMIT_INTERVAL_MS: a first poll saves O(log n) snapshots
   * whose bytes add up to a few times the final one, and a poll killed part way repeats at most those changes.
   */
  private async maybeCommit(): Promise<void> {
    const waiting = this.applied.size - this.committed.changes;
    if (waiting === 0) return;
    const enough = waiting >= Math.max(COMMIT_MIN_CHANGES, this.committed.records / 2);
    if (enough || Date.now() - this.committed.at >= COMMIT_INTERVAL_MS) {
      await this.commit(this.progress());
    }
  }

  private progress(): CatalogState {
    return this.old.withChanges(this.applied);
  }

  private async commit(state: CatalogState): Promise<void> {
    const encoded = state.encode();
    if (encoded.length > this.maxBytes) {
      throw tooLarge(this.resource, state.size, encoded.length, this.step.fields.maxSnapshotKB);
    }
    const snapshot: PollSnapshot = { v: 1, scope: this.scope, state: encoded };
    await this.step.sailor.emit('snapshot', snapshot);
    this.committed = { changes: this.applied.size, records: state.size, at: Date.now() };
  }
}

function tooLarge(resource: TGateResourceName, records: number, bytes: number, maxKB: number): InvalidInputError {
  return new InvalidInputError(
    'maxSnapshotKB',
    `Watching ${records} ${TGATE_RESOURCES[resource].title} needs a snapshot of up to ${Math.ceil(bytes / 1024)} KB, ` +
      `more than the ${maxKB} KB allowed (maxSnapshotKB): ` +
      'narrow the listing with a brand, branch or menu, or raise maxSnapshotKB',
  );
}

export async function getMetaModel(cfg: { resourceType?: unknown }): Promise<{ in: object; out: object }> {
  const resource = readResourceType(cfg?.resourceType, 'all');
  return {
    in: { type: 'object', properties: {} },
    out: {
      type: 'object',
      title: 'Catalog change',
      properties: {
        change: {
          type: 'string',
          enum: ['created', 'updated', 'deleted'],
          title: 'Change',
          description: 'What happened to the object since the last poll',
        },
        resourceType: { type: 'string', title: 'Object type', description: 'The T-Gate resource type watched' },
        id: { type: 'integer', title: 'ID', description: "T-Gate's id of the object" },
        record: {
          ...recordSchema(resource),
          type: ['object', 'null'],
          description: 'The object as T-Gate lists it now; null when it was deleted',
        },
      },
      required: ['change', 'resourceType', 'id', 'record'],
    },
  };
}

export async function resourceTypes(): Promise<Record<string, string>> {
  return resourceTypeModel('all');
}

/** Select models of the Brand, Branch and Menu fields: what the company's integration scopes grant. */
export { brandsModel as brands, branchesModel as branches, menusModel as menus };
