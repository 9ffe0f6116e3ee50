/**
 * A bounded memo for hot, Zipfian keys (words): two generations of at most `generation` entries
 * each. A hit in the old generation moves the entry to the new one; when the new generation is
 * full it becomes the old one and the previous old one is dropped. So at most 2 x `generation`
 * entries are held, recently used keys survive, and no per-hit bookkeeping (unlike a strict LRU)
 * is needed.
 */
export class BoundedCache<V> {
  private cur = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly generation: number) {
    if (!(generation >= 1)) throw new RangeError('generation must be >= 1');
  }

  get(key: string): V | undefined {
    const v = this.cur.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, value: V): void {
    if (this.cur.size >= this.generation) {
      this.old = this.cur;
      this.cur = new Map();
    }
    this.cur.set(key, value);
  }

  /** Entries held (both generations; a key can be in both for a while). */
  get size(): number {
    return this.cur.size + this.old.size;
  }

  clear(): void {
    this.cur.clear();
    this.old.clear();
  }
}
