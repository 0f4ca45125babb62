import { expect } from 'chai';
import zlib from 'node:zlib';
import { CatalogState, encodedSizeBound, ListedRecords, recordDigest } from '../../../lib/triggers/catalogState';

describe('lib/triggers catalogState', () => {
  it('digests content, not key order, and tells any change', () => {
    const item = { id: 7, name_en: 'Falafel', price: 12.5, children_ids: [1, 2] };
    expect(recordDigest(item)).to.equal(recordDigest({ children_ids: [1, 2], price: 12.5, name_en: 'Falafel', id: 7 }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, price: 12.51 }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, children_ids: [2, 1] }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, extra: null }));
  });

  it('round-trips ids and digests through the snapshot text, whatever order they came in', () => {
    const entries: Array<[number, number]> = [
      [30, 1],
      [5, 0xffffffff],
      [1_000_000_007, 42],
      [6, 0],
    ];
    const state = CatalogState.fromEntries(entries);
    const back = CatalogState.decode(state.encode());
    expect([...back.entries()]).to.deep.equal([
      [5, 0xffffffff],
      [6, 0],
      [30, 1],
      [1_000_000_007, 42],
    ]);
    expect(back.digestOf(30)).to.equal(1);
    expect(back.digestOf(31)).to.equal(undefined);
    expect(CatalogState.decode(CatalogState.empty().encode()).size).to.equal(0);
  });

  for (const n of [1_000, 3_000, 100_000]) {
    it(`keeps ${n.toLocaleString('en')} records under 10 bytes each`, () => {
      // Ids as a catalog has them: increasing with gaps.
      const entries: Array<[number, number]> = Array.from({ length: n }, (_, i) => [
        1000 + i * 3 + (i % 7),
        recordDigest({ id: i }),
      ]);
      const text = CatalogState.fromEntries(entries).encode();
      expect(text.length / n).to.be.below(10);
      expect(CatalogState.decode(text).size).to.equal(n);
    });
  }

  it('refuses a snapshot it did not write, saying so', () => {
    expect(() => CatalogState.decode('not a state')).to.throw(RangeError, /snapshot/);
    expect(() =>
      CatalogState.fromEntries([
        [1, 1],
        [1, 2],
      ]),
    ).to.throw(RangeError, 'record id 1 appears twice in the listing');
    expect(() => CatalogState.fromEntries([[-1, 1]])).to.throw(RangeError, /whole number/);
  });

  it('bounds the encoded size from the count and the highest id alone, for dense and sparse ids', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (const [n, gap] of [
      [1, 1],
      [500, 1],
      [500, 40],
      [3_000, 5_000],
      [3_000, 3_000_000],
      [200, 2 ** 40],
    ]) {
      let id = random() % 1000;
      const entries: Array<[number, number]> = [];
      for (let i = 0; i < n; i += 1) entries.push([(id += 1 + (random() % (2 * gap))), random() >>> 0]);
      const text = CatalogState.fromEntries(entries).encode();
      const bound = encodedSizeBound(n, id);
      expect(text.length, `${n} records ${gap} apart`).to.be.at.most(bound);
      expect(bound / text.length, `${n} records ${gap} apart: a bound, not a wild guess`).to.be.below(
        n < 10 ? 8 : 1.35,
      );
    }
  });

  it('inflates no more than asked, and checks count, ids and length against the bytes', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(8 * 1024 * 1024)).toString('base64');
    expect(() => CatalogState.decode(bomb, 1024 * 1024)).to.throw(RangeError, 'inflates to more than 1048576 bytes');
    const raw = (bytes: number[]): string => zlib.deflateRawSync(Buffer.from(bytes)).toString('base64');
    expect(() => CatalogState.decode(raw([1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0]))).to.throw(
      RangeError,
      /claims \d+ records/,
    );
    expect(() => CatalogState.decode(raw([1, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).to.throw(
      RangeError,
      'holds id 5 twice',
    );
    expect(() => CatalogState.decode(raw([1, 1, 5, 0, 0, 0, 0, 9]))).to.throw(
      RangeError,
      '1 bytes after its last record',
    );
    expect(CatalogState.decode(raw([1, 1, 5, 0, 0, 0, 9])).digestOf(5)).to.equal(9);
  });

  it('applies changes in one pass, and tells repeats in a listing in or out of id order', () => {
    const state = CatalogState.fromEntries([
      [1, 10],
      [3, 30],
      [5, 50],
    ]);
    const changed = state.withChanges(
      new Map<number, number | null>([
        [3, null],
        [4, 40],
        [5, 51],
        [9, 90],
      ]),
    );
    expect([...changed.entries()]).to.deep.equal([
      [1, 10],
      [4, 40],
      [5, 51],
      [9, 90],
    ]);
    const listed = new ListedRecords();
    expect([2, 4, 4, 8, 3, 2].map((id) => listed.add(id, id))).to.deep.equal([true, true, false, true, true, false]);
    expect([...listed.state().entries()].map(([id]) => id)).to.deep.equal([2, 3, 4, 8]);
    expect(listed.has(3) && !listed.has(5)).to.equal(true);
  });
});
