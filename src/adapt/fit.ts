/**
 * Fitting a site's adapter from its moderators' decisions: one logistic head per attribute with
 * enough labels, shrunk toward the base, cross-validated against the base, gated, with a learning
 * curve and a suggested threshold. Pure and deterministic for a seed; the caller runs it off the
 * event loop (a worker) and stores the result.
 */
import { ModeratoError } from '../errors';
import { mulberry32 } from '../util/prng';
import { sigmoid } from '../util/math';
import { ENCODER_DIM } from '../encoder/types';
import { ADAPT_ATTRIBUTES, baseInputs, baseLogit, featureRow, newestBase, ownIndex, readsArticle, rowLength, sameBase } from './features';
import { margins, priorParams, solve, type Design, type Params, type Problem } from './logistic';
import { auc, pairedAucDiff, thresholdForPrecision } from './metrics';
import type { AdaptAttribute, AdapterReport, AttributeHead, BaseModels, LabelledExample, SiteAdapter } from './types';

/** Options of {@link fitAdapter}; every one has a default. */
export interface FitOptions {
  /** Version of the site's latest adapter; the new one is `previousVersion + 1` (default 0: version 1). */
  previousVersion?: number;
  /** Cross-validated AUC an attribute's head must gain over the base to be applied (default 0.01). */
  margin?: number;
  /** Folds of the stratified cross-validation (default 5). */
  folds?: number;
  /** Precision the suggested threshold aims at (default 0.9). */
  targetPrecision?: number;
  /** Seed of the fold assignment (default 1): the same decisions and seed give the same adapter. */
  seed?: number;
  /** Fewest positives, and for toxicity also negatives, an attribute needs to get a head (default 20). */
  minPositives?: number;
  /** Penalty strengths tried, the one with the best cross-validated AUC kept (default {@link LAMBDAS}). */
  lambdas?: number[];
  /**
   * Weight of an audit-sample decision relative to a held one (default 1). Audit decisions stand
   * for the many comments the policy publishes unseen; above 1 the fit leans toward them.
   */
  auditWeight?: number;
  /**
   * z the toxicity gain must also reach (gain / its DeLong standard error; default 1): the margin
   * alone let through gains that were noise at a few hundred decisions. Below `fullZ` the
   * adapter is applied at half strength.
   */
  minZ?: number;
  /** z from which the adapter is applied in full (default 2.5); see {@link strengthFor}. */
  fullZ?: number;
  /** Decision counts of the learning curve (default {@link CURVE_POINTS}; [] skips it, saving a fifth of the work). */
  curvePoints?: number[];
  /** Timestamp recorded as `createdAt` (default now). */
  createdAt?: string;
}

/**
 * Default penalty grid, in units of summed log-loss per squared standardised weight. Measured on
 * UCC as a site (1,100 decisions, 3 splits, held-out AUC): 300-1,000 best, 100 -0.01, 30 -0.04,
 * 3,000 -0.01.
 */
export const LAMBDAS = [1000, 300, 100];

/**
 * Factor on the penalty of the base-logit weights and the intercept. The vector's 512 weights
 * need the strong pull; the few base weights may move (rescale the base, reweigh its categories)
 * at little cost. Measured on UCC (1,100 decisions, 3 splits): 0.01 beat 1 by +0.005 AUC.
 */
const BASE_SCALE = 0.01;

/**
 * Solver stopping point (gradient norm relative to its value at the start). Measured on 10,000
 * real decisions: 1e-3 gave the same cross-validated AUC as 1e-4 to 4 decimals in 25% fewer steps.
 */
const GTOL = 1e-2;

/** Decision counts of the learning curve (those below the number of decisions, then all of them). */
export const CURVE_POINTS = [250, 500, 1000, 2000, 4000];

/** One attribute's labelled rows: which examples, their labels, and whether AUC can be measured. */
interface Task {
  attribute: AdaptAttribute;
  /** Indices into the examples, in their order. */
  idx: number[];
  y: Uint8Array;
  positives: number;
  /** The rows read the comment-x-article product (off_topic, when some decided comment has the article's vector). */
  article: boolean;
  /** Labelled rows left out because another base scored them. */
  otherBase: number;
}

/** A task's design matrix with its columns standardised, and how to undo it. */
interface Prepared {
  design: Design;
  nBase: number;
  mean: Float64Array;
  sd: Float64Array;
  w0: Float64Array;
}

