/**
 * The toxicity model: load from disk, pick a tfjs backend, predict per-token and comment scores.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from './tf';
import { CATEGORIES, type Category, type ModelInfo } from '../types';
import { clearTextCaches, tokenize } from '../text';
import type { Token } from '../text/types';
import { defaultModelDir } from './paths';
import { featurize, FEATURE_VERSION, wordIndex, type TokenFeatures, type WordIndex } from './features';
import { commentOutputs, denseShapes, embedBatch, forwardInfer, type NetConfig } from './net';
import { readModel, type ModelMeta, type ModelWeights } from './io';
import { FastInference } from './infer';
import { initBackend } from './backend';
import { WidePart } from './wide';
import { ModeratoError } from '../errors';
import { gateCategories } from './gate';
import type { CommentPrediction, ToxicityModel } from './types';
import { HEADS_FORMAT, HeadedToxicityModel, parseHeadsFile } from './heads';
import type { SentenceEncoder } from '../encoder/types';
import { CascadeToxicityModel, DEFAULT_CASCADE_BAND, type CascadeBand } from './cascade';
import type { SharedTables } from './tables';

export type { CommentPrediction, ToxicityModel } from './types';
export { BACKENDS, initBackend } from './backend';
export { gateCategories } from './gate';
export { CascadeToxicityModel, DEFAULT_CASCADE_BAND, checkBand, inBand, type CascadeBand } from './cascade';
export { HeadedToxicityModel, HEADS_FORMAT, HEAD_OUTPUTS, applyHeads, parseHeadsFile, type HeadsFile, type HeadOutput } from './heads';

export { defaultHeadsDir, defaultModelDir } from './paths';

/** Reference path: comments per forward pass; sequences in a batch are padded to a multiple of 16 tokens. */
const BATCH = 64;
const PAD_TO = 16;


/** A model held in memory (the JS embedding table plus tf tensors for the dense layers). */
export class HashedToxicityModel implements ToxicityModel {
  readonly info: ModelInfo;
  readonly meta: ModelMeta;
  private readonly emb: Float32Array;
  private readonly dense: Record<string, tf.Tensor>;
  private readonly fast: FastInference;
  /** Pretrained word rows (Model v2), or undefined for a hashed-only model. */
  private readonly words: WordIndex | undefined;
  /** The wide part blended into comment toxicity (model 2.3.0), or undefined. */
  private readonly wide: WidePart | undefined;
  private disposed = false;

  constructor(meta: ModelMeta, weights: ModelWeights, backend: string) {
    if (meta.config.featureVersion > FEATURE_VERSION) {
      throw new ModeratoError('MOD_ERR_MODEL', `model features v${meta.config.featureVersion} are newer than this code's v${FEATURE_VERSION}: upgrade moderato`);
    }
    this.meta = meta;
    this.emb = weights.emb;
    this.dense = {};
    for (const [k, v] of Object.entries(weights.dense)) this.dense[k] = tf.keep(tf.tensor(v));
    // Shapes come from the config: reshape once here, not per call.
    for (const [k, s] of Object.entries(denseShapes(meta.config))) {
      const old = this.dense[k];
      this.dense[k] = tf.keep(tf.reshape(old, s));
      old.dispose();
    }
    this.words = weights.words?.length ? wordIndex(weights.words, meta.config.buckets) : undefined;
    this.wide = meta.wide && (weights.wideCodes || weights.wide) ? new WidePart(meta.wide, weights.wideCodes ?? weights.wide!, weights.wideHeads) : undefined;
    this.fast = new FastInference(meta.config, weights.emb, weights.dense, weights.embMaxAbs, this.words, weights.folded);
    this.info = { name: meta.name, version: meta.version, backend, thresholds: { ...meta.thresholds } };
  }

  get config(): NetConfig {
    return this.meta.config;
  }

  /** Scores a batch of texts. Tensors are created and disposed inside; only plain arrays escape. */
  async predict(texts: string[]): Promise<CommentPrediction[]> {
    return this.predictSync(texts);
  }

  /**
   * Tokenizes `texts` and answers the comments without tokens (empty, whitespace): nothing toxic
   * in them, no net needed. `order` lists the comments the net must score; their `out` slots are
   * for the caller to fill.
   */
  private prepare(texts: string[]): { toks: Token[][]; order: number[]; out: CommentPrediction[] } {
    if (this.disposed) throw new ModeratoError('MOD_ERR_MODEL', 'model was disposed');
    const toks = texts.map((t) => tokenize(t));
    const out: CommentPrediction[] = new Array(texts.length);
    const order: number[] = [];
    toks.forEach((t, i) => {
      if (t.length) order.push(i);
      else out[i] = { tokens: [], tokenToxic: new Float32Array(0), tokenType: new Uint8Array(0), toxicity: 0, categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number> };
    });
    return { toks, order, out };
  }

