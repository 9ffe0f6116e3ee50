/**
 * The large tables a toxicity model holds in memory, the dequantised embedding table (36 MB for
 * the shipped model), the vocabulary's folded word parts (11 MB) and the wide part's coded tables
 * (4 MB), built once per process and shared with every scorer thread (issue 29).
 *
 * Each pool thread used to read weights.bin, dequantise the embedding through TF.js and fold the
 * 58,766 vocabulary words itself: 0.5-0.9 s of each thread's load (more with two threads loading
 * at once), the same work in every thread, and on the critical path of every batch run whatever
 * its worker count. The pool's main thread now sizes the tables from model.json, hands them to the
 * threads as SharedArrayBuffers in their workerData and fills them while the threads start and
 * import their modules; a thread waits for them only if it gets there first, and loads on its own
 * if the main thread could not fill them (a missing or changed file: the thread then reports the
 * error as before). Every value is computed by the same float32 arithmetic in the same order as
 * `readModel` and `FastInference` compute it, so a shared table is bit-identical to a thread's own
 * (test/model/tables.test.ts).
 *
 * No TF.js here: the main thread of `moderato score` never loads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { wordIndex, wordPartFeatureIds, MAX_TOKEN_FEATURES, type WordIndex } from './features';
import { defaultHeadsDir, defaultModelDir } from './paths';
import { wideCodes, type WideCodes, type WideConfig } from './wide';
import type { Category } from '../types';

/** Shared tables of one model's files, filled by the process's main thread; plain data (structured-clones into workerData, sharing the memory). */
export interface SharedTables {
  /** The toxicity model folder (absolute), its weights file, and that file's size and mtime: a thread uses the tables only for those files. */
  dir: string;
  file: string;
  size: number;
  mtimeMs: number;
  /** [0]: 0 while filling, 1 filled, 2 failed (the threads then load on their own). */
  state: Int32Array;
  /** The dequantised embedding table, `rows x dim`. */
  emb: Float32Array;
  /** [0]: the largest row scale (`ModelWeights.embMaxAbs`). */
  embMaxAbs: Float64Array;
  /** The vocabulary's folded word parts, `words x dim` (empty for a model without words). */
  folded: Float32Array;
  /** The wide part's coded tables (`WidePart`'s form), when the model has one. */
  wide?: WideCodes;
}

const FILLING = 0;
const FILLED = 1;
const FAILED = 2;

/** A weight's entry in model.json's manifest. */
interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

interface ModelJson {
  format?: unknown;
  config?: { buckets?: number; dim?: number; words?: number };
  wide?: WideConfig;
  weightsManifest?: Array<{ paths: string[]; weights: Spec[] }>;
  base?: { dir?: unknown };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * Where each weight lies in the concatenated weights files (as tf.io.decodeWeights walks them);
 * undefined when a dtype's size is unknown here (then nothing is shared).
 */
export function specLayout(specs: readonly Spec[]): Array<{ spec: Spec; offset: number; bytes: number }> | undefined {
  const out: Array<{ spec: Spec; offset: number; bytes: number }> = [];
  let offset = 0;
  for (const spec of specs) {
    const per = BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (per === undefined) return undefined;
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * per;
    out.push({ spec, offset, bytes });
    offset += bytes;
  }
  return out;
}

function readJson(file: string): ModelJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch {
    return undefined;
  }
}

/**
 * The convolutional model folder a scorer built from these options loads: `modelDir` (or the
 * heads' base when it names a heads model), else the shipped heads' base for any mode but fast,
 * else the shipped model (as `loadScorerModel` picks it). Undefined when it cannot tell.
 */
export function toxicityDirOf(opts: { modelDir?: string; mode?: string; cascade?: unknown }): string | undefined {
  const asked = opts.mode ?? (opts.cascade ? 'cascade' : undefined);
  let target = opts.modelDir ?? (asked !== undefined && asked !== 'fast' ? defaultHeadsDir() : defaultModelDir());
  if (target.endsWith('.json')) target = path.dirname(target);
  const json = readJson(path.join(target, 'model.json'));
  if (json?.format === 'moderato-toxicity') return path.resolve(target);
  if (json?.format === 'moderato-heads' && typeof json.base?.dir === 'string') return path.resolve(target, json.base.dir);
  return undefined;
}

