/**
 * The polling trigger's memory of a catalog listing, small enough for the platform's snapshot: for every
 * record, its id and a 32-bit digest of its content, ids sorted and delta-coded as varints, the whole
 * deflated and base64-encoded. About 5 to 6 bytes per record before base64 (the digests do not compress),
 * 7 to 8 after: 3,000 records take about 22 KB.
 *
 * A 32-bit digest means a changed record goes unnoticed with a probability of 1 in 4 billion per change;
 * that is the price of the size, and README.md says so.
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
    const keys = Object.keys(value as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Ids with digests, sorted by id: what the last complete look at a listing found. */
export class CatalogState {
  private constructor(readonly ids: Float64Array, readonly digests: Uint32Array) {}

  static empty(): CatalogState {
    return new CatalogState(new Float64Array(0), new Uint32Array(0));
  }

  /** From entries in any order; ids must be whole numbers from 0 (T-Gate's ids are). */
  static fromEntries(entries: Iterable<[number, number]>): CatalogState {
    const sorted = [...entries].sort((a, b) => a[0] - b[0]);
    const ids = new Float64Array(sorted.length);
    const digests = new Uint32Array(sorted.length);
    sorted.forEach(([id, digest], i) => {
      if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`a catalog record id must be a whole number from 0, got ${id}`);
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
      if (at < id) lo = mid + 1; else hi = mid - 1;
    }
    return undefined;
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

  /** Reads what {@link encode} wrote; anything else is refused with a message saying the snapshot is not ours. */
  static decode(text: string): CatalogState {
    let bytes: Buffer;
    try {
      bytes = zlib.inflateRawSync(Buffer.from(text, 'base64'));
    } catch {
      throw new RangeError('the snapshot does not hold a catalog state written by this component');
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
      }
    };
    const version = varint();
    if (version !== STATE_VERSION) throw new RangeError(`the catalog state in the snapshot is version ${version}, this component reads version ${STATE_VERSION}`);
    const count = varint();
    const ids = new Float64Array(count);
    const digests = new Uint32Array(count);
    let previous = 0;
    for (let i = 0; i < count; i += 1) {
      previous += varint();
      ids[i] = previous;
      if (at + 4 > bytes.length) throw new RangeError('the catalog state in the snapshot is cut short');
      digests[i] = bytes.readUInt32BE(at);
      at += 4;
    }
    return new CatalogState(ids, digests);
  }
}
