/**
 * Evaluation metrics: SemEval-2021 Task 5 span F1 (on code points, as the gold is given) and its
 * re-weighted form, ROC-AUC, macro-F1 and expected calibration error.
 */
import { utf16ToCodePoint } from '../data/io';
// One rank AUC for the adapter's gate and the evaluations (ties count one half in both).
import { auc } from '../adapt/metrics';

/** Code-point offsets covered by UTF-16 ranges of `text` (the unit the SemEval gold uses). */
export function rangesToCodePoints(text: string, ranges: Array<{ start: number; end: number }>): number[] {
  const map = utf16ToCodePoint(text);
  const set = new Set<number>();
  for (const r of ranges) {
    for (let i = r.start; i < r.end; i++) {
      // A surrogate pair's two units map to the same code point: the set keeps one.
      set.add(map[i]);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Per-post F1 of SemEval-2021 Task 5: both empty -> 1, exactly one empty -> 0, else the F1 of
 * the two offset sets.
 */
export function postF1(pred: number[], gold: number[]): number {
  if (gold.length === 0) return pred.length === 0 ? 1 : 0;
  if (pred.length === 0) return 0;
  const g = new Set(gold);
  let tp = 0;
  for (const x of new Set(pred)) if (g.has(x)) tp++;
  if (tp === 0) return 0;
  const p = tp / new Set(pred).size;
  const r = tp / g.size;
  return (2 * p * r) / (p + r);
}

/** Mean per-post F1 over posts. */
export function meanF1(preds: number[][], golds: number[][]): number {
  if (preds.length !== golds.length) throw new Error('meanF1: length mismatch');
  if (!preds.length) return NaN;
  let s = 0;
  for (let i = 0; i < preds.length; i++) s += postF1(preds[i], golds[i]);
  return s / preds.length;
}

/** ROC-AUC via the rank statistic (ties get average ranks). Rows with NaN gold are left out; NaN when a class is missing. */
export function rocAuc(scores: ArrayLike<number>, allLabels: ArrayLike<number>): number {
  const keep = Array.from({ length: scores.length }, (_, i) => i).filter((i) => Number.isFinite(allLabels[i]));
  const labels = keep.map((i) => allLabels[i]);
  const kept = keep.map((i) => scores[i]);
  return auc(kept, labels);
}

/** Macro-F1 of binary predictions (mean of the F1 of class 1 and of class 0). */
export function macroF1(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  const f1 = (cls: number): number => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < pred.length; i++) {
      const p = pred[i] === cls;
      const g = gold[i] === cls;
      if (p && g) tp++;
      else if (p) fp++;
      else if (g) fn++;
    }
    return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
  };
  return (f1(1) + f1(0)) / 2;
}

/**
 * Mean per-post span F1 with the empty-gold posts re-weighted to `emptyShare` of the total weight
 * (each empty-gold post weighs `emptyShare / m`, each other post `(1 - emptyShare) / (n - m)`).
 * Models a test set whose share of toxic posts without a gold span differs from the dev set's
 * (SemEval-2021's test set has 19.7%, tsd_trial 6%). With no empty-gold (or no other) posts it
 * is the plain mean.
 */
export function reweightedMeanF1(preds: number[][], golds: number[][], emptyShare = 0.2): number {
  if (preds.length !== golds.length) throw new Error('reweightedMeanF1: length mismatch');
  let emptySum = 0;
  let empty = 0;
  let otherSum = 0;
  for (let i = 0; i < preds.length; i++) {
    const f = postF1(preds[i], golds[i]);
    if (golds[i].length === 0) (emptySum += f), empty++;
    else otherSum += f;
  }
  const other = preds.length - empty;
  if (!empty || !other) return meanF1(preds, golds);
  return (emptyShare * emptySum) / empty + ((1 - emptyShare) * otherSum) / other;
}

/**
 * Expected calibration error: `bins` equal-width bins of the score on [0, 1]; the sum over bins
 * of (share of rows in the bin) x |mean score - share of positive gold|. Rows with NaN gold are
 * left out; a score of exactly 1 falls in the last bin.
 */
export function expectedCalibrationError(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  const n = new Float64Array(bins);
  const s = new Float64Array(bins);
  const y = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(labels[i]) || !Number.isFinite(scores[i])) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(scores[i] * bins)));
    n[b]++;
    s[b] += scores[i];
    y[b] += labels[i] > 0.5 ? 1 : 0;
    total++;
  }
  if (!total) return NaN;
  let ece = 0;
  for (let b = 0; b < bins; b++) if (n[b]) ece += (n[b] / total) * Math.abs(s[b] / n[b] - y[b] / n[b]);
  return ece;
}

/**
 * The decision threshold (grid 0.05-0.95) with the best F1 of `score >= t` against binary gold,
 * or null with fewer than 20 positives (too few to tune on).
 */
export function tuneDecision(scores: number[], gold: number[]): { threshold: number; f1: number } | null {
  const pos = gold.filter((g) => g === 1).length;
  if (pos < 20) return null;
  let best = { threshold: 0.5, f1: -1 };
  for (let t = 0.05; t <= 0.951; t += 0.025) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        if (gold[i]) tp++;
        else fp++;
      }
    });
    const f1 = tp ? (2 * tp) / (2 * tp + fp + (pos - tp)) : 0;
    if (f1 > best.f1) best = { threshold: Number(t.toFixed(3)), f1 };
  }
  return best;
}
