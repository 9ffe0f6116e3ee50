/**
 * The large tables a toxicity model holds in memory, the dequantised embedding table (36 MB for
 * the shipped model), the vocabulary's folded word parts (up to 11 MB) and the wide part's coded
 * tables (4 MB), built once per process and shared with every scorer thread (issue 29).
 *
 * Each pool thread used to read weights.bin, dequantise the embedding through TF.js and fold the
 * 58,766 vocabulary words itself: 0.5-0.9 s of each thread's load (more with two threads loading
 * at once), the same work in every thread, and on the critical path of every batch run whatever
 * its worker count. The pool's main thread now sizes the tables from model.json, hands them to the
 * threads as SharedArrayBuffers in their workerData and fills the embedding and the wide part
 * while the threads start and import their modules; a thread waits for them, and loads on its own
 * if the main thread could not fill them (a missing or changed file: the thread then reports the
 * error as before). Every value is computed by the same float32 arithmetic in the same order as
 * `readModel` computes it, so a shared table is bit-identical to a thread's own
 * (test/model/tables.test.ts).
 *
 * The vocabulary is not folded at load but word by word, the first time a token of the word is
 * scored ({@link FoldedWords}, `FastInference`), by whichever thread meets it first; every thread
 * then reads that row. Folded at load, it cost 0.23-0.27 s of CPU in each of the three threads of
 * a 2-worker run (the main thread and each starting thread folded chunks of it together), all on
 * the load's critical path, while a batch touches a fraction of the vocabulary: 20,000 posts meet
 * 25,477 of the 58,766 words. A word folded amid scoring costs about twice what it did in the
 * load's tight loop (its ~20 rows are no longer in the caches), so a large batch wins back less
 * than the load time it saves; a small one, or a server, saves it whole.
 *
 * No TF.js here: the main thread of `moderato score` never loads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { wordPartFeatureIds } from './features';
import { quantizeWideBytes, type WideCodes, type WideConfig } from './wide';

/** Shared tables of one model's files, filled by the process's main thread; plain data (structured-clones into workerData, sharing the memory). */
export interface SharedTables {
  /** The toxicity model folder (absolute), its weights file, and that file's size and mtime: a thread uses the tables only for those files. */
  dir: string;
  file: string;
  size: number;
  mtimeMs: number;
  /** [0]: FILLING, FILLED or FAILED (the threads then load on their own). */
  state: Int32Array;
  /** The dequantised embedding table, `rows x dim`. */
  emb: Float32Array;
  /** [0]: the largest row scale (`ModelWeights.embMaxAbs`). */
  embMaxAbs: Float64Array;
  /** The vocabulary's folded word parts, filled lazily by every thread as it scores (empty for a model without words). */
  folded: FoldedWords;
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
 * The convolutional model folder behind `target` (a model folder or its model.json): itself, or
 * the base a heads model names. Undefined when it cannot tell.
 */
export function toxicityDirOf(target: string): string | undefined {
  const dir = target.endsWith('.json') ? path.dirname(target) : target;
  const json = readJson(path.join(dir, 'model.json'));
  if (json?.format === 'moderato-toxicity') return path.resolve(dir);
  if (json?.format === 'moderato-heads' && typeof json.base?.dir === 'string') return path.resolve(dir, json.base.dir);
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
    folded: allocateFoldedWords(c.words ?? 0, dim, true),
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

/**
 * The wide part's tables (`wide`, then `wide_<category>` per head) coded into `out` as `WidePart`
 * holds them: each stored as uint8 decoding to `v * scale + min` in float32 (tf.io.decodeWeights),
 * re-coded per byte value (`quantizeWideBytes`: the codes `wideCodes` gives the decoded tables);
 * false when the file stores them otherwise.
 */
function fillWide(bin: Uint8Array, specs: readonly Spec[], config: WideConfig, out: WideCodes): boolean {
  const layout = specLayout(specs);
  const names = ['wide', ...(config.heads ?? []).map((h) => `wide_${h.category}`)];
  const T = names.length;
  const size = 1 << config.bits;
  if (out.codes.length !== size * T) return false;
  for (let t = 0; t < T; t++) {
    const at = layout?.find((l) => l.spec.name === names[t]);
    const q = at?.spec.quantization;
    if (!at || q?.dtype !== 'uint8' || q.min === undefined || q.scale === undefined || at.bytes !== size || at.offset + at.bytes > bin.length) return false;
    const { min, scale } = q;
    const f32 = new Float32Array(1);
    const value = (v: number): number => ((f32[0] = v * scale + min), f32[0]);
    const { m, step } = quantizeWideBytes(bin.subarray(at.offset, at.offset + at.bytes), value, out.codes, T, t);
    out.m[t] = m;
    out.step[t] = step;
  }
  return true;
}

/**
 * A vocabulary's folded word parts (`wordPartFeatureIds`: each word's `w:` feature, n-grams and
 * word row, weighted and summed), filled lazily by `FastInference` the first time a token of the
 * word is scored: `rows` is `words x dim` (row `(at - buckets)` is the word at `at`), `ready[i]`
 * is 1 once row i is written. In a scorer pool both live in SharedArrayBuffers ({@link SharedTables}):
 * a thread writes a row and then `Atomics.store`s its flag, and a reader that `Atomics.load`s the
 * flag as 1 sees the row (the store publishes the writes before it). Two threads folding the same
 * word write the same bits, so a row written twice is harmless.
 */
export interface FoldedWords {
  rows: Float32Array;
  ready: Uint8Array;
}

/** Empty folded tables for `words` words of `dim` values, in shared memory when `shared`. */
export function allocateFoldedWords(words: number, dim: number, shared = false): FoldedWords {
  const bytes = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  return { rows: new Float32Array(bytes(words * dim * 4)), ready: new Uint8Array(bytes(words)) };
}

/**
 * Adds the folded word part of `norm` (the vocabulary word at row `at`) into `out` at `o`, whose
 * `dim` values the caller zeroed: its features' weighted `emb` rows in feature order, each step
 * rounded to float32, so the sum is the same bits wherever it is computed. `ids` and `ws` are
 * scratch of `MAX_TOKEN_FEATURES` entries. Sum it into memory no other thread writes (e.g. the
 * caller's own vector), then copy it into a shared row: summing in the shared row itself would
 * mix two threads' partial sums.
 */
export function foldWord(norm: string, at: number, emb: Float32Array, buckets: number, dim: number, ids: Int32Array, ws: Float32Array, out: Float32Array, o: number): void {
  const n = wordPartFeatureIds(norm, at, buckets - 1, ids, ws);
  for (let j = 0; j < n; j++) {
    const w = ws[j];
    const r = ids[j] * dim;
    for (let k = 0; k < dim; k++) out[o + k] += w * emb[r + k];
  }
}

/** Publishes the tables' state and wakes the waiting threads. */
function publish(t: SharedTables, state: number): void {
  Atomics.store(t.state, 0, state);
  Atomics.notify(t.state, 0);
}

/**
 * Fills `t` from its model's files (the pool's main thread, once, while the threads start): the
 * embedding table and the wide part; the threads fold the vocabulary's rows as they score. Never
 * throws: on any problem the tables are marked failed and each thread loads on its own,
 * reporting the error as it always did. Returns false then, true once the tables are filled.
 */
export function fillSharedTables(t: SharedTables): boolean {
  try {
    const json = readJson(path.join(t.dir, 'model.json'));
    const c = json?.config;
    const stat = fs.statSync(t.file);
    if (!c?.buckets || !c.dim || !json?.weightsManifest || stat.size !== t.size || stat.mtimeMs !== t.mtimeMs) return (publish(t, FAILED), false);
    const specs = json.weightsManifest[0].weights;
    const bin = fs.readFileSync(t.file);
    const decoded = decodeEmbedding(bin, specs, c.buckets + (c.words ?? 0), c.dim, t.emb);
    if (!decoded || (t.wide && !(json.wide && fillWide(bin, specs, json.wide, t.wide)))) return (publish(t, FAILED), false);
    t.embMaxAbs[0] = decoded.embMaxAbs;
    publish(t, FILLED);
    return true;
  } catch {
    publish(t, FAILED);
    return false;
  }
}

/**
 * The tables for the model in `dir` and its weights `file` (relative to it), once filled (a
 * scorer thread loading waits for the main thread, blocking). Undefined when they are for other
 * files, failed, or are not filled within `timeoutMs` (the caller then decodes its own).
 */
export function sharedTablesFor(t: SharedTables | undefined, dir: string, file: string, timeoutMs = 120_000): { emb: Float32Array; embMaxAbs: number; folded: FoldedWords; wide?: WideCodes } | undefined {
  if (!t || path.resolve(dir) !== t.dir || path.resolve(dir, file) !== t.file) return undefined;
  try {
    const stat = fs.statSync(t.file);
    if (stat.size !== t.size || stat.mtimeMs !== t.mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  const end = Date.now() + timeoutMs;
  for (let state = Atomics.load(t.state, 0); state !== FILLED; state = Atomics.load(t.state, 0)) {
    if (state === FAILED || Date.now() >= end) return undefined;
    Atomics.wait(t.state, 0, state, Math.min(1000, Math.max(1, end - Date.now())));
  }
  return { emb: t.emb, embMaxAbs: t.embMaxAbs[0], folded: t.folded, ...(t.wide ? { wide: t.wide } : {}) };
}
