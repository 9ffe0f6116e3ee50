/**
 * The off-topic model: learned IDF + a logistic regression over thread features, a tuned
 * decision threshold, and the readable reasons a moderator sees.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Article, CommentInput, Reason } from '../types';
import { analyzeThread, featureNames, RELEVANCE, CONTEXT_SIZE, TopicArticle, TopicComment, ThreadAnalysis, Neighbour, smoothOver } from './features';
import { LogReg, predict, logit } from './logreg';
import { IdfTable, SparseVec } from './vectors';
import { LexicalModel } from './lexical';
import { packageRoot } from '../util/paths';
import { Mlp, mlpLogit } from './mlp';
import { ModeratoError } from '../errors';
import { WordTable, loadWordTable } from './wordvec';
import { articleText, combineStage, SENTENCE_INPUTS, SentenceStage, stageScores, TopicVectors } from './sentence';

/** Identifies the JSON layout; bump when features or fields change meaning. */
export const MODEL_FORMAT = 'moderato-offtopic/3';

/** What `models/offtopic/model.json` holds. */
export interface OffTopicModelFile {
  format: string;
  version: string;
  features: string[];
  idf: IdfTable;
  logreg: LogReg;
  /** When present, the conversation classifier is this network instead of `logreg`. */
  mlp?: Mlp;
  lexical: LexicalModel;
  /** Self-supervised relevance model whose logit is the `relevance` feature. */
  relevance: LogReg;
  /** Final blend over `blendInputs` (classifier and relevance logits per regime, non-negative weights). */
  blend: LogReg;
  /** Context sizes (log terms) of the two regimes the blend interpolates between. */
  blendRange: [number, number];
  /** Context pass over `contextInputs`: the blend's logit, its smoothing over the local conversation, the author's other comments. */
  context: LogReg;
  /** `offTopic >= threshold` is judged off-topic (tuned for off-topic F1 in cross-validation). */
  threshold: number;
  /** Raw cosine at or above which two texts count as "about the same thing" (for drift). */
  relatedCosine: number;
  /** When present, the model reads word vectors (`wordvecs.txt` / `wordvecs.bin` next to `model.json`, see `wordvec.ts`) and has the `VECTOR_FEATURES`. */
  wordVectors?: { dim: number; words: number; source: string };
  /**
   * When present, the sentence stage (issue 28) re-judges each comment that comes with its
   * sentence vector (`score(article, comments, vectors)`, the scorer's accurate mode); without
   * vectors the model scores as before. Its scale is shifted so that `threshold` decides for both.
   */
  sentence?: SentenceStage;
  /** Training provenance and cross-validated figures, for the model card. */
  meta: Record<string, unknown>;
}

/** Off-topic verdict for one comment. */
export interface OffTopicResult {
  /** 0..1 probability that the comment is off the topic of its article/thread; null without context. */
  offTopic: number | null;
  /** `off_topic` (and `drift`) reasons, only when `offTopic >= threshold`. */
  reasons: Reason[];
}

const TOP_TERMS = 5;

