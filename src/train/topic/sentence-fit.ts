/**
 * Training of the sentence stage (see src/topic/sentence.ts) on top of one `fitParts` run: the
 * comment-vector head (ridge on CQA labels, its penalty and its stacked input out of inner folds),
 * then one logistic stack per variant (the full stage and the ablations), fitted on the CQA rows
 * and the C3 intruder rows with the weights of the blend, each with its joint threshold.
 * Vectors come from the shared cache (`embedCached`): nothing is embedded twice.
 */
import { ENCODER_DIM } from '../../encoder/types';
import { loadTokenizer } from '../../encoder';
import { MAX_PIECES } from '../../encoder/graph';
import { fit, predict, logit, LogReg } from '../../topic/logreg';
import { sigmoid } from '../../util/math';
import { articleText, combineStage, COMMENT_HINGE, type LinearHead, maskOf, relevanceQuestions, relevanceVector, sentenceInputs, SENTENCE_FEATURES, SENTENCE_GROUPS, SENTENCE_INPUTS, SentenceStage, type StageCombine, TopicVectors } from '../../topic/sentence';
import { contextInputs, stageRegime } from '../../topic/model';
import { fitNonNegative } from '../../topic/logreg';
import type { Neighbour } from '../../topic/features';
import type { TopicArticle, TopicComment } from '../../topic/features';
import { embedCached } from '../embed-cache';
import type { Corpus } from './corpus';
import type { CqaThread } from './data';
import { C3_ARTICLE } from './intruders';
import { jointThreshold } from './fit';

/** Sentence vectors by text. */
export type VectorTable = Map<string, Float32Array>;

/**
 * Every text the corpus's threads and checks may need, embedded once (through the shared cache).
 * A C3 stand-in article (its first k comments) whose first k-1 comments already fill the
 * encoder's `MAX_PIECES` reads as that shorter one does: it takes its vector instead of a pass.
 */
export async function loadTopicVectors(corpus: Corpus, extra: string[] = []): Promise<VectorTable> {
  const texts = new Set<string>(extra);
  for (const q of corpus.cqa) [articleText(q.article), ...q.comments.map((c) => c.text)].forEach((t) => texts.add(t));
  for (const t of corpus.fox) [articleText(t.article), ...t.comments.map((c) => c.text)].forEach((x) => texts.add(x));
  const alias = new Map<string, string>();
  const tokenizer = loadTokenizer();
  for (const list of corpus.c3Threads.values()) {
    list.forEach((t) => texts.add(t));
    let full: string | null = null;
    for (let k = 1; k <= Math.min(C3_ARTICLE, list.length); k++) {
      const a = articleText({ body: list.slice(0, k).join('\n\n') });
      if (full !== null) alias.set(a, full);
      else {
        texts.add(a);
        if (tokenizer.ids(a).length >= MAX_PIECES) full = a;
      }
    }
  }
  texts.delete('');
  const list = [...texts];
  let vecs: Float32Array[] = [];
  // The cache file is shared with other scripts: a writer that waited past the busy timeout
  // loses only its current batch, so go again (everything stored so far is kept).
  for (let attempt = 1; ; attempt++) {
    try {
      vecs = await embedCached(list);
      break;
    } catch (e) {
      if (attempt >= 20 || !/database is locked/.test(String(e))) throw e;
      process.stderr.write(`off-topic vectors: ${String(e)}; again (${attempt})\n`);
    }
  }
  const table: VectorTable = new Map(list.map((t, i) => [t, vecs[i]]));
  for (const [a, to] of alias) table.set(a, table.get(to)!);
  return table;
}

/** The vectors of one thread (comments moved between threads keep their text, so their vector). */
export function threadVectors(table: VectorTable, article: TopicArticle | undefined, comments: TopicComment[]): TopicVectors {
  const a = articleText(article);
  return { article: a ? table.get(a) ?? null : null, comments: comments.map((c) => table.get(c.text) ?? null) };
}

/** Ridge penalties tried for the comment head (on unit vectors: a feature's variance is about 1/512). */
export const HEAD_LAMBDAS = [0.3, 1, 3, 10];
/** Penalties tried for the relevance head: 10 won in all 30 folds of the 3-seed CV, inside this grid. */
export const RELEVANCE_LAMBDAS = [1, 3, 10, 30, 100];

