/**
 * Fast inference for the toxicity network: the same weights and the same arithmetic as
 * `forwardInfer` (net.ts), arranged so that a batch costs a handful of tf calls.
 *
 * - Token vectors (the weighted sum of a token's hashed-feature rows) depend only on the token's
 *   raw text, normal form and kind; they are cached (words are Zipfian) in a bounded
 *   two-generation cache. Feature v2 bigram rows depend on the neighbours and are added per position.
 * - For the pretrained vocabulary the part of a word's vector that depends on its normal form only
 *   (`w:`, its n-grams and its word row, ~20 scattered rows) is folded once per word, the first
 *   time a token of it is scored, and kept: a later cache miss on the word reads its folded row
 *   and its 2-3 surface rows. Not at load: folding all 58,766 words cost 0.23-0.27 s per thread
 *   on every load's critical path, while a batch meets a fraction of them (./tables.ts).
 * - The comments of a call are laid end to end in one sequence (no sorting, no padding to a
 *   common length): comment b takes a slot of its n_b rows plus at least GAP zero rows, rounded
 *   up to a multiple of G rows. The zero rows give the 'same'-padded convolutions exactly the
 *   zeros the original padded batch gave them at each comment's edges.
 * - Masking without mask ops: elementwise ops are slow on wasm (a multiply over [4200, 64] costs
 *   about half a conv layer), so the mask rides along as one extra input channel,
 *   1 on rows that are not tokens. Through the centre tap of conv1 it adds -BIG to every hidden
 *   unit there (BIG exceeds a bound on every pre-activation, so relu gives exactly 0) and sets an extra hidden channel to 1, which through the
 *   centre tap of conv2 zeroes h2 there too. Off-centre taps of the extra channel are 0, so token
 *   rows get exactly what they got before.
 * - With h2 zero outside tokens, XNNPACK max/avg pooling with window and stride G reduces h2
 *   (and the embeddings) to one row per G rows; JS finishes each comment's max and mean over its
 *   slot's blocks (G times fewer values than rows). The comment head's first layer is one 1x1
 *   conv on the pooled vectors. Only the token head [L, 6], the block pools and the comment
 *   head's pre-activations [B, H + 1] come back to JS.
 */
import * as tf from './tf';
import { CATEGORIES } from '../types';
import type { Token } from '../text/types';
import { bigramHash, H_AFTER, H_BEFORE, MAX_TOKEN_FEATURES, surfaceFeatureIds, tokenFeatureIds, type WordIndex } from './features';
import { commentOutputs, type NetConfig } from './net';
import { TokenVectorCache } from './vector-cache';
import { allocateFoldedWords, foldWord, type FoldedWords } from './tables';

/** Per-comment outputs, before they are attached to tokens. */
export interface FastOutput {
  tokenToxic: Float32Array;
  tokenType: Uint8Array;
  toxicity: number;
  /** Category scores in CATEGORIES order. */
  categories: Float32Array;
  /** Probability that the comment has an explicit toxic span (models with `presence`). */
  spanPresence?: number;
}

/** Token-vector cache: at most 2 x CACHE_GENERATION vectors (48 floats each for the shipped model: 6.3 MB of slabs). */
const CACHE_GENERATION = 16384;
/** Rows per forward pass: a call is split into chunks below this size (a longer comment is a chunk of its own). */
const CHUNK_ROWS = 8192;
/** Pooling block: slots are multiples of G rows, tf pools each block, JS combines a slot's blocks. */
const G = 8;
/** Floor of the masking offset; the constructor raises it above a proven bound on the pre-activations. */
const MIN_BIG = 1e6;
/** Largest total feature weight of one token: w + s + k + r (1 + 3 x 0.5), n-grams sqrt(24) < 5, v2 bigrams 1. */
const MAX_FEATURE_WEIGHT = 1 + 1.5 + 5 + 1;

/**
 * A `[k, inC, outC]` conv kernel copied into `[k, inC + 1, outC + extraOut]`: the extra input is
 * the mask channel, which adds `-big` to every original output through the centre tap only (its
 * other taps and the extra outputs stay 0 for the caller to set).
 */
