/**
 * Fast inference for the toxicity network: the same weights and the same arithmetic as
 * `forwardInfer` (net.ts), arranged so that a batch costs few tf calls and no padding.
 *
 * - Token vectors (the weighted sum of a token's hashed-feature rows) depend only on the token's
 *   raw text, normal form and kind; they are cached (words are Zipfian) in a bounded two-generation
 *   cache. Feature v2 bigram rows depend on the neighbours and are added per position.
 * - All comments of a chunk are laid end to end in one sequence with `GAP` zero rows between them,
 *   so the 'same'-padded convolutions see exactly the zeros they saw at each comment's edges, and
 *   no position is spent on padding to a common length.
 * - The two conv layers and the per-token heads run as three fused tf conv2d calls (bias + relu
 *   inside XNNPACK on wasm); pooling and the small comment head run in plain JS / one 1x1 conv.
 */
import * as tf from '@tensorflow/tfjs';
import { CATEGORIES } from '../types';
import type { Token } from '../text/types';
import { fnv, tokenFeatureStrings } from './features';
import type { NetConfig } from './net';

/** Per-comment outputs, before they are attached to tokens. */
export interface FastOutput {
  tokenToxic: Float32Array;
  tokenType: Uint8Array;
  toxicity: number;
  /** Category scores in CATEGORIES order. */
  categories: Float32Array;
}