  /** Synchronous form of predict (training uses it between epochs). */
  predictSync(texts: string[]): CommentPrediction[] {
    const { toks, order, out } = this.prepare(texts);
    const res = this.fast.run(order.map((i) => toks[i]));
    order.forEach((i, k) => {
      const r = res[k];
      const categories = {} as Record<Category, number>;
      CATEGORIES.forEach((cat, j) => (categories[cat] = r.categories[j]));
      out[i] = { tokens: toks[i], tokenToxic: r.tokenToxic, tokenType: r.tokenType, toxicity: r.toxicity, categories, ...(r.spanPresence !== undefined ? { spanPresence: r.spanPresence } : {}) };
    });
    return this.blend(texts, order, out);
  }

  /**
   * Comment toxicity (and the headed categories) blended with the wide part, for the comments the
   * net scored; then each category capped by the comment's toxicity (`categoryMinToxicity`).
   */
  private blend(texts: string[], order: number[], out: CommentPrediction[]): CommentPrediction[] {
    const f = this.meta.thresholds.categoryMinToxicity;
    for (const i of order) {
      this.wide?.apply(texts[i], out[i]);
      if (f > 0) gateCategories(out[i], f);
    }
    return out;
  }

  /**
   * The original inference path, kept as the reference the fast path is checked against (tests,
   * bench): featurize, pad batches of 64 length-sorted comments, run `forwardInfer` in tf.
   */
  predictReference(texts: string[]): CommentPrediction[] {
    const { toks, order, out } = this.prepare(texts);
    const fc = { buckets: this.meta.config.buckets, version: this.meta.config.featureVersion, words: this.words };
    order.sort((a, b) => toks[a].length - toks[b].length);
    for (let s = 0; s < order.length; s += BATCH) {
      const idx = order.slice(s, s + BATCH);
      const res = this.runBatch(idx.map((i) => featurize(toks[i], fc)));
      idx.forEach((i, k) => (out[i] = this.toPrediction(toks[i], res, k)));
    }
    return this.blend(texts, order, out);
  }

  /**
   * The reference path's forward pass: the original padded-batch tf forward pass (`forwardInfer`)
   * on featurised comments. Kept to check the fast path against (tests, bench/record-fixture.ts);
   * returns plain arrays, token probabilities padded to T.
   */
  runBatch(feats: TokenFeatures[]): { T: number; token: Float32Array; type: Float32Array; comment: Float32Array } {
    const c = this.meta.config;
    const maxLen = Math.max(1, ...feats.map((f) => f.offsets.length - 1));
    const T = Math.ceil(maxLen / PAD_TO) * PAD_TO;
    const x = embedBatch(feats, T, this.emb, c.dim);
    const mask = new Float32Array(feats.length * T);
    feats.forEach((f, b) => mask.fill(1, b * T, b * T + f.offsets.length - 1));
    const [token, type, comment] = tf.tidy(() => {
      const o = forwardInfer(tf.tensor3d(x, [feats.length, T, c.dim]), tf.tensor2d(mask, [feats.length, T]), this.dense, c);
      return [tf.sigmoid(o.token), tf.softmax(o.type), tf.sigmoid(o.comment)];
    });
    try {
      return { T, token: token.dataSync() as Float32Array, type: type.dataSync() as Float32Array, comment: comment.dataSync() as Float32Array };
    } finally {
      token.dispose();
      type.dispose();
      comment.dispose();
    }
  }

  private toPrediction(tokens: Token[], r: { T: number; token: Float32Array; type: Float32Array; comment: Float32Array }, b: number): CommentPrediction {
    const n = tokens.length;
    const nc = CATEGORIES.length;
    const tokenToxic = r.token.slice(b * r.T, b * r.T + n);
    const tokenType = new Uint8Array(n);
    for (let t = 0; t < n; t++) {
      const o = (b * r.T + t) * nc;
      let best = 0;
      for (let k = 1; k < nc; k++) if (r.type[o + k] > r.type[o + best]) best = k;
      tokenType[t] = best;
    }
    const NO = commentOutputs(this.meta.config);
    const cm = r.comment.slice(b * NO, (b + 1) * NO);
    const categories = {} as Record<Category, number>;
    CATEGORIES.forEach((cat, k) => (categories[cat] = cm[1 + k]));
    return { tokens, tokenToxic, tokenType, toxicity: cm[0], categories, ...(this.meta.config.presence ? { spanPresence: cm[1 + nc] } : {}) };
  }

  /** Empties the token-vector and tokenizer caches and the folded word rows (outputs never depend on them; benchmarks time cold starts). */
  clearCaches(): void {
    this.fast.clearCache();
    clearTextCaches();
  }

  /** Frees the dense weight tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of Object.values(this.dense)) t.dispose();
    this.fast.dispose();
  }
}

/** Logit of a probability (for folding a tuned threshold into a bias). */
export { logit } from '../util/math';


/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** TF.js backend name: `tfjs-node`, `wasm` or `cpu` (default: the first that loads). */
  backend?: string;
  /**
   * The sentence encoder a `moderato-heads` model runs (default: `loadEncoder()`, loaded here and
   * owned by the model). One given here is shared: disposing the model leaves it alone.
   */
  encoder?: SentenceEncoder;
  /**
   * Load a `moderato-heads` model as a cascade (`CascadeToxicityModel`): the encoder runs only
   * where the base is unsure. `true`: the band in the heads file, else `DEFAULT_CASCADE_BAND`.
   * A `moderato-toxicity` model cannot be a cascade (MOD_ERR_CONFIG).
   */
  cascade?: CascadeBand | boolean;
  /**
   * The embedding table of the convolutional model, filled by a scorer pool's main thread, and
   * the folded vocabulary its threads fill as they score (./tables.ts): used when they are for
   * the files loaded here, else ignored.
   */
  shared?: SharedTables;
}

