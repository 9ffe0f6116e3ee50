/**
 * L2-regularised logistic regression fitted by Newton's method. With ~20 features and a few
 * thousand rows this converges in a handful of exact steps, deterministically, in milliseconds —
 * no optimiser settings to tune and nothing random to seed.
 */

/** A fitted model: features are standardised with `mean`/`std` before the dot product. */
export interface LogReg {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

import { logit, sigmoid } from '../util/math';

export { logit, sigmoid };

/** Probability of the positive class for one feature vector. */
export function predict(m: LogReg, x: number[]): number {
  let z = m.bias;
  for (let j = 0; j < x.length; j++) if (m.weights[j] !== 0) z += m.weights[j] * ((x[j] - m.mean[j]) / m.std[j]);
  return sigmoid(z);
}

/** Per-feature mean and standard deviation of rows `X` (a constant feature gets std 1, so it stays harmless). */
export function standardisation(X: number[][]): { mean: number[]; std: number[] } {
  const n = X.length;
  const d = X[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / n;
  for (const x of X) for (let j = 0; j < d; j++) std[j] += (x[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  return { mean, std };
}

/**
 * Fit on rows `X` with labels `y` (1 = positive). `lambda` is the L2 penalty on standardised
 * weights (not on the bias); `mask[j] === false` pins feature j to weight 0 (for ablations);
 * `weight[i]` scales row i's share of the loss (synthetic rows count for less than labelled ones).
 */
export function fit(X: number[][], y: number[], lambda = 1, mask?: boolean[], iters = 30, weight?: number[]): LogReg {
  const n = X.length;
  const d = X[0].length;
  const { mean, std } = standardisation(X);
  const active = [...Array(d).keys()].filter((j) => !mask || mask[j]);
  const Z = X.map((x) => [1, ...active.map((j) => (x[j] - mean[j]) / std[j])]);
  const k = active.length + 1;
  let w = new Array<number>(k).fill(0);
  for (let it = 0; it < iters; it++) {
    const g = new Array<number>(k).fill(0);
    const H = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      let s = 0;
      for (let a = 0; a < k; a++) s += w[a] * z[a];
      const p = sigmoid(s);
      const wi = weight ? weight[i] : 1;
      const r = (p - y[i]) * wi;
      const h = Math.max(p * (1 - p), 1e-9) * wi;
      for (let a = 0; a < k; a++) {
        g[a] += r * z[a];
        const hz = h * z[a];
        for (let b = a; b < k; b++) H[a][b] += hz * z[b];
      }
    }
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < a; b++) H[a][b] = H[b][a];
      if (a > 0) {
        g[a] += lambda * w[a];
        H[a][a] += lambda;
      }
    }
    const step = solve(H, g);
    w = w.map((v, a) => v - step[a]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  const weights = new Array<number>(d).fill(0);
  active.forEach((j, a) => (weights[j] = w[a + 1]));
  return { mean, std, weights, bias: w[0] };
}

/** Solve `A x = b` (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    const piv = M[c][c] || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / piv;
      if (f !== 0) for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / (M[r][r] || 1e-12);
  }
  return x;
}

/**
 * `fit` with the first `constrained` weights kept non-negative: an input whose weight comes out
 * negative is dropped from `mask` (updated in place) and the model refitted, at most `rounds` times.
 */
export function fitNonNegative(X: number[][], y: number[], lambda: number, mask: boolean[], constrained: number, rounds: number, weight?: number[]): LogReg {
  let m = fit(X, y, lambda, mask, 30, weight);
  for (let k = 0; k < rounds && m.weights.slice(0, constrained).some((w) => w < 0); k++) {
    m.weights.slice(0, constrained).forEach((w, j) => w < 0 && (mask[j] = false));
    m = fit(X, y, lambda, mask, 30, weight);
  }
  return m;
}
