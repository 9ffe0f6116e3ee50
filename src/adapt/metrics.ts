/**
 * Ranking metrics of the adapter's gate. Runtime code (the refit runs in the server), so kept
 * here rather than borrowed from src/train, which runtime code never imports.
 */

/**
 * ROC AUC with example weights (ties count one half): the weighted probability that a random
 * positive outranks a random negative. NaN without both classes.
 * @example auc([0.9, 0.2, 0.6], [1, 0, 0])  // 1
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let negBelow = 0;
  let pos = 0;
  let neg = 0;
  let sum = 0;
  for (let s = 0; s < n; ) {
    // A block of tied scores: its positives beat the negatives below and tie with its own.
    let e = s;
    let bp = 0;
    let bn = 0;
    while (e < n && scores[order[e]] === scores[order[s]]) {
      const i = order[e++];
      const w = weights ? weights[i] : 1;
      if (labels[i] > 0.5) bp += w;
      else bn += w;
    }
    sum += bp * (negBelow + bn / 2);
    negBelow += bn;
    pos += bp;
    neg += bn;
    s = e;
  }
  return pos > 0 && neg > 0 ? sum / (pos * neg) : NaN;
}

/**
 * The lowest threshold on `scores` whose (weighted) precision reaches `target`, with its recall;
 * null when no threshold does.
 */
export function thresholdForPrecision(scores: ArrayLike<number>, labels: ArrayLike<number>, target: number, weights?: ArrayLike<number>): { precision: number; threshold: number; recall: number } | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let total = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0.5) total += weights ? weights[i] : 1;
  if (total === 0) return null;
  let tp = 0;
  let fp = 0;
  let best: { precision: number; threshold: number; recall: number } | null = null;
  for (let s = 0; s < n; ) {
    let e = s;
    while (e < n && scores[order[e]] === scores[order[s]]) {
      const i = order[e++];
      const w = weights ? weights[i] : 1;
      if (labels[i] > 0.5) tp += w;
      else fp += w;
    }
    const precision = tp / (tp + fp);
    // Walking down the scores, keep the last cut that still meets the target: the most recall.
    if (precision >= target) best = { precision, threshold: scores[order[s]], recall: tp / total };
    s = e;
  }
  return best;
}

/** Midranks (1-based, ties averaged) of `v`. */
function midranks(v: number[]): Float64Array {
  const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e < order.length && v[order[e]] === v[order[s]]) e++;
    for (let k = s; k < e; k++) r[order[k]] = (s + e + 1) / 2;
    s = e;
  }
  return r;
}

/**
 * Difference of two correlated AUCs on the same rows (`a` minus `b`) with its standard error by
 * DeLong's method (DeLong, DeLong & Clarke-Pearson 1988): the gate asks whether an adapter's gain
 * over the base is more than the noise of a few hundred decisions. NaN without both classes.
 */
export function pairedAucDiff(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): { diff: number; se: number } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] > 0.5 ? pos : neg).push(i);
  const m = pos.length;
  const n = neg.length;
  if (!m || !n) return { diff: NaN, se: NaN };
  // Per model: structural components V10 (each positive) and V01 (each negative).
  const parts = [a, b].map((s) => {
    const all = midranks([...pos, ...neg].map((i) => s[i]));
    const rp = midranks(pos.map((i) => s[i]));
    const rn = midranks(neg.map((i) => s[i]));
    const v10 = Float64Array.from({ length: m }, (_, k) => (all[k] - rp[k]) / n);
    const v01 = Float64Array.from({ length: n }, (_, k) => 1 - (all[m + k] - rn[k]) / m);
    let auc = 0;
    v10.forEach((x) => (auc += x));
    return { v10, v01, auc: auc / m };
  });
  const cov = (x: Float64Array, y: Float64Array): number => {
    let mx = 0;
    let my = 0;
    for (let i = 0; i < x.length; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= x.length;
    my /= y.length;
    let c = 0;
    for (let i = 0; i < x.length; i++) c += (x[i] - mx) * (y[i] - my);
    return x.length > 1 ? c / (x.length - 1) : 0;
  };
  const [A, B] = parts;
  const varDiff = (cov(A.v10, A.v10) + cov(B.v10, B.v10) - 2 * cov(A.v10, B.v10)) / m + (cov(A.v01, A.v01) + cov(B.v01, B.v01) - 2 * cov(A.v01, B.v01)) / n;
  return { diff: A.auc - B.auc, se: Math.sqrt(Math.max(0, varDiff)) };
}
