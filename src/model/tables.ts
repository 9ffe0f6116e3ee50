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
 * import their modules; a thread that is ready before the fold is done folds chunks of the
 * vocabulary beside it, then waits for the rest, and loads on its own if the main thread could
 * not fill them (a missing or changed file: the thread then reports the error as before). Every value is computed by the same float32 arithmetic in the same order as
 * `readModel` and `FastInference` compute it, so a shared table is bit-identical to a thread's own
 * (test/model/tables.test.ts).
 *
 * No TF.js here: the main thread of `moderato score` never loads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { wordIndex, wordPartFeatureIds, MAX_TOKEN_FEATURES, type WordIndex } from './features';
import { quantizeWideBytes, type WideCodes, type WideConfig } from './wide';

/** Shared tables of one model's files, filled by the process's main thread; plain data (structured-clones into workerData, sharing the memory). */
export interface SharedTables {
  /** The toxicity model folder (absolute), its weights file, and that file's size and mtime: a thread uses the tables only for those files. */
  dir: string;
  file: string;
  size: number;
  mtimeMs: number;
  /**
   * [STATE]: FILLING, FOLDING (the embedding is there, the fold's chunks are open to any thread),
   * FILLED or FAILED (the threads then load on their own); [NEXT]: the next unclaimed fold chunk;
   * [PENDING]: pieces not done yet (the chunks and the main thread's wide part); then each fold
   * chunk's state (free, claimed, done).
   */
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
const FOLDING = 3;
/** Board slots (see `SharedTables.state`); the chunks' states follow them. */
const STATE = 0;
const NEXT = 1;
const PENDING = 2;
const CHUNKS_AT = 3;
/** Words per fold chunk: ~1,000 words are a few ms, so a thread that arrives late still helps. */
const FOLD_CHUNK = 1024;
const CLAIMED = 1;
const DONE = 2;
/** A waiting thread takes over the chunks still claimed after this long without progress (their thread may have died). */
const STALL_MS = 2000;

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
    state: new Int32Array(new SharedArrayBuffer(4 * (CHUNKS_AT + Math.ceil((c.words ?? 0) / FOLD_CHUNK)))),
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
 * Every vocabulary word's folded word part (`wordPartFeatureIds`: its `w:` feature, its n-grams
 * and its word row, weighted) summed from `emb`, in `FastInference`'s order: row `(row - buckets)`
 * of the result is the word at `row`. Written into `out` when given.
 */
export function foldWordParts(words: WordIndex, emb: Float32Array, buckets: number, dim: number, out: Float32Array = new Float32Array(words.size * dim)): Float32Array {
  foldEntries([...words], 0, words.size, emb, buckets, dim, out);
  return out;
}

/**
 * Folds entries `[from, to)` of a word index's entries into `out`. Each word is summed in a
 * float32 scratch row (the same roundings as summing in place) and then stored, so two threads
 * folding the same chunk store the same values.
 */
function foldEntries(entries: ReadonlyArray<[string, number]>, from: number, to: number, emb: Float32Array, buckets: number, dim: number, out: Float32Array): void {
  const mask = buckets - 1;
  const ids = new Int32Array(MAX_TOKEN_FEATURES);
  const ws = new Float32Array(MAX_TOKEN_FEATURES);
  const row = new Float32Array(dim);
  for (let i = from; i < to; i++) {
    const [norm, at] = entries[i];
    const n = wordPartFeatureIds(norm, at, mask, ids, ws);
    row.fill(0);
    for (let j = 0; j < n; j++) {
      const w = ws[j];
      const r = ids[j] * dim;
      for (let k = 0; k < dim; k++) row[k] += w * emb[r + k];
    }
    out.set(row, (at - buckets) * dim);
  }
}

/** Marks one piece of the fill done; the thread that finishes the last one publishes the tables. */
function pieceDone(t: SharedTables): void {
  if (Atomics.sub(t.state, PENDING, 1) === 1 && Atomics.compareExchange(t.state, STATE, FOLDING, FILLED) === FOLDING) Atomics.notify(t.state, STATE);
}

/** Marks the tables failed (the threads load on their own) and wakes the waiting ones. */
function fail(t: SharedTables): void {
  Atomics.store(t.state, STATE, FAILED);
  Atomics.notify(t.state, STATE);
}

/**
 * Folds chunks of the vocabulary while any is left: unclaimed ones first; with `takeOver`, also
 * those another thread claimed but has not finished (same values, so a chunk done twice is harmless).
 */