/** Token-vector cache: at most 2 x CACHE_GENERATION entries (each `dim` floats). */
const CACHE_GENERATION = 16384;
/** Positions per forward pass: chunks stay near this size (XNNPACK is fastest around 2-4k rows here). */
const CHUNK_POSITIONS = 4096;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class FastInference {
  private readonly c: NetConfig;
  private readonly emb: Float32Array;
  private readonly mask: number;
  private readonly gap: number;
  private readonly nc = CATEGORIES.length;
  /** tf weights (kept tensors). */
  private readonly f1: tf.Tensor4D;
  private readonly b1: tf.Tensor1D;
  private readonly f2: tf.Tensor4D;
  private readonly b2: tf.Tensor1D;
  private readonly fh: tf.Tensor4D;
  private readonly bhead: tf.Tensor1D;
  /** Comment head, first layer (+ the global-context column when present), as a 1x1 conv. */
  private readonly fc1: tf.Tensor4D | null;
  /** JS weights of the comment head. */
  private readonly wg: Float32Array | null;
  private readonly bh: Float32Array | null;
  private readonly wc: Float32Array;
  private readonly bc: Float32Array;
  private readonly pooledDim: number;
  private cur = new Map<string, Float32Array>();
  private prev = new Map<string, Float32Array>();

  constructor(c: NetConfig, emb: Float32Array, dense: Record<string, Float32Array>) {
    this.c = c;
    this.emb = emb;
    this.mask = c.buckets - 1;
    this.gap = Math.max((c.k1 - 1) / 2, (c.k2 - 1) / 2, 1);
    const nc = this.nc;
    this.f1 = tf.keep(tf.tensor4d(dense.w1, [1, c.k1, c.dim, c.h1]));
    this.b1 = tf.keep(tf.tensor1d(dense.b1));
    this.f2 = tf.keep(tf.tensor4d(dense.w2, [1, c.k2, c.h1, c.h2]));
    this.b2 = tf.keep(tf.tensor1d(dense.b2));
    // Token head: column 0 the toxic logit, columns 1..nc the type logits.
    const wh = new Float32Array(c.h2 * (1 + nc));
    for (let k = 0; k < c.h2; k++) {
      wh[k * (1 + nc)] = dense.wt[k];
      for (let j = 0; j < nc; j++) wh[k * (1 + nc) + 1 + j] = dense.wy[k * nc + j];
    }
    this.fh = tf.keep(tf.tensor4d(wh, [1, 1, c.h2, 1 + nc]));
    this.bhead = tf.keep(tf.tensor1d([dense.bt[0], ...Array.from(dense.by)]));
    this.pooledDim = 2 * c.h2 + (c.globalContext ? c.dim : 0);
    this.wg = c.globalContext ? dense.wg : null;
    if (c.commentHidden) {
      // [pooled, hidden (+1 global column)]: one 1x1 conv gives the hidden pre-activations and g.
      const hOut = c.commentHidden + (c.globalContext ? 1 : 0);
      const w = new Float32Array(this.pooledDim * hOut);
      for (let k = 0; k < this.pooledDim; k++) {
        for (let j = 0; j < c.commentHidden; j++) w[k * hOut + j] = dense.wh[k * c.commentHidden + j];
        if (c.globalContext) w[k * hOut + c.commentHidden] = dense.wg[k];
      }
      this.fc1 = tf.keep(tf.tensor4d(w, [1, 1, this.pooledDim, hOut]));
      this.bh = dense.bh;
    } else {
      this.fc1 = null;
      this.bh = null;
    }
    this.wc = dense.wc;
    this.bc = dense.bc;
  }

  /** Frees the tf weights. */
  dispose(): void {
    tf.dispose([this.f1, this.b1, this.f2, this.b2, this.fh, this.bhead, ...(this.fc1 ? [this.fc1] : [])]);
    this.cur.clear();
    this.prev.clear();
  }

  /** Number of cached token vectors (for tests and diagnostics). */
  cacheSize(): number {
    return this.cur.size + this.prev.size;
  }

  /** The unigram token vector (sum of weighted feature rows), cached. */
  private tokenVector(tok: Token): Float32Array {
    const key = tok.kind + '\u0001' + tok.norm + '\u0001' + tok.text;
    let v = this.cur.get(key);
    if (v) return v;
    v = this.prev.get(key);
    if (!v) {
      const dim = this.c.dim;
      v = new Float32Array(dim);
      const emb = this.emb;
      // Same order of summation as featurize + embedBatch, so the vector is bit-identical.
      for (const [f, w] of tokenFeatureStrings(tok)) {
        const r = (fnv(f) & this.mask) * dim;
        for (let k = 0; k < dim; k++) v[k] += w * emb[r + k];
      }
    }
    if (this.cur.size >= CACHE_GENERATION) {
      this.prev = this.cur;
      this.cur = new Map();
    }
    this.cur.set(key, v);
    return v;
  }

  /** Scores tokenised comments (each non-empty). */
  run(toks: Token[][]): FastOutput[] {
    const out: FastOutput[] = new Array(toks.length);
    let s = 0;
    while (s < toks.length) {
      let e = s;
      let positions = 0;
      while (e < toks.length && (e === s || positions + toks[e].length <= CHUNK_POSITIONS)) positions += toks[e++].length + this.gap;
      this.runChunk(toks, s, e, out);
      s = e;
    }
    return out;
  }

  private runChunk(toks: Token[][], s: number, e: number, out: FastOutput[]): void {
    const c = this.c;
    const { dim, h2 } = c;
    const nc = this.nc;
    const gap = this.gap;
    const B = e - s;
    const starts = new Int32Array(B + 1);
    let L = gap;
    for (let b = 0; b < B; b++) {
      starts[b] = L;
      L += toks[s + b].length + gap;
    }
    starts[B] = L;
    const x = new Float32Array(L * dim);
    const m = new Float32Array(L);
    const embSum = c.globalContext ? new Float64Array(B * dim) : null;
    for (let b = 0; b < B; b++) {
      const ts = toks[s + b];
      const p0 = starts[b];
      m.fill(1, p0, p0 + ts.length);
      for (let t = 0; t < ts.length; t++) {
        const o = (p0 + t) * dim;
        x.set(this.tokenVector(ts[t]), o);
        if (c.featureVersion >= 2) this.addBigrams(ts, t, x, o);
      }
      if (embSum) {
        const eo = b * dim;
        for (let t = 0; t < ts.length; t++) {
          const o = (p0 + t) * dim;
          for (let k = 0; k < dim; k++) embSum[eo + k] += x[o + k];
        }
      }
    }
    const [h2t, headt] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [1, 1, L, dim]);
      const mt = tf.tensor4d(m, [1, 1, L, 1]);
      const a1 = tf.fused.conv2d({ x: xt, filter: this.f1, bias: this.b1, activation: 'relu', pad: 'same', strides: 1 });
      const a2 = tf.fused.conv2d({ x: tf.mul(a1, mt) as tf.Tensor4D, filter: this.f2, bias: this.b2, activation: 'relu', pad: 'same', strides: 1 });
      const hd = tf.fused.conv2d({ x: a2, filter: this.fh, bias: this.bhead, pad: 'same', strides: 1 });
      return [a2, hd];
    });
    let hv: Float32Array;
    let hd: Float32Array;
    try {
      hv = h2t.dataSync() as Float32Array;
      hd = headt.dataSync() as Float32Array;
    } finally {
      h2t.dispose();
      headt.dispose();
    }
    // Pooling over each comment's real positions: max (>= 0 after relu), mean of h2, mean embedding.
    const P = this.pooledDim;
    const pooled = new Float32Array(B * P);
    for (let b = 0; b < B; b++) {
      const n = toks[s + b].length;
      const p0 = starts[b];
      const po = b * P;
      for (let t = 0; t < n; t++) {
        const o = (p0 + t) * h2;
        for (let k = 0; k < h2; k++) {
          const v = hv[o + k];
          if (v > pooled[po + k]) pooled[po + k] = v;
        }
      }
      for (let k = 0; k < h2; k++) {
        let sum = 0;
        for (let t = 0; t < n; t++) sum += hv[(p0 + t) * h2 + k];
        pooled[po + h2 + k] = sum / n;
      }
      if (embSum) for (let k = 0; k < dim; k++) pooled[po + 2 * h2 + k] = embSum[b * dim + k] / n;
    }
    // Comment head: hidden layer (and the global-context logit g) in one 1x1 conv.
    const H = c.commentHidden ?? 0;
    let hid: Float32Array | null = null;
    if (this.fc1) {
      const t = tf.tidy(() => tf.conv2d(tf.tensor4d(pooled, [1, 1, B, P]), this.fc1!, 1, 'same'));
      try {
        hid = t.dataSync() as Float32Array;
      } finally {
        t.dispose();
      }
    }
    const hOut = H + (c.globalContext ? 1 : 0);
    for (let b = 0; b < B; b++) {
      let g = 0;
      if (this.wg) {
        if (hid) g = hid[b * hOut + H];
        else for (let k = 0; k < P; k++) g += pooled[b * P + k] * this.wg[k];
      }
      const scores = new Float32Array(1 + nc);
      for (let j = 0; j < 1 + nc; j++) {
        let z = this.bc[j];
        if (hid) {
          for (let k = 0; k < H; k++) {
            const a = hid[b * hOut + k] + this.bh![k];
            if (a > 0) z += a * this.wc[k * (1 + nc) + j];
          }
        } else {
          for (let k = 0; k < P; k++) z += pooled[b * P + k] * this.wc[k * (1 + nc) + j];
        }
        scores[j] = sigmoid(z);
      }
      const n = toks[s + b].length;
      const tokenToxic = new Float32Array(n);
      const tokenType = new Uint8Array(n);
      const p0 = starts[b];
      for (let t = 0; t < n; t++) {
        const o = (p0 + t) * (1 + nc);
        tokenToxic[t] = sigmoid(hd[o] + g);
        let best = 0;
        for (let k = 1; k < nc; k++) if (hd[o + 1 + k] > hd[o + 1 + best]) best = k;
        tokenType[t] = best;
      }
      out[s + b] = { tokenToxic, tokenType, toxicity: scores[0], categories: scores.subarray(1) };
    }
  }

  /** Feature v2: the two word-bigram rows of position t (weights 0.5), as featurize adds them. */
  private addBigrams(ts: Token[], t: number, x: Float32Array, o: number): void {
    const dim = this.c.dim;
    const prev = t > 0 ? ts[t - 1].norm : '<s>';
    const next = t + 1 < ts.length ? ts[t + 1].norm : '</s>';
    const ra = (fnv('b:' + prev + '|' + ts[t].norm) & this.mask) * dim;
    const rb = (fnv('a:' + ts[t].norm + '|' + next) & this.mask) * dim;
    for (let k = 0; k < dim; k++) x[o + k] += 0.5 * this.emb[ra + k];
    for (let k = 0; k < dim; k++) x[o + k] += 0.5 * this.emb[rb + k];
  }
}
