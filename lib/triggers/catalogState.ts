/**
 * The polling trigger's memory of a catalog listing, small enough for the platform's snapshot: for every
 * record, its id and a 32-bit digest of its content, ids sorted and delta-coded as varints, the whole
 * deflated and base64-encoded. About 5 to 6 bytes per record before base64 (the digests do not compress),
 * 7 to 8 after: 3,000 records take about 22 KB.
 *
 * A 32-bit digest means a changed record goes unnoticed with a probability of 1 in 4 billion per change;
 * that is the price of the size, and docs/FUNCTIONS.md says so.
 *
 * A snapshot comes back from the platform as data, not trust: decoding is bounded (the inflated bytes, the
 * record count against the bytes that hold it) and checks every id, so a forged or corrupt snapshot is
 * refused with a RangeError instead of costing memory.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const STATE_VERSION = 1;

/** A 32-bit digest of a record's content, independent of key order. */
export function recordDigest(record: unknown): number {
  return crypto.createHash('sha256').update(canonicalJson(record)).digest().readUInt32BE(0);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const members = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Ids with digests, sorted by id: what the last complete look at a listing found. */
export class CatalogState {
  private constructor(
    readonly ids: Float64Array,
    readonly digests: Uint32Array,
  ) {}

  static empty(): CatalogState {
    return new CatalogState(new Float64Array(0), new Uint32Array(0));
  }

  /** From entries in any order; ids must be whole numbers from 0 (T-Gate's ids are). */
  static fromEntries(entries: Iterable<[number, number]>): CatalogState {
    const sorted = [...entries].sort((a, b) => a[0] - b[0]);
    const ids = new Float64Array(sorted.length);
    const digests = new Uint32Array(sorted.length);
    sorted.forEach(([id, digest], i) => {
      if (!Number.isSafeInteger(id) || id < 0)
        throw new RangeError(`a catalog record id must be a whole number from 0, got ${id}`);
      if (i > 0 && id === sorted[i - 1][0]) throw new RangeError(`record id ${id} appears twice in the listing`);
      ids[i] = id;
      digests[i] = digest >>> 0;
    });
    return new CatalogState(ids, digests);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The digest stored for an id, or undefined. Binary search: O(log n). */
  digestOf(id: number): number | undefined {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.ids[mid];
      if (at === id) return this.digests[mid];
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The highest id held, or -1 when empty. */
  get highestId(): number {
    return this.ids.length === 0 ? -1 : this.ids[this.ids.length - 1];
  }

  /** This state with `changes` applied (a digest, or null for a deletion), in one pass over both. */
  withChanges(changes: Map<number, number | null>): CatalogState {
    const changed = [...changes.keys()].sort((a, b) => a - b);
    const ids: number[] = [];
    const digests: number[] = [];
    let i = 0;
    for (const id of changed) {
      for (; i < this.ids.length && this.ids[i] < id; i += 1) {
        ids.push(this.ids[i]);
        digests.push(this.digests[i]);
      }
      if (i < this.ids.length && this.ids[i] === id) i += 1;
      const digest = changes.get(id);
      if (digest === null || digest === undefined) continue;
      ids.push(id);
      digests.push(digest);
    }
    for (; i < this.ids.length; i += 1) {
      ids.push(this.ids[i]);
      digests.push(this.digests[i]);
    }
    return new CatalogState(Float64Array.from(ids), Uint32Array.from(digests));
  }

  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.ids.length; i += 1) yield [this.ids[i], this.digests[i]];
  }

  /** The compact text form kept in the snapshot. */
  encode(): string {
    const bytes: number[] = [];
    const varint = (n: number): void => {
      let v = n;
      while (v >= 0x80) {
        bytes.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      bytes.push(v);
    };
    varint(STATE_VERSION);
    varint(this.ids.length);
    let previous = 0;
    for (let i = 0; i < this.ids.length; i += 1) {
      varint(this.ids[i] - previous);
      previous = this.ids[i];
      const d = this.digests[i];
      bytes.push(d >>> 24, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
    }
    return zlib.deflateRawSync(Buffer.from(bytes), { level: 9 }).toString('base64');
  }

  /**
   * Reads what {@link encode} wrote, inflating at most `maxBytes` (a bound the caller derives from the
   * snapshot size it allows); anything else is refused with a RangeError saying what is wrong.
   */
  static decode(text: string, maxBytes = DEFAULT_MAX_DECODED_BYTES): CatalogState {
    let bytes: Buffer;
    try {
      bytes = zlib.inflateRawSync(Buffer.from(text, 'base64'), { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new RangeError(
          `the catalog state in the snapshot inflates to more than ${maxBytes} bytes, ` +
            'more than a state within maxSnapshotKB can hold',
          { cause: err },
        );
      }
      throw new RangeError(
        'the snapshot does not hold a catalog state written by this component: it does not inflate',
        { cause: err },
      );
    }
    let at = 0;
    const varint = (): number => {
      let value = 0;
      let scale = 1;
      for (;;) {
        if (at >= bytes.length) throw new RangeError('the catalog state in the snapshot is cut short');
        const b = bytes[at++];
        value += (b & 0x7f) * scale;
        if (b < 0x80) return value;
        scale *= 0x80;
        if (scale > 2 ** 56) throw new RangeError('the catalog state in the snapshot holds a number too large');
      }
    };
    const version = varint();
    if (version !== STATE_VERSION)
      throw new RangeError(
        `the catalog state in the snapshot is version ${version}, this component reads version ${STATE_VERSION}`,
      );
    const count = varint();
    // Every record takes at least 5 bytes: a count the bytes cannot hold is refused before anything is allocated.
    if (count * 5 > bytes.length - at) {
      throw new RangeError(`the catalog state in the snapshot claims ${count} records but holds the bytes of fewer`);
    }
    const ids = new Float64Array(count);
    const digests = new Uint32Array(count);
    let previous = 0;
    for (let i = 0; i < count; i += 1) {
      const delta = varint();
      if (i > 0 && delta === 0) throw new RangeError(`the catalog state in the snapshot holds id ${previous} twice`);
      previous += delta;
      if (!Number.isSafeInteger(previous)) throw new RangeError('an id in the snapshot is too large');
      ids[i] = previous;
      if (at + 4 > bytes.length) throw new RangeError('the catalog state in the snapshot is cut short');
      digests[i] = bytes.readUInt32BE(at);
      at += 4;
    }
    if (at !== bytes.length) {
      throw new RangeError(`the catalog state in the snapshot has ${bytes.length - at} bytes after its last record`);
    }
    return new CatalogState(ids, digests);
  }
}

/** The inflate bound of {@link CatalogState.decode} when the caller gives none: 64 MB. */
const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

const varintLength = (n: number): number => (n < 0x80 ? 1 : 1 + varintLength(Math.floor(n / 0x80)));

/**
 * The most characters {@link CatalogState.encode} can write for `count` records whose highest id is at
 * most `highestId`, whatever the ids in between: ids sparse (T-Gate's ids are global, so a company's are),
 * digests that do not compress, deflate's overhead on data it cannot compress, base64.
 */
export function encodedSizeBound(count: number, highestId: number): number {
  if (count === 0) return 8;
  // The deltas add up to the highest id; a delta d takes at most 1 + log128(d + 1) bytes, and the sum of
  // the logarithms is largest when the deltas are equal (the logarithm is concave).
  const deltaBytes = count * (1 + Math.log(1 + Math.max(0, highestId) / count) / Math.log(128));
  const raw = varintLength(STATE_VERSION) + varintLength(count) + Math.ceil(deltaBytes) + 4 * count;
  const deflated = raw + Math.ceil(raw / 1000) + 16;
  return 4 * Math.ceil(deflated / 3);
}

/** The ids and digests of one listing as it is read: repeats told at once, in id order when the listing is. */
export class ListedRecords {
  private readonly ids: number[] = [];
  private readonly digests: number[] = [];
  /** Built only when the listing is not in ascending id order. */
  private seen: Set<number> | undefined;

  get size(): number {
    return this.ids.length;
  }

  /** Adds a record; false (and nothing added) when the listing already gave this id. */
  add(id: number, digest: number): boolean {
    const n = this.ids.length;
    if (this.seen === undefined && (n === 0 || id > this.ids[n - 1])) {
      this.ids.push(id);
      this.digests.push(digest);
      return true;
    }
    this.seen ??= new Set(this.ids);
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.ids.push(id);
    this.digests.push(digest);
    return true;
  }

  has(id: number): boolean {
    if (this.seen) return this.seen.has(id);
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] === id) return true;
      if (this.ids[mid] < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  state(): CatalogState {
    return CatalogState.fromEntries(this.ids.map((id, i) => [id, this.digests[i]] as [number, number]));
  }
}
