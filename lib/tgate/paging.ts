import crypto from 'node:crypto';
import { ComponentError } from '../errors';

/** Pages one listing reads at most unless told otherwise (TGATE_MAX_PAGES / the `maxPages` option). */
export const DEFAULT_MAX_PAGES = 1000;

/**
 * A listing stopped because T-Gate's paging cannot be trusted (headers that contradict each other or
 * the data, a page that repeats an earlier one) or because it reached the page cap.
 */
export class TGatePagingError extends ComponentError {
  readonly path: string;
  /** The page being read when the listing stopped. */
  readonly page: number;

  constructor(path: string, page: number, why: string) {
    super(`T-Gate GET ${path}, page ${page}: ${why}`);
    this.path = path;
    this.page = page;
  }
}

/** The page cap as given, checked; undefined means the default. */
export function checkedMaxPages(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_PAGES;
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`maxPages (TGATE_MAX_PAGES) must be a whole number from 1, got ${value}`);
  return value;
}

/**
 * A short fingerprint of a page, to tell a repeated page without keeping pages: the ids when every
 * record has one, else the records' content.
 */
export function pageDigest(items: unknown[]): string {
  const hash = crypto.createHash('sha256');
  const ids = items.map((item) => (item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined));
  const byId = ids.every((id) => typeof id === 'string' || typeof id === 'number');
  for (let i = 0; i < items.length; i += 1)
    hash.update(`${byId ? `id:${String(ids[i])}` : JSON.stringify(items[i])}\n`);
  return hash.digest('hex');
}

export interface PagingHeaders {
  currentPage?: number;
  pageItems?: number;
  totalCount?: number;
  totalPages?: number;
}

/**
 * Checks one page's headers against what was asked and what came. Headers that contradict the request,
 * each other or the data make the listing untrustworthy: throws. A page-items larger than asked is
 * ignored instead (the asked size is used, so it can never end a listing early). Returns the page size
 * to judge a short page by.
 */
export function checkedPageSize(path: string, page: number, asked: number, received: number, h: PagingHeaders): number {
  const fail = (why: string): never => {
    throw new TGatePagingError(path, page, why);
  };
  if (h.currentPage !== undefined && h.currentPage !== page) {
    fail(
      `asked for page ${page} but the answer says current-page ${h.currentPage}: the API ignored the page parameter`,
    );
  }
  if (h.pageItems !== undefined && received > h.pageItems) {
    fail(`${received} records came but page-items says ${h.pageItems}: the paging headers contradict the data`);
  }
  if (h.totalPages !== undefined && h.totalCount !== undefined && h.pageItems !== undefined && h.pageItems > 0) {
    const expected = Math.max(1, Math.ceil(h.totalCount / h.pageItems));
    if (h.totalPages !== expected) {
      fail(
        `total-pages ${h.totalPages} contradicts total-count ${h.totalCount} at page-items ${h.pageItems} ` +
          `(${expected} pages): the paging headers cannot be trusted`,
      );
    }
  }
  return h.pageItems !== undefined && h.pageItems >= 1 && h.pageItems <= asked ? h.pageItems : asked;
}

/**
 * Drops the records of a page that an earlier page of the same listing already gave. T-Gate lists in
 * ascending id order and pages by offset (reference page Pagination), so a record inserted on an earlier
 * page while a later one is read pushes the last records of that page onto the next: they come again,
 * with ids not above the highest already given. Such a record is dropped; an inserted record that lands
 * behind the reader is missed by this listing and found by the next one. Once a page is not in ascending
 * id order (or a record has no numeric id), the listing is not in id order and nothing is dropped.
 */
export class RepeatedRecords {
  private highest: number | undefined;
  private inIdOrder = true;

  /** The records of this page not already given by an earlier page. */
  fresh<T>(items: T[]): T[] {
    if (!this.inIdOrder || items.length === 0) return items;
    const ids = items.map((item) => (item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined));
    const ascending = ids.every((id, i) => typeof id === 'number' && (i === 0 || id > (ids[i - 1] as number)));
    if (!ascending) {
      this.inIdOrder = false;
      return items;
    }
    const highest = this.highest;
    const last = ids[ids.length - 1] as number;
    this.highest = highest === undefined ? last : Math.max(highest, last);
    if (highest === undefined) return items;
    const first = ids.findIndex((id) => (id as number) > highest);
    return first === 0 ? items : first === -1 ? [] : items.slice(first);
  }
}