/** The model file of `target`: `target` itself when it names a .json file, else `target/model.json`. */
function modelFile(target: string): { dir: string; file: string; json: { format?: unknown } } {
  const file = target.endsWith('.json') && fs.existsSync(target) && fs.statSync(target).isFile() ? target : path.join(target, 'model.json');
  if (!fs.existsSync(file)) throw new ModeratoError('MOD_ERR_MODEL', `no model.json in ${target}`);
  try {
    return { dir: path.dirname(file), file, json: JSON.parse(fs.readFileSync(file, 'utf8')) };
  } catch (e) {
    throw new ModeratoError('MOD_ERR_MODEL', `invalid model.json in ${target}: ${(e as Error).message}`);
  }
}

/** Model file formats {@link loadModel} reads. */
export const MODEL_FORMATS = ['moderato-toxicity', HEADS_FORMAT] as const;

/**
 * Loads a toxicity model from `target` (a folder holding `model.json`, or the file itself;
 * default: the package's `models/toxicity`) and picks the implementation from the file's
 * `format`: `moderato-toxicity` is the convolutional model; `moderato-heads` is the heads on the
 * sentence encoder over the convolutional model the file names. The tfjs backend is the best
 * available (tfjs-node > wasm > cpu) or the one named in `opts.backend`.
 *
 * @example
 * const model = await loadModel();
 * const [pred] = await model.predict(['you are an idiot']);
 */
export async function loadModel(target?: string, opts: LoadModelOptions = {}): Promise<ToxicityModel> {
  const { dir, json } = modelFile(target ?? defaultModelDir());
  if (json.format === 'moderato-toxicity') {
    if (opts.cascade) throw new ModeratoError('MOD_ERR_CONFIG', `a cascade needs a moderato-heads model (the sentence-encoder heads); ${dir} holds the convolutional model alone`);
    const backend = await initBackend(opts.backend);
    const { meta, weights } = readModel(dir, opts.shared);
    return new HashedToxicityModel(meta, weights, backend);
  }
  if (json.format === HEADS_FORMAT) {
    const heads = parseHeadsFile(json, `heads model in ${dir}`);
    const baseDir = path.resolve(dir, heads.base.dir);
    const baseJson = modelFile(baseDir).json as { format?: unknown; version?: unknown };
    if (baseJson.format !== 'moderato-toxicity') throw new ModeratoError('MOD_ERR_MODEL', `the heads in ${dir} name ${baseDir} as their base, which is not a moderato-toxicity model`);
    // Checked before loading: the heads read that model's outputs, another version's mean something else.
    if (baseJson.version !== heads.base.version) throw new ModeratoError('MOD_ERR_MODEL', `the heads in ${dir} were trained on toxicity model ${heads.base.version}; ${baseDir} is ${String(baseJson.version)}`);
    const base = await loadModel(baseDir, { backend: opts.backend, shared: opts.shared });
    let encoder = opts.encoder;
    try {
      // Required here, not at the top: the fast path never runs the encoder (its modules cost a scorer thread's load).
      encoder ??= await (await import('../encoder')).loadEncoder();
      if (encoder.info.name !== heads.encoder.name) throw new ModeratoError('MOD_ERR_MODEL', `the heads in ${dir} read ${heads.encoder.name} vectors, the encoder is ${encoder.info.name}`);
      const headed = new HeadedToxicityModel(base, encoder, heads, { encoder: !opts.encoder });
      if (!opts.cascade) return headed;
      return new CascadeToxicityModel(headed, opts.cascade === true ? (heads.cascade ?? DEFAULT_CASCADE_BAND) : opts.cascade);
    } catch (e) {
      base.dispose();
      if (encoder && !opts.encoder) await encoder.dispose();
      throw e;
    }
  }
  throw new ModeratoError('MOD_ERR_MODEL', `${dir}/model.json has format ${JSON.stringify(json.format)}; known: ${MODEL_FORMATS.join(', ')}`);
}

/**
 * The same model with other decision or span thresholds (merged over its own): a view that
 * shares the weights, so a test or a caller can change a threshold without a copy of the model
 * files. Disposing the view leaves the model loaded.
 */
export function withThresholds(model: ToxicityModel, thresholds: Record<string, number>): ToxicityModel {
  return {
    info: { ...model.info, thresholds: { ...(model.info.thresholds ?? {}), ...thresholds } },
    embeds: model.embeds,
    ...(model.band ? { band: model.band } : {}),
    ...(model.embed ? { embed: (texts: string[]) => model.embed!(texts) } : {}),
    predict: (texts) => model.predict(texts),
    dispose: () => undefined,
  };
}