/** Sufficient statistics of a ridge fit over rows of vectors: folds add up, so a fold's fit never re-reads the rows. */
export class Gram {
  readonly xx: Float64Array;
  readonly xy: Float64Array;
  readonly sx: Float64Array;
  n = 0;
  sy = 0;
  constructor(readonly d: number) {
    this.xx = new Float64Array(d * d);
    this.xy = new Float64Array(d);
    this.sx = new Float64Array(d);
  }
  add(v: Float32Array, y: number): void {
    const d = this.d;
    this.n++;
    this.sy += y;
    for (let a = 0; a < d; a++) {
      const va = v[a];
      this.sx[a] += va;
      this.xy[a] += va * y;
      const row = a * d;
      for (let b = a; b < d; b++) this.xx[row + b] += va * v[b];
    }
  }
  plus(o: Gram): Gram {
    const g = new Gram(this.d);
    g.n = this.n + o.n;
    g.sy = this.sy + o.sy;
    for (let i = 0; i < this.xx.length; i++) g.xx[i] = this.xx[i] + o.xx[i];
    for (let i = 0; i < this.d; i++) (g.xy[i] = this.xy[i] + o.xy[i]), (g.sx[i] = this.sx[i] + o.sx[i]);
    return g;
  }
  /** Centred ridge solution: weights and bias of the linear head. */
  solve(lambda: number): { weights: number[]; bias: number } {
    const d = this.d;
    const n = Math.max(1, this.n);
    const A = new Float64Array(d * d);
    const b = new Float64Array(d);
    for (let a = 0; a < d; a++) {
      b[a] = this.xy[a] - (this.sx[a] * this.sy) / n;
      for (let c = a; c < d; c++) {
        const v = this.xx[a * d + c] - (this.sx[a] * this.sx[c]) / n + (a === c ? lambda : 0);
        A[a * d + c] = v;
        A[c * d + a] = v;
      }
    }
    const w = cholSolve(A, b, d);
    let bias = this.sy / n;
    for (let a = 0; a < d; a++) bias -= (w[a] * this.sx[a]) / n;
    return { weights: Array.from(w), bias };
  }
}

/** Solve A x = b for symmetric positive definite A (d x d, row-major), in place. */
function cholSolve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= A[j * d + k] ** 2;
    const l = Math.sqrt(Math.max(s, 1e-12));
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= A[i * d + k] * A[j * d + k];
      A[i * d + j] = t / l;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * d + k] * y[k];
    y[i] = s / A[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= A[k * d + i] * x[k];
    x[i] = s / A[i * d + i];
  }
  return x;
}

/** A ridge head's raw output for one input vector. */
export const headOf = (h: { weights: number[]; bias: number }, v: Float32Array) => {
  let s = h.bias;
  for (let j = 0; j < v.length; j++) s += h.weights[j] * v[j];
  return s;
};

/** The variants fitted side by side: the full stage, each group left out, and the comment head alone. */
export function stageVariants(): Record<string, boolean[]> {
  const out: Record<string, boolean[]> = { full: maskOf(SENTENCE_FEATURES) };
  for (const [g, names] of Object.entries(SENTENCE_GROUPS)) out[`without ${g}`] = maskOf(SENTENCE_FEATURES.filter((f) => !names.includes(f)));
  out['base + comment only'] = maskOf(['comment', 'commentHigh']);
  out['comment as a hinge only'] = maskOf(SENTENCE_FEATURES.filter((f) => f !== 'comment'));
  return out;
}

/**
 * A ridge head on per-row vectors: its penalty by inner-fold squared error, its out-of-inner-fold
 * outputs (which feed the stack), and the head fitted on all rows at that penalty.
 */
function fitRidgeHead(vec: Array<Float32Array | null>, ys: number[], inners: number[], dim: number, extra?: Gram, lambdas = HEAD_LAMBDAS): { head: LinearHead & { lambda: number }; oof: number[] } {
  const inner = 5;
  const grams = Array.from({ length: inner }, () => new Gram(dim));
  vec.forEach((v, i) => v && grams[inners[i]].add(v, ys[i]));
  const total = grams.reduce((a, g) => a.plus(g)).plus(extra ?? new Gram(dim));
  let best = { lambda: lambdas[0], err: Infinity, oof: [] as number[] };
  // The inner folds' Grams do not depend on the penalty: sum them once.
  const rests = grams.map((_, f) => grams.filter((__, g) => g !== f).reduce((a, g) => a.plus(g)));
  for (const lam of lambdas) {
    const heads = grams.map((_, f) => {
      const rest = rests[f];
      return (extra ? rest.plus(extra) : rest).solve(lam);
    });
    const oof = vec.map((v, i) => (v ? headOf(heads[inners[i]], v) : 0));
    const err = vec.reduce((s, v, i) => s + (v ? (oof[i] - ys[i]) ** 2 : 0), 0);
    if (err < best.err) best = { lambda: lam, err, oof };
  }
  return { head: { ...total.solve(best.lambda), lambda: best.lambda }, oof: best.oof };
}

