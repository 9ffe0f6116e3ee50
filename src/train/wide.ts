/**
 * Training of the wide part (`src/model/wide.ts`): a logistic regression on hashed words, word
 * pairs and character n-grams, trained by AdaGrad on the network's own comment targets, then
 * blended with the network's toxicity by a three-weight logistic fit on the calibration slice.
 */
import { WidePart, blendToxicity, wideFeatures, wideLogit, type WideConfig, type WideHead } from '../model/wide';
import type { Example } from './examples';
import { mulberry32, shuffle } from '../util/prng';
import { fit } from '../topic/logreg';
import { logit, sigmoid } from '../util/math';
import { tuneDecision } from './metrics';
import { CATEGORIES, type Category } from '../types';

/** One training comment: its text, toxicity target 0..1, weight, and training source. */
export interface WideRow {
  text: string;
  y: number;
  w: number;
  source: string;
}

/** Settings of a wide-part training (`--set wideBits=...` etc. in `npm run train`). */
export interface WideTrainOptions {
  bits: number;
  charN: number[];
  epochs: number;
  /** AdaGrad step. */
  rate: number;
  /** L2 weight on the touched weights. */
  l2: number;
  rand: () => number;
}

export const WIDE_DEFAULTS = { bits: 20, charN: [4], epochs: 4, rate: 0.2, l2: 1e-6 };

/**
 * Categories given a wide head by default (`--set wideHeads=N`: the digits are 1 + the category's
 * index in CATEGORIES, so 124 = insult, threat and profanity (model 2.5.0), 2 = threat alone (2.4.0); 0 = none).
 */
export const WIDE_HEADS_DEFAULT = 124;


/**
 * Fits the linear model. Each training source also gets its own offset, learned beside the
 * weights and dropped afterwards (as the network's per-source offsets): the sets' base rates go
 * there instead of into words.
 */
export function trainWide(rows: WideRow[], o: WideTrainOptions): { weights: Float32Array; bias: number; loss: number } {
  const size = 1 << o.bits;
  const w = new Float32Array(size);
  const g2 = new Float32Array(size).fill(1e-2);
  const sources = new Map<string, number>();
  const data = rows.map((r) => {
    if (!sources.has(r.source)) sources.set(r.source, sources.size);
    return { x: wideFeatures(r.text, o), y: r.y, w: r.w, s: sources.get(r.source) as number };
  });
  const offsets = new Float64Array(sources.size);
  let bias = 0;
  let loss = 0;
  for (let ep = 0; ep < o.epochs; ep++) {
    loss = 0;
    let weight = 0;
    for (const r of shuffle([...data], o.rand)) {
      const sc = 1 / Math.sqrt(Math.max(1, r.x.length));
      const p = sigmoid(wideLogit(w, bias + offsets[r.s], r.x));
      const g = (p - r.y) * r.w;
      loss += r.w * -(r.y * Math.log(p + 1e-9) + (1 - r.y) * Math.log(1 - p + 1e-9));
      weight += r.w;
      for (let i = 0; i < r.x.length; i++) {
        const f = r.x[i];
        const gf = g * sc + o.l2 * w[f];
        g2[f] += gf * gf;
        w[f] -= (o.rate * gf) / Math.sqrt(g2[f]);
      }
      bias -= 0.01 * g;
      offsets[r.s] -= 0.01 * g + 0.001 * offsets[r.s];
    }
    loss /= Math.max(weight, 1e-9);
  }
  return { weights: w, bias, loss };
}

/**
 * The blend of the network's toxicity `p` and the wide logit `z`: the off-topic model's logistic
 * regression (`src/topic/logreg.ts`, Newton's method, no penalty to speak of) of the target on
 * [logit(p), z] over the calibration comments, its standardised weights turned back into raw ones.
 */
export function fitBlend(rows: Array<{ p: number; z: number; y: number; w?: number }>): WideConfig['blend'] {
  if (!rows.length) return { cnn: 1, wide: 0, bias: 0 };
  const m = fit(rows.map((r) => [logit(r.p), r.z]), rows.map((r) => r.y), 1e-6, undefined, 50, rows.map((r) => r.w ?? 1));
  const cnn = m.weights[0] / m.std[0];
  const wide = m.weights[1] / m.std[1];
  return { cnn, wide, bias: m.bias - cnn * m.mean[0] - wide * m.mean[1] };
}

