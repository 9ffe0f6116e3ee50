/**
 * The wide part of the toxicity model (model 2.3.0; category heads 2.4.0): a linear model over hashed words, word pairs
 * and character n-grams of the whole comment, blended with the network's comment toxicity.
 *
 * The network reads five-token windows through word vectors; the wide part memorises exact
 * words, pairs and spellings across the comment. The two make different errors (the wide part
 * alone is better on implicit-hate sets, worse on news comments), so their blend ranks and
 * calibrates comment toxicity better than either. Category heads (model 2.4.0: threat; 2.5.0:
 * insult and profanity too) are the same features with their own weights for a category, blended
 * with the network's score for that category the same way. Span presence, token scores and span types stay the network's.
 */

import { logit, sigmoid } from '../util/math';
import type { Category } from '../types';
import type { CommentPrediction } from './types';

/** The wide part's settings, stored in model.json as `wide`. */
export interface WideConfig {
  /** Hash table size is 2^bits. */
  bits: number;
  /** Character n-gram lengths (over the lower-cased, whitespace-collapsed comment padded by a space). */
  charN: number[];
  /** The linear model's intercept. */
  bias: number;
  /** toxicity = sigmoid(cnn * logit(network toxicity) + wide * wideLogit + bias), fitted on the calibration slice. */
  blend: { cnn: number; wide: number; bias: number };
  /** Category heads (model 2.4.0), each with its own 2^bits weights (`wide_<category>` in weights.bin). */
  heads?: WideHead[];
}

/**
 * A category head: `category = sigmoid(cnn * logit(network category) + wide * headLogit + bias)`,
 * the blend fitted on the calibration slice and the category's tuned decision threshold folded
 * into its bias (so `>= 0.5` is the tuned decision, as for the network's categories).
 */