function prepare(examples: LabelledExample[], task: Task): Prepared {
  const nBase = baseInputs(task.attribute).length;
  const d = rowLength(task.attribute);
  const n = task.idx.length;
  const x = new Float32Array(n * d);
  task.idx.forEach((e, r) => x.set(featureRow(examples[e].features, task.attribute, task.article), r * d));
  // Every column centred and scaled: one penalty suits all vector columns, and the solver
  // converges in far fewer steps than on raw logits (+-12) beside vector values (~0.04). The
  // prior moves with it: weight 1 on the raw own logit is sd on its scaled column, with the
  // intercept absorbing the centring.
  const mean = new Float64Array(d);
  const sd = new Float64Array(d).fill(1);
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      const v = x[r * d + j];
      s += v;
      s2 += v * v;
    }
    mean[j] = s / n;
    sd[j] = Math.sqrt(Math.max(1e-12, s2 / n - mean[j] * mean[j]));
    for (let r = 0; r < n; r++) x[r * d + j] = (x[r * d + j] - mean[j]) / sd[j];
  }
  const own = ownIndex(task.attribute);
  const w0 = new Float64Array(d + 1);
  w0[own] = sd[own];
  w0[d] = mean[own];
  return { design: { x, n, d }, nBase, mean, sd, w0 };
}

/** Back to raw feature units: the head reads `featureRow` values. */
function toHead(p: Params, prep: Prepared, article: boolean): AttributeHead {
  const d = prep.design.d;
  const w = new Array<number>(d);
  let b = p[d];
  for (let j = 0; j < d; j++) {
    w[j] = p[j] / prep.sd[j];
    b -= w[j] * prep.mean[j];
  }
  return article ? { w, b, article } : { w, b };
}

/** Stratified folds: each class shuffled with the seed and dealt round-robin. */
function stratifiedFolds(y: Uint8Array, k: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const fold = new Uint8Array(y.length);
  for (const cls of [0, 1]) {
    const members: number[] = [];
    y.forEach((v, i) => v === cls && members.push(i));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    members.forEach((m, r) => (fold[m] = r % k));
  }
  return fold;
}

/**
 * Folds that keep each group's rows together (a row without a group is a group of its own):
 * groups shuffled with the seed, then the largest first, each dealt to the fold it leaves the
 * least filled in positives and negatives (relative to their totals). Null when there are fewer
 * groups than folds.
 */
function groupedFolds(y: Uint8Array, groups: (string | null | undefined)[], k: number, seed: number): Uint8Array | null {
  const byKey = new Map<string, number[]>();
  groups.forEach((g, r) => {
    const key = g == null ? `row:${r}` : `group:${g}`;
    const rows = byKey.get(key);
    if (rows) rows.push(r);
    else byKey.set(key, [r]);
  });
  if (byKey.size < k) return null;
  const rand = mulberry32(seed);
  const list = [...byKey.values()];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  list.sort((a, b) => b.length - a.length);
  let P = 0;
  y.forEach((v) => (P += v));
  const N = Math.max(1, y.length - P);
  P = Math.max(1, P);
  const pos = new Float64Array(k);
  const neg = new Float64Array(k);
  const fold = new Uint8Array(y.length);
  for (const rows of list) {
    let gp = 0;
    for (const r of rows) gp += y[r];
    const gn = rows.length - gp;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      const cost = (pos[f] + gp) / P + (neg[f] + gn) / N;
      if (cost < bestCost) [best, bestCost] = [f, cost];
    }
    pos[best] += gp;
    neg[best] += gn;
    for (const r of rows) fold[r] = best;
  }
  return fold;
}

function rowsWhere(n: number, keep: (r: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < n; r++) if (keep(r)) out.push(r);
  return Int32Array.from(out);
}

/** Cross-validated results of one task at its best penalty. */
interface CvResult {
  lambda: number;
  base: number;
  adapted: number;
  /** Out-of-fold adapted probabilities, by task row, and their logits. */
  oof: Float64Array;
  oofMargin: Float64Array;
  /** Base logits, by task row. */
  baseScore: Float64Array;
  head: AttributeHead;
  curve: { n: number; base: number; adapted: number }[];
}

