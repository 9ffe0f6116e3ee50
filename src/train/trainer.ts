/**
 * The training loop. Dense layers are tf variables updated by Adam; the hashed embedding table
 * lives in JS and gets lazy (sparse) Adam updates on the rows a batch touched, from the gradient
 * of the loss with respect to the summed token vectors.
 */
import * as tf from '@tensorflow/tfjs';
import { CATEGORIES } from '../types';
import { commentOutputs, denseShapes, forwardTrain, type NetConfig } from '../model/net';
import { embRows, type ModelWeights } from '../model/io';
import { mulberry32, shuffle } from '../util/prng';
import type { Example } from './examples';
import type { WordVectors } from './glove';

const NC = CATEGORIES.length;


/** Training hyper-parameters. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  embLr: number;
  dropout: number;
  /** Probability of dropping one hashed feature of a token (robustness to unseen/obfuscated words). */
  featureDrop: number;
  /** Longest sequence in training; longer posts are cut (labels too). */
  maxTokens: number;
  typeLossW: number;
  /** Per-category weights of the type loss (rare types weigh more); all 1 when absent. */
  typeClassWeights?: number[];
  commentLossW: number;
  seed: number;
  /** Final learning rate as a fraction of the initial one (linear decay over all steps; 1 = constant). */
  lrEnd: number;
  log?: (msg: string) => void;
  /** Called after each epoch with the current weights (e.g. to evaluate on dev). */
  onEpoch?: (epoch: number, weights: ModelWeights) => void;
  /**
   * Pretrained word vectors of the rows after the hashed buckets (Model v2). They stay frozen; a
   * learned projection `[vectors.dim, dim]` maps them into the token space, and the projected rows
   * are written into the embedding table after each epoch, so inference sees plain rows.
   */
  wordVectors?: WordVectors;
  /**
   * Per-source comment biases (training only): with a weight > 0, every example's comment logits
   * get a learned offset for its source (`Example.source`: tsd, c3, hatexplain, ...), L2-penalised
   * with this weight, and dropped after training. The sets' base rates (every tsd post is toxic,
   * tweets lean offensive, "not hate" sets keep insults) go into the offsets instead of into
   * words and styles the shared network would then carry to other domains. 0: off.
   */
  domainBias?: number;
}

/** Most sources a per-source bias table holds (`TrainOptions.domainBias`). */
const MAX_SOURCES = 32;
/** Written template sentences get no per-source offset: their lesson is in their words. */
const NO_SOURCE_OFFSET = new Set(['threats', 'contrast']);

/** A fresh network: a near-zero embedding table (unseen buckets contribute almost nothing), Glorot dense weights. */
export function initWeights(c: NetConfig, seed: number): ModelWeights {
  const rand = mulberry32(seed);
  const dense: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(denseShapes(c))) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (shape.length === 2) {
      const lim = Math.sqrt(6 / (shape[0] + shape[1]));
      for (let i = 0; i < a.length; i++) a[i] = (rand() * 2 - 1) * lim;
    }
    dense[name] = a;
  }
  const emb = new Float32Array(embRows(c) * c.dim);
  // Small random rows so the first layer's gradients differ per feature from step one.
  for (let i = 0; i < emb.length; i++) emb[i] = (rand() * 2 - 1) * 0.01;
  return { emb, dense };
}

