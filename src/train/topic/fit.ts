/**
 * One training run of the off-topic model on a set of questions: every part (IDF, lexical cue,
 * relevance, classifier, blend, context pass) re-learned from C3 + those questions only, so the
 * cross-validation's held-out threads never leak into the statistics; and the decision threshold.
 */
import { analyzeThread, featureNames, isVectorFeature, TOPICAL_FEATURES, Neighbour, RELEVANCE, CONTEXT_SIZE, TopicComment } from '../../topic/features';
import { fit, fitNonNegative, predict, logit, LogReg } from '../../topic/logreg';
import { learnIdf, IdfTable } from '../../topic/vectors';
import { blendInputs, contextInputs, CONTEXT_INPUTS, classifierLogit, scoreThreadFollowed } from '../../topic/model';
import { fitMlp, Mlp } from '../../topic/mlp';
import { fitLexical, sharedVocabulary, LexicalModel } from '../../topic/lexical';
import type { WordTable } from '../../topic/wordvec';
import type { StageCombine } from '../../topic/sentence';
import { lcg32 } from '../../util/lcg32';
import { CqaThread, OFF_TOPIC_LABELS } from './data';
import type { Corpus } from './corpus';
import { c3Ids, c3Mixed, mixIntruders, MixedThread } from './intruders';
import { prf } from './metrics';

/** Options for training / cross-validation. */
export interface TrainOptions {
  datasets?: string;
  folds?: number;
  /** L2 penalty on standardised weights. */
  lambda?: number;
  /** Features to leave out (ablations). */
  exclude?: string[];
  seed?: number;
  /** Minimum document share, in both C3 and CQA, for a word to enter the lexical vocabulary. */
  lexMinShare?: number;
  /** Self-supervision: comments moved in from other threads, as a share of each thread's length. */
  intruderRate?: number;
  /** Candidate L2 penalties for the classifier, chosen by inner-fold log-loss (default `CLASSIFIER_LAMBDAS`). */
  classifierLambdas?: number[];
  /** Lexical vocabulary: words common to both corpora (`shared`, default) or to the CQA training threads alone (`cqa`). */
  lexVocab?: 'shared' | 'cqa';
  /** The conversation classifier: logistic regression (default) or the small network of `mlp.ts`. */
  classifier?: 'logreg' | 'mlp';
  /** Weight of the news intruder rows against the CQA rows in the blend and threshold (0 = CQA only). */
  newsWeight?: number;
  /** A word-vector table (`wordvec.ts`): adds the `VECTOR_FEATURES` to the relevance model and the classifier. Off when absent. */
  words?: WordTable;
  /** Which parts read the vector features: both (default), only the relevance model, only the classifier. */
  vectorsIn?: 'both' | 'relevance' | 'classifier';
  /** Where `words` came from (recorded in the model file). */
  wordsSource?: string;
  /**
   * CQA releases the lexical (base) model learns from (default both). The sentence stage still
   * learns from every training question: the others' base scores are then truly held out.
   * `['2015']` is 1.0.0's recipe (trained on 2015 devel alone).
   */
  baseSources?: Array<'2015' | '2016'>;
  /** How the shipped stage's score meets the base's (`combineStage`): `max` is the CV's `or(base, full)` variant, `gate` its `gate(base, full)`, `either` its `either(base, full)`. */
  stageCombine?: StageCombine;
  /** The shipped stage's `veto` (`SentenceStage.veto`): the CV's `either veto V(base, full)` variant. */
  stageVeto?: number;
}

/** A labelled row: features of one CQA comment. */
interface Row {
  qid: string;
  x: number[];
  y: number;
  label: string;
  /** Index within its thread of the comment it follows (-1: the question): the sentence stage reads it. */
  followed: number;
}

function idfFor(corpus: Corpus, qids: Set<string>): IdfTable {
  const docs = [...corpus.c3Docs];
  for (const [q, d] of corpus.cqaDocs) if (qids.has(q)) docs.push(...d);
  return learnIdf(docs);
}

