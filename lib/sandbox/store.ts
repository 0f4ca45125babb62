/**
 * The sandbox's in-memory store of T-Gate records, with the indexes that make a list page cost O(page).
 *
 * Integration scopes decide what the partner sees (T-Gate reference: Integration Scopes; "deleting a scope
 * means the partner loses access to that data"). The sandbox reads that precisely as:
 *   - integration scopes: always visible (they are the grant itself);
 *   - a brand, branch or menu: visible when some scope names its id (brand_id, branch_id, menu_id);
 *   - a section: visible when its menu is;
 *   - an item: visible when its section is (modifier groups and modifiers carry their product's section);
 *   - a branch special timing or an order: visible when its branch is;
 *   - an opening hour group: visible when a visible branch (default_opening_hour_group_id), section or
 *     branch special timing refers to it.
 * Records outside the scopes answer 404 on get and are left out of lists and of total-count.
 *
 * Indexes: per resource, the visible ids in ascending order, and per list filter and value the visible
 * ids with that value. A change to a record updates its own resource's indexes in place; a change that
 * can move other records in or out of scope (a scope, a section's menu, a branch's opening hours...)
 * marks the dependent resources for a rebuild on their next read.
 */
import Ajv, { ValidateFunction } from 'ajv';
import { TGATE_RESOURCES, TGATE_RESOURCE_NAMES, TGateResourceName } from '../tgate/resources';
import { TGateRecords } from '../tgate/records';
import { SortedIds } from './sortedIds';

export type StoredRecord = { id: number } & Record<string, unknown>;

/** Sandbox-only bookkeeping per record (never served): drives polling and webhook work. */
export interface RecordMeta {
  /** The change sequence number of the record's last create or update. */
  version: number;
  /** ISO 8601 time of the last create or update. */
  updatedAt: string;
}

export interface Change {
  seq: number;
  at: string;
  resource: TGateResourceName;
  id: number;
  action: 'create' | 'update' | 'destroy';
}

export interface ListQuery {
  /** 1-based. */
  page: number;
  items: number;
  /** Filter values as received (query strings); integer filters are compared numerically. */
  filters?: Record<string, string>;
}

export interface ListResult<T> {
  records: T[];
  totalCount: number;
}

/** A refused store operation: `status` is what the HTTP layer answers. */
export class StoreError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * Told of every create, update and destroy after it happened (not of bulk loads): `before`/`after` are
 * live, read only.
 */
export type ChangeListener = (
  change: Change,
  before: Readonly<StoredRecord> | undefined,
  after: Readonly<StoredRecord> | undefined,
) => void;

/** Changes kept for changesSince(); older ones are dropped (the counter keeps counting). */
export const CHANGE_LOG_LIMIT = 10_000;

/** When a record of the key resource is created, deleted or has one of `fields` changed, `resource` is rebuilt. */
const VISIBILITY_DEPENDENTS: Partial<
  Record<TGateResourceName, Array<{ resource: TGateResourceName; fields: string[] }>>
> = {
  integrationScopes: TGATE_RESOURCE_NAMES.filter((name) => name !== 'integrationScopes').map((resource) => ({
    resource,
    fields: ['brand_id', 'branch_id', 'menu_id'],
  })),
  sections: [
    { resource: 'items', fields: ['menu_id'] },
    { resource: 'openingHourGroups', fields: ['menu_id', 'opening_hour_group_id'] },
  ],
  branches: [{ resource: 'openingHourGroups', fields: ['default_opening_hour_group_id'] }],
  branchSpecialTimings: [{ resource: 'openingHourGroups', fields: ['branch_id', 'opening_hour_group_id'] }],
};

interface FilterIndex {
  name: string;
  integer: boolean;
  field: string;
  byValue: Map<string, SortedIds>;
}

class Table {
  readonly byId = new Map<number, StoredRecord>();
  readonly meta = new Map<number, RecordMeta>();
  visible = new SortedIds();
  filters: FilterIndex[];
  stale = true;
  highestId = 0;

  constructor(readonly name: TGateResourceName) {
    this.filters = TGATE_RESOURCES[name].filters.map((f) => ({
      name: f.name,
      integer: f.type === 'integer',
      field: f.field ?? f.name,
      byValue: new Map(),
    }));
  }

