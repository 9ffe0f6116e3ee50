/**
 * The sentence stage of off-topic (issue 28): the lexical model's score re-judged with what the
 * pretrained sentence encoder says about each comment. Inputs per comment: the base model's
 * logit; a linear head on the comment's own vector (non-answers, thanks, chit-chat, questions
 * back read as such whatever their words); its cosine with the article's (or question's) vector,
 * also standardised within the thread; with the vector of the comment it follows; with the
 * thread's leave-one-out centroid, also standardised. The scorer's accurate mode passes the
 * vectors it already computed (one per comment, one per article), so nothing here embeds.
 */
import type { TopicArticle } from './features';
import { LogReg, predict, logit } from './logreg';

/** Longest article text embedded: the encoder reads its first 128 pieces, far fewer characters than this. */
export const ARTICLE_CHARS = 2000;

/** The text embedded for an article or question: title and body (cut at `ARTICLE_CHARS`, on a code point). */
export function articleText(a: TopicArticle | undefined): string {
  const s = [a?.title, a?.body].filter((x) => x && x.trim()).join('\n').trim();
  if (s.length <= ARTICLE_CHARS) return s;
  // Never cut a surrogate pair in two.
  return s.slice(0, /[\uD800-\uDBFF]/.test(s[ARTICLE_CHARS - 1]) ? ARTICLE_CHARS - 1 : ARTICLE_CHARS);
}

/** What the stage measures per comment (each enters twice, see `SENTENCE_INPUTS`). */
export const SENTENCE_FEATURES = ['comment', 'commentHigh', 'cosArticle', 'zArticle', 'cosParent', 'cosThread', 'zThread', 'relevance'] as const;

/** A linear head over a vector. */
export interface LinearHead {
  weights: number[];
  bias: number;
}

/**
 * The relevance head's input for one comment vector `c` under the question vector `q`: q ⊙ c
 * times sqrt(d). Its sum is sqrt(d) times the cosine, which adds nothing learned as one number;
 * a head that weighs each dimension learns which agreements matter (models/offtopic/README.md,
 * "Round 3"). The scale puts each entry's spread near a unit vector's, as the comment head reads.
 */
export function relevanceVector(q: ArrayLike<number>, c: ArrayLike<number>): Float32Array {
  const d = c.length;
  const out = new Float32Array(d);
  const k = Math.sqrt(d);
  for (let j = 0; j < d; j++) out[j] = q[j] * c[j] * k;
  return out;
}

/**
 * The comment head's output counts again above this (`commentHigh`, a hinge): a clear non-answer
 * reads far above it, while the head's spread over ordinary comments (news comments above all,
 * which it never saw) stays below and adds no noise there.
 */
export const COMMENT_HINGE = 0.5;
export type SentenceFeature = (typeof SENTENCE_FEATURES)[number];

/**
 * Inputs of the stack, in vector order (the model file stores them and is refused if they
 * differ): the base logit, the regime `s` (0 under a one-line question, 1 under a news article,
 * as the blend's), then each feature times `1 - s` (`@forum`) and times `s` (`@news`). What a
 * comment's own vector says (thanks, chit-chat) decides under a forum question and means little
 * under a news article; similarity to the article is the reverse. One weight each would have to
 * split the difference (measured: the comment's vector alone gains on CQA and loses on C3).
 */
export const SENTENCE_INPUTS = ['base', 's', ...SENTENCE_FEATURES.map((f) => `${f}@forum`), ...SENTENCE_FEATURES.map((f) => `${f}@news`)] as readonly string[];

/** Feature groups measured one by one in the ablation (the model card's table). */
export const SENTENCE_GROUPS: Record<string, readonly SentenceFeature[]> = {
  comment: ['comment', 'commentHigh'],
  article: ['cosArticle', 'zArticle'],
  parent: ['cosParent'],
  thread: ['cosThread', 'zThread'],
  relevance: ['relevance'],
};

