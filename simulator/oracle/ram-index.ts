/**
 * Hosts ordered by free RAM, for best-fit placement over 10^5 hosts: distinct free-RAM values are kept
 * sorted, each with its hosts in insertion order, so the best-fitting host is found by walking upward
 * from the request's size and usually stops at the first host it meets.
 */
export class RamIndex {
  private readonly keys: number[] = [];
  private readonly buckets = new Map<number, Set<number>>();

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(host: number, freeRam: number): void {
    let b = this.buckets.get(freeRam);
    if (!b) {
      this.buckets.set(freeRam, (b = new Set()));
      this.keys.splice(this.lowerBound(freeRam), 0, freeRam);
    }
    b.add(host);
  }

  remove(host: number, freeRam: number): void {
    const b = this.buckets.get(freeRam);
    if (!b || !b.delete(host)) return;
    if (b.size === 0) {
      this.buckets.delete(freeRam);
      this.keys.splice(this.lowerBound(freeRam), 1);
    }
  }

  /** The first host, from the least free RAM ≥ `minFree` upward, that `accept` takes. */
  find(minFree: number, accept: (host: number) => boolean): number | undefined {
    for (let i = this.lowerBound(minFree); i < this.keys.length; i++) {
      for (const h of this.buckets.get(this.keys[i]!)!) if (accept(h)) return h;
    }
    return undefined;
  }
}
