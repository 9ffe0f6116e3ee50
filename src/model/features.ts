/**
 * Feature hashing: every token becomes a handful of hashed feature ids (its normalised form, its
 * raw lower-case form, character 3-5-grams of the normalised form, its shape and kind), each with
 * a weight. A token's vector is the weighted sum of the embedding rows of its ids, so unseen and
 * obfuscated words still share n-grams with known ones.
 */
import type { Token } from '../text/types';

/** Hashing configuration stored in model.json so training and inference agree. */
export interface FeatureConfig {
  /** Number of embedding rows (hash buckets), a power of two. */
  buckets: number;
  /** Bumped whenever the feature recipe changes: a model refuses other versions. */
  version: number;
  /**
   * Pretrained word rows (Model v2): a token whose normal form is here also gets the embedding
   * row at that index (>= buckets: the rows after the hashed table), weight 1. Absent: none.
   */
  words?: WordIndex;
}

/** Normal form of a word -> its row in the embedding table (rows after the hashed buckets). */
export type WordIndex = ReadonlyMap<string, number>;

/** Builds the word index of a model: word i of `words` is row `buckets + i`. */
export function wordIndex(words: readonly string[], buckets: number): WordIndex {
  const m = new Map<string, number>();
  words.forEach((w, i) => m.set(w, buckets + i));
  return m;
}

/** Newest feature recipe; models record theirs (v1: token features only, v2: + word bigrams). */
export const FEATURE_VERSION = 2;
const MAX_NGRAMS = 24;

/** Token features of one comment in flat arrays (CSR layout: token t owns ids[offsets[t]..offsets[t+1])). */
export interface TokenFeatures {
  offsets: Int32Array;
  ids: Int32Array;
  weights: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a state after `s`, continuing from state `h` (start from FNV_OFFSET). */
function fnvContinue(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Final avalanche, so that similar strings spread over the low bits used by the mask. */
function fnvFinish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** FNV-1a with a final avalanche: the feature hash. */
export function fnv(s: string): number {
  return fnvFinish(fnvContinue(FNV_OFFSET, s));
}

/** Word shape: case/digit classes with runs collapsed (`Hello` -> `Xx`, `f*ck` -> `x*x`), at most 6 chars. */
export function shapeOf(text: string): string {
  let out = '';
  for (const ch of text) {
    let c: string;
    if (ch >= 'a' && ch <= 'z') c = 'x';
    else if (ch >= 'A' && ch <= 'Z') c = 'X';
    else if (ch >= '0' && ch <= '9') c = 'd';
    else if (/\p{L}/u.test(ch)) c = ch === ch.toLowerCase() ? 'x' : 'X';
    else c = ch;
    if (!out.endsWith(c)) out += c;
    if (out.length >= 6) break;
  }
  return out;
}

/** The feature strings of one token with their weights. Exposed for tests and the model card. */
export function tokenFeatureStrings(tok: Token): Array<[string, number]> {
  const norm = tok.norm;
  const lower = tok.text.toLowerCase();
  const feats: Array<[string, number]> = [['w:' + norm, 1], ['s:' + shapeOf(tok.text), 0.5], ['k:' + tok.kind, 0.5]];
  if (lower !== norm) feats.push(['r:' + lower, 0.5]);
  if (tok.kind === 'word' || tok.kind === 'hashtag') {
    const w = '<' + norm + '>';
    const grams: string[] = [];
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= w.length && grams.length < MAX_NGRAMS; i++) grams.push(w.slice(i, i + n));
    }
    // n-grams share one unit of weight so a long word does not drown its own identity feature.
    const gw = grams.length ? 1 / Math.sqrt(grams.length) : 0;
    for (const g of grams) feats.push(['g:' + g, gw]);
  }
  return feats;
}

// Hash states after each feature prefix, so the miss path hashes only the rest.
const H_W = fnvContinue(FNV_OFFSET, 'w:');
const H_S = fnvContinue(FNV_OFFSET, 's:');
const H_K = fnvContinue(FNV_OFFSET, 'k:');
const H_R = fnvContinue(FNV_OFFSET, 'r:');
const H_G = fnvContinue(FNV_OFFSET, 'g:');
/** Hash states after the word-bigram prefixes: `b:` (the word before) and `a:` (the word after). */
export const H_BEFORE = fnvContinue(FNV_OFFSET, 'b:');
export const H_AFTER = fnvContinue(FNV_OFFSET, 'a:');

/**
 * `fnv(prefix + left + '|' + right)`, `h` being the state after the prefix ({@link H_BEFORE},
 * {@link H_AFTER}), without building the string: two concatenations per token and position were
 * the inference path's main string garbage (issue 29).
 */
export function bigramHash(h: number, left: string, right: string): number {
  return fnvFinish(fnvContinue(Math.imul(fnvContinue(h, left) ^ 0x7c, FNV_PRIME), right));
}