/**
 * Sizes and allocates the shared tables of the toxicity model in `dir` (model.json only; the
 * memory is zero until {@link fillSharedTables}). Undefined when the folder does not hold a model
 * whose tables this can build (the threads then load on their own and report any error).
 */
export function allocateSharedTables(dir: string): SharedTables | undefined {
  const json = readJson(path.join(dir, 'model.json'));
  const c = json?.config;
  const manifest = json?.weightsManifest;
  if (json?.format !== 'moderato-toxicity' || !c || !manifest || manifest.length !== 1 || manifest[0].paths.length !== 1) return undefined;
  const rows = (c.buckets ?? 0) + (c.words ?? 0);
  const dim = c.dim ?? 0;
  if (!(rows > 0 && dim > 0)) return undefined;
  const file = path.resolve(dir, manifest[0].paths[0]);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const floats = (n: number) => new Float32Array(new SharedArrayBuffer(n * 4));
  const T = 1 + (json.wide?.heads?.length ?? 0);
  const wide = json.wide ? { codes: new Uint8Array(new SharedArrayBuffer((1 << json.wide.bits) * T)), m: new Float64Array(new SharedArrayBuffer(8 * T)), step: new Float64Array(new SharedArrayBuffer(8 * T)) } : undefined;
  return {
    dir: path.resolve(dir),
    file,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    state: new Int32Array(new SharedArrayBuffer(4)),
    emb: floats(rows * dim),
    embMaxAbs: new Float64Array(new SharedArrayBuffer(8)),
    folded: floats((c.words ?? 0) * dim),
    ...(wide ? { wide } : {}),
  };
}

/** float16 bits to the float32 value (exact: every float16 is a float32). */
function fromFloat16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The dequantised embedding table of a model's weights file (`emb`: uint8 rows of unit range,
 * `emb_scale`: a float16 scale per row), written into `out`, and the largest |scale|: the values
 * `readModel` computes (tf.io.decodeWeights' `v * scale + min` in float32, times the row's scale
 * in float32). Undefined when the file does not store the table that way.
 */
export function decodeEmbedding(bin: Uint8Array, specs: readonly Spec[], rows: number, dim: number, out: Float32Array): { embMaxAbs: number } | undefined {
  const layout = specLayout(specs);
  const emb = layout?.find((l) => l.spec.name === 'emb');
  const sc = layout?.find((l) => l.spec.name === 'emb_scale');
  const q = emb?.spec.quantization;
  if (!emb || !sc || q?.dtype !== 'uint8' || q.min === undefined || q.scale === undefined || sc.spec.quantization?.dtype !== 'float16') return undefined;
  if (emb.bytes !== rows * dim || sc.bytes !== rows * 2 || out.length !== rows * dim || sc.offset + sc.bytes > bin.length || emb.offset + emb.bytes > bin.length) return undefined;
  const { min, scale } = q;
  const scales = new DataView(bin.buffer, bin.byteOffset + sc.offset, sc.bytes);
  let embMaxAbs = 0;
  for (let r = 0; r < rows; r++) {
    const s = Math.fround(fromFloat16(scales.getUint16(2 * r, true)));
    embMaxAbs = Math.max(embMaxAbs, Math.abs(s));
    for (let k = 0, o = r * dim, b = emb.offset + o; k < dim; k++) out[o + k] = Math.fround(bin[b + k] * scale + min) * s;
  }
  return { embMaxAbs };
}

/** A uint8-quantised weight's values as tf.io.decodeWeights gives them (`v * scale + min`, in float32); undefined when it is stored otherwise. */
function decodeUint8(bin: Uint8Array, at: { spec: Spec; offset: number; bytes: number } | undefined): Float32Array | undefined {
  const q = at?.spec.quantization;
  if (!at || q?.dtype !== 'uint8' || q.min === undefined || q.scale === undefined || at.offset + at.bytes > bin.length) return undefined;
  const out = new Float32Array(at.bytes);
  for (let i = 0, b = at.offset; i < at.bytes; i++) out[i] = bin[b + i] * q.scale + q.min;
  return out;
}