/** What {@link fitWidePart} trains on: the network's training comments and its calibration slice. */
export interface WidePartInput {
  /** Span examples (each trained once per epoch). */
  spanTrain: Example[];
  /** Comment pools (each drawn `drawsPerEpoch(name)` times per epoch: a row weighs draws / size, at most 1). */
  pools: Record<string, Example[]>;
  drawsPerEpoch: (pool: string) => number;
  /** Calibration comments, and the network's toxicity and categories on them (category thresholds folded in). */
  calibration: Example[];
  calToxicity: number[];
  calCategories: Array<Record<Category, number>>;
  /** `--set` options: wideBits, wideCharN (digits: 35 = 3- and 5-grams), wideEpochs, wideL2, wideHeads. */
  overrides: Record<string, number>;
  seed: number;
}

/** A trained wide part: its settings, its weights and those of each head, and what it was fitted on. */
export interface FittedWide {
  config: WideConfig;
  weights: Float32Array;
  heads: Partial<Record<Category, Float32Array>>;
  loss: number;
  rows: number;
  calRows: number;
  /** Per head: training rows, calibration rows and positives, the tuned threshold and its F1. */
  headLog: string[];
}

/**
 * Trains the wide part on the toxicity targets and fits its blend on the calibration slice; then
 * one head per category of `wideHeads` on that category's targets (rows where the set labels it,
 * weighed by the label's mask), blended with the network's category score and its decision
 * threshold tuned (F1 on the calibration slice) and folded into the head's bias.
 */
export function fitWidePart(i: WidePartInput): FittedWide {
  const ov = i.overrides;
  const rowsFor = (col: number): WideRow[] => {
    const rows: WideRow[] = i.spanTrain.filter((e) => e.comM[col]).map((e) => ({ text: e.text, y: e.comY[col], w: col ? e.comM[col] : 1, source: e.source }));
    for (const [name, pool] of Object.entries(i.pools)) {
      const w = Math.min(1, i.drawsPerEpoch(name) / Math.max(1, pool.length));
      for (const e of pool) if (e.comM[col]) rows.push({ text: e.text, y: e.comY[col], w: col ? w * e.comM[col] : w, source: e.source });
    }
    return rows;
  };
  const cfg = { bits: ov.wideBits ?? WIDE_DEFAULTS.bits, charN: ov.wideCharN ? String(ov.wideCharN).split('').map(Number) : WIDE_DEFAULTS.charN };
  const train = (rows: WideRow[], salt: number) => trainWide(rows, { ...cfg, epochs: ov.wideEpochs ?? WIDE_DEFAULTS.epochs, rate: WIDE_DEFAULTS.rate, l2: ov.wideL2 ?? WIDE_DEFAULTS.l2, rand: mulberry32(i.seed + salt) });
  const rows = rowsFor(0);
  const fitted = train(rows, 7);
  // The blends are fitted on the logits the loaded model will compute (uint8 codes).
  const part = new WidePart({ ...cfg, bias: fitted.bias, blend: { cnn: 1, wide: 0, bias: 0 } }, fitted.weights);
  const calRows = i.calibration.flatMap((e, k) => (e.comM[0] ? [{ p: i.calToxicity[k], z: part.logit(e.text), y: e.comY[0] }] : []));
  const blend = fitBlend(calRows);
  const heads: WideHead[] = [];
  const headWeights: Partial<Record<Category, Float32Array>> = {};
  const headLog: string[] = [];
  const wanted = String(ov.wideHeads ?? WIDE_HEADS_DEFAULT).split('').map(Number).filter((d) => d >= 1 && d <= CATEGORIES.length);
  for (const d of [...new Set(wanted)]) {
    const category = CATEGORIES[d - 1];
    const hRows = rowsFor(d);
    const h = train(hRows, 7 + d);
    const hp = new WidePart({ ...cfg, bias: h.bias, blend: { cnn: 1, wide: 0, bias: 0 } }, h.weights);
    const cal = i.calibration.flatMap((e, k) => (e.comM[d] ? [{ p: i.calCategories[k][category], z: hp.logit(e.text), y: e.comY[d] >= 0.5 ? 1 : 0, w: e.comM[d] }] : []));
    const hb = fitBlend(cal);
    const tuned = tuneDecision(cal.map((r) => blendToxicity(r.p, r.z, hb)), cal.map((r) => r.y));
    if (tuned) hb.bias -= logit(tuned.threshold);
    heads.push({ category, bias: h.bias, blend: hb });
    headWeights[category] = h.weights;
    headLog.push(`head ${category}: ${hRows.length} rows, blend ${JSON.stringify(hb)} on ${cal.length} calibration comments (${cal.filter((r) => r.y).length} positive), threshold ${tuned ? `${tuned.threshold} (F1 ${tuned.f1.toFixed(3)})` : 'not tuned (under 20 positives)'}`);
  }
  const config: WideConfig = { ...cfg, bias: fitted.bias, blend, ...(heads.length ? { heads } : {}) };
  return { config, weights: fitted.weights, heads: headWeights, loss: fitted.loss, rows: rows.length, calRows: calRows.length, headLog };
}
