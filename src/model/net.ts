/**
 * The toxicity network. Token vectors are sums of hashed-feature embedding rows (computed in
 * plain JS: the table is large and its gradient sparse, so rows are updated lazily instead of
 * running a dense optimiser over the whole table). Above them: two windowed layers over tokens,
 * a per-token toxic logit and type logits, and a max+mean pooled comment head.
 *
 * Training uses window-concat + matMul because the wasm backend has no conv weight gradient;
 * inference runs the same weights as conv1d kernels (`[k*C, H]` reshapes 1:1 to `[k, C, H]`),
 * which wasm executes through XNNPACK much faster than matMul.
 */
import * as tf from './tf';
import { CATEGORIES } from '../types';
import type { TokenFeatures } from './features';

/** Architecture hyper-parameters, stored in model.json. */
export interface NetConfig {
  buckets: number;
  dim: number;
  h1: number;
  h2: number;
  k1: number;
  k2: number;
  featureVersion: number;
  /** v2 architecture: the pooled vector includes the mean embedding and shifts token logits (absent in v1 models). */
  globalContext?: boolean;
  /** Width of a hidden layer in the comment head (0/absent: linear head). */
  commentHidden?: number;
  /**
   * Model v2: number of pretrained word rows stored after the hashed buckets in the embedding
   * table (GloVe vectors projected to `dim` during training; `words.txt` lists the words).
   */
  words?: number;
  /** Model v2: one more comment output, the probability that a toxic comment has an explicit span. */
  presence?: boolean;
}

/** Comment outputs of a config: toxicity, the categories, and span presence when configured. */
export function commentOutputs(c: NetConfig): number {
  return 1 + CATEGORIES.length + (c.presence ? 1 : 0);
}

/** Dense (tf) weight names and shapes for a config. */
export function denseShapes(c: NetConfig): Record<string, number[]> {
  const nc = CATEGORIES.length;
  return {
    w1: [c.k1 * c.dim, c.h1],
    b1: [c.h1],
    w2: [c.k2 * c.h1, c.h2],
    b2: [c.h2],
    wt: [c.h2, 1],
    bt: [1],
    wy: [c.h2, nc],
    by: [nc],
    // The pooled comment vector (max h2, mean h2, mean embedding) also shifts every token's
    // logit: whether the comment as a whole is toxic changes how readily its words are.
    ...(c.globalContext ? { wg: [2 * c.h2 + c.dim, 1] } : {}),
    ...(c.commentHidden ? { wh: [2 * c.h2 + (c.globalContext ? c.dim : 0), c.commentHidden], bh: [c.commentHidden] } : {}),
    wc: [c.commentHidden ? c.commentHidden : 2 * c.h2 + (c.globalContext ? c.dim : 0), commentOutputs(c)],
    bc: [commentOutputs(c)],
  };
}

/** Raw outputs of a forward pass (logits). */
export interface NetOutputs {
  /** [B, T] token toxic logits. */
  token: tf.Tensor2D;
  /** [B, T, 5] token type logits. */
  type: tf.Tensor3D;
  /** [B, 6 or 7] comment logits: toxicity, the 5 categories, span presence (when configured). */
  comment: tf.Tensor2D;
}

/**
 * Sums the embedding rows of each token into a `[B, T, D]` buffer (zero past each comment's end).
 * `dropFeature` (training only) drops each feature with that probability, `rand` in [0,1).
 */
export function embedBatch(feats: TokenFeatures[], T: number, emb: Float32Array, dim: number, dropFeature = 0, rand?: () => number): Float32Array {
  const out = new Float32Array(feats.length * T * dim);
  for (let b = 0; b < feats.length; b++) {
    const f = feats[b];
    const n = Math.min(T, f.offsets.length - 1);
    for (let t = 0; t < n; t++) {
      const o = (b * T + t) * dim;
      for (let j = f.offsets[t]; j < f.offsets[t + 1]; j++) {
        if (dropFeature > 0 && rand && rand() < dropFeature) continue;
        const w = f.weights[j];
        const r = f.ids[j] * dim;
        for (let k = 0; k < dim; k++) out[o + k] += w * emb[r + k];
      }
    }
  }
  return out;
}

/**
 * matMul whose gradient transposes explicitly: wasm's matMul with transpose flags runs ~10x
 * slower than a plain matMul after an explicit transpose (measured: 150 ms vs 12-21 ms for
 * 2048x640 @ 640x96), and both gradients of a dense layer use the flags.
 */
const mm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

function windowConcat(x: tf.Tensor3D, k: number): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const p = (k - 1) / 2;
  const xp = tf.pad(x, [[0, 0], [p, p], [0, 0]]);
  const parts: tf.Tensor3D[] = [];
  for (let j = 0; j < k; j++) parts.push(tf.slice(xp, [0, j, 0], [B, T, C]));
  return tf.concat(parts, 2);
}

