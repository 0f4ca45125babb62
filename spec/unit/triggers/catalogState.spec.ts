import { expect } from 'chai';
import { CatalogState, recordDigest } from '../../../lib/triggers/catalogState';

describe('lib/triggers catalogState', () => {
  it('digests content, not key order, and tells any change', () => {
    const item = { id: 7, name_en: 'Falafel', price: 12.5, children_ids: [1, 2] };
    expect(recordDigest(item)).to.equal(recordDigest({ children_ids: [1, 2], price: 12.5, name_en: 'Falafel', id: 7 }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, price: 12.51 }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, children_ids: [2, 1] }));
    expect(recordDigest(item)).not.to.equal(recordDigest({ ...item, extra: null }));
  });

  it('round-trips ids and digests through the snapshot text, whatever order they came in', () => {
    const entries: Array<[number, number]> = [[30, 1], [5, 0xffffffff], [1_000_000_007, 42], [6, 0]];
    const state = CatalogState.fromEntries(entries);
    const back = CatalogState.decode(state.encode());
    expect([...back.entries()]).to.deep.equal([[5, 0xffffffff], [6, 0], [30, 1], [1_000_000_007, 42]]);
    expect(back.digestOf(30)).to.equal(1);
    expect(back.digestOf(31)).to.equal(undefined);
    expect(CatalogState.decode(CatalogState.empty().encode()).size).to.equal(0);
  });

  for (const n of [1_000, 3_000, 100_000]) {
    it(`keeps ${n.toLocaleString('en')} records under 10 bytes each`, () => {
      // Ids as a catalog has them: increasing with gaps.
      const entries: Array<[number, number]> = Array.from({ length: n }, (_, i) => [1000 + i * 3 + (i % 7), recordDigest({ id: i })]);
      const text = CatalogState.fromEntries(entries).encode();
      expect(text.length / n).to.be.below(10);
      expect(CatalogState.decode(text).size).to.equal(n);
    });
  }

  it('refuses a snapshot it did not write, saying so', () => {
    expect(() => CatalogState.decode('not a state')).to.throw(RangeError, /snapshot/);
    expect(() => CatalogState.fromEntries([[1, 1], [1, 2]])).to.throw(RangeError, 'record id 1 appears twice in the listing');
    expect(() => CatalogState.fromEntries([[-1, 1]])).to.throw(RangeError, /whole number/);
  });
});