/** The wide part's tables (`wide`, then `wide_<category>` per head) coded into `out` as `WidePart` holds them; false when the file stores them otherwise. */
function fillWide(bin: Uint8Array, specs: readonly Spec[], config: WideConfig, out: WideCodes): boolean {
  const layout = specLayout(specs);
  const table = (name: string) => decodeUint8(bin, layout?.find((l) => l.spec.name === name));
  const weights = table('wide');
  const heads: Partial<Record<Category, Float32Array>> = {};
  for (const h of config.heads ?? []) {
    const t = table(`wide_${h.category}`);
    if (!t) return false;
    heads[h.category] = t;
  }
  if (!weights) return false;
  wideCodes(config, weights, heads, out);
  return true;
}

/**
 * Every vocabulary word's folded word part (`wordPartFeatureIds`: its `w:` feature, its n-grams
 * and its word row, weighted) summed from `emb`, in `FastInference`'s order: row `(row - buckets)`
 * of the result is the word at `row`. Written into `out` when given.
 */
export function foldWordParts(words: WordIndex, emb: Float32Array, buckets: number, dim: number, out: Float32Array = new Float32Array(words.size * dim)): Float32Array {
  const mask = buckets - 1;
  const ids = new Int32Array(MAX_TOKEN_FEATURES);
  const ws = new Float32Array(MAX_TOKEN_FEATURES);
  for (const [norm, row] of words) {
    const n = wordPartFeatureIds(norm, row, mask, ids, ws);
    const o = (row - buckets) * dim;
    for (let j = 0; j < n; j++) {
      const w = ws[j];
      const r = ids[j] * dim;
      for (let k = 0; k < dim; k++) out[o + k] += w * emb[r + k];
    }
  }
  return out;
}

/**
 * Fills `t` from its model's files (the pool's main thread, once, while the threads start): the
 * embedding table, then the folded vocabulary. Never throws: on any problem the tables are marked
 * failed and each thread loads on its own, reporting the error as it always did.
 */
export function fillSharedTables(t: SharedTables): boolean {
  let ok = false;
  try {
    const json = readJson(path.join(t.dir, 'model.json'));
    const c = json?.config;
    const stat = fs.statSync(t.file);
    if (c?.buckets && c.dim && json?.weightsManifest && stat.size === t.size && stat.mtimeMs === t.mtimeMs) {
      const bin = fs.readFileSync(t.file);
      const rows = c.buckets + (c.words ?? 0);
      const decoded = decodeEmbedding(bin, json.weightsManifest[0].weights, rows, c.dim, t.emb);
      if (decoded) {
        t.embMaxAbs[0] = decoded.embMaxAbs;
        let words: string[] = [];
        if (c.words) {
          words = fs.readFileSync(path.join(t.dir, 'words.txt'), 'utf8').split('\n');
          if (words[words.length - 1] === '') words.pop();
        }
        if (words.length === (c.words ?? 0) && (!t.wide || (json.wide && fillWide(bin, json.weightsManifest[0].weights, json.wide, t.wide)))) {
          if (words.length) foldWordParts(wordIndex(words, c.buckets), t.emb, c.buckets, c.dim, t.folded);
          ok = true;
        }
      }
    }
  } catch {
    ok = false;
  }
  Atomics.store(t.state, 0, ok ? FILLED : FAILED);
  Atomics.notify(t.state, 0);
  return ok;
}

/**
 * The tables for the model in `dir` and its weights `file` (relative to it), waiting (blocking: a thread has nothing else to do
 * while it loads) until the main thread has filled them; undefined when they are for other files,
 * failed, or are not filled within `timeoutMs` (the caller then decodes its own).
 */
export function sharedTablesFor(t: SharedTables | undefined, dir: string, file: string, timeoutMs = 120_000): { emb: Float32Array; embMaxAbs: number; folded: Float32Array; wide?: WideCodes } | undefined {
  if (!t || path.resolve(dir) !== t.dir || path.resolve(dir, file) !== t.file) return undefined;
  try {
    const stat = fs.statSync(t.file);
    if (stat.size !== t.size || stat.mtimeMs !== t.mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  if (Atomics.load(t.state, 0) === FILLING) Atomics.wait(t.state, 0, FILLING, timeoutMs);
  if (Atomics.load(t.state, 0) !== FILLED) return undefined;
  return { emb: t.emb, embMaxAbs: t.embMaxAbs[0], folded: t.folded, ...(t.wide ? { wide: t.wide } : {}) };
}