/** Trains in place and returns the weights. Deterministic for a seed on one backend. */
export function trainNet(c: NetConfig, batches: () => Example[][], o: TrainOptions, init?: ModelWeights): ModelWeights {
  const w = init ?? initWeights(c, o.seed);
  const rand = mulberry32(o.seed * 7919 + 1);
  const vars: Record<string, tf.Variable> = {};
  const shapes = denseShapes(c);
  for (const [name, shape] of Object.entries(shapes)) vars[name] = tf.variable(tf.tensor(w.dense[name], shape), true, `d_${name}_${o.seed}_${Date.now()}`);
  const wv = o.wordVectors;
  const G = wv ? wv.dim : 0;
  if (wv && wv.words.length !== (c.words ?? 0)) throw new Error(`config.words ${c.words} but ${wv.words.length} word vectors`);
  // Projection of the frozen pretrained vectors, trained in JS (a dense matMul and its
  // gradient in wasm cost ~6x the whole step): each batch materialises the rows of its words
  // (vector @ P) in the table, and their row gradients flow back into P.
  let P = new Float32Array(0);
  if (wv) {
    if (w.projection) P = Float32Array.from(w.projection);
    else {
      const lim = Math.sqrt(6 / (G + c.dim));
      P = new Float32Array(G * c.dim);
      for (let i = 0; i < P.length; i++) P[i] = (rand() * 2 - 1) * lim;
    }
  }
  const pM = new Float32Array(P.length);
  const pV = new Float32Array(P.length);
  const dP = new Float32Array(P.length);
  const projectedAt = new Int32Array(wv ? wv.words.length : 0);
  const opt = tf.train.adam(o.lr);
  const domW = o.domainBias ?? 0;
  const sourceIndex = new Map<string, number>();
  const dom = domW > 0 ? tf.variable(tf.zeros([MAX_SOURCES, commentOutputs(c)]), true, `dom_${o.seed}_${Date.now()}`) : null;
  const D = c.dim;
  const B0 = c.buckets;
  const eM = new Float32Array(w.emb.length);
  const eV = new Float32Array(w.emb.length);
  const gAcc = new Float32Array(w.emb.length);
  const touched = new Uint8Array(embRows(c));
  let step = 0;
  const b1 = 0.9;
  const b2 = 0.999;
  try {
    let totalSteps = 0;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = Date.now();
      let lossSum = 0;
      let nb = 0;
      const epochBatches = batches();
      if (!totalSteps) totalSteps = epochBatches.length * o.epochs;
      for (const batch of epochBatches) {
        // Linear decay: big steps early, small ones to settle at the end (both optimisers).
        const frac = 1 - (1 - o.lrEnd) * Math.min(1, step / totalSteps);
        (opt as unknown as { learningRate: number }).learningRate = o.lr * frac;
        const embLr = o.embLr * frac;
        const B = batch.length;
        const T = Math.max(1, Math.ceil(Math.min(o.maxTokens, Math.max(...batch.map((e) => e.tokens.length))) / 8) * 8);
        // Forward embedding sum in JS, remembering which features were kept for the backward pass.
        const x = new Float32Array(B * T * D);
        if (wv) {
          // Rows of this batch's pretrained words with the current projection.
          for (const e of batch) {
            const f = e.feats;
            for (let j = 0; j < f.ids.length; j++) {
              const row = f.ids[j];
              if (row < B0 || projectedAt[row - B0] === step + 1) continue;
              projectedAt[row - B0] = step + 1;
              projectRow(w.emb, row, B0, D, wv, P);
            }
          }
        }
        const kept: Array<Uint8Array> = [];
        const mask = new Float32Array(B * T);
        const spanY = new Float32Array(B * T);
        const spanW = new Float32Array(B * T);
        const typeY = new Float32Array(B * T * NC);
        const typeW = new Float32Array(B * T);
        const K = commentOutputs(c);
        const comY = new Float32Array(B * K);
        const comM = new Float32Array(B * K);
        const srcOneHot = new Float32Array(dom ? B * MAX_SOURCES : 0);
        batch.forEach((e, b) => {
          if (dom && !NO_SOURCE_OFFSET.has(e.source)) {
            if (!sourceIndex.has(e.source) && sourceIndex.size < MAX_SOURCES) sourceIndex.set(e.source, sourceIndex.size);
            const si = sourceIndex.get(e.source);
            if (si !== undefined) srcOneHot[b * MAX_SOURCES + si] = 1;
          }
          const f = e.feats;
          const n = Math.min(T, e.tokens.length);
          const k = new Uint8Array(f.ids.length);
          for (let t = 0; t < n; t++) {
            const o2 = (b * T + t) * D;
            mask[b * T + t] = 1;
            for (let j = f.offsets[t]; j < f.offsets[t + 1]; j++) {
              if (o.featureDrop > 0 && rand() < o.featureDrop) continue;
              k[j] = 1;
              const wt = f.weights[j];
              const r = f.ids[j] * D;
              for (let d = 0; d < D; d++) x[o2 + d] += wt * w.emb[r + d];
            }
            if (e.spanY) {
              spanY[b * T + t] = e.spanY[t];
              spanW[b * T + t] = e.spanW;
            }
            if (e.typeY && e.typeW) {
              typeW[b * T + t] = e.typeW[t];
              for (let q = 0; q < NC; q++) typeY[(b * T + t) * NC + q] = e.typeY[t * NC + q];
            }
          }
          kept.push(k);
          comY.set(e.comY.subarray(0, K), b * K);
          comM.set(e.comM.subarray(0, K), b * K);
        });
        const xv = tf.variable(tf.tensor3d(x, [B, T, D]), true, `x_${step}_${o.seed}`);
        const seed = Math.floor(rand() * 1e9);
        const { value, grads } = tf.tidy(() => {
          const mT = tf.tensor2d(mask, [B, T]);
          const sY = tf.tensor2d(spanY, [B, T]);
          const sW = tf.tensor2d(spanW, [B, T]);
          const yY = tf.tensor3d(typeY, [B, T, NC]).mul(tf.tensor1d(o.typeClassWeights ?? new Array(NC).fill(1)));
          const yW = tf.tensor2d(typeW, [B, T]);
          const cY = tf.tensor2d(comY, [B, K]);
          const cM = tf.tensor2d(comM, [B, K]);
          const bce = (z: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.relu(z).sub(z.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
          return tf.variableGrads(() => {
            const out = forwardTrain(xv as unknown as tf.Tensor3D, mT, vars as unknown as Record<string, tf.Tensor>, c, o.dropout, seed);
            const sw = sW.mul(mT);
            const spanLoss = tf.sum(bce(out.token, sY).mul(sw)).div(tf.maximum(tf.sum(sw), 1));
            const typeLoss = tf.sum(tf.sum(yY.mul(tf.logSoftmax(out.type)), 2).neg().mul(yW)).div(tf.maximum(tf.sum(yW), 1));
            const comZ = dom ? out.comment.add(tf.matMul(tf.tensor2d(srcOneHot, [B, MAX_SOURCES]), dom)) : out.comment;
            const comLoss = tf.sum(bce(comZ, cY).mul(cM)).div(tf.maximum(tf.sum(cM), 1));
            const loss = spanLoss.add(typeLoss.mul(o.typeLossW)).add(comLoss.mul(o.commentLossW));
            return (dom ? loss.add(tf.sum(tf.square(dom)).mul(domW)) : loss) as tf.Scalar;
          }, [xv, ...Object.values(vars), ...(dom ? [dom] : [])]);
        });
        const gx = grads[xv.name].dataSync() as Float32Array;
        const denseGrads: tf.NamedTensorMap = {};
        for (const v of Object.values(vars)) denseGrads[v.name] = grads[v.name];
        if (dom) denseGrads[dom.name] = grads[dom.name];
        opt.applyGradients(denseGrads as unknown as Parameters<typeof opt.applyGradients>[0]);
        lossSum += value.dataSync()[0];
        nb++;
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
        xv.dispose();
        // Sparse embedding gradient: each kept feature row receives weight x its token's gradient.
        const rows: number[] = [];
        batch.forEach((e, b) => {
          const f = e.feats;
          const n = Math.min(T, e.tokens.length);
          const k = kept[b];
          for (let t = 0; t < n; t++) {
            const go = (b * T + t) * D;
            for (let j = f.offsets[t]; j < f.offsets[t + 1]; j++) {
              if (!k[j]) continue;
              const row = f.ids[j];
              if (!touched[row]) {
                touched[row] = 1;
                rows.push(row);
              }
              const wt = f.weights[j];
              const r = row * D;
              for (let d = 0; d < D; d++) gAcc[r + d] += wt * gx[go + d];
            }
          }
        });
        step++;
        const bc1 = 1 - Math.pow(b1, step);
        const bc2 = 1 - Math.pow(b2, step);
        let wordRows = 0;
        for (const row of rows) {
          const r = row * D;
          if (row >= B0 && wv) {
            // A pretrained row is vector @ P: its gradient goes to P (outer product), not to the row.
            const go = (row - B0) * G;
            for (let k = 0; k < G; k++) {
              const gk = wv.vecs[go + k];
              if (gk === 0) continue;
              for (let d = 0; d < D; d++) dP[k * D + d] += gk * gAcc[r + d];
            }
            for (let d = 0; d < D; d++) gAcc[r + d] = 0;
            touched[row] = 0;
            wordRows++;
            continue;
          }
          for (let d = 0; d < D; d++) {
            const g = gAcc[r + d];
            gAcc[r + d] = 0;
            eM[r + d] = b1 * eM[r + d] + (1 - b1) * g;
            eV[r + d] = b2 * eV[r + d] + (1 - b2) * g * g;
            w.emb[r + d] -= (embLr * (eM[r + d] / bc1)) / (Math.sqrt(eV[r + d] / bc2) + 1e-8);
          }
          touched[row] = 0;
        }
        if (wordRows) {
          // Dense Adam on P at the dense layers' learning rate.
          const lr = o.lr * frac;
          for (let i = 0; i < P.length; i++) {
            const g = dP[i];
            dP[i] = 0;
            pM[i] = b1 * pM[i] + (1 - b1) * g;
            pV[i] = b2 * pV[i] + (1 - b2) * g * g;
            P[i] -= (lr * (pM[i] / bc1)) / (Math.sqrt(pV[i] / bc2) + 1e-8);
          }
        }
      }
      for (const [name, v] of Object.entries(vars)) w.dense[name] = Float32Array.from(v.dataSync() as Float32Array);
      if (wv) {
        w.projection = Float32Array.from(P);
        projectWordRows(w.emb, B0, D, wv, w.projection);
      }
      if (dom) {
        const d = dom.arraySync() as number[][];
        o.log?.(`per-source toxicity offsets: ${[...sourceIndex].map(([name, i]) => `${name} ${d[i][0].toFixed(2)}`).join(', ')}`);
      }
      o.log?.(`epoch ${epoch + 1}/${o.epochs}: loss ${(lossSum / Math.max(1, nb)).toFixed(4)}, ${nb} batches, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      o.onEpoch?.(epoch, w);
    }
  } finally {
    for (const v of Object.values(vars)) v.dispose();
    dom?.dispose();
    opt.dispose();
  }
  return w;
}

/** Writes row `row` (a pretrained word: `row - buckets` indexes `wv`) as its vector @ projection. */
function projectRow(emb: Float32Array, row: number, buckets: number, dim: number, wv: WordVectors, projection: Float32Array): void {
  const G = wv.dim;
  const i = row - buckets;
  const o = row * dim;
  for (let d = 0; d < dim; d++) emb[o + d] = 0;
  for (let k = 0; k < G; k++) {
    const g = wv.vecs[i * G + k];
    if (g === 0) continue;
    const pr = k * dim;
    for (let d = 0; d < dim; d++) emb[o + d] += g * projection[pr + d];
  }
}

/** Writes every pretrained row (`vecs @ projection`) after the hashed buckets: what inference reads. */
export function projectWordRows(emb: Float32Array, buckets: number, dim: number, wv: WordVectors, projection: Float32Array): void {
  for (let i = 0; i < wv.words.length; i++) projectRow(emb, buckets + i, buckets, dim, wv, projection);
}

/** Type-loss weights (count share)^-1/2, normalised to mean 1: rare types are not drowned by insults. */
export function typeClassWeights(examples: Example[]): number[] {
  const n = new Float64Array(NC);
  for (const e of examples) {
    if (!e.typeY || !e.typeW) continue;
    for (let t = 0; t < e.typeW.length; t++) if (e.typeW[t] > 0) for (let k = 0; k < NC; k++) n[k] += e.typeY[t * NC + k];
  }
  const tot = n.reduce((a, b) => a + b, 0);
  const w = Array.from(n, (x) => Math.sqrt(tot / (NC * Math.max(x, 1))));
  const mean = w.reduce((a, b) => a + b, 0) / NC;
  return w.map((x) => x / mean);
}

/** Groups examples into length-homogeneous batches in a seeded random order. */
export function makeBatches(examples: Example[], batchSize: number, rand: () => number): Example[][] {
  // Sort by length with noise so batches vary between epochs but stay well packed.
  const keyed = examples.map((e) => ({ e, k: e.tokens.length * (0.9 + 0.2 * rand()) }));
  keyed.sort((a, b) => a.k - b.k);
  const out: Example[][] = [];
  for (let i = 0; i < keyed.length; i += batchSize) out.push(keyed.slice(i, i + batchSize).map((x) => x.e));
  return shuffle(out, rand);
}