/** Most features one token can have: w, s, k, r, MAX_NGRAMS char n-grams and a pretrained word row. */
export const MAX_TOKEN_FEATURES = 5 + MAX_NGRAMS;

/**
 * The ids and weights of `tokenFeatureStrings(tok)` hashed with `& mask`, in the same order,
 * written into `ids`/`weights` (length >= MAX_TOKEN_FEATURES) without building the feature
 * strings: the inference cache's miss path. Returns the number of features.
 */
export function tokenFeatureIds(tok: Token, mask: number, ids: Int32Array, weights: Float32Array, words?: WordIndex): number {
  const norm = tok.norm;
  ids[0] = wordFeatureId(norm, mask);
  weights[0] = 1;
  let n = surfaceFeatureIds(tok, mask, ids, weights, 1);
  if (tok.kind === 'word' || tok.kind === 'hashtag') n = gramFeatureIds(norm, mask, ids, weights, n);
  const wr = words?.get(norm);
  if (wr !== undefined) {
    ids[n] = wr;
    weights[n++] = 1;
  }
  return n;
}

/**
 * The features of a word-kind token that depend on its normal form only, `norm` being a word of
 * `words`: `w:`, the character n-grams and the pretrained word row, in that order. Their weighted
 * sum is the same for every raw spelling of the word, so inference folds it once per vocabulary
 * word (`FastInference`); the token then adds only {@link surfaceFeatureIds}.
 */
export function wordPartFeatureIds(norm: string, row: number, mask: number, ids: Int32Array, weights: Float32Array): number {
  ids[0] = wordFeatureId(norm, mask);
  weights[0] = 1;
  const n = gramFeatureIds(norm, mask, ids, weights, 1);
  ids[n] = row;
  weights[n] = 1;
  return n + 1;
}

/** The id of the `w:` feature (the normal form itself). */
function wordFeatureId(norm: string, mask: number): number {
  return fnvFinish(fnvContinue(H_W, norm)) & mask;
}

/** The features of a token's surface, written from index `n`: `s:` (shape), `k:` (kind) and, when it differs from the normal form, `r:` (raw lower case). Returns the next index. */
export function surfaceFeatureIds(tok: Token, mask: number, ids: Int32Array, weights: Float32Array, n: number): number {
  const lower = tok.text.toLowerCase();
  ids[n] = fnvFinish(fnvContinue(H_S, shapeOf(tok.text))) & mask;
  weights[n++] = 0.5;
  ids[n] = fnvFinish(fnvContinue(H_K, tok.kind)) & mask;
  weights[n++] = 0.5;
  if (lower !== tok.norm) {
    ids[n] = fnvFinish(fnvContinue(H_R, lower)) & mask;
    weights[n++] = 0.5;
  }
  return n;
}

/** The character 3-5-grams of `'<' + norm + '>'` (at most MAX_NGRAMS, sharing one unit of weight), written from index `n`. Returns the next index. */
function gramFeatureIds(norm: string, mask: number, ids: Int32Array, weights: Float32Array, n: number): number {
  // Grams of '<' + norm + '>' without building it: position p reads '<', norm[p - 1] or '>'.
  const len = norm.length + 2;
  const at = (p: number): number => (p === 0 ? 60 : p === len - 1 ? 62 : norm.charCodeAt(p - 1));
  const first = n;
  let count = 0;
  for (let g = 3; g <= 5; g++) {
    for (let i = 0; i + g <= len && count < MAX_NGRAMS; i++) {
      let h = H_G;
      for (let p = i; p < i + g; p++) h = Math.imul(h ^ at(p), FNV_PRIME);
      ids[n++] = fnvFinish(h) & mask;
      count++;
    }
  }
  const gw = count ? 1 / Math.sqrt(count) : 0;
  for (let k = first; k < n; k++) weights[k] = gw;
  return n;
}

/** Hashes the tokens of one comment into CSR feature arrays. */
export function featurize(tokens: Token[], cfg: FeatureConfig): TokenFeatures {
  const mask = cfg.buckets - 1;
  const offsets = new Int32Array(tokens.length + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  for (let t = 0; t < tokens.length; t++) {
    for (const [f, w] of tokenFeatureStrings(tokens[t])) {
      ids.push(fnv(f) & mask);
      weights.push(w);
    }
    const wr = cfg.words?.get(tokens[t].norm);
    if (wr !== undefined) {
      ids.push(wr);
      weights.push(1);
    }
    if (cfg.version >= 2) {
      // Word bigrams with both neighbours: 'go die' and 'you idiot' as units, not only via the window layers.
      const prev = t > 0 ? tokens[t - 1].norm : '<s>';
      const next = t + 1 < tokens.length ? tokens[t + 1].norm : '</s>';
      ids.push(bigramHash(H_BEFORE, prev, tokens[t].norm) & mask, bigramHash(H_AFTER, tokens[t].norm, next) & mask);
      weights.push(0.5, 0.5);
    }
    offsets[t + 1] = ids.length;
  }
  return { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
}
