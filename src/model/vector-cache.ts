/**
 * Token vectors for the inference fast path, in two generations of fixed-size slabs, so memory is
 * bounded by construction: 2 x `perGeneration` vectors of `dim` floats plus one small entry
 * object each. Entries are keyed by a token's normal form; the few raw forms of one normal form
 * (`you`, `You`, `YOU`: their shape and raw-text features differ) hang in a short chain.
 * A hit in the old generation is copied into the current one; when the current slab is full it
 * becomes the old one and the previous old one is dropped.
 */

/** One cached vector: `slab[off .. off + dim)`. */
export interface VectorEntry {
  readonly text: string;
  readonly kind: string;
  readonly slab: Float32Array;
  readonly off: number;
  next: VectorEntry | undefined;
}

interface Generation {
  map: Map<string, VectorEntry>;
  slab: Float32Array;
  used: number;
}

/** Raw forms kept per normal form and generation. */
const MAX_CHAIN = 4;

export class TokenVectorCache {
  private cur: Generation;
  private old: Generation;

  constructor(
    private readonly dim: number,
    private readonly perGeneration: number,
  ) {
    if (!(perGeneration >= 1)) throw new RangeError('perGeneration must be >= 1');
    this.cur = TokenVectorCache.empty();
    this.old = TokenVectorCache.empty();
    primeCacheCode();
  }

  /** A generation without a slab: the first put allocates one. */
  private static empty(): Generation {
    return { map: new Map(), slab: new Float32Array(0), used: 0 };
  }

  private fresh(): Generation {
    return { map: new Map(), slab: new Float32Array(this.perGeneration * this.dim), used: 0 };
  }

  /** The cached vector of (norm, text, kind), or undefined. */
  get(norm: string, text: string, kind: string): VectorEntry | undefined {
    for (let e = this.cur.map.get(norm); e !== undefined; e = e.next) if (e.text === text && e.kind === kind) return e;
    for (let e = this.old.map.get(norm); e !== undefined; e = e.next) {
      if (e.text === text && e.kind === kind) {
        const n = this.put(norm, text, kind);
        n.slab.set(e.slab.subarray(e.off, e.off + this.dim), n.off);
        return n;
      }
    }
    return undefined;
  }

  /** A new zeroed slot for (norm, text, kind), for the caller to fill at once. */
  put(norm: string, text: string, kind: string): VectorEntry {
    if (this.cur.used === this.perGeneration || this.cur.slab.length === 0) {
      this.old = this.cur;
      this.cur = this.fresh();
    }
    const g = this.cur;
    const off = g.used++ * this.dim;
    let chain = g.map.get(norm);
    let len = 0;
    for (let e = chain; e !== undefined; e = e.next) len++;
    if (len >= MAX_CHAIN) chain = undefined;
    const entry: VectorEntry = { text, kind, slab: g.slab, off, next: chain };
    g.map.set(norm, entry);
    return entry;
  }

  /** Vectors held (both generations; a promoted vector counts in both until its old copy is dropped). */
  get size(): number {
    return this.cur.used + this.old.used;
  }

  clear(): void {
    this.cur = TokenVectorCache.empty();
    this.old = TokenVectorCache.empty();
  }
}

let primed = false;
const PRIME_ROUNDS = 64;

/**
 * Runs every path of the cache, on a throwaway cache of one-vector generations, before a
 * real cache gets hot: a chain of raw forms, a full generation turning old, a hit copied out of
 * the old one. Without it a scorer thread met its first old-generation hit thousands of comments
 * in, after V8 had optimised `tokenVector` (which inlines `get` and `put`) with no type feedback
 * there, and V8 dropped that code and compiled it again, in every thread (issue 29). The keys are
 * built at run time, as a tokenizer's are (not interned literals), so the feedback fits them.
 */
function primeCacheCode(): void {
  if (primed) return;
  primed = true;
  const c = new TokenVectorCache(2, 1);
  const word = 'xyou YOU'.slice(1);
  const [norm, raw] = [word.slice(0, 3), word.slice(4)];
  // V8 gives a function its feedback slots only after some runs: a single pass would leave none.
  for (let i = 0; i < PRIME_ROUNDS; i++) {
    c.put(norm, norm, 'word');
    c.put(norm, raw, 'word');
    c.get(norm, norm, 'word');
    c.get(norm, raw, 'word');
    c.get(raw, raw, 'word');
  }
}