function heads(x: tf.Tensor3D, h2: tf.Tensor3D, mask: tf.Tensor2D, w: Record<string, tf.Tensor>, asConv: boolean): NetOutputs {
  const [B, T, H] = h2.shape;
  const nc = CATEGORIES.length;
  const m3 = tf.expandDims(mask, 2);
  // Masked max: padded positions pushed far below any activation (activations are >= 0 after relu).
  // Clamped at 0 (a no-op for real tokens, which are >= 0) so an empty comment pools to zeros.
  const maxPool = tf.relu(tf.max(tf.add(h2, tf.mul(tf.sub(m3, 1), 1e4)), 1));
  const count = tf.maximum(tf.sum(mask, 1, true), 1);
  const meanPool = tf.div(tf.sum(h2, 1), count);
  const pooled = (w.wg ? tf.concat([maxPool, meanPool, tf.div(tf.sum(x, 1), count)], 1) : tf.concat([maxPool, meanPool], 1)) as tf.Tensor2D;
  const g = w.wg ? tf.reshape(asConv ? tf.matMul(pooled, w.wg as tf.Tensor2D) : mm(pooled, w.wg as tf.Tensor2D), [B, 1]) : tf.zeros([B, 1]);
  let token: tf.Tensor2D;
  let type: tf.Tensor3D;
  if (asConv) {
    token = tf.add(tf.reshape(tf.add(tf.conv1d(h2, tf.reshape(w.wt, [1, H, 1]) as tf.Tensor3D, 1, 'same'), w.bt), [B, T]), g) as tf.Tensor2D;
    type = tf.add(tf.conv1d(h2, tf.reshape(w.wy, [1, H, nc]) as tf.Tensor3D, 1, 'same'), w.by) as tf.Tensor3D;
  } else {
    const flat = tf.reshape(h2, [B * T, H]) as tf.Tensor2D;
    token = tf.add(tf.reshape(tf.add(mm(flat, w.wt as tf.Tensor2D), w.bt), [B, T]), g) as tf.Tensor2D;
    type = tf.reshape(tf.add(mm(flat, w.wy as tf.Tensor2D), w.by), [B, T, nc]) as tf.Tensor3D;
  }
  const lin = (a: tf.Tensor2D, b: tf.Tensor): tf.Tensor2D => (asConv ? tf.matMul(a, b as tf.Tensor2D) : mm(a, b as tf.Tensor2D));
  const hidden = w.wh ? (tf.relu(tf.add(lin(pooled, w.wh), w.bh)) as tf.Tensor2D) : pooled;
  const comment = tf.add(lin(hidden, w.wc), w.bc) as tf.Tensor2D;
  return { token, type, comment };
}

/**
 * Training-form forward pass (window-concat + matMul). `x` is `[B, T, D]`, `mask` `[B, T]`.
 * `dropout` applies to the hidden layers.
 */
export function forwardTrain(x: tf.Tensor3D, mask: tf.Tensor2D, w: Record<string, tf.Tensor>, c: NetConfig, dropout: number, seed: number): NetOutputs {
  const [B, T] = mask.shape;
  const m3 = tf.expandDims(mask, 2);
  let h1 = tf.mul(tf.reshape(tf.relu(tf.add(mm(tf.reshape(windowConcat(x, c.k1), [B * T, c.k1 * c.dim]), w.w1 as tf.Tensor2D), w.b1)), [B, T, c.h1]), m3) as tf.Tensor3D;
  if (dropout > 0) h1 = tf.dropout(h1, dropout, undefined, seed) as tf.Tensor3D;
  let h2 = tf.mul(tf.reshape(tf.relu(tf.add(mm(tf.reshape(windowConcat(h1, c.k2), [B * T, c.k2 * c.h1]), w.w2 as tf.Tensor2D), w.b2)), [B, T, c.h2]), m3) as tf.Tensor3D;
  if (dropout > 0) h2 = tf.dropout(h2, dropout, undefined, seed + 1) as tf.Tensor3D;
  return heads(x, h2, mask, w, false);
}

/** Inference-form forward pass: the same weights run as conv1d kernels ('same' padding). */
export function forwardInfer(x: tf.Tensor3D, mask: tf.Tensor2D, w: Record<string, tf.Tensor>, c: NetConfig): NetOutputs {
  const m3 = tf.expandDims(mask, 2);
  const k1 = tf.reshape(w.w1, [c.k1, c.dim, c.h1]) as tf.Tensor3D;
  const h1 = tf.mul(tf.relu(tf.add(tf.conv1d(x, k1, 1, 'same'), w.b1)), m3) as tf.Tensor3D;
  const k2 = tf.reshape(w.w2, [c.k2, c.h1, c.h2]) as tf.Tensor3D;
  const h2 = tf.mul(tf.relu(tf.add(tf.conv1d(h1, k2, 1, 'same'), w.b2)), m3) as tf.Tensor3D;
  return heads(x, h2, mask, w, true);
}