function foldChunks(t: SharedTables, entries: ReadonlyArray<[string, number]>, buckets: number, dim: number, takeOver = false): void {
  const chunks = t.state.length - CHUNKS_AT;
  const one = (c: number, from: number): void => {
    foldEntries(entries, c * FOLD_CHUNK, Math.min(entries.length, (c + 1) * FOLD_CHUNK), t.emb, buckets, dim, t.folded);
    if (Atomics.compareExchange(t.state, CHUNKS_AT + c, from, DONE) === from) pieceDone(t);
  };
  for (let c = Atomics.add(t.state, NEXT, 1); c < chunks; c = Atomics.add(t.state, NEXT, 1)) {
    if (Atomics.load(t.state, STATE) !== FOLDING) return;
    Atomics.store(t.state, CHUNKS_AT + c, CLAIMED);
    one(c, CLAIMED);
  }
  if (takeOver) for (let c = 0; c < chunks; c++) if (Atomics.load(t.state, CHUNKS_AT + c) === CLAIMED) one(c, CLAIMED);
}

/** The vocabulary's entries in `wordIndex` order (every thread builds the same from words.txt); undefined when the file does not match the model. */
function vocabulary(dir: string, count: number, buckets: number): Array<[string, number]> | undefined {
  if (!count) return [];
  const words = fs.readFileSync(path.join(dir, 'words.txt'), 'utf8').split('\n');
  if (words[words.length - 1] === '') words.pop();
  return words.length === count ? [...wordIndex(words, buckets)] : undefined;
}

/**
 * Fills `t` from its model's files (the pool's main thread, once, while the threads start): the
 * embedding table, then (the fold's chunks now open to the threads that are ready) the wide
 * part, then fold chunks until none is left to claim. Never throws: on any problem the tables are
 * marked failed and each thread loads on its own, reporting the error as it always did. Returns
 * false then; true once its own share is done (threads may still be folding their last chunks).
 */
export function fillSharedTables(t: SharedTables): boolean {
  try {
    const json = readJson(path.join(t.dir, 'model.json'));
    const c = json?.config;
    const stat = fs.statSync(t.file);
    if (!c?.buckets || !c.dim || !json?.weightsManifest || stat.size !== t.size || stat.mtimeMs !== t.mtimeMs) return (fail(t), false);
    const specs = json.weightsManifest[0].weights;
    const bin = fs.readFileSync(t.file);
    const decoded = decodeEmbedding(bin, specs, c.buckets + (c.words ?? 0), c.dim, t.emb);
    const entries = vocabulary(t.dir, c.words ?? 0, c.buckets);
    if (!decoded || !entries) return (fail(t), false);
    t.embMaxAbs[0] = decoded.embMaxAbs;
    Atomics.store(t.state, PENDING, t.state.length - CHUNKS_AT + 1);
    Atomics.store(t.state, STATE, FOLDING);
    Atomics.notify(t.state, STATE);
    if (t.wide && !(json.wide && fillWide(bin, specs, json.wide, t.wide))) return (fail(t), false);
    pieceDone(t);
    foldChunks(t, entries, c.buckets, c.dim);
    return Atomics.load(t.state, STATE) !== FAILED;
  } catch {
    fail(t);
    return false;
  }
}

/**
 * The tables for the model in `dir` and its weights `file` (relative to it), once filled: the
 * calling thread (a scorer thread loading, with nothing else to do) folds chunks of the
 * vocabulary beside the main thread, then waits for the rest, blocking. Undefined when they are
 * for other files, failed, or are not filled within `timeoutMs` (the caller then decodes its own).
 */
export function sharedTablesFor(t: SharedTables | undefined, dir: string, file: string, timeoutMs = 120_000): { emb: Float32Array; embMaxAbs: number; folded: Float32Array; wide?: WideCodes } | undefined {
  if (!t || path.resolve(dir) !== t.dir || path.resolve(dir, file) !== t.file) return undefined;
  try {
    const stat = fs.statSync(t.file);
    if (stat.size !== t.size || stat.mtimeMs !== t.mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  const end = Date.now() + timeoutMs;
  let vocab: { entries: Array<[string, number]>; buckets: number; dim: number } | undefined;
  let pending = -1;
  let since = Date.now();
  for (;;) {
    const state = Atomics.load(t.state, STATE);
    if (state === FILLED) break;
    if (state === FAILED || Date.now() >= end) return undefined;
    if (state === FOLDING) {
      if (!vocab) {
        const c = readJson(path.join(dir, 'model.json'))?.config;
        const entries = c?.buckets && c.dim ? vocabulary(dir, c.words ?? 0, c.buckets) : undefined;
        if (!entries) return undefined;
        vocab = { entries, buckets: c!.buckets!, dim: c!.dim! };
      }
      // No progress for a while: a thread that claimed chunks may have died; fold them here.
      const now = Atomics.load(t.state, PENDING);
      if (now !== pending) [pending, since] = [now, Date.now()];
      foldChunks(t, vocab.entries, vocab.buckets, vocab.dim, Date.now() - since > STALL_MS);
      if (Atomics.load(t.state, STATE) !== FOLDING) continue;
    }
    Atomics.wait(t.state, STATE, state, Math.min(state === FOLDING ? 50 : 1000, Math.max(1, end - Date.now())));
  }
  return { emb: t.emb, embMaxAbs: t.embMaxAbs[0], folded: t.folded, ...(t.wide ? { wide: t.wide } : {}) };
}