function crossValidate(examples: LabelledExample[], task: Task, s: Float64Array, o: Required<Omit<FitOptions, 'previousVersion' | 'createdAt'>>): CvResult {
  const prep = prepare(examples, task);
  const n = task.idx.length;
  // Off-topic is relative to the comment's article: rows of one article in both the training and
  // the held-out folds let a head learn that article's topic and count it as a gain (on a Fox
  // News simulation a head passed its gate while lowering held-out AUC 0.604 -> 0.576), so its
  // folds keep each thread whole where the rows know their thread.
  const groups = task.attribute === 'off_topic' && task.idx.some((e) => examples[e].group != null) ? task.idx.map((e) => examples[e].group) : null;
  const fold = (groups && groupedFolds(task.y, groups, o.folds, o.seed)) || stratifiedFolds(task.y, o.folds, o.seed);
  const baseScore = Float64Array.from({ length: n }, (_, r) => prep.design.x[r * prep.design.d + ownIndex(task.attribute)]);
  const base = auc(baseScore, task.y, s);
  const scale = new Float64Array(prep.design.d + 1).fill(1);
  for (let j = 0; j < prep.nBase; j++) scale[j] = BASE_SCALE;
  scale[prep.design.d] = BASE_SCALE;
  const problem = (rows: Int32Array, lambda: number): Problem => ({ design: prep.design, rows, y: task.y, s, w0: prep.w0, lambda, scale });
  const lambdas = [...o.lambdas].sort((a, b) => b - a);
  // Strongest penalty first. At each strength the fit on all rows starts from the previous
  // strength's, and each fold's fit from that fold's own fit at the previous strength. Never from
  // the fit on all rows: it has seen the fold's held-out rows, and the solver stops near its
  // start (GTOL), so those rows leaked into their own out-of-fold scores: on UCC as a site, a
  // gain the held-out comments did not have passed the gate (one draw of five at 500 decisions,
  // 0.008 below the base), and a weakly penalised block of features showed cross-validated gains
  // of +0.2 AUC that were losses held out.
  const all = rowsWhere(n, () => true);
  let full: Params | undefined;
  let foldInit: Params[] = [];
  let best = { lambda: lambdas[0], adapted: -Infinity, oof: new Float64Array(n), params: [] as Params[], full: priorParams(prep.w0) };
  for (const lambda of lambdas) {
    full = solve(problem(all, lambda), { init: full, gtol: GTOL }).params;
    const oofMargin = new Float64Array(n);
    const params: Params[] = [];
    for (let f = 0; f < o.folds; f++) {
      params[f] = solve(problem(rowsWhere(n, (r) => fold[r] !== f), lambda), { init: foldInit[f], gtol: GTOL }).params;
      const test = rowsWhere(n, (r) => fold[r] === f);
      margins(prep.design, test, params[f]).forEach((z, k) => (oofMargin[test[k]] = z));
    }
    foldInit = params;
    const a = auc(oofMargin, task.y, s);
    if (a > best.adapted) best = { lambda, adapted: a, oof: oofMargin, params, full };
  }
  const final = best.full;
  // Learning curve: each fold's training share cut to the first n decisions, scored on the
  // whole fold, so every point is measured on the same out-of-fold rows.
  const curve: CvResult['curve'] = [];
  const pos = (r: number): number => task.idx[r];
  for (const cut of o.curvePoints) {
    if (cut >= examples.length) break;
    const oofMargin = new Float64Array(n);
    for (let f = 0; f < o.folds; f++) {
      const train = rowsWhere(n, (r) => fold[r] !== f && pos(r) < cut);
      let p1 = 0;
      train.forEach((r) => (p1 += task.y[r]));
      const test = rowsWhere(n, (r) => fold[r] === f);
      // Too few labels for a head: the site gets the base, as fitAdapter would give it.
      const enough = p1 >= o.minPositives && (task.attribute !== 'toxicity' || train.length - p1 >= o.minPositives);
      const p = enough ? solve(problem(train, best.lambda), { init: best.params[f], gtol: GTOL }).params : priorParams(prep.w0);
      margins(prep.design, test, p).forEach((z, k) => (oofMargin[test[k]] = z));
    }
    curve.push({ n: cut, base, adapted: auc(oofMargin, task.y, s) });
  }
  curve.push({ n: examples.length, base, adapted: best.adapted });
  return { lambda: best.lambda, base, adapted: best.adapted, oof: best.oof.map(sigmoid), oofMargin: best.oof, baseScore, head: toHead(final, prep, task.article), curve };
}