function topTerms(vec: SparseVec, surface: Map<string, string>, k: number, prefer?: (s: string) => boolean): string[] {
  const ranked = [...vec.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
  const ordered = prefer ? [...ranked.filter(prefer), ...ranked.filter((s) => !prefer(s))] : ranked;
  return ordered.slice(0, k).map((s) => surface.get(s) ?? s);
}

function withoutSelf(sum: SparseVec, self: SparseVec): SparseVec {
  const out: SparseVec = new Map();
  for (const [s, w] of sum) {
    const rest = w - (self.get(s) ?? 0);
    if (rest > 1e-9) out.set(s, rest);
  }
  return out;
}

function quote(terms: string[]): string {
  return terms.length ? terms.map((t) => `"${t}"`).join(', ') : 'nothing specific';
}

/** A loaded off-topic model. Stateless between calls; safe to share. */
export class OffTopicModel {
  /** Decision threshold on `offTopic` (reasons are attached at or above it). */
  readonly threshold: number;
  /** Cosine at or above which a comment counts as following what it replies to (drift). */
  readonly relatedCosine: number;
  readonly version: string;
  /** True when the model has a sentence stage: give `score` the vectors (article and comments) to use it. */
  readonly usesVectors: boolean;

  constructor(readonly file: OffTopicModelFile, readonly words?: WordTable) {
    if (file.format !== MODEL_FORMAT) throw new ModeratoError('MOD_ERR_MODEL', `off-topic model format ${file.format}, expected ${MODEL_FORMAT}`);
    const names = featureNames(!!file.wordVectors);
    if (file.features.join(',') !== names.join(',')) {
      throw new ModeratoError('MOD_ERR_MODEL', `off-topic model features [${file.features}] do not match this code [${names}]`);
    }
    if (!!file.wordVectors !== !!words || (words && words.dim !== file.wordVectors!.dim)) {
      throw new ModeratoError('MOD_ERR_MODEL', `off-topic model ${file.wordVectors ? `needs a ${file.wordVectors.dim}-d word-vector table` : 'has no word-vector features'}, ${words ? `given a ${words.dim}-d table` : 'given none'}`);
    }
    if (file.sentence) {
      const st = file.sentence;
      if (st.combine !== undefined && !['max', 'gate', 'either'].includes(st.combine)) throw new ModeratoError('MOD_ERR_MODEL', `off-topic sentence stage combine ${String(st.combine)}, expected max, gate, either or none`);
      if (st.veto !== undefined && !(typeof st.veto === 'number' && st.veto >= 0 && st.veto < file.threshold && (st.combine === 'gate' || st.combine === 'either'))) {
        throw new ModeratoError('MOD_ERR_MODEL', `off-topic sentence stage veto ${String(st.veto)}: a number in [0, the threshold ${file.threshold}) with combine gate or either`);
      }
      if (st.inputs.join(',') !== SENTENCE_INPUTS.join(',') || st.comment.weights.length !== st.encoder.dim || st.relevance?.weights.length !== st.encoder.dim || st.stack.weights.length !== SENTENCE_INPUTS.length || st.context?.weights.length !== CONTEXT_INPUTS.length) {
        throw new ModeratoError('MOD_ERR_MODEL', `off-topic sentence stage inputs [${st.inputs}] (${st.comment.weights.length}-d head) do not match this code [${SENTENCE_INPUTS}] (${st.encoder.dim}-d)`);
      }
    }
    this.threshold = file.threshold;
    this.relatedCosine = file.relatedCosine;
    this.version = file.version;
    this.usesVectors = !!file.sentence;
  }

  /**
   * Score comments against their article and thread, in the order given (oldest first).
   * `offTopic` is null only when there is no context: no article text and a single comment.
   * @example model.score({ title: 'Idlib crossings reopen' }, [{ id: 'a', text: 'Who won the match?' }])
   *   // [{ offTopic: 0.9, reasons: [{ code: 'off_topic', terms: ['won', 'match'], ... }] }]
   */
  score(article: Article | undefined, comments: CommentInput[], vectors?: TopicVectors): OffTopicResult[] {
    const hasArticleText = !!(article?.title?.trim() || article?.body?.trim());
    if (comments.length === 0) return [];
    if (!hasArticleText && comments.length < 2) return comments.map(() => ({ offTopic: null, reasons: [] }));
    const analysis = analyzeThread(this.file.idf, article as TopicArticle | undefined, comments, this.file.lexical, this.file.relevance, this.words);
    let scores = blendScores(this.file, analysis);
    if (vectors && this.file.sentence) {
      const dim = this.file.sentence.encoder.dim;
      const bad = vectors.comments.length !== comments.length || [vectors.article, ...vectors.comments].some((v) => v && v.length !== dim);
      if (bad) throw new ModeratoError('MOD_ERR_INTERNAL', `off-topic vectors: ${vectors.comments.length} for ${comments.length} comments, or not ${dim}-d`);
      const regime = analysis.comments.map((c) => stageRegime(c.features, this.file.blendRange, article as TopicArticle | undefined));
      const z = stageScores(this.file.sentence, scores, analysis.comments.map((c) => c.followed), vectors, regime).map((p) => logit(p));
      const ctx = this.file.sentence.context;
      const base = scores;
      scores = contextInputs(z, analysis.hoods, analysis.authors).map((x) => predict(ctx, x));
      const combine = this.file.sentence.combine;
      const veto = this.file.sentence.veto;
      if (combine) scores = scores.map((p, i) => combineStage(combine, base[i], p, this.threshold, veto));
    }
    // Under an article, every comment's context terms are the article's: ranked once per thread.
    const articleTerms = analysis.hasArticle ? topTerms(analysis.articleVec, analysis.articleSurface, TOP_TERMS) : undefined;
    return scores.map((p, i) => ({
      offTopic: Math.round(p * 1e4) / 1e4,
      reasons: p >= this.threshold ? this.reasons(analysis, comments, scores, i, p, articleTerms) : [],
    }));
  }

  private reasons(a: ThreadAnalysis, comments: CommentInput[], scores: number[], i: number, p: number, articleTerms: string[] | undefined): Reason[] {
    const c = a.comments[i];
    const context = a.hasArticle ? 'the article' : 'the rest of the thread';
    // Without an article the context is the rest of the thread: leave this comment's own words out.
    const ctx = a.hasArticle ? a.articleVec : withoutSelf(a.articleVec, c.vec);
    const terms = topTerms(c.vec, c.surface, TOP_TERMS, (s) => !ctx.has(s));
    const contextTerms = articleTerms ? [...articleTerms] : topTerms(ctx, a.articleSurface, TOP_TERMS);
    const out: Reason[] = [
      {
        code: 'off_topic',
        message: `Off topic (${p.toFixed(2)}): about ${quote(terms)}, while ${context} is about ${quote(contextTerms)}.`,
        score: Math.round(p * 1e4) / 1e4,
        terms,
        contextTerms,
      },
    ];
    const f = c.followed;
    if (f >= 0 && c.cosFollowed >= this.relatedCosine && c.cosFollowed > c.cosArticle) {
      const parent = a.comments[f];
      const shared = topTerms(new Map([...c.vec].filter(([s]) => parent.vec.has(s)).map(([s, w]) => [s, w * parent.vec.get(s)!])), c.surface, TOP_TERMS);
      // Walk up while what it follows is itself off topic: that is where the sub-thread left.
      let origin = i;
      for (let guard = 0; guard < comments.length; guard++) {
        const up = a.comments[origin].followed;
        if (up < 0 || scores[up] < this.threshold) break;
        origin = up;
      }
      const where = origin !== i ? ` The sub-thread left ${context} at comment ${comments[origin].id}.` : '';
      out.push({
        code: 'drift',
        message: `Drift: follows comment ${comments[f].id} (shared ${quote(shared)}) rather than ${context}.${where}`,
        parentId: comments[f].id,
        terms: shared,
        contextTerms: topTerms(parent.vec, parent.surface, TOP_TERMS),
      });
    }
    return out;
  }
}

/** The parts of a model that scoring needs (training scores held-out threads with them too). */
export type ScoringParts = Pick<OffTopicModelFile, 'idf' | 'lexical' | 'relevance' | 'logreg' | 'mlp' | 'blend' | 'blendRange' | 'context'> & { words?: WordTable };

/** The conversation classifier's logit: the network when the model has one, else the logistic regression. */
export function classifierLogit(parts: Pick<ScoringParts, 'logreg' | 'mlp'>, x: number[]): number {
  return parts.mlp ? mlpLogit(parts.mlp, x) : logit(predict(parts.logreg, x));
}


/**
 * Inputs of the final blend. `s` places the article's size between the two regimes the blend was
 * fitted on — `range[0]` (median CQA question) and `range[1]` (median stand-in news article) —
 * clamped to 0..1 so that nothing is extrapolated. The classifier's logit enters once per regime
 * (conversational cues mean more under a one-line question than under a news article); the
 * relevance logit enters once, shared by both regimes, because a headline-only news article is
 * as short as a CQA question and topical evidence must still count there. The relevance logit
 * also enters hinged at 0 (`max(0, rel)`: only once the comment looks more like an intruder than
 * a native), so that strong topical evidence can count for more than the mild differences CQA's
 * mostly on-topic bad answers show.
 */
export function blendInputs(classifierLogit: number, x: number[], range: [number, number]): number[] {
  const s = regimeOf(x, range);
  return [classifierLogit * (1 - s), classifierLogit * s, x[RELEVANCE], Math.max(0, x[RELEVANCE]), s];
}

/** Where a comment's context size (features `x`) places it between the two regimes `range` (0..1; see `blendInputs`). */
export function regimeOf(x: number[], range: [number, number]): number {
  return Math.min(1, Math.max(0, (x[CONTEXT_SIZE] - range[0]) / Math.max(1e-6, range[1] - range[0])));
}

/**
 * The sentence stage's regime: `regimeOf`, except that a thread whose article asks no question
 * counts as news (1). A non-answer (thanks, chit-chat, a question back) is what the comment head
 * reads, and only a question can go unanswered; under a news article the head's spread over
 * ordinary comments is noise (measured on the Fox News check).
 */
export function stageRegime(x: number[], range: [number, number], article: TopicArticle | undefined): number {
  return articleText(article).includes('?') ? regimeOf(x, range) : 1;
}

/** Inputs of the context pass, in order (names for `--exclude` and the model card). */
export const CONTEXT_INPUTS = ['blend', 'neighbours', 'sameAuthor'] as const;

/**
 * Inputs of the context pass, per comment: the blend's logit `z`; `z` smoothed over the local
 * conversation (`smoothOver`: the comment and its neighbours, each weighing its word similarity
 * with the comment); and the mean `z` of the same author's other comments in the thread (its own
 * `z` when the author is unknown or comments once). A comment that keeps talking with off-topic
 * neighbours, or whose author spends the thread off topic, has more likely left the article with
 * them, even when a few of its words still echo it; a comment that shares nothing with its
 * neighbours is judged on its own.
 */
export function contextInputs(z: number[], hoods: Neighbour[][], authors: Array<string | undefined>): number[][] {
  const smooth = smoothOver(z, hoods);
  const sum = new Map<string, [number, number]>();
  authors.forEach((a, i) => {
    if (!a) return;
    const e = sum.get(a) ?? [0, 0];
    sum.set(a, [e[0] + z[i], e[1] + 1]);
  });
  return z.map((v, i) => {
    const e = authors[i] ? sum.get(authors[i]!)! : undefined;
    const author = e && e[1] > 1 ? (e[0] - v) / (e[1] - 1) : v;
    return [v, smooth[i], author];
  });
}

function blendScores(parts: ScoringParts, a: ThreadAnalysis): number[] {
  const z = a.comments.map((c) => logit(predict(parts.blend, blendInputs(classifierLogit(parts, c.features), c.features, parts.blendRange))));
  return contextInputs(z, a.hoods, a.authors).map((x) => predict(parts.context, x));
}

/** Off-topic probabilities of a thread's comments under `parts` (no reasons, no rounding). */
export function scoreThread(parts: ScoringParts, article: TopicArticle | undefined, comments: TopicComment[]): number[] {
  return scoreThreadFollowed(parts, article, comments).scores;
}

/** `scoreThread` with the comment each one follows (-1: the article) and its regime, which the sentence stage reads. */
export function scoreThreadFollowed(parts: ScoringParts, article: TopicArticle | undefined, comments: TopicComment[]): { scores: number[]; followed: number[]; regime: number[]; hoods: Neighbour[][]; authors: Array<string | undefined> } {
  const a = analyzeThread(parts.idf, article, comments, parts.lexical, parts.relevance, parts.words);
  return { scores: blendScores(parts, a), followed: a.comments.map((c) => c.followed), regime: a.comments.map((c) => stageRegime(c.features, parts.blendRange, article)), hoods: a.hoods, authors: a.authors };
}

/** Folder of the off-topic model with the sentence stage, which the scorer's accurate mode loads by default. */
export function accurateTopicDir(): string {
  return path.join(packageRoot(), 'models', 'offtopic', 'accurate');
}

/** The default off-topic model folder of a scorer mode: accurate mode takes the sentence-stage model when it is shipped. */
export function defaultTopicDir(accurate: boolean): string {
  return accurate && fs.existsSync(path.join(accurateTopicDir(), 'model.json')) ? accurateTopicDir() : path.join(packageRoot(), 'models', 'offtopic');
}

/**
 * Load the off-topic model synchronously from `dir` (default: `models/offtopic` under the
 * package root, whatever the working directory).
 */
export function loadOffTopicModel(dir?: string): OffTopicModel {
  const d = dir ?? path.join(packageRoot(), 'models', 'offtopic');
  const jsonPath = path.join(d, 'model.json');
  let file: OffTopicModelFile;
  try {
    file = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as OffTopicModelFile;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ModeratoError('MOD_ERR_MODEL', `cannot read the off-topic model ${jsonPath}: ${why}`);
  }
  if (!file || typeof file !== 'object') throw new ModeratoError('MOD_ERR_MODEL', `${jsonPath} is not an off-topic model`);
  try {
    return new OffTopicModel(file, file.wordVectors ? loadWordTable(d, file.wordVectors.dim) : undefined);
  } catch (e) {
    if (e instanceof ModeratoError) throw e;
    throw new ModeratoError('MOD_ERR_MODEL', `invalid off-topic model ${jsonPath}: ${(e as Error).message}`);
  }
}
