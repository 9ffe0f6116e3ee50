import { CATEGORIES, type Category, type CommentInput, type ModelInfo, type Reason, type ScoreRequest, type ScoreResult } from '../types';
import { CascadeToxicityModel, DEFAULT_CASCADE_BAND, HeadedToxicityModel, loadModel, type CascadeBand, type ToxicityModel } from '../model';
import { assembleSpans, spanOptionsFromThresholds } from '../spans';
import { ModeratoError, isModeratoError } from '../errors';
import { articleText, defaultTopicDir, loadOffTopicModel, type OffTopicModel, type TopicVectors } from '../topic';
import { quantize } from '../adapt/features';
import { adapterApplies, applyAdapter } from '../adapt/apply';
import type { BaseModels, SiteAdapter, StoredFeatures } from '../adapt/types';
import type { SharedTables } from '../model/tables';

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

import { SCORER_MODES, askedMode, scorerModelDir, type ScorerMode } from './modes';
export { SCORER_MODES, type ScorerMode } from './modes';

/** The mode a loaded toxicity model scores in. */
export function modelMode(model: ToxicityModel): ScorerMode {
  return model.embeds ? 'accurate' : model.band ? 'cascade' : 'fast';
}

/** Options for {@link createScorer}. */
export interface ScorerOptions {
  /**
   * Default: the mode of the model given (`model`, `modelDir`), else `fast`. A model that does
   * not match the mode asked for is MOD_ERR_CONFIG.
   */
  mode?: ScorerMode;
  /**
   * The toxicity model's folder or model.json; its `format` picks the implementation (see
   * `loadModel`). Default: the shipped `models/toxicity` (fast) or `models/heads` (accurate).
   */
  modelDir?: string;
  /**
   * The cascade mode's band of fast toxicity (alone, it implies `mode: 'cascade'`; other modes
   * ignore it). Default: the band stored in the heads file, else `DEFAULT_CASCADE_BAND`.
   */
  cascade?: CascadeBand;
  /** Directory of the off-topic model (default: the shipped `models/offtopic`). */
  topicDir?: string;
  /** TF.js backend name: `tfjs-node`, `wasm` or `cpu` (default: the first that loads). */
  backend?: string;
  thresholds?: Partial<Thresholds>;
  /**
   * An already-loaded toxicity model instead of `modelDir` (in-process only: a pool's threads
   * take plain options). The scorer does not dispose it, so several scorers can share one.
   */
  model?: ToxicityModel;
  /** An already-loaded off-topic model instead of `topicDir`. */
  topic?: OffTopicModel;
  /**
   * The convolutional model's embedding table, filled once by a scorer pool's main thread, and
   * its folded vocabulary, filled by the pool's threads as they meet words; shared by the threads
   * (src/model/tables.ts; the pool sets it).
   */
  shared?: SharedTables;
}

/** A score request with the queue's internal hooks for site adaptation (never read from HTTP bodies). */
export interface ScorerRequest extends ScoreRequest {
  /** Each result carries `features` (base outputs + int8 sentence vector). Needs the `accurate` mode. */
  withFeatures?: boolean;
  /**
   * A site's fitted adapter: applied to the base outputs and the sentence vector (src/adapt's
   * `applyAdapter`); each result names it in `adapter` when its report says `activated`, else the
   * base scores stand and `adapter` is null. Needs the `accurate` mode.
   */
  adapter?: SiteAdapter | null;
}

/** A result with, when asked, the features the queue stores (internal: never sent over HTTP). */
export interface ScorerResult extends ScoreResult {
  features?: StoredFeatures;
}