function labelsOf(threads: CqaThread[]): number[] {
  return threads.flatMap((q) => q.labels.map((l) => (OFF_TOPIC_LABELS.has(l) ? 1 : 0)));
}

/** Rows of the threads' comments, in thread order, with each row's neighbourhood (as row indices). */
function rowsFor(parts: Pick<ModelParts, 'idf' | 'relevance' | 'words'>, threads: CqaThread[], lexFor: (qid: string) => LexicalModel): { rows: Row[]; hoods: Neighbour[][]; authors: Array<string | undefined> } {
  const rows: Row[] = [];
  const hoods: Neighbour[][] = [];
  const authors: Array<string | undefined> = [];
  for (const t of threads) {
    const a = analyzeThread(parts.idf, t.article, t.comments, lexFor(t.qid), parts.relevance, parts.words);
    const offset = rows.length;
    hoods.push(...a.hoods.map((h) => h.map(([j, w]): Neighbour => [offset + j, w])));
    authors.push(...t.comments.map((c) => (c.author ? `${t.qid}/${c.author}` : undefined)));
    a.comments.forEach((c, i) =>
      rows.push({ qid: t.qid, x: c.features, y: OFF_TOPIC_LABELS.has(t.labels[i]) ? 1 : 0, label: t.labels[i], followed: c.followed }),
    );
  }
  return { rows, hoods, authors };
}

/** What one training run learns (the model file minus its metadata). */
export interface ModelParts {
  idf: IdfTable;
  lexical: LexicalModel;
  relevance: LogReg;
  logreg: LogReg;
  mlp?: Mlp;
  blend: LogReg;
  blendRange: [number, number];
  context: LogReg;
  words?: WordTable;
}

/**
 * Learn every part from the questions `trainQ` (in the given order, which fixes the inner folds):
 * 1. IDF (C3 + these questions' text), the lexical cue, and the self-supervised relevance model;
 * 2. the conversation classifier `logreg` on CQA labels, its lexical feature stacked from inner folds,
 *    its L2 penalty picked from `CLASSIFIER_LAMBDAS` by inner-fold log-loss;
 * 3. the `blend` of the classifier's and the relevance model's logits, fitted on CQA labels
 *    (classifier scores out of inner folds) together with C3 intruder rows, each source carrying
 *    half the weight: CQA alone would teach that topic hardly matters, C3 alone that conversation
 *    never does (see `blendInputs` for the two regimes).
 * 4. the `context` pass over the blend's logit, its smoothing over each comment's conversational
 *    neighbours and its author's other comments (see `contextInputs`), on the same rows and weights.
 * Also returns blend scores of the training rows (classifier part out of inner folds) and of the
 * news rows, for tuning the threshold.
 */
