/**
 * Training and cross-validation of the off-topic model on the SemEval-2015 CQA threads.
 * Folds are over questions (a thread is never split). IDF is re-learned inside every fold from
 * C3 + the training questions only, so held-out text never leaks into the statistics.
 */
import { analyzeThread, FEATURE_NAMES } from './features';
import { fit, predict, LogReg } from './logreg';
import { learnIdf, IdfTable } from './vectors';
import { topicTerms, TopicTerm } from './terms';
import { CqaThread, OFF_TOPIC_LABELS, loadCqa, loadC3Threads, datasetsDir } from './data';
import { bestF1Threshold, binaryReport, rocAuc, prf } from './metrics';
import { MODEL_FORMAT, OffTopicModelFile } from './model';
import { fitLexical, lexTokens, sharedVocabulary, LexicalModel } from './lexical';

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
}

/** A labelled row: features of one CQA comment. */
interface Row {
  qid: string;
  x: number[];
  y: number;
  label: string;
  cosArticle: number;
}

/** Cross-validated figures, as written to the model card. */
export interface CvReport {
  folds: number;
  questions: number;
  comments: number;
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
  /** Out-of-fold scores, for picking the shipped threshold. */
  oof: number[];
  labels: number[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, sd: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)) };
}

/** Term lists of every text in the corpora, computed once (stemming dominates training time). */
export interface Corpus {
  cqa: CqaThread[];
  c3Docs: TopicTerm[][];
  cqaDocs: Map<string, TopicTerm[][]>;
  c3Lex: Set<string>[];
  cqaLex: Map<string, Set<string>[]>;
}