export interface WideHead {
  category: Category;
  bias: number;
  blend: { cnn: number; wide: number; bias: number };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvFrom(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

const PREFIX_W = fnvFrom(FNV_OFFSET, 'w:');
const PREFIX_B = fnvFrom(FNV_OFFSET, 'b:');
const SPACE = 32;
const prefixC = new Map<number, number>();
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const WHITESPACE = /\s/;
/** ASCII classes: 1 word character (letters, digits, ' * @ $ !), 2 whitespace. */
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z0-9'*@$!]/.test(ch)) ASCII[c] = 1;
  else if (WHITESPACE.test(ch)) ASCII[c] = 2;
}

/**
 * The set of features seen in one call: open addressing over a small table (at least twice the
 * comment's possible features, so it stays in cache), a slot in use when its stamp is the call's.
 */
const seen = { keys: new Int32Array(1024), stamps: new Uint32Array(1024), gen: 0 };

/**
 * Collects the distinct hashed features of a comment into `out` (grown as needed) and returns
 * them with their count: each word (`w:` + the word), each pair of adjacent words (`b:` + both,
 * space-joined) and each character n-gram (`c<n>:` + the n-gram), FNV-1a hashed to 2^bits.
 *
 * Words are runs of letters, digits and ' * @ $ ! in the lower-cased text; the n-grams run over
 * the lower-cased text with whitespace runs collapsed to one space, trimmed, and padded by a
 * space each side. One pass, no per-feature strings (`test/model/wide.test.ts` checks it against
 * the regular-expression statement of the same rules).
 */
export function collectWideFeatures(text: string, c: Pick<WideConfig, 'bits' | 'charN'>, out: { buf: Int32Array }): number {
  const mask = (1 << c.bits) - 1;
  const low = text.toLowerCase();
  // Upper bound of the features: one n-gram per unit and length, a word and a pair per unit.
  let cap = 64;
  while (cap < 2 * (low.length + 2) * (c.charN.length + 2)) cap *= 2;
  if (seen.keys.length < cap) (seen.keys = new Int32Array(cap)), (seen.stamps = new Uint32Array(cap)), (seen.gen = 0);
  if (++seen.gen === 0xffffffff) (seen.stamps.fill(0), (seen.gen = 1));
  const { keys, stamps, gen } = seen;
  const slotMask = cap - 1;
  let n = 0;
  const add = (h: number): void => {
    const f = (h >>> 0) & mask;
    let i = Math.imul(f, 0x9e3779b1) & slotMask;
    while (stamps[i] === gen) {
      if (keys[i] === f) return;
      i = (i + 1) & slotMask;
    }
    stamps[i] = gen;
    keys[i] = f;
    if (n === out.buf.length) {
      const grown = new Int32Array(out.buf.length * 2 || 64);
      grown.set(out.buf);
      out.buf = grown;
    }
    out.buf[n++] = f;
  };
  const ns = c.charN;
  const maxN = Math.max(0, ...ns);
  // A typed array, not `ns.map(...)`: the array that map built in optimised code had another
  // elements kind than the interpreter's, and reading it deoptimised the n-gram loop each time.
  const pre = new Float64Array(ns.length);
  for (let j = 0; j < ns.length; j++) {
    let p = prefixC.get(ns[j]);
    if (p === undefined) prefixC.set(ns[j], (p = fnvFrom(FNV_OFFSET, `c${ns[j]}:`)));
    pre[j] = p;
  }
  // The last maxN units of the normalised stream, as a ring.
  const ring = new Uint16Array(Math.max(1, maxN));
  let emitted = 0;
  const emit = (u: number): void => {
    ring[emitted % ring.length] = u;
    emitted++;
    for (let j = 0; j < ns.length; j++) {
      const k = ns[j];
      if (emitted < k) continue;
      let h = pre[j];
      for (let q = emitted - k; q < emitted; q++) {
        h ^= ring[q % ring.length];
        h = Math.imul(h, FNV_PRIME);
      }
      add(h);
    }
  };
  emit(SPACE);
  let pendingSpace = false;
  let inWord = false;
  let hw = 0; // this word's `w:` hash
  let hb = 0; // this word's `b:` pair hash (continues from the previous word)
  let hasPrev = false; // a word came before this one
  let prevB = 0; // `b:` + previous word + ' '
  let hbNext = 0; // `b:` + this word, for the next pair
  for (let i = 0; i < low.length; i++) {
    const u = low.charCodeAt(i);
    let units = 1;
    let cls: number;
    if (u < 128) cls = ASCII[u];
    else if (u >= 0xd800 && u <= 0xdbff && i + 1 < low.length && (low.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      units = 2;
      cls = LETTER_OR_DIGIT.test(low.slice(i, i + 2)) ? 1 : 0;
    } else {
      const ch = low[i];
      cls = LETTER_OR_DIGIT.test(ch) ? 1 : WHITESPACE.test(ch) ? 2 : 0;
    }
    if (cls === 1) {
      if (!inWord) {
        inWord = true;
        hw = PREFIX_W;
        hbNext = PREFIX_B;
        hb = prevB;
      }
      for (let k = 0; k < units; k++) {
        const cu = k ? low.charCodeAt(i + 1) : u;
        hw = Math.imul(hw ^ cu, FNV_PRIME);
        hbNext = Math.imul(hbNext ^ cu, FNV_PRIME);
        if (hasPrev) hb = Math.imul(hb ^ cu, FNV_PRIME);
      }
    } else if (inWord) {
      inWord = false;
      add(hw);
      if (hasPrev) add(hb);
      prevB = Math.imul(hbNext ^ SPACE, FNV_PRIME);
      hasPrev = true;
    }
    if (cls === 2) {
      if (emitted > 1) pendingSpace = true;
    } else {
      if (pendingSpace) emit(SPACE);
      pendingSpace = false;
      emit(u);
      if (units === 2) emit(low.charCodeAt(i + 1));
    }
    i += units - 1;
  }
  if (inWord) {
    add(hw);
    if (hasPrev) add(hb);
  }
  emit(SPACE);
  return n;
}

/**
 * The distinct hashed features of a comment (see {@link collectWideFeatures}), as indices into a
 * table of 2^bits weights.
 *
 * @example wideFeatures('You idiot', { bits: 20, charN: [4] }).length // 2 words + 1 pair + 8 four-grams
 */
export function wideFeatures(text: string, c: Pick<WideConfig, 'bits' | 'charN'>): Int32Array {
  const out = { buf: new Int32Array(256) };
  const n = collectWideFeatures(text, c, out);
  return out.buf.slice(0, n);
}

/** The wide part's logit for a comment's features: the weights' sum scaled by 1/sqrt(count), plus the bias. */
export function wideLogit(weights: Float32Array, bias: number, feats: Int32Array): number {
  let z = 0;
  for (let i = 0; i < feats.length; i++) z += weights[feats[i]];
  return bias + z / Math.sqrt(Math.max(1, feats.length));
}

/** The blended comment toxicity of a network toxicity `p` and a wide logit `z`. */
export function blendToxicity(p: number, z: number, blend: WideConfig['blend']): number {
  return sigmoid(blend.cnn * logit(p) + blend.wide * z + blend.bias);
}

/**
 * Symmetric uint8 quantisation of the wide weights over [-m, m] (m = the largest |weight|), the
 * form `weights.bin` stores them in: weight ~ q * step - m, step = 2m / 255.
 */
export function quantizeWide(a: Float32Array): { q: Uint8Array; m: number; step: number } {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  m = m || 1;
  const step = (2 * m) / 255;
  const q = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) q[i] = wideCode(a[i], m, step);
  return { q, m, step };
}

/** One weight's uint8 code over [-m, m] (see {@link quantizeWide}). */
function wideCode(x: number, m: number, step: number): number {
  return Math.max(0, Math.min(255, Math.round((x + m) / step)));
}

/**
 * {@link quantizeWide} of a table stored as uint8 `bytes` that decode to `value(byte)`: the same
 * m, step and codes, computed once per byte value instead of once per weight (2^bits of them).
 * Written into `out` at `out[f * stride + offset]`; returns m and step.
 */
export function quantizeWideBytes(bytes: Uint8Array, value: (byte: number) => number, out: Uint8Array, stride = 1, offset = 0): { m: number; step: number } {
  const seen = new Uint8Array(256);
  for (let i = 0; i < bytes.length; i++) seen[bytes[i]] = 1;
  let m = 0;
  for (let v = 0; v < 256; v++) if (seen[v]) m = Math.max(m, Math.abs(value(v)));
  m = m || 1;
  const step = (2 * m) / 255;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = wideCode(value(v), m, step);
  for (let i = 0; i < bytes.length; i++) out[i * stride + offset] = lut[bytes[i]];
  return { m, step };
}

/** A wide part's tables as {@link WidePart} holds them (see there); several threads may share them. */
export interface WideCodes {
  /** Table t's code of feature f at `f * T + t` (T tables: the toxicity part's, then each head's in `config.heads` order). */
  codes: Uint8Array;
  /** Each table's affine map back: weight ~ code * step - m. */
  m: Float64Array;
  step: Float64Array;
}

/**
 * The interleaved codes of the wide tables (`weights`, then each head's of `config.heads`), written
 * into `out` when given (its arrays sized for them).
 */
export function wideCodes(config: WideConfig, weights: Float32Array, heads: Partial<Record<Category, Float32Array>> = {}, out?: WideCodes): WideCodes {
  const headTables = (config.heads ?? []).map((h) => {
    const t = heads[h.category];
    if (!t) throw new RangeError(`wide head ${h.category}: no weights given`);
    return t;
  });
  const size = 1 << config.bits;
  const tables = [weights, ...headTables].map((w) => {
    if (w.length !== size) throw new RangeError(`wide weights: ${w.length} values for 2^${config.bits}`);
    return quantizeWide(w);
  });
  const T = tables.length;
  const codes = out?.codes ?? new Uint8Array(size * T);
  if (codes.length !== size * T) throw new RangeError(`wide codes: ${codes.length} for ${T} tables of 2^${config.bits}`);
  tables.forEach(({ q }, t) => {
    for (let f = 0; f < size; f++) codes[f * T + t] = q[f];
  });
  const m = out?.m ?? new Float64Array(T);
  const step = out?.step ?? new Float64Array(T);
  tables.forEach((t, i) => {
    m[i] = t.m;
    step[i] = t.step;
  });
  return { codes, m, step };
}

/**
 * The wide part of a loaded model: its settings and its 2^bits weights (and one table per
 * category head), held as the uint8 codes of {@link quantizeWide} (a quarter of the memory
 * traffic of floats; re-quantising weights read from `weights.bin` gives back their stored codes,
 * so the saved and the trained model agree). The tables are interleaved, feature f's codes at
 * `[f * T, f * T + T)`, so a feature costs one cache miss for all T tables, not T. The features
 * are collected once per comment.
 */
export class WidePart {
  /** Number of tables: the toxicity part's, then each head's. */
  private readonly T: number;
  /** Interleaved codes: table t's code of feature f at `f * T + t`. */
  private readonly codes: Uint8Array;
  /** Each table's affine map back (weight ~ code * step - m) and intercept. */
  private readonly m: Float64Array;
  private readonly step: Float64Array;
  private readonly biases: Float64Array;
  private readonly scratch = { buf: new Int32Array(1024) };
  private readonly z: Float64Array;
  private readonly sums: Float64Array;

