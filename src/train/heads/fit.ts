/**
 * Fits the encoder heads: per target (toxicity, each category), a logistic layer on the
 * standardised [logit of the convolutional model's outputs, sentence vector], shrunk toward the
 * base (the prior weight on the target's own base logit reproduces it), the L2 strength chosen by
 * k-fold cross-validation, solved with src/adapt's L-BFGS (one solver in the project). Soft
 * targets (a crowd's share) enter as two weighted rows, y = 1 and y = 0.
 *
 * Two ways (`FitHeadsOptions.stacked`):
 * - direct: the whole layer on the calibration slice (base outputs out of sample there);
 * - stacked: first a head on the vector alone per target, fitted on `vectorRows` (comments the
 *   network trained on: the vector head does not read its outputs), then on the calibration
 *   slice a small layer on [base logits, the vector heads' margins]. Both stages are linear in
 *   the inputs, so they fold into one layer of the same file format.
 */
import { solve, margins, type Design, type Problem } from '../../adapt/logistic';
import { mulberry32 } from '../../util/prng';
import { sigmoid, logit } from '../../util/math';
import { HEAD_OUTPUTS, type HeadsFile } from '../../model/heads';
import type { CommentPrediction } from '../../model/types';
import { rocAuc, tuneDecision } from '../metrics';
import type { HeadRow } from './data';

type BaseOutputs = Pick<CommentPrediction, 'toxicity' | 'categories'>;

/** Base probabilities clamped as `headInputs` clamps them. */
const CLAMP = 1e-4;
export const LAMBDAS = [10, 30, 100, 300, 1000, 3000];

export interface FitHeadsOptions {
  seed: number;
  folds?: number;
  lambdas?: number[];
  /** Weigh each source so that sources count alike (`clamp(mean n / n_source, 0.5, 2)`). */
  balance?: boolean;
  /** Penalties tried in the stacked second stage (default: a tenth of `lambdas`). */
  stage2Lambdas?: number[];
  /** Each head reads only its own base output (and its own vector head when stacked); the others are held at 0. */
  ownOnly?: boolean;
  /** Factor on lambda for the base-logit weights and the intercept (default 1). */
  basePenalty?: number;
  /** Targets to fit (default: every HEAD_OUTPUTS with at least 40 positives). */
  targets?: readonly string[];
  /** Stacked fit: the vector heads' rows and vectors (see the module doc). */
  stacked?: { rows: HeadRow[]; vectors: Float32Array[] };
  /**
   * Stacked: also a toxicity vector head per source of the vector rows (each set's own notion of
   * toxic: HateXplain's, OLID's, C3's...), all of them inputs of the second stage.
   */
  perSource?: boolean;
  log?: (m: string) => void;
}

/** What the fit reports per target. */
export interface HeadReport {
  rows: number;
  positives: number;
  lambda: number;
  /** Out-of-fold AUC of the base output and of the head, mean over sources with both classes. */
  cvAuc: { base: number; head: number };
  /** Stacked: the vector head's own lambda and out-of-fold AUC on its rows. */
  vectorHead?: { rows: number; lambda: number; cvAuc: number };
  /** Decision threshold folded into the bias (categories: F1 on out-of-fold predictions). */
  threshold: number | null;
}

export interface FitHeadsResult {
  inputs: HeadsFile['inputs'];
  heads: HeadsFile['heads'];
  report: Record<string, HeadReport>;
  /** Out-of-fold probability of every fitted target, per calibration row (absent where unlabelled). */
  oof: Array<Record<string, number>>;
}

function baseValue(p: BaseOutputs, k: string): number {
  return k === 'toxicity' ? p.toxicity : p.categories[k as keyof CommentPrediction['categories']];
}

const baseLogitOf = (p: BaseOutputs, k: string): number => logit(Math.min(1 - CLAMP, Math.max(CLAMP, baseValue(p, k))));

