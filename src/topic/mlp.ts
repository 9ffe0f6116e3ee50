/**
 * A small one-hidden-layer network (tanh units, logistic output) over the classifier's features:
 * the logistic regression can only add the features up, this can also weigh them together
 * (a question mark from the asker is not the same as one from someone else). Plain JS, seeded
 * initialisation and shuffles, so a fit is reproducible; mini-batch Adam with L2 weight decay.
 */
import { lcg32 } from '../util/lcg32';
import { sigmoid, standardisation } from './logreg';

/** A fitted network: inputs standardised with `mean`/`std`; `w1[h]` are hidden unit h's input weights. */
export interface Mlp {
  mean: number[];
  std: number[];
  w1: number[][];
  b1: number[];
  w2: number[];
  b2: number;
}

/** Training settings (defaults in `MLP_DEFAULTS`). */
export interface MlpOptions {
  hidden: number;
  epochs: number;
  /** Adam step size. */
  rate: number;
  /** L2 penalty on the weights (not the biases), per row. */
  decay: number;
  batch: number;
  seed: number;
}

/** The settings used unless told otherwise (not tuned on the evaluation folds). */
export const MLP_DEFAULTS: MlpOptions = { hidden: 8, epochs: 20, rate: 0.01, decay: 1e-4, batch: 64, seed: 17 };

/** Output logit of the network for one raw feature vector. */
export function mlpLogit(m: Mlp, x: number[]): number {
  let z = m.b2;
  for (let h = 0; h < m.w1.length; h++) {
    const w = m.w1[h];
    let a = m.b1[h];
    for (let j = 0; j < x.length; j++) if (w[j] !== 0) a += w[j] * ((x[j] - m.mean[j]) / m.std[j]);
    z += m.w2[h] * Math.tanh(a);
  }
  return z;
}

/**
 * Fit on rows `X` with 0/1 labels `y`; `mask[j] === false` leaves feature j out (weight 0).
 * Deterministic for a given `seed`.
 */
export function fitMlp(X: number[][], y: number[], mask?: boolean[], opts: Partial<MlpOptions> = {}): Mlp {
  const o = { ...MLP_DEFAULTS, ...opts };
  const n = X.length;
  const d = X[0].length;
  const { mean, std } = standardisation(X);
  const on = Array.from({ length: d }, (_, j) => !mask || mask[j]);
  const Z = X.map((x) => Float64Array.from(x, (v, j) => (on[j] ? (v - mean[j]) / std[j] : 0)));
  const r = lcg32(o.seed);
  const H = o.hidden;
  // Parameters in one vector: [w1 (H x d), b1 (H), w2 (H), b2].
  const P = H * d + H + H + 1;
  const w = new Float64Array(P);
  const scale = 1 / Math.sqrt(d);
  for (let h = 0; h < H; h++) for (let j = 0; j < d; j++) w[h * d + j] = on[j] ? (r() * 2 - 1) * scale : 0;
  for (let h = 0; h < H; h++) w[H * d + H + h] = (r() * 2 - 1) / Math.sqrt(H);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const g = new Float64Array(P);
  const act = new Float64Array(H);
  const order = Array.from({ length: n }, (_, i) => i);
  let t = 0;
  for (let e = 0; e < o.epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const k = Math.floor(r() * (i + 1));
      [order[i], order[k]] = [order[k], order[i]];
    }
    for (let s = 0; s < n; s += o.batch) {
      g.fill(0);
      const end = Math.min(n, s + o.batch);
      for (let b = s; b < end; b++) {
        const z = Z[order[b]];
        let out = w[P - 1];
        for (let h = 0; h < H; h++) {
          let a = w[H * d + h];
          for (let j = 0; j < d; j++) a += w[h * d + j] * z[j];
          act[h] = Math.tanh(a);
          out += w[H * d + H + h] * act[h];
        }
        const err = sigmoid(out) - y[order[b]];
        g[P - 1] += err;
        for (let h = 0; h < H; h++) {
          g[H * d + H + h] += err * act[h];
          const back = err * w[H * d + H + h] * (1 - act[h] * act[h]);
          g[H * d + h] += back;
          for (let j = 0; j < d; j++) if (on[j]) g[h * d + j] += back * z[j];
        }
      }
      const size = end - s;
      t++;
      for (let p = 0; p < P; p++) {
        const isWeight = p < H * d || (p >= H * d + H && p < P - 1);
        if (p < H * d && !on[p % d]) continue;
        const grad = g[p] / size + (isWeight ? o.decay * w[p] : 0);
        m1[p] = 0.9 * m1[p] + 0.1 * grad;
        m2[p] = 0.999 * m2[p] + 0.001 * grad * grad;
        w[p] -= (o.rate * (m1[p] / (1 - 0.9 ** t))) / (Math.sqrt(m2[p] / (1 - 0.999 ** t)) + 1e-8);
      }
    }
  }
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    mean: mean.map(round),
    std: std.map(round),
    w1: Array.from({ length: H }, (_, h) => Array.from(w.subarray(h * d, (h + 1) * d), round)),
    b1: Array.from(w.subarray(H * d, H * d + H), round),
    w2: Array.from(w.subarray(H * d + H, H * d + 2 * H), round),
    b2: round(w[P - 1]),
  };
}