function withMaskChannel(w: Float32Array, k: number, inC: number, outC: number, extraOut: number, big: number): Float32Array {
  const I = inC + 1;
  const O = outC + extraOut;
  const out = new Float32Array(k * I * O);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) out[(j * I + i) * O + o] = w[(j * inC + i) * outC + o];
  }
  const centre = (k - 1) / 2;
  for (let o = 0; o < outC; o++) out[(centre * I + inC) * O + o] = -big;
  return out;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class FastInference {
  private readonly c: NetConfig;
  private readonly emb: Float32Array;
  private readonly mask: number;
  private readonly gap: number;
  private readonly nc = CATEGORIES.length;
  private readonly f1: tf.Tensor4D;
  private readonly b1: tf.Tensor1D;
  private readonly f2: tf.Tensor4D;
  private readonly b2: tf.Tensor1D;
  private readonly fh: tf.Tensor4D;
  private readonly bhead: tf.Tensor1D;
  /**
   * Comment head as one 1x1 conv over the pooled vector [max h2, mean h2, mean embedding (+ the
   * mask channel, weight 0)]: columns [hidden pre-activations (or, for a linear head, the comment
   * logits), global-context logit g (when present)].
   */
  private readonly fz: tf.Tensor4D;
  private readonly zOut: number;
  private readonly bh: Float32Array | null;
  private readonly wc: Float32Array;
  private readonly bc: Float32Array;
  /** Token vectors keyed by normal form, each entry a chain of (raw text, kind) variants. */
  private readonly cache: TokenVectorCache;
  /** Scratch for one token's feature ids and weights. */
  private readonly fids = new Int32Array(MAX_TOKEN_FEATURES);
  private readonly fws = new Float32Array(MAX_TOKEN_FEATURES);
  /**
   * Per pretrained word (row r of the word index at `(r - buckets) * dim`): the weighted sum of
   * its word-part features (`wordPartFeatureIds`), folded the first time the word is scored
   * (./tables.ts `FoldedWords`; a scorer pool's threads share one). A word-kind token of the
   * vocabulary then costs its 2-3 surface rows instead of 25-odd scattered rows.
   */
  private readonly folded: FoldedWords | undefined;

  constructor(c: NetConfig, emb: Float32Array, dense: Record<string, Float32Array>, embMaxAbs?: number, private readonly words?: WordIndex, folded?: FoldedWords) {
    this.c = c;
    this.emb = emb;
    this.mask = c.buckets - 1;
    this.cache = new TokenVectorCache(c.dim, CACHE_GENERATION);
    this.gap = Math.max((c.k1 - 1) / 2, (c.k2 - 1) / 2, 1);
    const nc = this.nc;
    const { dim, h1, h2, k1, k2 } = c;
    // conv1: [1, k1, dim + 1, h1 + 1]; input channel `dim` is the mask channel, output h1 the mask carried on.
    const big = FastInference.maskOffset(c, emb, dense, embMaxAbs);
    const w1 = withMaskChannel(dense.w1, k1, dim, h1, 1, big);
    w1[(((k1 - 1) / 2) * (dim + 1) + dim) * (h1 + 1) + h1] = 1;
    this.f1 = tf.keep(tf.tensor4d(w1, [1, k1, dim + 1, h1 + 1]));
    this.b1 = tf.keep(tf.tensor1d([...Array.from(dense.b1), 0]));
    // conv2: [1, k2, h1 + 1, h2]; the carried mask channel adds -BIG through the centre tap only.
    this.f2 = tf.keep(tf.tensor4d(withMaskChannel(dense.w2, k2, h1, h2, 0, big), [1, k2, h1 + 1, h2]));
    this.b2 = tf.keep(tf.tensor1d(dense.b2));
    // Token head: column 0 the toxic logit, columns 1..nc the type logits.
    const wh = new Float32Array(h2 * (1 + nc));
    for (let k = 0; k < h2; k++) {
      wh[k * (1 + nc)] = dense.wt[k];
      for (let j = 0; j < nc; j++) wh[k * (1 + nc) + 1 + j] = dense.wy[k * nc + j];
    }
    this.fh = tf.keep(tf.tensor4d(wh, [1, 1, h2, 1 + nc]));
    this.bhead = tf.keep(tf.tensor1d([dense.bt[0], ...Array.from(dense.by)]));
    // Pooled inputs: [max h2 (h2), mean h2 (h2), mean x (dim + mask channel)] when globalContext.
    const P = 2 * h2 + (c.globalContext ? dim : 0);
    const Pin = 2 * h2 + (c.globalContext ? dim + 1 : 0);
    const first = c.commentHidden ? dense.wh : dense.wc;
    const firstOut = c.commentHidden ? c.commentHidden : commentOutputs(c);
    this.zOut = firstOut + (c.globalContext ? 1 : 0);
    const wz = new Float32Array(Pin * this.zOut);
    for (let k = 0; k < P; k++) {
      for (let j = 0; j < firstOut; j++) wz[k * this.zOut + j] = first[k * firstOut + j];
      if (c.globalContext) wz[k * this.zOut + firstOut] = dense.wg[k];
    }
    this.fz = tf.keep(tf.tensor4d(wz, [1, 1, Pin, this.zOut]));
    this.bh = c.commentHidden ? dense.bh : null;
    this.wc = dense.wc;
    this.bc = dense.bc;
    // Our own, empty, unless given (a scorer pool's threads share one, each folding the words it meets).
    const count = words?.size ? c.words ?? words.size : 0;
    this.folded = count ? (folded?.ready.length === count && folded.rows.length === count * dim ? folded : allocateFoldedWords(count, dim)) : undefined;
  }

  /** Adds the first `n` scratch features' weighted embedding rows (`fids`, `fws`) into `dst` at `o`, in feature order. */
  private addRows(dst: Float32Array, o: number, n: number): void {
    const dim = this.c.dim;
    const emb = this.emb;
    for (let j = 0; j < n; j++) {
      const w = this.fws[j];
      const r = this.fids[j] * dim;
      for (let k = 0; k < dim; k++) dst[o + k] += w * emb[r + k];
    }
  }

  /**
   * An offset larger than any pre-activation the two conv layers can reach (each bounded from
   * the weights: |bias| + sum |w| x the largest input), so relu(a - offset) is exactly 0 on
   * every row that is not a token. For the shipped model the proven bound is far below the
   * 1e6 floor.
   */
  static maskOffset(c: NetConfig, emb: Float32Array, dense: Record<string, Float32Array>, embMaxAbs?: number): number {
    let maxEmb = embMaxAbs ?? 0;
    if (embMaxAbs === undefined) {
      for (let i = 0; i < emb.length; i++) {
        const v = emb[i];
        if (v > maxEmb) maxEmb = v;
        else if (-v > maxEmb) maxEmb = -v;
      }
    }
    const bound = (w: Float32Array, b: Float32Array, taps: number, inputs: number, outputs: number, maxIn: number): number => {
      let worst = 0;
      for (let o = 0; o < outputs; o++) {
        let s = Math.abs(b[o]);
        for (let i = 0; i < taps * inputs; i++) s += Math.abs(w[i * outputs + o]) * maxIn;
        worst = Math.max(worst, s);
      }
      return worst;
    };
    const a1 = bound(dense.w1, dense.b1, c.k1, c.dim, c.h1, MAX_FEATURE_WEIGHT * maxEmb);
    const a2 = bound(dense.w2, dense.b2, c.k2, c.h1, c.h2, a1);
    return Math.max(MIN_BIG, 4 * Math.max(a1, a2));
  }

  /** Frees the tf weights. */
  dispose(): void {
    tf.dispose([this.f1, this.b1, this.f2, this.b2, this.fh, this.bhead, this.fz]);
    this.cache.clear();
  }

  /**
   * Drops every cached token vector and forgets the folded word rows (they are folded again as
   * words come), so a benchmark's cold pass pays their fold as a fresh process does.
   */
  clearCache(): void {
    this.cache.clear();
    this.folded?.ready.fill(0);
  }

  /** Number of cached token vectors (for tests and diagnostics). */
  cacheSize(): number {
    return this.cache.size;
  }

  /** Copies the token's unigram vector (sum of weighted feature rows; cached) into x at o. */
  private tokenVector(tok: Token, x: Float32Array, o: number): void {
    // Keyed by the normal form: for words it is the tokenizer's memoised string, so the lookup
    // usually compares one string with itself.
    const dim = this.c.dim;
    let e = this.cache.get(tok.norm, tok.text, tok.kind);
    if (e === undefined) {
      e = this.cache.put(tok.norm, tok.text, tok.kind);
      const v = e.slab;
      const vo = e.off;
      const row = this.folded && (tok.kind === 'word' || tok.kind === 'hashtag') ? this.words!.get(tok.norm) : undefined;
      let n: number;
      if (row !== undefined) {
        // A vocabulary word: its folded word part plus its surface rows (the same features as
        // featurize, summed in another order: equal to float rounding).
        const { rows, ready } = this.folded!;
        const i = row - this.c.buckets;
        if (Atomics.load(ready, i) === 1) {
          // Folded before (maybe by another thread: its row writes happen before its flag store).
          for (let k = 0, fo = i * dim; k < dim; k++) v[vo + k] = rows[fo + k];
        } else {
          // First time: fold it into the vector's own zeroed slot (no thread writes there), then publish it.
          foldWord(tok.norm, row, this.emb, this.c.buckets, dim, this.fids, this.fws, v, vo);
          rows.set(v.subarray(vo, vo + dim), i * dim);
          Atomics.store(ready, i, 1);
        }
        n = surfaceFeatureIds(tok, this.mask, this.fids, this.fws, 0);
      } else {
        // Same order and float32 weights as featurize + embedBatch, so the vector is bit-identical.
        n = tokenFeatureIds(tok, this.mask, this.fids, this.fws, this.words);
      }
      this.addRows(v, vo, n);
    }
    const v = e.slab;
    for (let k = 0, vo = e.off; k < dim; k++) x[o + k] = v[vo + k];
  }

  /** Rows a comment occupies: its tokens, at least `gap` zero rows, rounded up to a multiple of G. */
  private slot(n: number): number {
    return Math.ceil((n + this.gap) / G) * G;
  }

  /** Scores tokenised comments (each non-empty); outputs in input order. */
  run(toks: Token[][]): FastOutput[] {
    const out: FastOutput[] = new Array(toks.length);
    let s = 0;
    while (s < toks.length) {
      let e = s + 1;
      let rows = this.slot(toks[s].length);
      while (e < toks.length && rows + this.slot(toks[e].length) <= CHUNK_ROWS) rows += this.slot(toks[e++].length);
      this.runChunk(toks, s, e, rows, out);
      s = e;
    }
    return out;
  }

  private runChunk(toks: Token[][], s: number, e: number, L: number, out: FastOutput[]): void {
    const c = this.c;
    const { dim, h2 } = c;
    const nc = this.nc;
    const B = e - s;
    const I1 = dim + 1;
    const gc = !!c.globalContext;
    // Rows: comment b at [r0_b, r0_b + n_b); every other row is zero with the mask channel at 1.
    const x = new Float32Array(L * I1);
    const v2 = c.featureVersion >= 2;
    const r0s = new Int32Array(B + 1);
    for (let b = 0, r0 = 0; b < B; b++) {
      const ts = toks[s + b];
      r0s[b] = r0;
      for (let t = 0; t < ts.length; t++) {
        const o = (r0 + t) * I1;
        this.tokenVector(ts[t], x, o);
        if (v2) this.addBigrams(ts, t, x, o);
      }
      r0 += this.slot(ts.length);
      for (let r = r0s[b] + ts.length; r < r0; r++) x[r * I1 + dim] = 1;
      r0s[b + 1] = r0;
    }
    const [headt, mpt, apt, axt] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [1, 1, L, I1]);
      const a1 = tf.fused.conv2d({ x: xt, filter: this.f1, bias: this.b1, activation: 'relu', pad: 'same', strides: 1 });
      const a2 = tf.fused.conv2d({ x: a1, filter: this.f2, bias: this.b2, activation: 'relu', pad: 'same', strides: 1 });
      const hd = tf.fused.conv2d({ x: a2, filter: this.fh, bias: this.bhead, pad: 'same', strides: 1 });
      // h2 >= 0 and exactly 0 outside tokens: block maxima and block means cover every slot exactly.
      const res: tf.Tensor[] = [hd, tf.maxPool(a2, [1, G], [1, G], 'valid'), tf.avgPool(a2, [1, G], [1, G], 'valid')];
      if (gc) res.push(tf.avgPool(xt, [1, G], [1, G], 'valid'));
      return res;
    });
    let hd: Float32Array;
    let mp: Float32Array;
    let ap: Float32Array;
    let ax: Float32Array | null = null;
    try {
      hd = headt.dataSync() as Float32Array;
      mp = mpt.dataSync() as Float32Array;
      ap = apt.dataSync() as Float32Array;
      if (axt) ax = axt.dataSync() as Float32Array;
    } finally {
      tf.dispose([headt, mpt, apt, ...(axt ? [axt] : [])]);
    }
    // Pooled vector per comment: [max h2, mean h2, mean embedding (+ mask channel, weight 0)].
    const Pin = 2 * h2 + (gc ? I1 : 0);
    const pooled = new Float32Array(B * Pin);
    const sum = new Float64Array(Math.max(h2, I1));
    for (let b = 0; b < B; b++) {
      const n = toks[s + b].length;
      const k0 = r0s[b] / G;
      const k1 = r0s[b + 1] / G;
      const po = b * Pin;
      sum.fill(0);
      for (let k = k0; k < k1; k++) {
        for (let j = 0, o = k * h2; j < h2; j++, o++) {
          if (mp[o] > pooled[po + j]) pooled[po + j] = mp[o];
          sum[j] += ap[o];
        }
      }
      // Block means times G (exact: a power of two) are block sums.
      for (let j = 0; j < h2; j++) pooled[po + h2 + j] = (sum[j] * G) / n;
      if (ax) {
        sum.fill(0);
        for (let k = k0; k < k1; k++) for (let j = 0, o = k * I1; j < dim; j++, o++) sum[j] += ax[o];
        for (let j = 0; j < dim; j++) pooled[po + 2 * h2 + j] = (sum[j] * G) / n;
      }
    }
    const zt = tf.tidy(() => tf.conv2d(tf.tensor4d(pooled, [1, 1, B, Pin]), this.fz, 1, 'same'));
    let z: Float32Array;
    try {
      z = zt.dataSync() as Float32Array;
    } finally {
      zt.dispose();
    }
    const H = c.commentHidden ?? 0;
    const Z = this.zOut;
    const hidden = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      const zo = b * Z;
      const g = gc ? z[zo + Z - 1] : 0;
      const NO = commentOutputs(c);
      const scores = new Float32Array(NO);
      if (H) {
        for (let k = 0; k < H; k++) hidden[k] = Math.max(0, z[zo + k] + this.bh![k]);
        for (let j = 0; j < NO; j++) {
          let a = this.bc[j];
          for (let k = 0; k < H; k++) a += hidden[k] * this.wc[k * NO + j];
          scores[j] = sigmoid(a);
        }
      } else {
        for (let j = 0; j < NO; j++) scores[j] = sigmoid(z[zo + j] + this.bc[j]);
      }
      const n = toks[s + b].length;
      const tokenToxic = new Float32Array(n);
      const tokenType = new Uint8Array(n);
      for (let t = 0, o = r0s[b] * (1 + nc); t < n; t++, o += 1 + nc) {
        tokenToxic[t] = sigmoid(hd[o] + g);
        let best = 0;
        for (let k = 1; k < nc; k++) if (hd[o + 1 + k] > hd[o + 1 + best]) best = k;
        tokenType[t] = best;
      }
      out[s + b] = { tokenToxic, tokenType, toxicity: scores[0], categories: scores.subarray(1, 1 + nc), ...(c.presence ? { spanPresence: scores[1 + nc] } : {}) };
    }
  }

  /** Feature v2: the two word-bigram rows of position t (weights 0.5), as featurize adds them. */
  private addBigrams(ts: Token[], t: number, x: Float32Array, o: number): void {
    const dim = this.c.dim;
    const prev = t > 0 ? ts[t - 1].norm : '<s>';
    const next = t + 1 < ts.length ? ts[t + 1].norm : '</s>';
    const ra = (bigramHash(H_BEFORE, prev, ts[t].norm) & this.mask) * dim;
    const rb = (bigramHash(H_AFTER, ts[t].norm, next) & this.mask) * dim;
    for (let k = 0; k < dim; k++) x[o + k] += 0.5 * this.emb[ra + k];
    for (let k = 0; k < dim; k++) x[o + k] += 0.5 * this.emb[rb + k];
  }
}