/**
 * One fitted variant. With `maxShift`, the variant's score combines the base model's and the full
 * stage's (its logit shifted by `maxShift` onto the base's threshold) by `combine`, `gate` and
 * `veto` (see `combineStage`): without a veto the stage can only add off-topic evidence to the
 * lexical model's, never take it away.
 */
export interface StageVariant {
  stack: LogReg;
  context: LogReg;
  threshold: number;
  newsScores: number[];
  maxShift?: number;
  /** With `maxShift`: how the two scores meet at the base's threshold `gate`, and the stage's `veto` (default `max`, no veto; see `combineStage`). */
  combine?: StageCombine;
  gate?: number;
  veto?: number;
}

/**
 * The vetoes the CV measures as `either veto V(base, full)` (stage scores on the base's scale
 * below which the stage overrules a base flag; `SentenceStage.veto`), the shipped 0.2 among them.
 */
export const VETOES = [0.1, 0.15, 0.2, 0.25];

/** One fold's fitted stage, per variant, with its threshold on the stage's own scale. */
export interface FittedStage {
  head: { weights: number[]; bias: number; lambda: number };
  relevance: LinearHead & { lambda: number };
  variants: Record<string, StageVariant>;
}

/**
 * Fit the stage on the training threads of one `fitParts` run. `rows`, `trainScores` and
 * `innerOf` as in fitParts (rows in thread order); `news` the C3 intruder threads with their
 * blend scores; `lambda` the stack's L2 penalty; `newsWeight` as for the blend.
 */