/** Column means and standard deviations of an n x d matrix (a constant column gets scale 1). */
function moments(x: Float32Array, n: number, d: number): { shift: number[]; scale: number[] } {
  const shift = new Array(d).fill(0);
  const scale = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) shift[j] += x[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (x[i * d + j] - shift[j]) ** 2 / n;
  // A (near-)constant input carries nothing: unit scale, so rounding noise is not blown up.
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) > 1e-6 ? Math.sqrt(scale[j]) : 1;
  return { shift, scale };
}

function standardise(x: Float32Array, n: number, d: number, shift: number[], scale: number[]): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (x[i * d + j] - shift[j]) / scale[j];
}

/** Mean over sources (with both classes and 10+ rows) of the AUC of `score` against binarised labels. */
export function meanSourceAuc(rows: HeadRow[], idx: number[], score: (i: number) => number, k: number): number {
  const bySource = new Map<string, number[]>();
  for (const i of idx) bySource.set(rows[i].source, [...(bySource.get(rows[i].source) ?? []), i]);
  const aucs: number[] = [];
  for (const list of bySource.values()) {
    const gold = list.map((i) => (rows[i].y[k] >= 0.5 ? 1 : 0));
    const pos = gold.filter((g) => g).length;
    if (list.length < 10 || pos === 0 || pos === list.length) continue;
    aucs.push(rocAuc(list.map(score), gold));
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN;
}

/** One logistic fit with the penalty chosen by cross-validation. */
interface CvTask {
  /** Per weight (and the intercept, last), a factor on lambda. */
  penalty?: Float64Array;
  /** Standardised features, row-major, indexed by row. */
  x: Float32Array;
  d: number;
  rows: HeadRow[];
  /** The target's index in HEAD_OUTPUTS. */
  t: number;
  labelled: number[];
  weight: (i: number) => number;
  w0: Float64Array;
  lambdas: number[];
  folds: number;
  fold: number[];
}

function cvLogistic(task: CvTask, log: (m: string) => void, name: string): { params: Float64Array; lambda: number; auc: number; oof: Float64Array } {
  const { x, d, rows, t, labelled, w0, lambdas, folds, fold } = task;
  // Design rows: one per labelled row and label value with weight (soft labels split in two).
  const owner: number[] = [];
  const ys: number[] = [];
  const ss: number[] = [];
  for (const i of labelled) {
    const y = rows[i].y[t];
    const w = task.weight(i);
    if (y > 0) (owner.push(i), ys.push(1), ss.push(w * y));
    if (y < 1) (owner.push(i), ys.push(0), ss.push(w * (1 - y)));
  }
  const m = owner.length;
  const dx = new Float32Array(m * d);
  owner.forEach((i, r) => dx.set(x.subarray(i * d, (i + 1) * d), r * d));
  const design: Design = { x: dx, n: m, d };
  const y = Uint8Array.from(ys);
  const s = Float64Array.from(ss);
  const problem = (fit: number[], lambda: number): Problem => ({ design, rows: Int32Array.from(fit), y, s, w0, lambda, ...(task.penalty ? { scale: task.penalty } : {}) });
  const full: Design = { x, n: rows.length, d };
  let best = { lambda: lambdas[0], auc: -Infinity, oof: new Float64Array(rows.length) };
  for (const lambda of lambdas) {
    const pred = new Float64Array(rows.length).fill(NaN);
    for (let f = 0; f < folds; f++) {
      const train = owner.map((i, r) => (fold[i] !== f ? r : -1)).filter((r) => r >= 0);
      const sol = solve(problem(train, lambda), { maxIter: 150 });
      const test = labelled.filter((i) => fold[i] === f);
      const z = margins(full, test, sol.params);
      test.forEach((i, q) => (pred[i] = sigmoid(z[q])));
    }
    const a = meanSourceAuc(rows, labelled, (i) => pred[i], t);
    log(`  ${name} lambda ${lambda}: out-of-fold mean source AUC ${a.toFixed(4)}`);
    if (a > best.auc) best = { lambda, auc: a, oof: pred };
  }
  const sol = solve(problem(owner.map((_, r) => r), best.lambda), { maxIter: 300 });
  return { params: sol.params, lambda: best.lambda, auc: best.auc, oof: best.oof };
}

/**
 * Fits every head on the calibration `rows`, the base model's outputs on them (`preds`) and
 * their sentence vectors.
 */
export function fitHeads(rows: HeadRow[], preds: BaseOutputs[], vectors: Float32Array[], o: FitHeadsOptions): FitHeadsResult {
  const log = o.log ?? (() => undefined);
  const folds = o.folds ?? 5;
  const lambdas = o.lambdas ?? LAMBDAS;
  const nb = HEAD_OUTPUTS.length;
  const dv = vectors[0].length;
  const d = nb + dv;
  const n = rows.length;
  // Raw inputs of the calibration rows: [base logits, vector].
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    HEAD_OUTPUTS.forEach((k, j) => (x[i * d + j] = baseLogitOf(preds[i], k)));
    x.set(vectors[i], i * d + nb);
  }
  const { shift, scale } = moments(x, n, d);
  // Stacked: the vector part is standardised on the vector heads' own rows.
  let vx: Float32Array | undefined;
  if (o.stacked) {
    const sv = o.stacked.vectors;
    vx = new Float32Array(sv.length * dv);
    sv.forEach((v, i) => vx!.set(v, i * dv));
    const mv = moments(vx, sv.length, dv);
    for (let j = 0; j < dv; j++) (shift[nb + j] = mv.shift[j]), (scale[nb + j] = mv.scale[j]);
    standardise(vx, sv.length, dv, mv.shift, mv.scale);
  }
  standardise(x, n, d, shift, scale);
  const weighting = (rs: HeadRow[]): ((i: number) => number) => {
    const counts = new Map<string, number>();
    for (const r of rs) counts.set(r.source, (counts.get(r.source) ?? 0) + 1);
    const meanN = rs.length / counts.size;
    return (i) => (o.balance ? Math.min(2, Math.max(0.5, meanN / counts.get(rs[i].source)!)) : 1);
  };
  const rand = mulberry32(o.seed);
  const fold = rows.map(() => Math.floor(rand() * folds));
  const heads: HeadsFile['heads'] = {};
  const report: Record<string, HeadReport> = {};
  const oof: Array<Record<string, number>> = rows.map(() => ({}));
  const calWeight = weighting(rows);

  // Stacked, stage 1: a vector head per target (and per source, for toxicity) on the vector rows.
  const vectorHeads: Record<string, { u: Float64Array; e: number; report: HeadReport['vectorHead'] }> = {};
  if (o.stacked && vx) {
    const vr = o.stacked.rows;
    const vFold = vr.map(() => Math.floor(rand() * folds));
    const vWeight = weighting(vr);
    const jobs: Array<{ name: string; t: number; labelled: number[] }> = [];
    HEAD_OUTPUTS.forEach((k, t) => jobs.push({ name: k, t, labelled: vr.map((_, i) => i).filter((i) => vr[i].m[t] > 0) }));
    if (o.perSource) {
      for (const src of [...new Set(vr.map((r) => r.source))].sort()) {
        jobs.push({ name: `toxicity@${src}`, t: 0, labelled: vr.map((_, i) => i).filter((i) => vr[i].source === src && vr[i].m[0] > 0) });
      }
    }
    for (const { name, t, labelled } of jobs) {
      const pos = labelled.filter((i) => vr[i].y[t] >= 0.5).length;
      if (pos < 40 || labelled.length - pos < 40) continue;
      const r = cvLogistic({ x: vx, d: dv, rows: vr, t, labelled, weight: (i) => vr[i].m[t] * vWeight(i), w0: new Float64Array(dv + 1), lambdas, folds, fold: vFold }, log, `vector ${name}`);
      vectorHeads[name] = { u: r.params.subarray(0, dv), e: r.params[dv], report: { rows: labelled.length, lambda: r.lambda, cvAuc: r.auc } };
      log(`vector head ${name}: ${labelled.length} rows, lambda ${r.lambda}, out-of-fold mean source AUC ${r.auc.toFixed(4)}`);
    }
  }
  const stage1 = Object.keys(vectorHeads);
  // Stage-2 inputs on the calibration rows: [base logits, vector-head margins].
  const ds = nb + stage1.length;
  const sx = new Float32Array(n * ds);
  if (o.stacked) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < nb; j++) sx[i * ds + j] = x[i * d + j];
      stage1.forEach((k, q) => {
        const { u, e } = vectorHeads[k];
        let z = e;
        for (let j = 0; j < dv; j++) z += u[j] * x[i * d + nb + j];
        sx[i * ds + nb + q] = z;
      });
    }
  }

  HEAD_OUTPUTS.forEach((k, t) => {
    const labelled = rows.map((_, i) => i).filter((i) => rows[i].m[t] > 0);
    const positives = labelled.filter((i) => rows[i].y[t] >= 0.5).length;
    if (o.targets ? !o.targets.includes(k) : positives < 40) {
      log(`head ${k}: skipped (${labelled.length} rows, ${positives} positive)`);
      return;
    }
    const stacked = !!o.stacked;
    const dd = stacked ? ds : d;
    // Prior: the base output itself (its own standardised logit times its scale, plus its mean).
    const w0 = new Float64Array(dd + 1);
    w0[t] = scale[t];
    w0[dd] = shift[t];
    // The base logits and the intercept are penalised lightly (`basePenalty`): few, well determined.
    const penalty = new Float64Array(dd + 1).fill(1);
    for (let j = 0; j < nb; j++) penalty[j] = o.basePenalty ?? 1;
    penalty[dd] = o.basePenalty ?? 1;
    // ownOnly: the head blends only its own base output and (stacked) its own vector head.
    if (o.ownOnly) for (let j = 0; j < dd; j++) if (j !== t && (j < nb || stage1[j - nb] !== k)) penalty[j] = 1e9;
    const r = cvLogistic({ x: stacked ? sx : x, d: dd, rows, t, labelled, weight: (i) => rows[i].m[t] * calWeight(i), w0, penalty, lambdas: stacked ? o.stage2Lambdas ?? lambdas.map((l) => l / 10) : lambdas, folds, fold }, log, k);
    // Fold the layer back onto [base logits, vector] (stacked: through the vector heads' weights).
    const w = new Float64Array(d);
    let b = r.params[dd];
    for (let j = 0; j < nb; j++) w[j] = r.params[j];
    if (stacked) {
      stage1.forEach((k1, q) => {
        const c = r.params[nb + q];
        const { u, e } = vectorHeads[k1];
        for (let j = 0; j < dv; j++) w[nb + j] += c * u[j];
        b += c * e;
      });
    } else for (let j = nb; j < d; j++) w[j] = r.params[j];
    const baseAuc = meanSourceAuc(rows, labelled, (i) => baseValue(preds[i], k), t);
    // Categories: the F1-best threshold on out-of-fold predictions folded into the bias, as the
    // network's are, so `category >= 0.5` is the tuned decision. Toxicity keeps 0.5.
    let threshold: number | null = null;
    if (k !== 'toxicity') {
      const tuned = tuneDecision(labelled.map((i) => r.oof[i]), labelled.map((i) => (rows[i].y[t] >= 0.5 ? 1 : 0)));
      if (tuned) {
        threshold = tuned.threshold;
        b -= logit(threshold);
        for (const i of labelled) r.oof[i] = sigmoid(logit(r.oof[i]) - logit(threshold));
      }
    }
    heads[k] = { w: Array.from(w, (v) => Number(v.toPrecision(6))), b: Number(b.toPrecision(8)) };
    for (const i of labelled) oof[i][k] = r.oof[i];
    report[k] = { rows: labelled.length, positives, lambda: r.lambda, cvAuc: { base: baseAuc, head: r.auc }, threshold, ...(vectorHeads[k] ? { vectorHead: vectorHeads[k].report } : {}) };
    log(`head ${k}: ${labelled.length} rows (${positives} positive), lambda ${r.lambda}, out-of-fold mean source AUC ${r.auc.toFixed(4)} (base ${baseAuc.toFixed(4)})${threshold !== null ? `, threshold ${threshold}` : ''}`);
  });
  return { inputs: { base: [...HEAD_OUTPUTS], shift: shift.map((v) => Number(v.toPrecision(7))), scale: scale.map((v) => Number(v.toPrecision(7))) }, heads, report, oof };
}
