/**
 * Heads on the sentence encoder (issue 27, part 2-3): toxicity and each category re-scored from
 * [logits of the convolutional model's outputs, the comment's sentence vector]. The convolutional
 * model still gives tokens and spans; the heads replace its comment-level scores.
 *
 * File format `moderato-heads` (one `model.json`, plain JSON, validated with zod):
 * - `base`: the convolutional model's folder, relative to this file's folder, and the version it
 *   was trained on (the heads read that model's outputs, so another version is refused);
 * - `inputs`: x = [logit(base output) for each name in `inputs.base`, the sentence vector], then
 *   standardised, `(x - shift) / scale`;
 * - `hidden` (optional): one shared ReLU layer; each head then reads [x, relu(W x + b)];
 * - `heads`: per output, a logistic layer `sigmoid(w . f + b)`; an output without a head keeps the
 *   convolutional model's score;
 * - `cascade` (optional): the uncertainty band of base toxicity the cascade sends to the encoder,
 *   and the map of the base's toxicity outside it onto the heads' scale.
 */
import type { z } from 'zod';
import { CATEGORIES, type Category } from '../types';
import { ModeratoError } from '../errors';
import { logit, sigmoid } from '../util/math';
import type { CommentPrediction, ToxicityModel } from './types';
import type { SentenceEncoder } from '../encoder/types';
import { gateCategories } from './gate';

export const HEADS_FORMAT = 'moderato-heads';

/** The base outputs a head reads, in the order its weights expect. */
export const HEAD_OUTPUTS = ['toxicity', ...CATEGORIES] as const;
export type HeadOutput = (typeof HEAD_OUTPUTS)[number];

/** Base probabilities are clamped to [1e-4, 1 - 1e-4] before the logit: a saturated output must not dominate x. */
export const HEADS_CLAMP = 1e-4;
const CLAMP = HEADS_CLAMP;

/**
 * The heads file's schema, built on first use: zod is required only then, so a scorer thread of
 * the fast path, which imports this module with the model code but never reads a heads file, does
 * not pay zod's load (0.06-0.12 s a thread, issue 29).
 */
function buildSchema() {
  const { z } = require('zod') as typeof import('zod');
  const num = z.number().finite();
  const head = z.object({ w: z.array(num), b: num });
  return z.object({
    format: z.literal(HEADS_FORMAT),
    name: z.string(),
    version: z.string(),
    base: z.object({ dir: z.string(), version: z.string() }),
    encoder: z.object({ name: z.string(), dim: z.number().int().positive() }),
    inputs: z.object({ base: z.array(z.enum(HEAD_OUTPUTS)), shift: z.array(num), scale: z.array(num) }),
    hidden: z.object({ size: z.number().int().positive(), W: z.array(num), b: z.array(num) }).nullable().optional(),
    heads: z.partialRecord(z.enum(HEAD_OUTPUTS), head),
    /** Decision thresholds tuned with the heads (`toxicity`, `categoryMinToxicity`, ...); they override the base model's. */
    thresholds: z.record(z.string(), num),
    /**
     * The cascade (src/model/cascade.ts), fitted on the calibration slice by `npm run train:cascade`:
     * its default band (comments whose base toxicity lies in `[low, high]` go to the encoder) and the
     * map of base toxicity outside the band onto the heads' scale, `logit t' = shift + slope logit t`.
     */
    cascade: z.object({ low: num.min(0).max(1), high: num.min(0).max(1), shift: num, slope: num.positive() }).optional(),
    training: z.record(z.string(), z.unknown()).optional(),
  });
}
let schema: ReturnType<typeof buildSchema> | undefined;

export type HeadsFile = z.infer<ReturnType<typeof buildSchema>>;
export type Head = NonNullable<HeadsFile['heads'][HeadOutput]>;

/** Parses and checks a heads file: MOD_ERR_MODEL when a field or a weight count is wrong. */
export function parseHeadsFile(json: unknown, where = 'heads model'): HeadsFile {
  const r = (schema ??= buildSchema()).safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModeratoError('MOD_ERR_MODEL', `invalid ${where}: ${issues.join('; ')}`);
  }
  const f = r.data;
  const d = f.inputs.base.length + f.encoder.dim;
  const bad = (what: string): never => {
    throw new ModeratoError('MOD_ERR_MODEL', `invalid ${where}: ${what}`);
  };
  if (f.inputs.shift.length !== d || f.inputs.scale.length !== d) bad(`inputs.shift and inputs.scale need ${d} values`);
  if (f.inputs.scale.some((s) => s <= 0)) bad('inputs.scale must be positive');
  const h = f.hidden ?? null;
  if (h && (h.W.length !== h.size * d || h.b.length !== h.size)) bad(`hidden needs ${h.size}x${d} weights and ${h.size} biases`);
  const width = d + (h?.size ?? 0);
  for (const [k, head] of Object.entries(f.heads)) if (head!.w.length !== width) bad(`head ${k} needs ${width} weights, has ${head!.w.length}`);
  if (f.cascade && f.cascade.low > f.cascade.high) bad(`cascade.low ${f.cascade.low} is above cascade.high ${f.cascade.high}`);
  return f;
}

