/**
 * Evaluation metrics: SemEval-2021 Task 5 span F1 (on code points, as the gold is given),
 * ROC-AUC and macro-F1.
 */
import { utf16ToCodePoint } from '../data/io';

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

/** ROC-AUC via the rank statistic (ties get average ranks). NaN when a class is missing. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let neg = 0;
  let rankSum = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] > 0.5) rankSum += avg;
    i = j + 1;
  }
  for (let k = 0; k < labels.length; k++) (labels[k] > 0.5 ? pos++ : neg++);
  if (!pos || !neg) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
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