/** The stack's input mask that keeps the base, `s` and the features of `groups` (both regimes). */
export function maskOf(features: readonly SentenceFeature[]): boolean[] {
  return SENTENCE_INPUTS.map((name) => name === 'base' || name === 's' || features.some((f) => name === `${f}@forum` || name === `${f}@news`));
}

/** What the model file holds for the stage. */
export interface SentenceStage {
  /** The encoder the vectors must come from, and its width. */
  encoder: { name: string; version: string; dim: number };
  inputs: string[];
  /** Linear head on the comment's vector (ridge on CQA labels): `comment` input = w . v + b. */
  comment: LinearHead;
  /** Linear head on {@link relevanceVector} of the comment under its question (ridge on CQA labels): the `relevance` input. */
  relevance: LinearHead;
  /** Logistic stack over `inputs`. */
  stack: LogReg;
  /**
   * Context pass over the stack's logit, as the base model's (`contextInputs`: the logit, its
   * smoothing over the comment's neighbours, its author's other comments): what a comment says
   * can sound like the article while its conversation has left it. Its bias is shifted so that
   * the base model's threshold decides for both.
   */
  context: LogReg;
  /**
   * `max`: a comment's score is the larger of the base model's and the stage's (each decides at
   * the same threshold, so a comment is off topic when either model says so): the stage can add
   * off-topic evidence to the lexical model's, never take it away. `gate`: the same decisions, but
   * below the base's threshold the score is the stage's own, so the base's sub-threshold scores
   * do not blur the ranking (see {@link combineStage}). `either`: as `gate`, but where the base
   * flags, the two scores add as independent evidence (noisy-or), so a comment both models call off
   * topic stands further from the threshold than either alone puts it. Absent: the stage's score.
   */
  combine?: StageCombine;
  /**
   * With `gate` or `either`: where the base flags a comment but the stage's score is below this
   * (the stage reads it as clearly on topic), the stage's score stands and the flag goes. On CQA
   * most such flags are the base's false positives; a veto well under the threshold leaves the
   * stage's near misses (SouthFront's c08 and c09 read 0.29 and 0.25) to the base. Absent: 0.
   */
  veto?: number;
}

/** How the sentence stage's score meets the base model's (`SentenceStage.combine`). */
export type StageCombine = 'max' | 'gate' | 'either';

/**
 * One comment's score from the base model's and the stage's, both deciding at `threshold`.
 * All three flag the same comments (those either model flags; a noisy-or is never below the larger
 * of its two), unless a `veto` (see `SentenceStage.veto`) lets a stage score under it overrule a
 * base flag. Below the base's threshold `gate` and `either` keep the stage's score alone; above it
 * `either` is 1 - (1 - base)(1 - stage).
 */
export function combineStage(combine: StageCombine, base: number, stage: number, threshold: number, veto = 0): number {
  if (combine === 'max') return Math.max(base, stage);
  if (base < threshold || stage < veto) return stage;
  return combine === 'either' ? 1 - (1 - base) * (1 - stage) : Math.max(base, stage);
}

/** Sentence vectors of one scoring call: the article's (null without one) and each comment's (null where not computed). */
export interface TopicVectors {
  article?: Float32Array | null;
  comments: ReadonlyArray<Float32Array | null | undefined>;
}

/** The dot product of two vectors of the same length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function standardised(xs: number[], on: boolean[]): number[] {
  const ix = xs.map((_, i) => i).filter((i) => on[i]);
  if (ix.length === 0) return xs.map(() => 0);
  const mean = ix.reduce((s, i) => s + xs[i], 0) / ix.length;
  // The 0.05 floor keeps a thread of near-identical comments from blowing the inputs up (as zArticle).
  const sd = Math.sqrt(ix.reduce((s, i) => s + (xs[i] - mean) ** 2, 0) / ix.length) + 0.05;
  return xs.map((x) => (x - mean) / sd);
}

/**
 * Each comment's leave-one-out thread centroid, unit length: the sum of the other comments'
 * vectors, normalised; null for a comment without a vector, in a thread of one, or where the
 * rest sums to nothing.
 */