/** The cross-validated gain's standard error and z (paired DeLong on the out-of-fold scores). */
function gain(cv: CvResult, task: Task): { se: number; z: number } {
  const { diff, se } = pairedAucDiff(cv.oof, cv.baseScore, task.y);
  // Finite either way: a stored adapter is JSON, where Infinity would turn into null.
  return { se, z: se > 0 ? diff / se : diff > 0 ? 1e6 : 0 };
}

/**
 * The gate of each attribute's head (toxicity, a category, off_topic), as the share of the
 * head's change that is applied: 0 (the base) unless the gain reaches `margin` AUC and `minZ` standard errors; 1
 * from `fullZ` standard errors; 1/2 between. The weaker the evidence, the closer to the base.
 * Measured on the 12 simulated sites of eval:adapt (5 draws, 250-2,000 decisions, 380 fits):
 * all-or-nothing at z 1.645 left 3 fits below the base on held-out comments (GHC, worst -0.007)
 * for a mean gain of +0.0421 AUC; this rule none, for +0.0422 (C3 at 500 decisions 0.758 ->
 * 0.773, UCC at 1,000 0.817 -> 0.808). Half the change was the safer half: where a full adapter
 * lost to the base held out (z 1-2), the midpoint of the two did not.
 */
export function strengthFor(gainAuc: number, z: number, o: { margin: number; minZ: number; fullZ: number }): number {
  if (!(gainAuc >= o.margin && z >= o.minZ)) return 0;
  return z >= o.fullZ ? 1 : 0.5;
}

/**
 * A head moved `a` of the way from the base to `head`: `a (w . x + b) + (1 - a) x_own` is still
 * `w' . x + b'` (x_own, the attribute's own base logit, is in the row), so the stored adapter
 * keeps its format.
 */
function atStrength(head: AttributeHead, attribute: AdaptAttribute, a: number): AttributeHead {
  if (a === 1) return head;
  const w = head.w.map((v) => a * v);
  w[ownIndex(attribute)] += 1 - a;
  return { ...head, w, b: a * head.b };
}

/** Labelled rows of one attribute scored by `base` (see {@link fitAdapter} for who counts as positive). */
function taskOf(examples: LabelledExample[], attribute: AdaptAttribute, base: BaseModels | undefined): Task {
  const idx: number[] = [];
  const y: number[] = [];
  let otherBase = 0;
  examples.forEach((e, i) => {
    if (attribute === 'off_topic' && e.features.base.off_topic === undefined) return;
    let label: number | null;
    if (attribute === 'toxicity') label = e.label === 1 && e.category === 'off_topic' ? null : e.label;
    else label = e.label === 0 ? 0 : e.category === attribute ? 1 : null;
    if (label === null) return;
    if (!sameBase(base, e.features.models, attribute)) {
      otherBase++;
      return;
    }
    idx.push(i);
    y.push(label);
  });
  const yy = Uint8Array.from(y);
  const article = readsArticle(attribute) && idx.some((i) => examples[i].features.article !== undefined);
  return { attribute, idx, y: yy, positives: y.reduce((a, b) => a + b, 0), article, otherBase };
}

/**
 * Fits a site's adapter from its decisions (in the order they were made: the learning curve
 * reads "the first n").
 *
 * - Labels: `toxicity` learns rejected (1) vs approved (0), leaving out comments rejected as
 *   off-topic; a category or `off_topic` learns rejected with that reason (1) vs approved (0).
 * - One base: the heads learn over the outputs of the newest decision's base models
 *   (`report.base`); decisions another base scored are left out (`report.otherBase`), since after
 *   an upgrade the same comment gets other base scores. Decisions without recorded models count
 *   as the newest base's.
 * - A head is `sigmoid(w . featureRow + b)`, its penalty pulling toward the base (weight 1 on the
 *   attribute's own base logit): few decisions give the base back.
 * - Each attribute with at least `minPositives` positives and negatives is fitted and gated on
 *   its own: its head is applied only when its cross-validated AUC beats the base's on the same
 *   decisions by `margin`, and by `minZ` standard errors of that gain; below `fullZ` standard
 *   errors it is moved only half way from the base (`report.auc[attribute].strength`, see
 *   {@link strengthFor}). The adapter is `activated` when any attribute passed. A category
 *   without a head is still capped by the site's adapted toxicity (see `applyAdapter`).
 * - `off_topic` is cross-validated with each thread's rows in one fold (`LabelledExample.group`).
 *
 * @example
 * const adapter = fitAdapter('news', decisions, { previousVersion: 3 });
 * adapter.report.activated  // true when some attribute's head beat the base by the margin
 */