/** Load CQA and C3 and pre-tokenise them. */
export function loadCorpus(datasets?: string): Corpus {
  const dir = datasetsDir(datasets);
  const cqa = loadCqa(dir);
  const c3Docs: TopicTerm[][] = [];
  const c3Lex: Set<string>[] = [];
  for (const texts of loadC3Threads(dir).values()) {
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
  return { cqa, c3Docs, cqaDocs, c3Lex, cqaLex };
}

function idfFor(corpus: Corpus, qids: Set<string>): IdfTable {
  const docs = [...corpus.c3Docs];
  for (const [q, d] of corpus.cqaDocs) if (qids.has(q)) docs.push(...d);
  return learnIdf(docs);
}

function rowsFor(idf: IdfTable, threads: CqaThread[], lexFor: (qid: string) => LexicalModel | undefined): Row[] {
  const rows: Row[] = [];
  for (const t of threads) {
    const a = analyzeThread(idf, t.article, t.comments, lexFor(t.qid));
    a.comments.forEach((c, i) =>
      rows.push({ qid: t.qid, x: c.features, y: OFF_TOPIC_LABELS.has(t.labels[i]) ? 1 : 0, label: t.labels[i], cosArticle: c.cosArticle }),
    );
  }
  return rows;
}

/** Statistics and the stacked training rows for one set of training questions. */
interface Stack {
  idf: IdfTable;
  lexical: LexicalModel;
  rows: Row[];
}

/**
 * Everything learned from `trainQ`: IDF, the lexical model, and training rows whose lexical
 * feature comes from inner folds (a model never scores comments it was fitted on, so the
 * regression learns how much the lexical score is worth on unseen threads).
 */
function fitStack(corpus: Corpus, trainQ: string[], opts: TrainOptions): Stack {
  const set = new Set(trainQ);
  const idf = idfFor(corpus, set);
  const threads = corpus.cqa.filter((q) => set.has(q.qid));
  const lexDocs = threads.flatMap((q) => corpus.cqaLex.get(q.qid)!);
  const vocab = sharedVocabulary([corpus.c3Lex, lexDocs], opts.lexMinShare ?? 0.005);
  const yOf = (qs: CqaThread[]) => qs.flatMap((q) => q.labels.map((l) => (OFF_TOPIC_LABELS.has(l) ? 1 : 0)));
  const lexical = fitLexical(lexDocs, yOf(threads), vocab);
  const inner = 5;
  const innerOf = new Map(trainQ.map((q, i) => [q, i % inner]));
  const innerModels: LexicalModel[] = [];
  for (let f = 0; f < inner; f++) {
    const tr = threads.filter((q) => innerOf.get(q.qid) !== f);
    innerModels.push(fitLexical(tr.flatMap((q) => corpus.cqaLex.get(q.qid)!), yOf(tr), vocab));
  }
  const rows = rowsFor(idf, threads, (qid) => innerModels[innerOf.get(qid)!]);
  return { idf, lexical, rows };
}

function maskFor(exclude: string[] = []): boolean[] {
  for (const e of exclude) if (!(FEATURE_NAMES as readonly string[]).includes(e)) throw new Error(`unknown feature ${e}; known: ${FEATURE_NAMES.join(', ')}`);
  return FEATURE_NAMES.map((f) => !exclude.includes(f));
}

/** K-fold cross-validation over questions. */
export function crossValidate(corpus: Corpus, opts: TrainOptions = {}): CvReport {
  const k = opts.folds ?? 10;
  const lambda = opts.lambda ?? 1;
  const mask = maskFor(opts.exclude);
  const qids = corpus.cqa.map((q) => q.qid);
  const r = rng(opts.seed ?? 2015);
  const order = qids.map((q) => ({ q, u: r() })).sort((a, b) => a.u - b.u).map((o) => o.q);
  const foldOf = new Map(order.map((q, i) => [q, i % k]));
  const oof = new Map<string, number>();
  const aucs: number[] = [];
  const f1s: number[] = [];
  const pred = new Map<string, number>(); // comment id -> 0/1 at the fold's own threshold
  for (let f = 0; f < k; f++) {
    const trainQ = new Set(order.filter((q) => foldOf.get(q) !== f));
    const stack = fitStack(corpus, order.filter((q) => foldOf.get(q) !== f), opts);
    const test = corpus.cqa.filter((q) => !trainQ.has(q.qid));
    const trRows = stack.rows;
    const model = fit(trRows.map((r) => r.x), trRows.map((r) => r.y), lambda, mask);
    const t = bestF1Threshold(trRows.map((r) => predict(model, r.x)), trRows.map((r) => r.y)).threshold;
    const teRows = rowsFor(stack.idf, test, () => stack.lexical);
    const s = teRows.map((r) => predict(model, r.x));
    const ids = test.flatMap((q) => q.comments.map((c) => c.id));
    ids.forEach((id, i) => {
      oof.set(id, s[i]);
      pred.set(id, s[i] >= t ? 1 : 0);
    });
    aucs.push(rocAuc(s, teRows.map((r) => r.y)));
    f1s.push(prf(s, teRows.map((r) => r.y), t).f1);
  }
  const all = corpus.cqa.flatMap((q) => q.comments.map((c, i) => ({ id: c.id, label: q.labels[i] })));
  const labels: number[] = all.map((a) => (OFF_TOPIC_LABELS.has(a.label) ? 1 : 0));
  const scores = all.map((a) => oof.get(a.id)!);
  const hard = all.map((a) => pred.get(a.id)!);
  const rep = binaryReport(hard, labels, 0.5);
  const gb = all.map((a, i) => ({ a, i })).filter(({ a }) => a.label !== 'Potential');
  const gbRep = binaryReport(gb.map(({ i }) => hard[i]), gb.map(({ i }) => labels[i]), 0.5);
  return {
    folds: k,
    questions: qids.length,
    comments: all.length,
    offTopicShare: labels.reduce((a, b) => a + b, 0) / labels.length,
    rocAuc: rocAuc(scores, labels),
    rocAucFolds: meanSd(aucs),
    offTopic: rep.positive,
    offTopicF1Folds: meanSd(f1s),
    onTopicF1: rep.negative.f1,
    macroF1: rep.macroF1,
    accuracy: rep.accuracy,
    goodVsBad: {
      macroF1: gbRep.macroF1,
      goodF1: gbRep.negative.f1,
      badF1: gbRep.positive.f1,
      rocAuc: rocAuc(gb.map(({ i }) => scores[i]), gb.map(({ i }) => labels[i])),
    },
    oof: scores,
    labels,
  };
}

/** Youden-optimal cut on one raw similarity: the learned meaning of "about the same thing". */
function relatedCut(rows: Row[]): number {
  const on = rows.filter((r) => r.y === 0).map((r) => r.cosArticle);
  const off = rows.filter((r) => r.y === 1).map((r) => r.cosArticle);
  let best = { t: 0.1, j: -1 };
  for (const t of [...new Set(rows.map((r) => r.cosArticle))].sort((a, b) => a - b)) {
    const j = on.filter((c) => c >= t).length / on.length - off.filter((c) => c >= t).length / off.length;
    if (j > best.j) best = { t, j };
  }
  return best.t;
}

/** Train the shipped model on all CQA questions; the threshold comes from the CV's out-of-fold scores. */
export function trainOffTopic(corpus: Corpus, cv: CvReport, opts: TrainOptions = {}): OffTopicModelFile {
  const started = Date.now();
  const r = rng(opts.seed ?? 2015);
  const order = corpus.cqa.map((q) => ({ q: q.qid, u: r() })).sort((a, b) => a.u - b.u).map((o) => o.q);
  const { idf, lexical, rows } = fitStack(corpus, order, opts);
  const logreg: LogReg = fit(rows.map((r) => r.x), rows.map((r) => r.y), opts.lambda ?? 1, maskFor(opts.exclude));
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    format: MODEL_FORMAT,
    version: '1.0.0',
    features: [...FEATURE_NAMES],
    idf,
    lexical,
    logreg: { mean: logreg.mean.map(round), std: logreg.std.map(round), weights: logreg.weights.map(round), bias: round(logreg.bias) },
    threshold: round(bestF1Threshold(cv.oof, cv.labels).threshold),
    relatedCosine: round(relatedCut(rows)),
    meta: {
      trainedOn: `SemEval-2015 Task 3 CQA-QL devel (${corpus.cqa.length} questions, ${rows.length} comments); IDF from C3 (${corpus.c3Docs.length} comments) + CQA`,
      lambda: opts.lambda ?? 1,
      exclude: opts.exclude ?? [],
      fitMs: Date.now() - started,
    },
  };
}