function threadCentroids(vs: TopicVectors['comments']): Array<Float64Array | null> {
  const first = vs.find((v) => !!v);
  if (!first) return vs.map(() => null);
  const dim = first.length;
  const sum = new Float64Array(dim);
  let count = 0;
  for (const v of vs) if (v) (count++, v.forEach((x, j) => (sum[j] += x)));
  return vs.map((v) => {
    if (!v || count < 2) return null;
    const q = new Float64Array(dim);
    for (let j = 0; j < dim; j++) q[j] = sum[j] - v[j];
    const n = Math.sqrt(dot(q, q));
    if (n <= 1e-9) return null;
    for (let j = 0; j < dim; j++) q[j] /= n;
    return q;
  });
}

/**
 * The question vector of the relevance head per comment: the article's, else the thread's
 * leave-one-out centroid ({@link threadCentroids}); null for a comment without a vector or a
 * thread of one. `centroids`: the thread's, when the caller has them already.
 */
export function relevanceQuestions(vectors: TopicVectors, centroids?: Array<Float64Array | null>): Array<ArrayLike<number> | null> {
  const art = vectors.article ?? null;
  return art ? vectors.comments.map((v) => (v ? art : null)) : (centroids ?? threadCentroids(vectors.comments));
}

/**
 * The stage's inputs per comment (null for a comment without a vector: it keeps its base score).
 * `baseLogit[i]` is the lexical model's logit, `followed[i]` the comment it follows (-1: the
 * article), `regime[i]` its thread's `s` (see `regimeOf` in model.ts).
 * Without an article vector the thread's centroid stands in for it, as the lexical features do.
 */
export function sentenceInputs(stage: Pick<SentenceStage, 'comment' | 'relevance'>, baseLogit: number[], followed: number[], vectors: TopicVectors, regime: number[]): Array<number[] | null> {
  const vs = vectors.comments;
  const on = baseLogit.map((_, i) => !!vs[i]);
  // One leave-one-out centroid per comment serves cosThread and, without an article, the relevance head's question.
  const centroids = threadCentroids(vs);
  const cosThread = centroids.map((q, i) => (q ? dot(vs[i]!, q) : 0));
  const art = vectors.article ?? null;
  const questions = relevanceQuestions(vectors, centroids);
  // 0 for a comment with no question vector (a lone comment without an article), as in training.
  const relevance = (i: number): number => {
    const q = questions[i];
    return q ? dot(stage.relevance.weights, relevanceVector(q, vs[i]!)) + stage.relevance.bias : 0;
  };
  const cosArticle = baseLogit.map((_, i) => (vs[i] ? (art ? dot(vs[i]!, art) : cosThread[i]) : 0));
  const zArticle = standardised(cosArticle, on);
  const zThread = standardised(cosThread, on);
  return baseLogit.map((b, i) => {
    const v = vs[i];
    if (!v) return null;
    const f = followed[i];
    const parent = f >= 0 ? vs[f] : null;
    const h = dot(stage.comment.weights, v) + stage.comment.bias;
    const raw = [h, Math.max(0, h - COMMENT_HINGE), cosArticle[i], zArticle[i], parent ? dot(v, parent) : cosArticle[i], cosThread[i], zThread[i], relevance(i)];
    const s = regime[i];
    return [b, s, ...raw.map((x) => x * (1 - s)), ...raw.map((x) => x * s)];
  });
}

/** Off-topic probabilities after the stage: `base[i]` where a comment has no vector. */
export function stageScores(stage: SentenceStage, base: number[], followed: number[], vectors: TopicVectors, regime: number[]): number[] {
  const rows = sentenceInputs(stage, base.map((p) => logit(p)), followed, vectors, regime);
  return rows.map((x, i) => (x ? predict(stage.stack, x) : base[i]));
}