export function fitAdapter(siteId: string, examples: LabelledExample[], opts: FitOptions = {}): SiteAdapter {
  const o = {
    margin: opts.margin ?? 0.01, folds: opts.folds ?? 5, targetPrecision: opts.targetPrecision ?? 0.9, seed: opts.seed ?? 1,
    minPositives: opts.minPositives ?? 20, lambdas: opts.lambdas ?? LAMBDAS, auditWeight: opts.auditWeight ?? 1,
    curvePoints: opts.curvePoints ?? CURVE_POINTS, minZ: opts.minZ ?? 1, fullZ: opts.fullZ ?? 2.5,
  };
  if (!(o.folds >= 2) || !o.lambdas.length || o.lambdas.some((l) => !(l > 0))) throw new ModeratoError('MOD_ERR_CONFIG', 'fitAdapter: folds must be >= 2 and every lambda > 0', { folds: o.folds, lambdas: o.lambdas });
  const heads: SiteAdapter['heads'] = {};
  const report: AdapterReport = {
    decisions: examples.length, positives: examples.filter((e) => e.label === 1).length, auc: {}, activated: false,
    margin: o.margin, suggestedThreshold: null, curve: [],
  };
  const base = newestBase(examples);
  if (base) report.base = base;
  const weightsOf = (t: Task): Float64Array => Float64Array.from(t.idx, (i) => (examples[i].audit ? o.auditWeight : 1));
  const tox = taskOf(examples, 'toxicity', base);
  const offTopic = taskOf(examples, 'off_topic', base);
  if (tox.otherBase || offTopic.otherBase) report.otherBase = { toxicity: tox.otherBase, off_topic: offTopic.otherBase };
  const minCount = Math.max(o.minPositives, o.folds);
  if (tox.positives >= minCount && tox.idx.length - tox.positives >= minCount) {
    const s = weightsOf(tox);
    const cv = crossValidate(examples, tox, s, o);
    const g = gain(cv, tox);
    const a = strengthFor(cv.adapted - cv.base, g.z, o);
    // A refused head is kept whole (what the adapter would have done); an activated one at its strength.
    heads.toxicity = atStrength(cv.head, 'toxicity', a || 1);
    report.auc.toxicity = { base: cv.base, adapted: cv.adapted, z: g.z, strength: a };
    report.significance = { ...g, minZ: o.minZ, fullZ: o.fullZ };
    if (a > 0) report.strength = a;
    // The threshold is for the toxicity the site gets: the out-of-fold scores at the head's
    // strength, or the base's when the head is held back (the adapter may be active for
    // another attribute).
    const oof = a === 0 ? Float64Array.from(tox.idx, (e) => examples[e].features.base.toxicity ?? 0)
      : a < 1 ? cv.oofMargin.map((m, r) => sigmoid(a * m + (1 - a) * baseLogit(examples[tox.idx[r]].features.base.toxicity))) : cv.oof;
    report.suggestedThreshold = thresholdForPrecision(oof, tox.y, o.targetPrecision, s);
    report.curve = cv.curve;
  }
  // Every other attribute is gated on its own, whatever toxicity's gate said: a site whose
  // moderators reject only off-topic comments has no toxicity head to wait for.
  for (const attribute of ADAPT_ATTRIBUTES) {
    if (attribute === 'toxicity') continue;
    const task = attribute === 'off_topic' ? offTopic : taskOf(examples, attribute, base);
    const negatives = task.idx.length - task.positives;
    if (task.positives >= minCount && negatives >= minCount) {
      const cv = crossValidate(examples, task, weightsOf(task), o);
      const g = gain(cv, task);
      const a = strengthFor(cv.adapted - cv.base, g.z, o);
      report.auc[attribute] = { base: cv.base, adapted: cv.adapted, z: g.z, strength: a };
      if (a > 0) heads[attribute] = atStrength(cv.head, attribute, a);
    }
  }
  report.activated = Object.values(report.auc).some((x) => (x?.strength ?? 0) > 0);
  return { siteId, version: (opts.previousVersion ?? 0) + 1, createdAt: opts.createdAt ?? new Date().toISOString(), heads, report };
}