/** The standardised input x of one comment: [logit(base outputs), vector], then `(x - shift) / scale`. */
export function headInputs(f: Pick<HeadsFile, 'inputs'>, p: Pick<CommentPrediction, 'toxicity' | 'categories'>, vector: ArrayLike<number>): Float64Array {
  const nb = f.inputs.base.length;
  const x = new Float64Array(nb + vector.length);
  f.inputs.base.forEach((k, i) => {
    const v = k === 'toxicity' ? p.toxicity : p.categories[k as Category];
    x[i] = logit(Math.min(1 - CLAMP, Math.max(CLAMP, v)));
  });
  for (let i = 0; i < vector.length; i++) x[nb + i] = vector[i];
  const { shift, scale } = f.inputs;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - shift[i]) / scale[i];
  return x;
}

/** What each head reads: x, then the shared hidden layer's ReLU units when there is one. */
export function headFeatures(f: Pick<HeadsFile, 'hidden'>, x: Float64Array): Float64Array {
  const h = f.hidden;
  if (!h) return x;
  const out = new Float64Array(x.length + h.size);
  out.set(x);
  const d = x.length;
  for (let j = 0; j < h.size; j++) {
    let s = h.b[j];
    const o = j * d;
    for (let i = 0; i < d; i++) s += h.W[o + i] * x[i];
    out[d + j] = s > 0 ? s : 0;
  }
  return out;
}

/** `sigmoid(w . f + b)`. */
export function headScore(head: Head, f: Float64Array): number {
  let s = head.b;
  for (let i = 0; i < f.length; i++) s += head.w[i] * f[i];
  return sigmoid(s);
}

/**
 * Re-scores one prediction in place with the heads: toxicity and each headed category; a
 * category stays capped by toxicity when the file says `categoryMinToxicity`.
 */
export function applyHeads(f: HeadsFile, p: CommentPrediction, vector: ArrayLike<number>): void {
  const feats = headFeatures(f, headInputs(f, p, vector));
  const scores: Partial<Record<HeadOutput, number>> = {};
  for (const k of HEAD_OUTPUTS) {
    const head = f.heads[k];
    if (head) scores[k] = headScore(head, feats);
  }
  if (scores.toxicity !== undefined) p.toxicity = scores.toxicity;
  for (const c of CATEGORIES) if (scores[c] !== undefined) p.categories[c] = scores[c]!;
  const gate = f.thresholds.categoryMinToxicity ?? 0;
  if (gate > 0) gateCategories(p, gate);
}

/**
 * The convolutional model with heads on the sentence encoder. Spans and tokens come from the
 * convolutional model; toxicity and categories from the heads; every prediction carries its
 * sentence vector (`embeds`), computed once per comment. Disposing it disposes the base model
 * and the encoder unless `owns` says it shares them.
 */
export class HeadedToxicityModel implements ToxicityModel {
  readonly embeds = true;
  readonly info: ToxicityModel['info'];

  constructor(readonly base: ToxicityModel, readonly encoder: SentenceEncoder, readonly file: HeadsFile, private readonly owns: { base?: boolean; encoder?: boolean } = {}) {
    if (base.info.version !== file.base.version) {
      throw new ModeratoError('MOD_ERR_MODEL', `heads ${file.version} were trained on toxicity model ${file.base.version}, given ${base.info.version}`);
    }
    this.info = {
      name: file.name,
      version: file.version,
      backend: `${base.info.backend}+${encoder.info.runtime}`,
      thresholds: { ...(base.info.thresholds ?? {}), ...file.thresholds },
    };
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return this.encoder.embed(texts);
  }

  async predict(texts: string[]): Promise<CommentPrediction[]> {
    if (texts.length === 0) return [];
    const [preds, vectors] = await Promise.all([this.base.predict(texts), this.encoder.embed(texts)]);
    if (vectors.length !== texts.length) throw new ModeratoError('MOD_ERR_INTERNAL', `the encoder answered ${vectors.length} vectors for ${texts.length} texts`);
    preds.forEach((p, i) => {
      p.vector = vectors[i];
      this.rescore(p, vectors[i]);
    });
    return preds;
  }

  /**
   * Re-scores one of the base's predictions in place with the heads (the cascade calls it on the
   * comments it sends to the encoder). The span gates keep reading the base's own toxicity.
   */
  rescore(p: CommentPrediction, vector: ArrayLike<number>): void {
    // A comment without tokens has nothing toxic in it: the base's zeros stand, as in fast mode.
    if (!p.tokens.length) return;
    p.spanToxicity = p.toxicity;
    applyHeads(this.file, p, vector);
  }

  dispose(): void {
    if (this.owns.base !== false) this.base.dispose();
    if (this.owns.encoder !== false) void this.encoder.dispose();
  }
}