export function fitStage(
  table: VectorTable,
  threads: CqaThread[],
  rows: Array<{ qid: string; y: number; followed: number; x: number[] }>,
  trainScores: number[],
  innerOf: (qid: string) => number,
  news: { threads: Array<{ article: TopicArticle; comments: TopicComment[]; y: number[] }>; scores: number[]; followed: number[]; X: number[][]; hoods: Neighbour[][] },
  range: [number, number],
  conversation: { hoods: Neighbour[][]; authors: Array<string | undefined> },
  opts: { lambda?: number; newsWeight?: number; variants?: Record<string, boolean[]>; newsInHead?: boolean; baseThreshold?: number } = {},
): FittedStage {
  const vec: Array<Float32Array | null> = [];
  const relVec: Array<Float32Array | null> = [];
  const inners: number[] = [];
  for (const t of threads) {
    const qs = relevanceQuestions(threadVectors(table, t.article, t.comments));
    t.comments.forEach((c, i) => {
      const v = table.get(c.text) ?? null;
      vec.push(v);
      inners.push(innerOf(t.qid));
      const q = qs[i];
      relVec.push(v && q ? relevanceVector(q, v) : null);
    });
  }
  const ys = rows.map((row) => row.y);
  // The head's penalty by inner-fold squared error; its out-of-inner-fold outputs feed the stack.
  // The news threads' comments (natives and intruders alike: all are ordinary news comments) join
  // every fit as on-topic rows: without them the head, which only ever saw forum answers, reads
  // the style of news comments as noise that the stack then carries into news threads.
  const newsGram = new Gram(ENCODER_DIM);
  if (opts.newsInHead === true) {
    for (const t of news.threads) for (const c of t.comments) {
      const v = table.get(c.text);
      if (v) newsGram.add(v, 0);
    }
  }
  const commentFit = fitRidgeHead(vec, ys, inners, ENCODER_DIM, newsGram);
  const best = commentFit;
  const head = commentFit.head;
  // The relevance head likewise, on the CQA rows only: a news comment has no question to answer.
  const relFit = fitRidgeHead(relVec, ys, inners, ENCODER_DIM, undefined, RELEVANCE_LAMBDAS);
  const heads = { comment: head, relevance: relFit.head };
  const X: number[][] = [];
  const y: number[] = [];
  const w: number[] = [];
  const newsIx: number[] = [];
  const cqaIx: number[] = [];
  let r = 0;
  for (const t of threads) {
    const n = t.comments.length;
    const part = rows.slice(r, r + n);
    const ins = sentenceInputs(heads, trainScores.slice(r, r + n).map((p) => logit(p)), part.map((x) => x.followed), threadVectors(table, t.article, t.comments), part.map((x) => stageRegime(x.x, range, t.article)));
    ins.forEach((x, i) => {
      if (!x) return;
      // The comment head's output out of inner folds (it was fitted on these rows).
      const s = x[1];
      const h = best.oof[r + i];
      x[COMMENT_FORUM] = h * (1 - s);
      x[COMMENT_NEWS] = h * s;
      x[HIGH_FORUM] = Math.max(0, h - COMMENT_HINGE) * (1 - s);
      x[HIGH_NEWS] = Math.max(0, h - COMMENT_HINGE) * s;
      // The relevance head's out-of-inner-fold output likewise (0 without a question, as at run time).
      const rl = relVec[r + i] ? relFit.oof[r + i] : 0;
      x[REL_FORUM] = rl * (1 - s);
      x[REL_NEWS] = rl * s;
      X.push(x), y.push(rows[r + i].y), w.push(1), cqaIx.push(r + i);
    });
    r += n;
  }
  const cqaRows = X.length;
  const newsW = ((opts.newsWeight ?? 1) * cqaRows) / Math.max(1, news.scores.length);
  r = 0;
  for (const t of news.threads) {
    const n = t.comments.length;
    const ins = sentenceInputs(heads, news.scores.slice(r, r + n).map((p) => logit(p)), news.followed.slice(r, r + n), threadVectors(table, t.article, t.comments), news.X.slice(r, r + n).map((x) => stageRegime(x, range, t.article)));
    ins.forEach((x, i) => {
      if (!x) return;
      X.push(x), y.push(t.y[i]), w.push(newsW), newsIx.push(r + i);
    });
    r += n;
  }
  const variants: FittedStage['variants'] = {};
  for (const [name, mask] of Object.entries(opts.variants ?? stageVariants())) {
    const stack = fit(X, y, opts.lambda ?? 1, mask, 30, w);
    const s = X.map((x) => predict(stack, x));
    // The stage's logit of every row (the base logit where a comment has no vector), then the
    // context pass over it on the same rows and weights (non-negative, as the base model's).
    const zRows = trainScores.map((p) => logit(p));
    cqaIx.forEach((j, k) => (zRows[j] = logit(s[k])));
    const zNews = news.scores.map((p) => logit(p));
    newsIx.forEach((j, k) => (zNews[j] = logit(s[cqaRows + k])));
    const X3 = [...contextInputs(zRows, conversation.hoods, conversation.authors), ...contextInputs(zNews, news.hoods, zNews.map(() => undefined))];
    const y3 = [...rows.map((r) => r.y), ...news.threads.flatMap((t) => t.y)];
    const w3 = [...rows.map(() => 1), ...zNews.map(() => ((opts.newsWeight ?? 1) * rows.length) / Math.max(1, zNews.length))];
    const context = fitNonNegative(X3, y3, opts.lambda ?? 1, [true, true, true], 3, 2, w3);
    const out = X3.map((x) => predict(context, x));
    const newsScores = out.slice(rows.length);
    const threshold = jointThreshold(out.slice(0, rows.length), y3.slice(0, rows.length), newsScores, y3.slice(rows.length), opts.newsWeight ?? 1);
    variants[name] = { stack, context, threshold, newsScores };
    if (name === 'full' && opts.baseThreshold !== undefined) {
      // max(base, stage) with the stage's scale moved onto the base's threshold, its own threshold
      // then tuned on the same rows as every other variant's.
      const maxShift = logit(opts.baseThreshold) - logit(threshold);
      const m = (b: number, p: number) => Math.max(b, sigmoid(logit(p) + maxShift));
      const cqaMax = out.slice(0, rows.length).map((p, i) => m(trainScores[i], p));
      const newsMax = newsScores.map((p, i) => m(news.scores[i], p));
      const t = jointThreshold(cqaMax, y3.slice(0, rows.length), newsMax, y3.slice(rows.length), opts.newsWeight ?? 1);
      variants[`max(base, ${name})`] = { stack, context, threshold: t, newsScores: newsMax, maxShift };
      // The same at the base's own threshold: a comment is off topic when either model says so.
      variants[`or(base, ${name})`] = { stack, context, threshold: opts.baseThreshold, newsScores: newsMax, maxShift };
      // The same decisions; below the base's threshold the stage's score alone.
      const g = (b: number, p: number) => combineStage('gate', b, sigmoid(logit(p) + maxShift), opts.baseThreshold!);
      variants[`gate(base, ${name})`] = { stack, context, threshold: opts.baseThreshold, newsScores: newsScores.map((p, i) => g(news.scores[i], p)), maxShift, combine: 'gate', gate: opts.baseThreshold };
      // The same decisions; above the base's threshold both scores add (noisy-or).
      const e = (b: number, p: number) => combineStage('either', b, sigmoid(logit(p) + maxShift), opts.baseThreshold!);
      variants[`either(base, ${name})`] = { stack, context, threshold: opts.baseThreshold, newsScores: newsScores.map((p, i) => e(news.scores[i], p)), maxShift, combine: 'either', gate: opts.baseThreshold };
      for (const veto of VETOES) {
        const ev = (b: number, p: number) => combineStage('either', b, sigmoid(logit(p) + maxShift), opts.baseThreshold!, veto);
        variants[`either veto ${veto}(base, ${name})`] = { stack, context, threshold: opts.baseThreshold, newsScores: newsScores.map((p, i) => ev(news.scores[i], p)), maxShift, combine: 'either', gate: opts.baseThreshold, veto };
      }
    }
  }
  return { head, relevance: relFit.head, variants };
}

