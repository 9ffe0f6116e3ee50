/**
 * Cross-validation of the off-topic model over CQA questions, with the news checks (C3 and Fox
 * News intruders): the figures of the model card and the out-of-fold rows of the paired bootstrap.
 */
import { scoreThreadFollowed } from '../../topic/model';
import { lcg32 } from '../../util/lcg32';
import { DedupeCounts, OFF_TOPIC_LABELS } from './data';
import { Corpus, questionOrder } from './corpus';
import { c3Ids, c3Mixed, foxMixed } from './intruders';
import { fitBase, jointThreshold, TrainOptions } from './fit';
import { binaryReport, meanSd, rocAuc, prf } from './metrics';
import { fitStage, stageThread, stageVariants, threadVectors, VectorTable, VETOES } from './sentence-fit';

/** One sentence-stage variant's cross-validated figures (the ablation table's row). */
export interface StageFigures {
  rocAuc: number;
  offTopic: { precision: number; recall: number; f1: number };
  thresholds: { mean: number; sd: number };
  bySource: Record<'2015' | '2016', { f1: number; rocAuc: number }>;
  c3: { f1: number; rocAuc: number };
  fox: { rocAuc: { mean: number; sd: number }; f1: { mean: number; sd: number } };
  /** Comment-head ridge penalties picked in the folds. */
  headLambdas?: number[];
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
  /** With sentence vectors: each stage variant's figures (see `stageVariants`), and the full stage's out-of-fold scores. */
  sentence?: { variants: Record<string, StageFigures>; oof: number[]; hard: number[] };
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
export function crossValidate(corpus: Corpus, opts: TrainOptions = {}, vectors?: VectorTable): CvReport {
  const k = opts.folds ?? 10;
  const seed = opts.seed ?? 2015;
  const rate = opts.intruderRate ?? 0.5;
  const order = questionOrder(corpus, opts.seed);
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
  const byQid = new Map(corpus.cqa.map((q) => [q.qid, q]));
  const names = vectors ? [...Object.keys(stageVariants()), 'max(base, full)', 'or(base, full)', 'gate(base, full)', 'either(base, full)', ...VETOES.map((v) => `either veto ${v}(base, full)`)] : [];
  const acc = new Map(names.map((n) => [n, { oof: new Map<string, number>(), pred: new Map<string, number>(), c3: { s: [] as number[], hard: [] as number[] }, foxAuc: [] as number[], foxF1: [] as number[], thresholds: [] as number[] }]));
  const headLambdas: number[] = [];
  for (let f = 0; f < k; f++) {
    const trainQ = order.filter((q) => foldOf.get(q) !== f);
    const { parts, rows, hoods, authors, trainScores, news: nr } = fitBase(corpus, trainQ, opts, news.filter((id) => newsFold.get(id) !== f));
    const t = jointThreshold(trainScores, rows.map((r) => r.y), nr.scores, nr.y, opts.newsWeight ?? 1);
    thresholds.push(t);
    // The stage's inner folds are fitParts' own (position in the training order, modulo 5).
    const innerOf = new Map(trainQ.map((q, i) => [q, i % 5]));
    const stage = vectors ? fitStage(vectors, trainQ.map((q) => byQid.get(q)!), rows, trainScores, (q) => innerOf.get(q)!, nr, parts.blendRange, { hoods, authors }, { lambda: opts.lambda, newsWeight: opts.newsWeight, baseThreshold: t }) : undefined;
    if (stage) headLambdas.push(stage.head.lambda);
    for (const [name, v] of Object.entries(stage?.variants ?? {})) acc.get(name)!.thresholds.push(v.threshold);
    /** Base scores of a thread, then each variant's stage scores (with their fold thresholds). */
    const scoreAll = (article: Parameters<typeof scoreThreadFollowed>[1], comments: Parameters<typeof scoreThreadFollowed>[2], sink: (name: string, p: number[], t: number) => void): number[] => {
      const b = scoreThreadFollowed(parts, article, comments);
      if (stage && vectors) {
        const tv = threadVectors(vectors, article, comments);
        for (const [name, v] of Object.entries(stage.variants)) sink(name, stageThread(stage.head, v, b.scores, b.followed, tv, b.regime, b.hoods, b.authors, stage.relevance), v.threshold);
      }
      return b.scores;
    };
    const test = corpus.cqa.filter((q) => foldOf.get(q.qid) === f);
    const s: number[] = [];
    const y: number[] = [];
    for (const q of test) {
      scoreAll(q.article, q.comments, (name, ps, tv) => ps.forEach((p, i) => (acc.get(name)!.oof.set(q.comments[i].id, p), acc.get(name)!.pred.set(q.comments[i].id, p >= tv ? 1 : 0)))).forEach((p, i) => {
        oof.set(q.comments[i].id, p);
        pred.set(q.comments[i].id, p >= t ? 1 : 0);
        s.push(p);
        y.push(OFF_TOPIC_LABELS.has(q.labels[i]) ? 1 : 0);
      });
    }
    aucs.push(rocAuc(s, y));
    f1s.push(prf(s, y, t).f1);
    for (const m of c3Mixed(corpus, news.filter((id) => newsFold.get(id) === f), rate, lcg32(seed + 101 + f))) {
      scoreAll(m.article, m.comments, (name, ps, tv) => ps.forEach((p) => (acc.get(name)!.c3.s.push(p), acc.get(name)!.c3.hard.push(p >= tv ? 1 : 0)))).forEach((p, i) => (c3.s.push(p), c3.hard.push(p >= t ? 1 : 0), c3.y.push(m.y[i])));
    }
    const fs: number[] = [];
    const fy: number[] = [];
    const vfs = new Map(names.map((n) => [n, [] as number[]]));
    for (const m of fox) scoreAll(m.article, m.comments, (name, ps) => vfs.get(name)!.push(...ps)).forEach((p, i) => (fs.push(p), fy.push(m.y[i])));
    foxAuc.push(rocAuc(fs, fy));
    foxF1.push(prf(fs, fy, t).f1);
    if (stage) {
      for (const [name, v] of Object.entries(stage.variants)) {
        acc.get(name)!.foxAuc.push(rocAuc(vfs.get(name)!, fy));
        acc.get(name)!.foxF1.push(prf(vfs.get(name)!, fy, v.threshold).f1);
      }
    }
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
  let sentence: CvReport['sentence'];
  if (vectors) {
    const variants: Record<string, StageFigures> = {};
    for (const [name, a] of acc) {
      const sc = all.map((x) => a.oof.get(x.id)!);
      const hd = all.map((x) => a.pred.get(x.id)!);
      const src = (k: string) => {
        const ix = all.map((x, i) => (x.source === k ? i : -1)).filter((i) => i >= 0);
        return { f1: prf(ix.map((i) => hd[i]), ix.map((i) => labels[i]), 1).f1, rocAuc: rocAuc(ix.map((i) => sc[i]), ix.map((i) => labels[i])) };
      };
      variants[name] = {
        rocAuc: rocAuc(sc, labels),
        offTopic: prf(hd, labels, 1),
        thresholds: meanSd(a.thresholds),
        bySource: { '2015': src('2015'), '2016': src('2016') },
        c3: { f1: prf(a.c3.hard, c3.y, 1).f1, rocAuc: rocAuc(a.c3.s, c3.y) },
        fox: { rocAuc: meanSd(a.foxAuc), f1: meanSd(a.foxF1) },
        ...(name === 'full' ? { headLambdas } : {}),
      };
    }
    const full = acc.get('full')!;
    sentence = { variants, oof: all.map((x) => full.oof.get(x.id)!), hard: all.map((x) => full.pred.get(x.id)!) };
  }
  return {
    sentence,
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