  index(record: StoredRecord): void {
    this.visible.add(record.id);
    for (const filter of this.filters) {
      const value = record[filter.field];
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === null || v === undefined) continue;
        const key = String(v);
        let ids = filter.byValue.get(key);
        if (!ids) filter.byValue.set(key, (ids = new SortedIds()));
        ids.add(record.id);
      }
    }
  }

  unindex(record: StoredRecord): void {
    this.visible.delete(record.id);
    for (const filter of this.filters) {
      const value = record[filter.field];
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== null && v !== undefined) filter.byValue.get(String(v))?.delete(record.id);
      }
    }
  }

  clearIndexes(): void {
    this.visible = new SortedIds();
    for (const filter of this.filters) filter.byValue.clear();
  }
}

function recordMatches(record: StoredRecord, filter: FilterIndex, key: string): boolean {
  const value = record[filter.field];
  return (Array.isArray(value) ? value : [value]).some((v) => v !== null && v !== undefined && String(v) === key);
}

export class CatalogStore {
  private readonly tables = new Map<TGateResourceName, Table>();
  private readonly validators = new Map<TGateResourceName, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  private changeLog: Change[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private seq = 0;
  private scopeSets?: { brands: Set<number>; branches: Set<number>; menus: Set<number> };
  private referencedOpeningHourGroups?: Set<number>;

  constructor() {
    for (const name of TGATE_RESOURCE_NAMES) this.tables.set(name, new Table(name));
  }

  /** How many changes (creates, updates, deletes, loads) the store has seen: a polling cursor. */
  get changeCount(): number {
    return this.seq;
  }

  /** Changes after `seq`, oldest first (at most the last CHANGE_LOG_LIMIT). */
  changesSince(seq = 0): Change[] {
    return this.changeLog.filter((c) => c.seq > seq);
  }

  private table(name: TGateResourceName): Table {
    const table = this.tables.get(name);
    if (!table) throw new StoreError(404, `Unknown resource ${String(name)}`);
    return table;
  }

  /** Replace every record of a resource at once, without per-record validation (seeding). */
  load<R extends TGateResourceName>(resource: R, records: ReadonlyArray<TGateRecords[R]>): void {
    const table = this.table(resource);
    // One shared meta for a whole load: 100,000 records need not mean 100,000 more objects.
    const meta: RecordMeta = Object.freeze({ version: ++this.seq, updatedAt: new Date().toISOString() });
    table.byId.clear();
    table.meta.clear();
    table.highestId = 0;
    for (const record of records as unknown as StoredRecord[]) {
      table.byId.set(record.id, record);
      table.meta.set(record.id, meta);
      if (record.id > table.highestId) table.highestId = record.id;
    }
    this.markStale(resource);
  }

  /** Every id of a resource, in scope or not, ascending. */
  allIds(resource: TGateResourceName): number[] {
    return [...this.table(resource).byId.keys()].sort((a, b) => a - b);
  }

  count(resource: TGateResourceName): number {
    return this.table(resource).byId.size;
  }

  /** A record whether in scope or not (a deep copy), or undefined. */
  peek<R extends TGateResourceName>(resource: R, id: number): TGateRecords[R] | undefined {
    const record = this.table(resource).byId.get(id);
    return record ? (structuredClone(record) as unknown as TGateRecords[R]) : undefined;
  }

  /** A live record whether in scope or not, without a copy: read it, never change it. */
  find<R extends TGateResourceName>(resource: R, id: number): Readonly<TGateRecords[R]> | undefined {
    return this.table(resource).byId.get(id) as unknown as TGateRecords[R] | undefined;
  }

  /** Every live record of a resource, in scope or not, without copies: read them, never change them. */
  records<R extends TGateResourceName>(resource: R): IterableIterator<Readonly<TGateRecords[R]>> {
    return this.table(resource).byId.values() as unknown as IterableIterator<TGateRecords[R]>;
  }

  /** Listen to creates, updates and destroys; returns a function that stops listening. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  meta(resource: TGateResourceName, id: number): RecordMeta | undefined {
    const meta = this.table(resource).meta.get(id);
    return meta ? { ...meta } : undefined;
  }

  /** What the partner API answers for `GET {path}/{id}`: the record when it exists and is in scope. */
  getVisible(resource: TGateResourceName, id: number): StoredRecord | undefined {
    const record = this.table(resource).byId.get(id);
    return record && this.inScope(resource, record) ? record : undefined;
  }

  /** One page of the visible records, in id order, with the total. Unknown filters are ignored. */
  list(resource: TGateResourceName, query: ListQuery): ListResult<StoredRecord> {
    const table = this.fresh(resource);
    const wanted = table.filters.filter((f) => query.filters?.[f.name] !== undefined);
    const keys = wanted.map((f) => {
      const raw = query.filters![f.name];
      if (f.integer && !/^\d{1,15}$/.test(raw))
        throw new StoreError(400, `Invalid parameter \`${f.name}\`: must be an integer`);
      return f.integer ? String(Number(raw)) : raw;
    });
    const start = (query.page - 1) * query.items;
    const end = start + query.items;
    const lists = wanted.map((f, i) => f.byValue.get(keys[i]) ?? new SortedIds());
    let ids: number[];
    let totalCount: number;
    if (lists.length === 0) {
      [ids, totalCount] = [table.visible.slice(start, end), table.visible.size];
    } else if (lists.length === 1) {
      [ids, totalCount] = [lists[0].slice(start, end), lists[0].size];
    } else {
      // Several filters: walk the shortest index and check the others on each record.
      const shortest = lists.reduce((a, b) => (b.size < a.size ? b : a));
      const matching = shortest.values().filter((id) => {
        const record = table.byId.get(id)!;
        return wanted.every((f, i) => recordMatches(record, f, keys[i]));
      });
      [ids, totalCount] = [matching.slice(start, end), matching.length];
    }
    return { records: ids.map((id) => table.byId.get(id)!), totalCount };
  }

  create<R extends TGateResourceName>(resource: R, input: Partial<TGateRecords[R]>): TGateRecords[R] {
    const table = this.table(resource);
    const candidate = { ...(input as Record<string, unknown>) };
    if (candidate.id === undefined) candidate.id = table.highestId + 1;
    const record = this.validate(resource, candidate);
    if (table.byId.has(record.id))
      throw new StoreError(409, `${TGATE_RESOURCES[resource].singularTitle} ${record.id} already exists`);
    this.put(table, undefined, record, 'create');
    return structuredClone(record) as unknown as TGateRecords[R];
  }

  /** Merge `patch` into the record (top-level fields; the id cannot change). */
  update<R extends TGateResourceName>(resource: R, id: number, patch: Partial<TGateRecords[R]>): TGateRecords[R] {
    const table = this.table(resource);
    const old = table.byId.get(id);
    if (!old) throw new StoreError(404, `No ${TGATE_RESOURCES[resource].singularTitle} ${id}`);
    const record = this.validate(resource, { ...old, ...(patch as Record<string, unknown>), id });
    this.put(table, old, record, 'update');
    return structuredClone(record) as unknown as TGateRecords[R];
  }

  delete(resource: TGateResourceName, id: number): void {
    const table = this.table(resource);
    const old = table.byId.get(id);
    if (!old) throw new StoreError(404, `No ${TGATE_RESOURCES[resource].singularTitle} ${id}`);
    table.byId.delete(id);
    table.meta.delete(id);
    if (!table.stale) table.unindex(old);
    const seq = this.recordChange(resource, id, 'destroy');
    this.markDependents(resource, old, undefined);
    this.tell(seq, old, undefined);
  }

  private put(table: Table, old: StoredRecord | undefined, record: StoredRecord, action: 'create' | 'update'): void {
    table.byId.set(record.id, record);
    if (record.id > table.highestId) table.highestId = record.id;
    const seq = this.recordChange(table.name, record.id, action);
    table.meta.set(record.id, { version: seq, updatedAt: new Date().toISOString() });
    this.markDependents(table.name, old, record);
    if (!table.stale) {
      if (old) table.unindex(old);
      if (this.inScope(table.name, record)) table.index(record);
    }
    this.tell(seq, old, record);
  }

  private tell(seq: number, before: StoredRecord | undefined, after: StoredRecord | undefined): void {
    if (this.listeners.size === 0) return;
    const change = this.changeLog[this.changeLog.length - 1];
    if (change?.seq !== seq) return;
    for (const listener of this.listeners) listener({ ...change }, before, after);
  }

  private recordChange(resource: TGateResourceName, id: number, action: Change['action']): number {
    const seq = ++this.seq;
    this.changeLog.push({ seq, at: new Date().toISOString(), resource, id, action });
    // Drop the older half at once so the log costs O(1) per change on average.
    if (this.changeLog.length > 2 * CHANGE_LOG_LIMIT) this.changeLog = this.changeLog.slice(-CHANGE_LOG_LIMIT);
    return seq;
  }

  private validate(resource: TGateResourceName, candidate: Record<string, unknown>): StoredRecord {
    let check = this.validators.get(resource);
    if (!check) this.validators.set(resource, (check = this.ajv.compile(TGATE_RESOURCES[resource].schema)));
    if (!check(candidate)) {
      const why = (check.errors ?? []).map(
        (e) =>
          `${e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'record'} ${e.message ?? 'is invalid'}`,
      );
      throw new StoreError(400, `Invalid ${TGATE_RESOURCES[resource].singularTitle}: ${why.join('; ')}`);
    }
    return structuredClone(candidate) as StoredRecord;
  }

  private markDependents(
    resource: TGateResourceName,
    old: StoredRecord | undefined,
    next: StoredRecord | undefined,
  ): void {
    if (resource === 'integrationScopes') this.scopeSets = undefined;
    for (const { resource: dependent, fields } of VISIBILITY_DEPENDENTS[resource] ?? []) {
      const changed = !old || !next || fields.some((f) => JSON.stringify(old[f]) !== JSON.stringify(next[f]));
      if (changed) this.markStale(dependent);
    }
  }

  private markStale(resource: TGateResourceName): void {
    this.table(resource).stale = true;
    if (resource === 'integrationScopes') this.scopeSets = undefined;
    if (resource === 'openingHourGroups') this.referencedOpeningHourGroups = undefined;
    for (const { resource: dependent } of VISIBILITY_DEPENDENTS[resource] ?? []) this.markStale(dependent);
  }

  private fresh(resource: TGateResourceName): Table {
    const table = this.table(resource);
    if (table.stale) {
      table.clearIndexes();
      for (const record of table.byId.values()) {
        if (this.inScope(resource, record)) table.index(record);
      }
      table.stale = false;
    }
    return table;
  }

  private scopes(): { brands: Set<number>; branches: Set<number>; menus: Set<number> } {
    if (!this.scopeSets) {
      const sets = { brands: new Set<number>(), branches: new Set<number>(), menus: new Set<number>() };
      for (const scope of this.table('integrationScopes').byId.values()) {
        sets.brands.add(scope.brand_id as number);
        sets.branches.add(scope.branch_id as number);
        sets.menus.add(scope.menu_id as number);
      }
      this.scopeSets = sets;
    }
    return this.scopeSets;
  }

  private sectionInScope(sectionId: unknown): boolean {
    const section = typeof sectionId === 'number' ? this.table('sections').byId.get(sectionId) : undefined;
    return section !== undefined && this.scopes().menus.has(section.menu_id as number);
  }

  private openingHourGroupsInScope(): Set<number> {
    if (!this.referencedOpeningHourGroups) {
      const ids = new Set<number>();
      const branches = this.scopes().branches;
      for (const branch of this.table('branches').byId.values()) {
        if (branches.has(branch.id)) ids.add(branch.default_opening_hour_group_id as number);
      }
      for (const section of this.table('sections').byId.values()) {
        if (section.opening_hour_group_id !== null && this.sectionInScope(section.id))
          ids.add(section.opening_hour_group_id as number);
      }
      for (const timing of this.table('branchSpecialTimings').byId.values()) {
        if (branches.has(timing.branch_id as number)) ids.add(timing.opening_hour_group_id as number);
      }
      this.referencedOpeningHourGroups = ids;
    }
    return this.referencedOpeningHourGroups;
  }

  /** The scope rules of the header comment. */
  private inScope(resource: TGateResourceName, record: StoredRecord): boolean {
    switch (resource) {
      case 'integrationScopes':
        return true;
      case 'brands':
        return this.scopes().brands.has(record.id);
      case 'branches':
        return this.scopes().branches.has(record.id);
      case 'menus':
        return this.scopes().menus.has(record.id);
      case 'sections':
        return this.scopes().menus.has(record.menu_id as number);
      case 'items':
        return this.sectionInScope(record.section_id);
      case 'openingHourGroups':
        return this.openingHourGroupsInScope().has(record.id);
      case 'branchSpecialTimings':
      case 'orders':
        return this.scopes().branches.has(record.branch_id as number);
    }
  }
}