/** Scores comments. Safe to call concurrently. */
export interface Scorer {
  readonly info: ModelInfo;
  readonly thresholds: Thresholds;
  /** One result per comment, in input order. */
  score(req: ScorerRequest): Promise<ScorerResult[]>;
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
async function checkCanary(model: ToxicityModel): Promise<void> {
  const [bad, good] = await model.predict(CANARY);
  const outputs = [bad!, good!].flatMap((p) => [p.toxicity, ...CATEGORIES.map((c) => p.categories[c]), ...p.tokenToxic]);
  const broken = outputs.find((x) => !Number.isFinite(x) || x < 0 || x > 1);
  if (broken !== undefined) throw new ModeratoError('MOD_ERR_MODEL', `the toxicity model answers ${broken} on its load check: its weights are corrupt`);
  for (const [what, b, g] of [['toxicity', bad!.toxicity, good!.toxicity], ['insult', bad!.categories.insult, good!.categories.insult]] as const) {
    if (!(b > g)) throw new ModeratoError('MOD_ERR_MODEL', `the toxicity model scores an insult (${what} ${b.toFixed(3)}) no higher than a thank-you (${g.toFixed(3)}) on its load check: wrong or corrupt weights`);
  }
}

/**
 * The mode the options ask for: `mode`, else the cascade when a band alone is given (beside
 * another mode a band is left unused: a scorer set builds every mode of one model from the same options).
 */
/**
 * Loads the toxicity model the options name: `modelDir`, else the shipped heads for any mode but
 * fast, else the shipped convolutional model. MOD_ERR_MODEL when a file the model names is missing.
 */
export async function loadScorerModel(opts: ScorerOptions, load: { cascade?: CascadeBand | true } = {}): Promise<ToxicityModel> {
  try {
    return await loadModel(scorerModelDir(opts), { backend: opts.backend, shared: opts.shared, ...load });
  } catch (e) {
    // A file the model names but the folder lacks (weights.bin) surfaces as a raw ENOENT from the reader.
    if (isModeratoError(e)) throw e;
    throw new ModeratoError('MOD_ERR_MODEL', `cannot load the toxicity model: ${(e as Error).message}`);
  }
}

/** Loads the toxicity model the options name and checks it fits the mode. */
async function openModel(opts: ScorerOptions): Promise<{ model: ToxicityModel; owned: boolean }> {
  if (opts.mode !== undefined && !SCORER_MODES.includes(opts.mode)) {
    throw new ModeratoError('MOD_ERR_CONFIG', `unknown scorer mode ${JSON.stringify(opts.mode)}; valid: ${SCORER_MODES.join(', ')}`, { valid: SCORER_MODES });
  }
  const asked = askedMode(opts);
  const given = opts.model;
  let model = given ?? (await loadScorerModel(opts, asked === 'cascade' ? { cascade: opts.cascade ?? true } : {}));
  // A loaded heads model given for the cascade mode: a cascade view over it (the caller keeps it).
  if (given && asked === 'cascade' && given instanceof HeadedToxicityModel) {
    model = new CascadeToxicityModel(given, opts.cascade ?? given.file.cascade ?? DEFAULT_CASCADE_BAND, false);
  }
  const mode = modelMode(model);
  if (asked !== undefined && asked !== mode) {
    if (!given) model.dispose();
    const needs = asked === 'fast' ? 'the convolutional model alone (moderato-toxicity)' : 'a moderato-heads model (the sentence-encoder heads)';
    throw new ModeratoError('MOD_ERR_CONFIG', `scorer mode ${asked} needs ${needs}; ${model.info.name} ${model.info.version} is a ${mode} model`);
  }
  // A view made here over the caller's model is ours to drop; it leaves the heads loaded.
  return { model, owned: !given || model !== given };
}

/**
 * The base outputs a site adapter reads and the queue stores; the vector as int8, and the
 * article's (quantised once per call) when the comment was scored against one.
 */
function storedFeatures(toxicity: number, categories: Record<Category, number>, offTopic: number | null, vector: Float32Array, article: Int8Array | null, models: BaseModels): StoredFeatures {
  const base: StoredFeatures['base'] = { toxicity, ...categories };
  if (offTopic !== null) base.off_topic = offTopic;
  const own: BaseModels = offTopic !== null ? models : { toxicity: models.toxicity };
  return article ? { base, vector: quantize(vector), article, models: own } : { base, vector: quantize(vector), models: own };
}

/**
 * Loads the toxicity and off-topic models (or takes them from `opts.model`, `opts.topic`) and
 * returns a ready scorer. Thresholds come from the options, else the models' own tuned
 * thresholds, else {@link DEFAULT_THRESHOLDS}.
 *
 * @example
 * const scorer = await createScorer();                                    // fast, shipped models
 * const strict = await createScorer({ model, topic, thresholds: { toxicity: 0.3 } });  // shares loaded models
 */
export async function createScorer(opts: ScorerOptions = {}): Promise<Scorer> {
  const { model, owned } = await openModel(opts);
  let topic: OffTopicModel;
  try {
    topic = opts.topic ?? loadOffTopicModel(opts.topicDir ?? defaultTopicDir(!!model.embeds));
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
  const mode = modelMode(model);
  const thresholds: Thresholds = {
    toxicity: opts.thresholds?.toxicity ?? model.info.thresholds?.toxicity ?? DEFAULT_THRESHOLDS.toxicity,
    category: opts.thresholds?.category ?? model.info.thresholds?.category ?? DEFAULT_THRESHOLDS.category,
    offTopic: opts.thresholds?.offTopic ?? topic.threshold ?? DEFAULT_THRESHOLDS.offTopic,
  };
  const info: ModelInfo = { ...model.info, thresholds: { ...thresholds }, mode };
  // What stored features and site adapters record as the base their scores came from.
  const baseModels: BaseModels = { toxicity: `${model.info.name} ${model.info.version}`, off_topic: `offtopic ${topic.version}` };
  // The span rules tuned with the model (threshold, fallback, presence gate) travel in its model.json.
  const spanOpts = spanOptionsFromThresholds(model.info.thresholds);
  try {
    await checkCanary(model);
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }

  return {
    info,
    thresholds,
    async score(req: ScorerRequest): Promise<ScorerResult[]> {
      const comments: CommentInput[] = req.comments;
      if (comments.length === 0) return [];
      const adapter = req.adapter ?? null;
      if ((adapter || req.withFeatures) && mode !== 'accurate') {
        throw new ModeratoError('MOD_ERR_CONFIG', `${adapter ? 'a site adapter' : 'stored features'} need${adapter ? 's' : ''} the scorer's accurate mode (the sentence vector); this scorer is ${mode}`);
      }
      // An adapter that applies no head here (none passed its gate, or all were fitted over
      // another base) scores nothing (applyAdapter keeps the base): not named.
      const named = adapter && adapterApplies(adapter, baseModels) ? { siteId: adapter.siteId, version: adapter.version } : null;
      // Accurate mode: the off-topic model's sentence stage reads the vectors computed here, the
      // article's beside them, so each text is embedded once per call (context comments,
      // scored in an earlier call, come without one and the stage leaves them out).
      const withVectors = mode === 'accurate' && topic.usesVectors;
      const artText = withVectors ? articleText(req.article) : '';
      // The article needs its vector only, not the toxicity model's pass over it.
      const [preds, articleVecs] = await Promise.all([model.predict(comments.map((c) => c.text)), artText && model.embed ? model.embed([artText]) : []]);
      const article = articleVecs[0] ?? null;
      const vecs = preds.map((p) => p.vector ?? null);
      // The off_topic head of a site adapter relates each comment to the article's vector.
      const articleCode = article && (adapter || req.withFeatures) ? quantize(article) : null;
      // Independent comments share no thread: each is judged against the article alone, if any.
      const context = req.context ?? [];
      const vectors = (list: Array<Float32Array | null>): TopicVectors | undefined => (withVectors ? { article, comments: list } : undefined);
      const topicResults = !req.independent
        ? topic.score(req.article, [...context, ...comments], vectors([...context.map(() => null), ...vecs])).slice(context.length)
        : req.article !== undefined
          ? comments.map((c, i) => topic.score(req.article, [{ ...c, parentId: undefined }], vectors([vecs[i]]))[0])
          : comments.map(() => ({ offTopic: null, reasons: [] as Reason[] }));
      return comments.map((c, i) => {
        const p = preds[i];
        let toxicity = p.toxicity;
        const cats = { ...p.categories };
        let offTopicRaw = topicResults[i].offTopic;
        const features = adapter || req.withFeatures ? storedFeatures(toxicity, cats, offTopicRaw, p.vector!, offTopicRaw !== null ? articleCode : null, baseModels) : undefined;
        if (adapter) {
          // The adapter reads the same int8 features the queue stores, so a fit sees what scoring sees.
          const a = applyAdapter(adapter, features!);
          toxicity = a.toxicity;
          Object.assign(cats, a.categories);
          if (a.off_topic !== undefined && offTopicRaw !== null) offTopicRaw = a.off_topic;
        }
        const categories = Object.fromEntries(CATEGORIES.map((k) => [k, round(cats[k])])) as Record<Category, number>;
        const offTopic = offTopicRaw === null ? null : round(offTopicRaw);
        const reasons = toxicityReasons(toxicity, cats, thresholds);
        if (offTopic !== null && offTopic >= thresholds.offTopic) {
          const own = topicResults[i].reasons;
          // A caller's threshold below the model's own (or an adapter above it) leaves the model without reasons to give.
          reasons.push(...(own.length ? own : [{ code: 'off_topic' as const, score: offTopic, message: `Off topic ${offTopic.toFixed(2)} is at or above the threshold ${thresholds.offTopic}.` }]));
        }
        const flagged = reasons.length > 0;
        return {
          id: c.id,
          toxicity: round(toxicity),
          categories,
          offTopic,
          flagged,
          reasons,
          spans: assembleSpans(c.text, p, spanOpts).map((s) => ({ ...s, score: round(s.score) })),
          adapter: named,
          ...(req.withFeatures ? { features } : {}),
        };
      });
    },
    dispose(): void {
      if (owned) model.dispose();
    },
  };
}
