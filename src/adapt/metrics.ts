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