  /**
   * `weights`: the toxicity table's 2^bits weights, with `heads` each head's by category (every
   * head of `config.heads` needs one); or the tables already coded ({@link wideCodes}, e.g. shared
   * by a scorer pool's main thread).
   */
  constructor(
    readonly config: WideConfig,
    weights: Float32Array | WideCodes,
    heads: Partial<Record<Category, Float32Array>> = {},
  ) {
    const coded = weights instanceof Float32Array ? wideCodes(config, weights, heads) : weights;
    const T = (this.T = 1 + (config.heads?.length ?? 0));
    if (coded.codes.length !== (1 << config.bits) * T || coded.m.length !== T || coded.step.length !== T) throw new RangeError(`wide codes: ${coded.codes.length} for ${T} tables of 2^${config.bits}`);
    this.codes = coded.codes;
    this.m = coded.m;
    this.step = coded.step;
    this.biases = Float64Array.from([config.bias, ...(config.heads ?? []).map((h) => h.bias)]);
    this.z = new Float64Array(T);
    this.sums = new Float64Array(T);
  }

  /**
   * The wide logits of one comment, the features collected once: the toxicity part's first, then
   * each head's. The array is reused: the next call overwrites it.
   */
  logits(text: string): Float64Array {
    const n = collectWideFeatures(text, this.config, this.scratch);
    const f = this.scratch.buf;
    const { T, codes, sums } = this;
    const norm = 1 / Math.sqrt(Math.max(1, n));
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const o = f[i] * T;
      for (let t = 0; t < T; t++) sums[t] += codes[o + t];
    }
    for (let t = 0; t < T; t++) this.z[t] = this.biases[t] + (sums[t] * this.step[t] - n * this.m[t]) * norm;
    return this.z;
  }

  /** The toxicity part's wide logit of one comment. */
  logit(text: string): number {
    return this.logits(text)[0];
  }

  /** Blends a prediction of the network in place: toxicity, and each headed category. */
  apply(text: string, p: Pick<CommentPrediction, 'toxicity' | 'categories'>): void {
    const z = this.logits(text);
    p.toxicity = blendToxicity(p.toxicity, z[0], this.config.blend);
    this.config.heads?.forEach((h, k) => (p.categories[h.category] = blendToxicity(p.categories[h.category], z[k + 1], h.blend)));
  }
}