const COMMENT_FORUM = SENTENCE_INPUTS.indexOf('comment@forum');
const COMMENT_NEWS = SENTENCE_INPUTS.indexOf('comment@news');
const HIGH_FORUM = SENTENCE_INPUTS.indexOf('commentHigh@forum');
const HIGH_NEWS = SENTENCE_INPUTS.indexOf('commentHigh@news');
const REL_FORUM = SENTENCE_INPUTS.indexOf('relevance@forum');
const REL_NEWS = SENTENCE_INPUTS.indexOf('relevance@news');

/** Stage scores of one thread under a fitted variant (the stack's logit, the base's where a comment has no vector, then the context pass). */
export function stageThread(head: FittedStage['head'], v: Pick<StageVariant, 'stack' | 'context' | 'maxShift' | 'combine' | 'gate' | 'veto'>, base: number[], followed: number[], vectors: TopicVectors, regime: number[], hoods: Neighbour[][], authors: Array<string | undefined>, relevance: LinearHead): number[] {
  const ins = sentenceInputs({ comment: head, relevance }, base.map((p) => logit(p)), followed, vectors, regime);
  const z = ins.map((x, i) => logit(x ? predict(v.stack, x) : base[i]));
  const out = contextInputs(z, hoods, authors).map((x) => predict(v.context, x));
  const shift = v.maxShift;
  return shift === undefined ? out : out.map((p, i) => combineStage(v.combine ?? 'max', base[i], sigmoid(logit(p) + shift), v.gate ?? 0, v.veto));
}

/** The model file's stage: the context pass's bias shifted so that `baseThreshold` decides as `threshold` did on the stage's scale. */
export function shippedStage(head: FittedStage['head'], relevance: LinearHead, stack: LogReg, context: LogReg, threshold: number, baseThreshold: number, encoder: { name: string; version: string }, combine?: StageCombine, veto?: number): SentenceStage {
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    encoder: { ...encoder, dim: ENCODER_DIM },
    inputs: [...SENTENCE_INPUTS],
    comment: { weights: head.weights.map(round), bias: round(head.bias) },
    relevance: { weights: relevance.weights.map(round), bias: round(relevance.bias) },
    stack: { mean: stack.mean.map(round), std: stack.std.map(round), weights: stack.weights.map(round), bias: round(stack.bias) },
    context: { mean: context.mean.map(round), std: context.std.map(round), weights: context.weights.map(round), bias: round(context.bias + logit(baseThreshold) - logit(threshold)) },
    ...(combine ? { combine } : {}),
    ...(combine && veto ? { veto } : {}),
  };
}
