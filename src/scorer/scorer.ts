import { CATEGORIES, type Category, type CommentInput, type ModelInfo, type Reason, type ScoreRequest, type ScoreResult } from '../types';
import { loadModel } from '../model';
import { assembleSpans, spanOptionsFromThresholds } from '../spans';
import { ModeratoError, isModeratoError } from '../errors';
import { loadOffTopicModel } from '../topic';

/** Thresholds the scorer flags with (0..1). */
export interface Thresholds {
  /** `toxicity >= toxicity` flags the comment. */
  toxicity: number;
  /** Any category score `>= category` flags the comment. */
  category: number;
  /** `offTopic >= offTopic` flags the comment (when it has context). */
  offTopic: number;
}

/** Defaults when neither the models nor the caller set a threshold. */
export const DEFAULT_THRESHOLDS: Thresholds = { toxicity: 0.5, category: 0.5, offTopic: 0.5 };

/** Options for {@link createScorer}. */
export interface ScorerOptions {
  /** Directory of the toxicity model (default: the shipped `models/toxicity`). */
  modelDir?: string;
  /** Directory of the off-topic model (default: the shipped `models/offtopic`). */
  topicDir?: string;
  /** TF.js backend name: `tfjs-node`, `wasm` or `cpu` (default: the first that loads). */
  backend?: string;
  thresholds?: Partial<Thresholds>;
}

/** Scores comments. Safe to call concurrently. */
export interface Scorer {
  readonly info: ModelInfo;
  readonly thresholds: Thresholds;
  /** One result per comment, in input order. */
  score(req: ScoreRequest): Promise<ScoreResult[]>;
  dispose(): void;
}

const round = (x: number): number => Math.round(x * 10000) / 10000;

/** Reasons for the toxicity side of a flag, strongest first. */
function toxicityReasons(toxicity: number, categories: Record<Category, number>, t: Thresholds): Reason[] {
  const reasons: Reason[] = [];
  if (toxicity >= t.toxicity) {
    reasons.push({ code: 'toxicity', score: round(toxicity), message: `Toxicity ${toxicity.toFixed(2)} is at or above the threshold ${t.toxicity}.` });
  }
  const over = CATEGORIES.filter((c) => categories[c] >= t.category).sort((a, b) => categories[b] - categories[a]);
  for (const c of over) {
    reasons.push({ code: 'category', category: c, score: round(categories[c]), message: `${c.replace('_', ' ')} ${categories[c].toFixed(2)} is at or above the threshold ${t.category}.` });
  }
  return reasons;
}

/** Texts scored once at load: a model whose weights are corrupt (random, NaN) fails here, not on every request. */
export const CANARY = ['You are a stupid idiot and nobody likes you.', 'Thanks for the clear article about the new footbridge.'];

/**
 * Scores {@link CANARY}; MOD_ERR_MODEL when any output is not a finite probability, or when the
 * insult does not outscore the thanks, on toxicity and on the network's own insult score (a
 * same-size file of random weights passes the size checks of `readModel` and would otherwise be
 * served, answering `toxicity: null`; with the wide part blended in, toxicity alone can still
 * rank the two when the network's weights are all zero).
 */
async function checkCanary(model: Awaited<ReturnType<typeof loadModel>>): Promise<void> {
  const [bad, good] = await model.predict(CANARY);
  const outputs = [bad!, good!].flatMap((p) => [p.toxicity, ...CATEGORIES.map((c) => p.categories[c]), ...p.tokenToxic]);
  const broken = outputs.find((x) => !Number.isFinite(x) || x < 0 || x > 1);
  if (broken !== undefined) throw new ModeratoError('MOD_ERR_MODEL', `the toxicity model answers ${broken} on its load check: its weights are corrupt`);
  for (const [what, b, g] of [['toxicity', bad!.toxicity, good!.toxicity], ['insult', bad!.categories.insult, good!.categories.insult]] as const) {
    if (!(b > g)) throw new ModeratoError('MOD_ERR_MODEL', `the toxicity model scores an insult (${what} ${b.toFixed(3)}) no higher than a thank-you (${g.toFixed(3)}) on its load check: wrong or corrupt weights`);
  }
}

/**
 * Loads the toxicity and off-topic models and returns a ready scorer. Thresholds come from the
 * options, else the models' own tuned thresholds, else {@link DEFAULT_THRESHOLDS}.
 */
export async function createScorer(opts: ScorerOptions = {}): Promise<Scorer> {
  const model = await loadModel(opts.modelDir, { backend: opts.backend }).catch((e: unknown) => {
    // A file the model names but the folder lacks (weights.bin) surfaces as a raw ENOENT from the reader.
    if (isModeratoError(e)) throw e;
    throw new ModeratoError('MOD_ERR_MODEL', `cannot load the toxicity model: ${(e as Error).message}`);
  });
  const topic = loadOffTopicModel(opts.topicDir);
  const thresholds: Thresholds = {
    toxicity: opts.thresholds?.toxicity ?? model.info.thresholds?.toxicity ?? DEFAULT_THRESHOLDS.toxicity,
    category: opts.thresholds?.category ?? model.info.thresholds?.category ?? DEFAULT_THRESHOLDS.category,
    offTopic: opts.thresholds?.offTopic ?? topic.threshold ?? DEFAULT_THRESHOLDS.offTopic,
  };
  const info: ModelInfo = { ...model.info, thresholds: { ...thresholds } };
  // The span rules tuned with the model (threshold, fallback, presence gate) travel in its model.json.
  const spanOpts = spanOptionsFromThresholds(model.info.thresholds);
  try {
    await checkCanary(model);
  } catch (e) {
    model.dispose();
    throw e;
  }

  return {
    info,
    thresholds,
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      const comments: CommentInput[] = req.comments;
      if (comments.length === 0) return [];
      const preds = await model.predict(comments.map((c) => c.text));
      // Independent comments share no thread: each is judged against the article alone, if any.
      const context = req.context ?? [];
      const topicResults = !req.independent
        ? topic.score(req.article, [...context, ...comments]).slice(context.length)
        : req.article !== undefined
          ? comments.map((c) => topic.score(req.article, [{ ...c, parentId: undefined }])[0])
          : comments.map(() => ({ offTopic: null, reasons: [] as Reason[] }));
      return comments.map((c, i) => {
        const p = preds[i];
        const categories = Object.fromEntries(CATEGORIES.map((k) => [k, round(p.categories[k])])) as Record<Category, number>;
        const offTopic = topicResults[i].offTopic === null ? null : round(topicResults[i].offTopic as number);
        const reasons = toxicityReasons(p.toxicity, p.categories, thresholds);
        if (offTopic !== null && offTopic >= thresholds.offTopic) {
          const own = topicResults[i].reasons;
          // A caller's threshold below the model's own leaves the model without reasons to give.
          reasons.push(...(own.length ? own : [{ code: 'off_topic' as const, score: offTopic, message: `Off topic ${offTopic.toFixed(2)} is at or above the threshold ${thresholds.offTopic}.` }]));
        }
        const flagged = reasons.length > 0;
        return {
          id: c.id,
          toxicity: round(p.toxicity),
          categories,
          offTopic,
          flagged,
          reasons,
          spans: assembleSpans(c.text, p, spanOpts).map((s) => ({ ...s, score: round(s.score) })),
        };
      });
    },
    dispose(): void {
      model.dispose();
    },
  };
}
