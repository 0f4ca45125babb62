/** A set of record ids kept in ascending order, so a page is a slice. Appending a new highest id is O(1). */
export class SortedIds {
  private readonly ids: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  private position(id: number): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(id: number): void {
    const n = this.ids.length;
    if (n === 0 || id > this.ids[n - 1]) {
      this.ids.push(id);
      return;
    }
    const at = this.position(id);
    if (this.ids[at] !== id) this.ids.splice(at, 0, id);
  }

  delete(id: number): void {
    const at = this.position(id);
    if (this.ids[at] === id) this.ids.splice(at, 1);
  }

  slice(start: number, end: number): number[] {
    return this.ids.slice(start, end);
  }

  values(): readonly number[] {
    return this.ids;
  }
}
