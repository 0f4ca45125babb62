/**
 * Get New, Updated and Deleted Catalog Objects (a polling trigger). T-Gate's lists have no "updated
 * since" filter, so each poll reads the chosen list page by page and compares every record with a digest
 * kept in the snapshot (lib/triggers/catalogState.ts). Records are never held beyond their page.
 *
 * Nothing twice, nothing lost: after each page that emitted changes, the snapshot is saved with those
 * changes applied, so a poll that fails part way resumes from there; deletions are only known once the
 * whole list was read, and are committed the same way.
 */
import { InvalidInputError } from '../errors';
import { defineStep, Step } from '../step';
import { readResourceType, recordSchema, resourceTypeField, resourceTypeModel } from '../step/resources';
import { branchesModel, brandsModel, menusModel, NARROWING_FIELDS_SCHEMA, narrowedFilters, NarrowingFields } from '../step/selectModels';
import { MAX_PAGE_ITEMS, TGATE_RESOURCES, TGateResourceName } from '../tgate';
import { CatalogState, recordDigest } from './catalogState';

export type StartMode = 'emitAll' | 'watchOnly';

interface Fields extends NarrowingFields {
  resourceType: TGateResourceName;
  startMode: StartMode;
  maxSnapshotKB: number;
}

/** What the trigger keeps between polls. */
interface PollSnapshot {
  v: 1;
  /** Which listing the state describes: a changed step configuration starts over. */
  scope: string;
  state: string;
}

export interface CatalogChange {
  change: 'created' | 'updated' | 'deleted';
  resourceType: TGateResourceName;
  id: number;
  /** The record as T-Gate lists it now; null for a deleted one. */
  record: Record<string, unknown> | null;
}

/** Bytes per record of the encoded state, rounded up: used to refuse a listing too large before reading it. */
const STATE_BYTES_PER_RECORD = 7;

export const process = defineStep<Fields>({
  fields: {
    type: 'object',
    properties: {
      resourceType: resourceTypeField('all'),
      startMode: { type: 'string', enum: ['emitAll', 'watchOnly'], default: 'emitAll' },
      ...NARROWING_FIELDS_SCHEMA,
      maxSnapshotKB: { type: 'integer', minimum: 1, maximum: 16_384, default: 1024 },
    },
    required: ['resourceType', 'startMode', 'maxSnapshotKB'],
  },
  run: poll,
});

async function poll(step: Step<Fields, unknown>): Promise<void> {
  const { resourceType, startMode, maxSnapshotKB } = step.fields;
  const filters = narrowedFilters(resourceType, step.fields, {});
  const scope = JSON.stringify([resourceType, filters]);
  const previous = readSnapshot(step.snapshot, scope);
  const firstRun = previous === undefined;
  const old = previous ?? CatalogState.empty();
  const maxBytes = maxSnapshotKB * 1024;

  const ids: number[] = [];
  const digests: number[] = [];
  /** Changes emitted in this poll, applied to the old state in each progress snapshot. */
  const applied = new Map<number, number | null>();

  const commit = async (state: CatalogState): Promise<void> => {
    const encoded = state.encode();
    if (encoded.length > maxBytes) throw tooLarge(resourceType, state.size, encoded.length, maxSnapshotKB);
    const snapshot: PollSnapshot = { v: 1, scope, state: encoded };
    await step.sailor.emit('snapshot', snapshot);
  };
  const progress = (): CatalogState => {
    const merged = new Map(old.entries());
    for (const [id, digest] of applied) if (digest === null) merged.delete(id); else merged.set(id, digest);
    return CatalogState.fromEntries(merged);
  };
  const emit = async (change: CatalogChange['change'], id: number, record: Record<string, unknown> | null, digest: number | null): Promise<void> => {
    await step.emitData({ change, resourceType, id, record } satisfies CatalogChange);
    applied.set(id, digest);
  };

  for await (const page of step.tgate.pages<Record<string, unknown>>(resourceType, { pageSize: MAX_PAGE_ITEMS, filters })) {
    if (page.totalCount !== undefined && page.totalCount * STATE_BYTES_PER_RECORD > maxBytes) {
      throw tooLarge(resourceType, page.totalCount, page.totalCount * STATE_BYTES_PER_RECORD, maxSnapshotKB);
    }
    const changesBefore = applied.size;
    for (const record of page.items) {
      const id = record.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
        throw new InvalidInputError('resourceType', `T-Gate listed a ${TGATE_RESOURCES[resourceType].singularTitle} without a whole-number id, which this trigger cannot follow`);
      }
      const digest = recordDigest(record);
      ids.push(id);
      digests.push(digest);
      if (firstRun && startMode === 'watchOnly') continue;
      const known = old.digestOf(id);
      if (known === undefined) await emit('created', id, record, digest);
      else if (known !== digest) await emit('updated', id, record, digest);
    }
    if (applied.size > changesBefore) await commit(progress());
  }

  const current = CatalogState.fromEntries(ids.map((id, i) => [id, digests[i]] as [number, number]));
  let sinceCommit = 0;
  for (const [id] of old.entries()) {
    if (current.digestOf(id) !== undefined) continue;
    await emit('deleted', id, null, null);
    // Deletions are committed in batches too, so a failure among them repeats none and loses none.
    if ((sinceCommit += 1) === MAX_PAGE_ITEMS) {
      await commit(progress());
      sinceCommit = 0;
    }
  }
  await commit(current);
}

function readSnapshot(snapshot: Record<string, unknown>, scope: string): CatalogState | undefined {
  const s = snapshot as Partial<PollSnapshot>;
  if (s?.v !== 1 || s.scope !== scope || typeof s.state !== 'string') return undefined;
  return CatalogState.decode(s.state);
}

function tooLarge(resource: TGateResourceName, records: number, bytes: number, maxKB: number): InvalidInputError {
  return new InvalidInputError('maxSnapshotKB',
    `Watching ${records} ${TGATE_RESOURCES[resource].title} needs a snapshot of about ${Math.ceil(bytes / 1024)} KB, more than the ${maxKB} KB allowed (maxSnapshotKB): `
    + 'narrow the listing with a brand, branch or menu, or raise maxSnapshotKB');
}

export async function getMetaModel(cfg: { resourceType?: unknown }): Promise<{ in: object; out: object }> {
  const resource = readResourceType(cfg?.resourceType, 'all');
  return {
    in: { type: 'object', properties: {} },
    out: {
      type: 'object',
      title: 'Catalog change',
      properties: {
        change: { type: 'string', enum: ['created', 'updated', 'deleted'], title: 'Change', description: 'What happened to the object since the last poll' },
        resourceType: { type: 'string', title: 'Object type', description: 'The T-Gate resource type watched' },
        id: { type: 'integer', title: 'ID', description: "T-Gate's id of the object" },
        record: { ...recordSchema(resource), type: ['object', 'null'], description: 'The object as T-Gate lists it now; null when it was deleted' },
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
