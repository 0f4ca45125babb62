import { expect } from 'chai';
import zlib from 'node:zlib';
import { CatalogState, encodedSizeBound, ListedRecords, recordDigest } from '../../../lib/triggers/catalogState';

/** A state's bytes as the snapshot holds them (raw deflate, base64), from the bytes before deflating. */
const stateOf = (bytes: number[]): string => zlib.deflateRawSync(Buffer.from(bytes)).toString('base64');
const refusal = (bytes: number[]): string => {
  try {
    CatalogState.decode(stateOf(bytes));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('not refused');
};
const ids = (state: CatalogState): number[] => [...state.entries()].map(([id]) => id);

describe('lib/triggers catalogState at its edges', () => {
  it('tells list items apart, not only their digits', () => {
    expect(recordDigest({ a: [1, 23] })).to.not.equal(recordDigest({ a: [12, 3] }));
  });

  it('round-trips id 0, ids 128 apart and a digest of every bit', () => {
    const state = CatalogState.fromEntries([
      [0, 0xffffffff],
      [128, 1],
      [16_512, 2],
    ]);
    const back = CatalogState.decode(state.encode());
    expect([...back.entries()]).to.deep.equal([
      [0, 0xffffffff],
      [128, 1],
      [16_512, 2],
    ]);
  });

  it('knows its highest id, -1 when empty', () => {
    expect(CatalogState.empty().highestId).to.equal(-1);
    expect(
      CatalogState.fromEntries([
        [9, 1],
        [5, 1],
      ]).highestId,
    ).to.equal(9);
  });

  it('applies changes given in any order, keeping the records between them', () => {
    const state = CatalogState.fromEntries([
      [1, 1],
      [3, 3],
      [5, 5],
    ]);
    const changed = state.withChanges(
      new Map([
        [6, 6],
        [2, 2],
        [3, null],
      ]),
    );
    expect([...changed.entries()]).to.deep.equal([
      [1, 1],
      [2, 2],
      [5, 5],
      [6, 6],
    ]);
    expect(ids(state.withChanges(new Map([[4, 4]])))).to.deep.equal([1, 3, 4, 5]);
  });

  it('names each way a state can be wrong', () => {
    expect(() => CatalogState.decode('%%%')).to.throw(
      RangeError,
      'the snapshot does not hold a catalog state written by this component: it does not inflate',
    );
    expect(() =>
      CatalogState.decode(
        CatalogState.fromEntries([
          [1, 1],
          [2, 2],
        ]).encode(),
        4,
      ),
    ).to.throw(
      RangeError,
      'the catalog state in the snapshot inflates to more than 4 bytes, ' +
        'more than a state within maxSnapshotKB can hold',
    );
    expect(refusal([1])).to.equal('the catalog state in the snapshot is cut short');
    expect(refusal([2, 0])).to.equal('the catalog state in the snapshot is version 2, this component reads version 1');
    expect(refusal([1, 5, 1, 0, 0, 0, 0])).to.equal(
      'the catalog state in the snapshot claims 5 records but holds the bytes of fewer',
    );
    expect(refusal([1, 1, 1, 0, 0, 0])).to.equal(
      'the catalog state in the snapshot claims 1 records but holds the bytes of fewer',
    );
    expect(refusal([1, 1, 0x85, 0x01, 0, 0, 0])).to.equal('the catalog state in the snapshot is cut short');
    expect(refusal([1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])).to.equal(
      'the catalog state in the snapshot holds id 1 twice',
    );
    expect(refusal([1, 0, 7])).to.equal('the catalog state in the snapshot has 1 bytes after its last record');
  });

  it('reads numbers of up to 57 bits, and no larger', () => {
    // 1, written with seven more bytes than it needs: the scale reaches 2^56 and the number still ends.
    expect(refusal([0x81, ...Array(7).fill(0x80), 0x00])).to.equal('the catalog state in the snapshot is cut short');
    expect(refusal([0x81, ...Array(8).fill(0x80), 0x00])).to.equal(
      'the catalog state in the snapshot holds a number too large',
    );
    // An id delta of 2^54: seven empty 7-bit groups, then 0x20 in the eighth (0x20 * 2^49).
    const big = [...Array(7).fill(0x80), 0xa0, 0x00];
    expect(refusal([1, 1, ...big, 0, 0, 0, 0])).to.equal('an id in the snapshot is too large');
  });

  it('bounds an empty state, and each count and id, above what they encode to', () => {
    expect(encodedSizeBound(0, 1000)).to.equal(8);
    expect(encodedSizeBound(0, 1000)).to.be.at.least(CatalogState.empty().encode().length);
    for (const count of [1, 127, 128, 129, 16_384]) {
      const entries = Array.from({ length: count }, (_, i): [number, number] => [i * 129, 0xffffffff - i]);
      const encoded = CatalogState.fromEntries(entries).encode().length;
      expect(encodedSizeBound(count, (count - 1) * 129), String(count)).to.be.at.least(encoded);
    }
  });

  it('lists records in id order, and out of it, telling repeats either way', () => {
    const inOrder = new ListedRecords();
    expect([inOrder.add(1, 1), inOrder.add(2, 2)]).to.deep.equal([true, true]);
    expect([inOrder.size, inOrder.has(1), inOrder.has(2), inOrder.has(3), inOrder.has(0)]).to.deep.equal([
      2,
      true,
      true,
      false,
      false,
    ]);
    expect(inOrder.add(2, 9)).to.equal(false);
    const outOfOrder = new ListedRecords();
    expect([outOfOrder.add(5, 5), outOfOrder.add(3, 3), outOfOrder.add(5, 9)]).to.deep.equal([true, true, false]);
    expect(ids(outOfOrder.state())).to.deep.equal([3, 5]);
  });
});
