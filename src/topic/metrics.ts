/** Binary classification metrics used by training and the model card. */

/** Precision, recall and F1 of the positive class at a threshold (`score >= t` is positive). */
export function prf(scores: number[], labels: number[], t: number): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const pos = s >= t;
    if (pos && labels[i] === 1) tp++;
    else if (pos) fp++;
    else if (labels[i] === 1) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** F1 of the positive class, of the negative class, their macro mean and accuracy at threshold `t`. */
export function binaryReport(scores: number[], labels: number[], t: number) {
  const pred = scores.map((s) => (s >= t ? 1 : 0));
  const pos = prf(pred, labels, 1);
  const neg = prf(pred.map((p) => 1 - p), labels.map((l) => 1 - l), 1);
  const acc = pred.filter((p, i) => p === labels[i]).length / scores.length;
  return { positive: pos, negative: neg, macroF1: (pos.f1 + neg.f1) / 2, accuracy: acc };
}

/** ROC-AUC (rank statistic): one implementation for the whole project. */
export { rocAuc } from '../train/metrics';

/** The threshold that maximises positive-class F1 (midpoint between adjacent distinct scores). */
export function bestF1Threshold(scores: number[], labels: number[]): { threshold: number; f1: number } {
  const sorted = [...new Set(scores)].sort((a, b) => a - b);
  let best = { threshold: 0.5, f1: -1 };
  for (let k = 0; k < sorted.length; k++) {
    const t = k === 0 ? sorted[0] : (sorted[k - 1] + sorted[k]) / 2;
    const f1 = prf(scores, labels, t).f1;
    if (f1 > best.f1) best = { threshold: t, f1 };
  }
  return best;
}
