/** Binary classification metrics used by training and the model card. */
import { rocAuc } from '../metrics';
import { lcg32 } from '../../util/lcg32';

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
export { rocAuc };

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

/** Mean and sample standard deviation (per-fold and per-seed figures). */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, sd: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)) };
}

/** Rows of one run for a paired bootstrap: out-of-fold scores, decisions, labels and the group (question) of each row. */
export interface PairedRun {
  scores: number[];
  hard: number[];
  labels: number[];
  groups: string[];
}

/** Mean change and 95% percentile interval of one measure in a paired bootstrap. */
export interface BootstrapChange {
  change: number;
  low: number;
  high: number;
}

/**
 * Paired bootstrap over groups (questions): resample the groups with replacement, `rounds` times
 * (seeded), and measure ROC-AUC and F1 (from the decisions) of run `b` minus run `a` on the same
 * rows. Both runs must hold the same rows in the same order. A change whose interval excludes 0
 * is the project's rule for keeping it.
 */
export function pairedBootstrap(a: PairedRun, b: PairedRun, rounds = 1000, seed = 7): { rocAuc: BootstrapChange; f1: BootstrapChange } {
  if (a.labels.length !== b.labels.length || a.groups.some((g, i) => g !== b.groups[i] || a.labels[i] !== b.labels[i])) {
    throw new Error('paired bootstrap: the two runs do not hold the same rows');
  }
  const byGroup = new Map<string, number[]>();
  a.groups.forEach((g, i) => byGroup.set(g, [...(byGroup.get(g) ?? []), i]));
  const groups = [...byGroup.values()];
  const r = lcg32(seed);
  const dAuc: number[] = [];
  const dF1: number[] = [];
  const f1 = (run: PairedRun, ix: number[]) => prf(ix.map((i) => run.hard[i]), ix.map((i) => run.labels[i]), 1).f1;
  const auc = (run: PairedRun, ix: number[]) => rocAuc(ix.map((i) => run.scores[i]), ix.map((i) => run.labels[i]));
  for (let k = 0; k < rounds; k++) {
    const ix: number[] = [];
    for (let g = 0; g < groups.length; g++) ix.push(...groups[Math.floor(r() * groups.length)]);
    dAuc.push(auc(b, ix) - auc(a, ix));
    dF1.push(f1(b, ix) - f1(a, ix));
  }
  const all = a.labels.map((_, i) => i);
  const summary = (d: number[], whole: number): BootstrapChange => {
    const s = [...d].sort((x, y) => x - y);
    return { change: whole, low: s[Math.floor(0.025 * rounds)], high: s[Math.ceil(0.975 * rounds) - 1] };
  };
  return { rocAuc: summary(dAuc, auc(b, all) - auc(a, all)), f1: summary(dF1, f1(b, all) - f1(a, all)) };
}