export function fitParts(
  corpus: Corpus,
  trainQ: string[],
  opts: TrainOptions,
  newsIds: string[] = c3Ids(corpus),
): { parts: ModelParts; rows: Row[]; hoods: Neighbour[][]; authors: Array<string | undefined>; trainScores: number[]; cLogit: number[]; classifierLambda: number; news: { X: number[][]; scores: number[]; y: number[]; threads: MixedThread[]; followed: number[]; hoods: Neighbour[][] } } {
  const lambda = opts.lambda ?? 1;
  const mask = maskFor(opts.exclude, !!opts.words).map((on, j) => on && (opts.vectorsIn !== 'relevance' || !isVectorFeature(featureNames(true)[j])));
  const words = opts.words;
  const set = new Set(trainQ);
  const idf = idfFor(corpus, set);
  const threads = trainQ.map((q) => corpus.cqa.find((t) => t.qid === q)!);
  const lexDocs = threads.flatMap((q) => corpus.cqaLex.get(q.qid)!);
  const vocab = sharedVocabulary(opts.lexVocab === 'cqa' ? [lexDocs] : [corpus.c3Lex, lexDocs], opts.lexMinShare ?? 0.002);
  const lexical = fitLexical(lexDocs, labelsOf(threads), vocab);
  const inner = 5;
  const innerOf = new Map(trainQ.map((q, i) => [q, i % inner]));
  const innerLex: LexicalModel[] = [];
  for (let f = 0; f < inner; f++) {
    const tr = threads.filter((q) => innerOf.get(q.qid) !== f);
    innerLex.push(fitLexical(tr.flatMap((q) => corpus.cqaLex.get(q.qid)!), labelsOf(tr), vocab));
  }
  const { relevance, news } = fitRelevance(corpus, idf, threads, lexical, opts, newsIds);
  const { rows, hoods, authors } = rowsFor({ idf, relevance, words }, threads, (qid) => innerLex[innerOf.get(qid)!]);
  // The classifier's L2 penalty is chosen inside this training set: the candidate with the best
  // inner-fold log-loss. Its inner-fold logits are what the blend is fitted on.
  let cLogit: number[] = [];
  let bestLoss = Infinity;
  let classifierLambda = lambda;
  for (const lam of opts.classifierLambdas ?? CLASSIFIER_LAMBDAS) {
    const z = new Array<number>(rows.length).fill(0);
    for (let f = 0; f < inner; f++) {
      const tr = rows.filter((r) => innerOf.get(r.qid) !== f);
      const m = fit(tr.map((r) => r.x), tr.map((r) => r.y), lam, mask);
      rows.forEach((r, i) => {
        if (innerOf.get(r.qid) === f) z[i] = logit(predict(m, r.x));
      });
    }
    const loss = rows.reduce((acc, r, i) => acc + Math.log1p(Math.exp(r.y ? -z[i] : z[i])), 0);
    if (loss < bestLoss) [bestLoss, cLogit, classifierLambda] = [loss, z, lam];
  }
  const logreg = fit(rows.map((r) => r.x), rows.map((r) => r.y), classifierLambda, mask);
  let mlp: Mlp | undefined;
  if (opts.classifier === 'mlp') {
    // The network replaces the regression: its inner-fold logits feed the blend, as the regression's did.
    cLogit = new Array<number>(rows.length).fill(0);
    for (let f = 0; f < inner; f++) {
      const tr = rows.filter((r) => innerOf.get(r.qid) !== f);
      const m = fitMlp(tr.map((r) => r.x), tr.map((r) => r.y), mask);
      rows.forEach((r, i) => {
        if (innerOf.get(r.qid) === f) cLogit[i] = classifierLogit({ logreg, mlp: m }, r.x);
      });
    }
    mlp = fitMlp(rows.map((r) => r.x), rows.map((r) => r.y), mask);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const blendRange: [number, number] = [median(rows.map((r) => r.x[CONTEXT_SIZE])), median(news.X.map((x) => x[CONTEXT_SIZE]))];
  const newsLogit = news.X.map((x) => classifierLogit({ logreg, mlp }, x));
  const X2 = [...rows.map((r, i) => blendInputs(cLogit[i], r.x, blendRange)), ...news.X.map((x, i) => blendInputs(newsLogit[i], x, blendRange))];
  const y2 = [...rows.map((r) => r.y), ...news.y];
  const newsWeight = opts.newsWeight ?? 1;
  const w2 = [...rows.map(() => 1), ...news.y.map(() => (newsWeight * rows.length) / news.y.length)];
  // Both logits must push the same way in every regime (more off-topic evidence never lowers the
  // score): a logit input that comes out negative is dropped and the blend refitted.
  const blendMask = X2[0].map(() => true);
  const logitInputs = X2[0].length - 1; // every input but the last (s) must weigh non-negatively
  const blend = fitNonNegative(X2, y2, lambda, blendMask, logitInputs, 3, w2);
  // Context pass (see `contextInputs`): the blend's logit next to its smoothing over each comment's
  // neighbours and the mean over its author's other comments in the thread, fitted on the same rows
  // and weights, all weights kept non-negative (off-topic company never lowers a score). C3 has no
  // authors, so the author input is learned from CQA alone (on news rows it equals the logit).
  // CQA rows carry inner-fold classifier logits, as for the blend.
  const zRows = rows.map((r, i) => logit(predict(blend, blendInputs(cLogit[i], r.x, blendRange))));
  const zNews = news.X.map((x, i) => logit(predict(blend, blendInputs(newsLogit[i], x, blendRange))));
  const X3 = [...contextInputs(zRows, hoods, authors), ...contextInputs(zNews, news.hoods, news.X.map(() => undefined))];
  const contextMask = CONTEXT_INPUTS.map((name, j) => j === 0 || !(opts.exclude ?? []).includes(name));
  const context = fitNonNegative(X3, y2, lambda, contextMask, CONTEXT_INPUTS.length, 2, w2);
  const trainScores = X3.slice(0, rows.length).map((x) => predict(context, x));
  const newsScores = X3.slice(rows.length).map((x) => predict(context, x));
  return { parts: { idf, lexical, relevance, logreg, mlp, blend, blendRange, context, words }, rows, hoods, authors, trainScores, cLogit, classifierLambda, news: { X: news.X, scores: newsScores, y: news.y, threads: news.threads, followed: news.followed, hoods: news.hoods } };
}

/**
 * `fitParts` with the base model learned from the questions of `opts.baseSources` only, and rows,
 * neighbourhoods, authors and scores for every question of `trainQ` (in its order): those of the
 * base's own questions as `fitParts` gives them (classifier out of inner folds), the others scored
 * by the fitted base (held out). Without `baseSources` it is `fitParts`.
 */
export function fitBase(corpus: Corpus, trainQ: string[], opts: TrainOptions, newsIds: string[] = c3Ids(corpus)): ReturnType<typeof fitParts> {
  const sources = opts.baseSources;
  if (!sources || sources.length === 0) return fitParts(corpus, trainQ, opts, newsIds);
  const byQid = new Map(corpus.cqa.map((q) => [q.qid, q]));
  const own = trainQ.filter((q) => sources.includes(byQid.get(q)!.source));
  const fitted = fitParts(corpus, own, opts, newsIds);
  const span = new Map<string, number>();
  fitted.rows.forEach((r, i) => span.has(r.qid) || span.set(r.qid, i));
  const rows: Row[] = [];
  const hoods: Neighbour[][] = [];
  const authors: Array<string | undefined> = [];
  const trainScores: number[] = [];
  const cLogit: number[] = [];
  for (const q of trainQ) {
    const t = byQid.get(q)!;
    const offset = rows.length;
    const start = span.get(q);
    if (start !== undefined) {
      const n = t.comments.length;
      for (let i = start; i < start + n; i++) {
        rows.push(fitted.rows[i]);
        hoods.push(fitted.hoods[i].map(([j, w]): Neighbour => [j - start + offset, w]));
        authors.push(fitted.authors[i]);
        trainScores.push(fitted.trainScores[i]);
        cLogit.push(fitted.cLogit[i]);
      }
      continue;
    }
    const a = analyzeThread(fitted.parts.idf, t.article, t.comments, fitted.parts.lexical, fitted.parts.relevance, fitted.parts.words);
    const b = scoreThreadFollowed(fitted.parts, t.article, t.comments);
    a.comments.forEach((c, i) => {
      rows.push({ qid: q, x: c.features, y: OFF_TOPIC_LABELS.has(t.labels[i]) ? 1 : 0, label: t.labels[i], followed: c.followed });
      hoods.push(a.hoods[i].map(([j, w]): Neighbour => [offset + j, w]));
      authors.push(t.comments[i].author ? `${q}/${t.comments[i].author}` : undefined);
      trainScores.push(b.scores[i]);
      cLogit.push(classifierLogit(fitted.parts, c.features));
    });
  }
  return { ...fitted, rows, hoods, authors, trainScores, cLogit };
}

/** Candidate L2 penalties of the conversation classifier (picked inside each training set). */
export const CLASSIFIER_LAMBDAS = [1, 3, 10, 30, 100];

function maskFor(exclude: string[] = [], withVectors = false): boolean[] {
  const names = featureNames(withVectors);
  const known: readonly string[] = [...names, ...CONTEXT_INPUTS.slice(1)];
  for (const e of exclude) if (!known.includes(e)) throw new Error(`unknown feature ${e}; known: ${known.join(', ')}`);
  return names.map((f) => !exclude.includes(f));
}

/**
 * The decision threshold: maximises the mean of off-topic F1 on CQA (labels) and F1 on the news
 * intruder task — the same two sources, equally weighted, that the blend is fitted on. Tuning on
 * CQA alone would set it for one-line questions and short answers; news threads score differently.
 */
export function jointThreshold(cqaScores: number[], cqaY: number[], newsScores: number[], newsY: number[], newsWeight = 1): number {
  const cands = [...new Set([...cqaScores, ...newsScores].map((x) => Math.round(x * 200) / 200))].sort((a, b) => a - b);
  let best = { t: 0.5, v: -1 };
  for (const t of cands) {
    const v = (prf(cqaScores, cqaY, t).f1 + newsWeight * prf(newsScores, newsY, t).f1) / (1 + newsWeight);
    if (v > best.v) best = { t, v };
  }
  return best.t;
}

/**
 * Self-supervised relevance model: native thread comments (0) against comments moved in from
 * other threads (1), on topical features only. CQA's labels say little about topic (a bad answer
 * is usually still about the question), so a regression fitted on them alone barely uses
 * similarity — yet on news threads similarity to the article is the main signal. This model
 * learns it from thread membership: CQA threads with their question as the article, and the C3
 * news threads `newsIds` (see `c3Mixed`).
 */
export function fitRelevance(
  corpus: Corpus,
  idf: IdfTable,
  threads: CqaThread[],
  lexical: LexicalModel,
  opts: TrainOptions,
  newsIds: string[] = c3Ids(corpus),
): { relevance: LogReg; news: { X: number[][]; y: number[]; hoods: Neighbour[][]; threads: MixedThread[]; followed: number[] } } {
  const r = lcg32((opts.seed ?? 2015) + 11);
  const rate = opts.intruderRate ?? 0.5;
  const X: number[][] = [];
  const y: number[] = [];
  const news = { X: [] as number[][], y: [] as number[], hoods: [] as Neighbour[][], threads: [] as MixedThread[], followed: [] as number[] };
  const add = (t: MixedThread, isNews: boolean) => {
    const a = analyzeThread(idf, t.article, t.comments, lexical, undefined, opts.words);
    const offset = news.X.length;
    if (isNews) news.hoods.push(...a.hoods.map((h) => h.map(([j, w]): Neighbour => [offset + j, w]))), news.threads.push(t);
    a.comments.forEach((c, i) => {
      X.push(c.features);
      y.push(t.y[i]);
      if (isNews) news.X.push(c.features), news.y.push(t.y[i]), news.followed.push(c.followed);
    });
  };
  const cqaPool: Array<[string, TopicComment[]]> = threads.map((q) => [q.qid, q.comments]);
  for (const t of threads) add(mixIntruders(t.article, t.comments, cqaPool, t.qid, rate, r), false);
  for (const t of c3Mixed(corpus, newsIds, rate, r)) add(t, true);
  const vectorsHere = opts.vectorsIn !== 'classifier';
  // `--exclude` reaches the relevance model for the vector features only (the others' ablations are the classifier's).
  const exclude = opts.exclude ?? [];
  const mask = featureNames(!!opts.words).map((f) => TOPICAL_FEATURES.includes(f) && (!isVectorFeature(f) || (vectorsHere && !exclude.includes(f))));
  const relevance = fit(X, y, opts.lambda ?? 1, mask);
  for (const x of news.X) x[RELEVANCE] = logit(predict(relevance, x));
  return { relevance, news };
}
