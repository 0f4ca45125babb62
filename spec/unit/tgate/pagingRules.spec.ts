import { expect } from 'chai';
import {
  checkedMaxPages,
  checkedPageSize,
  DEFAULT_MAX_PAGES,
  pageDigest,
  RepeatedRecords,
  TGatePagingError,
} from '../../../lib/tgate/paging';

/** The paging rules one at a time, without a server: the page cap, the page digest, the header checks. */
describe('lib/tgate/paging rules', () => {
  it('takes a page cap from 1, the default when none is given', () => {
    expect(checkedMaxPages(undefined)).to.equal(DEFAULT_MAX_PAGES);
    expect(checkedMaxPages(1)).to.equal(1);
    for (const wrong of [0, -1, 1.5, NaN]) {
      expect(() => checkedMaxPages(wrong), String(wrong)).to.throw(
        RangeError,
        `maxPages (TGATE_MAX_PAGES) must be a whole number from 1, got ${wrong}`,
      );
    }
  });

  describe('pageDigest', () => {
    it('tells pages by their ids when every record has one, whatever else changed', () => {
      expect(
        pageDigest([
          { id: 1, v: 'a' },
          { id: 'x', v: 'b' },
        ]),
      ).to.equal(pageDigest([{ id: 1, v: 'changed' }, { id: 'x' }]));
      expect(pageDigest([{ id: 1 }, { id: 2 }])).to.not.equal(pageDigest([{ id: 2 }, { id: 1 }]));
      expect(pageDigest([{ id: 1 }])).to.not.equal(pageDigest([{ id: 1 }, { id: 1 }]));
    });

    it('tells pages by content when a record has no id, or an id that is not text or a number', () => {
      expect(pageDigest([{ id: 1, v: 'a' }, { v: 'b' }])).to.not.equal(
        pageDigest([{ id: 1, v: 'changed' }, { v: 'b' }]),
      );
      expect(pageDigest([{ id: { n: 1 }, v: 'a' }])).to.not.equal(pageDigest([{ id: { n: 1 }, v: 'b' }]));
      expect(pageDigest([null, 'text', { v: 1 }])).to.equal(pageDigest([null, 'text', { v: 1 }]));
      expect(pageDigest([null])).to.not.equal(pageDigest(['null ']));
    });
  });

  describe('checkedPageSize', () => {
    const check = (received: number, headers: Parameters<typeof checkedPageSize>[4], asked = 20, page = 3): number =>
      checkedPageSize('/orders', page, asked, received, headers);
    const refusal = (fn: () => unknown): TGatePagingError => {
      try {
        fn();
      } catch (err) {
        return err as TGatePagingError;
      }
      throw new Error('not refused');
    };

    it('judges a short page by page-items when it is from 1 to the size asked, else by the size asked', () => {
      expect(check(5, { pageItems: 10 })).to.equal(10);
      expect(check(5, { pageItems: 20 })).to.equal(20);
      expect(check(1, { pageItems: 1 }, 20)).to.equal(1);
      expect(check(5, { pageItems: 50 })).to.equal(20);
      expect(check(0, { pageItems: 0 })).to.equal(20);
      expect(check(5, {})).to.equal(20);
    });

    it('refuses a current-page other than the page asked for', () => {
      expect(check(5, { currentPage: 3 })).to.equal(20);
      const err = refusal(() => check(5, { currentPage: 1 }));
      expect(err.message).to.equal(
        'T-Gate GET /orders, page 3: asked for page 3 but the answer says current-page 1: ' +
          'the API ignored the page parameter',
      );
      expect([err.path, err.page]).to.deep.equal(['/orders', 3]);
    });

    it('refuses more records than page-items, and takes as many', () => {
      expect(check(10, { pageItems: 10 })).to.equal(10);
      expect(refusal(() => check(11, { pageItems: 10 })).message).to.equal(
        'T-Gate GET /orders, page 3: 11 records came but ' +
          'page-items says 10: the paging headers contradict the data',
      );
    });

    it('refuses a total-pages that contradicts total-count and page-items; an empty listing has one page', () => {
      expect(check(10, { pageItems: 10, totalCount: 21, totalPages: 3 })).to.equal(10);
      expect(check(0, { pageItems: 10, totalCount: 0, totalPages: 1 })).to.equal(10);
      expect(refusal(() => check(10, { pageItems: 10, totalCount: 21, totalPages: 2 })).message).to.equal(
        'T-Gate GET /orders, page 3: total-pages 2 contradicts total-count 21 at page-items 10 (3 pages): ' +
          'the paging headers cannot be trusted',
      );
    });

    it('checks total-pages only when total-count and a page-items above 0 are there too', () => {
      expect(check(0, { pageItems: 0, totalCount: 21, totalPages: 7 })).to.equal(20);
      expect(check(5, { pageItems: 10, totalPages: 7 })).to.equal(10);
      expect(check(5, { totalCount: 21, totalPages: 7 })).to.equal(20);
      expect(check(5, { pageItems: 10, totalCount: 21 })).to.equal(10);
    });
  });

  describe('RepeatedRecords', () => {
    it('drops what an earlier page gave, and nothing once the listing is not in id order', () => {
      const seen = new RepeatedRecords();
      expect(seen.fresh([])).to.deep.equal([]);
      expect(seen.fresh([{ id: 1 }, { id: 2 }])).to.deep.equal([{ id: 1 }, { id: 2 }]);
      expect(seen.fresh([{ id: 2 }, { id: 3 }])).to.deep.equal([{ id: 3 }]);
      expect(seen.fresh([{ id: 2 }, { id: 3 }])).to.deep.equal([]);
      expect(seen.fresh([{ id: 4 }])).to.deep.equal([{ id: 4 }]);
      expect(seen.fresh([{ id: 6 }, { id: 5 }])).to.deep.equal([{ id: 6 }, { id: 5 }]);
      expect(seen.fresh([{ id: 1 }])).to.deep.equal([{ id: 1 }]);
    });

    it('a record without a numeric id, or ids that repeat within a page, end the dropping', () => {
      const noId = new RepeatedRecords();
      noId.fresh([{ id: 5 }]);
      expect(noId.fresh([null, { id: 'x' }])).to.deep.equal([null, { id: 'x' }]);
      expect(noId.fresh([{ id: 5 }])).to.deep.equal([{ id: 5 }]);
      const same = new RepeatedRecords();
      same.fresh([{ id: 5 }]);
      expect(same.fresh([{ id: 6 }, { id: 6 }])).to.deep.equal([{ id: 6 }, { id: 6 }]);
      expect(same.fresh([{ id: 1 }])).to.deep.equal([{ id: 1 }]);
    });

    it('keeps the highest id given so far', () => {
      const seen = new RepeatedRecords();
      seen.fresh([{ id: 10 }]);
      expect(seen.fresh([{ id: 3 }, { id: 11 }])).to.deep.equal([{ id: 11 }]);
      expect(seen.fresh([{ id: 11 }, { id: 12 }])).to.deep.equal([{ id: 12 }]);
    });
  });
});
