/**
 * Save/load in the tfjs weights format: `model.json` with a `weightsManifest` and one
 * `weights.bin`. The embedding table is stored per-row quantised (uint8 rows of unit range plus a
 * float16 scale per row) so the model stays a few MB; tf.io.decodeWeights dequantises it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from './tf';
import { ModeratoError } from '../errors';
import { denseShapes, type NetConfig } from './net';
import { quantizeWide, type WideCodes, type WideConfig } from './wide';
import type { Category } from '../types';
import { sharedTablesFor, specLayout, type FoldedWords, type SharedTables } from './tables';

/** Everything model.json holds besides the weights. */
export interface ModelMeta {
  format: 'moderato-toxicity';
  name: string;
  version: string;
  config: NetConfig;
  /** Span post-processing and decision thresholds tuned on dev data. */
  thresholds: Record<string, number>;
  /** Free-form training record (seed, data sizes, measured dev figures). */
  training?: Record<string, unknown>;
  /** Model 2.3.0: the wide part blended into comment toxicity (`src/model/wide.ts`); absent before. */
  wide?: WideConfig;
}

/** In-memory weights: the JS-side embedding table plus the dense tf weights as plain arrays. */
export interface ModelWeights {
  emb: Float32Array;
  dense: Record<string, Float32Array>;
  /** An upper bound on |emb| when known (readModel: the largest row scale), saving a scan of the table. */
  embMaxAbs?: number;
  /** Words of the pretrained rows (row `buckets + i` is `words[i]`), `config.words` of them. */
  words?: string[];
  /** The wide part's 2^bits weights, when `meta.wide` is set. */
  wide?: Float32Array;
  /** Each wide category head's 2^bits weights, by category (`meta.wide.heads`). */
  wideHeads?: Partial<Record<Category, Float32Array>>;
  /**
   * The vocabulary's folded word parts (see `FastInference`), when they come with the table
   * (shared by a scorer pool's threads, each folding the words it meets, ./tables.ts); else the
   * model keeps its own.
   */
  folded?: FoldedWords;
  /** The wide part already coded (shared by the pool's main thread, ./tables.ts), in place of `wide` and `wideHeads`. */
  wideCodes?: WideCodes;
  /** Training only: the learned projection of the pretrained vectors (not saved: its rows are). */
  projection?: Float32Array;
}

/** Rows of the embedding table: the hashed buckets, then the pretrained word rows. */
export function embRows(c: NetConfig): number {
  return c.buckets + (c.words ?? 0);
}

/** The pretrained rows' words, one per line, in row order. */
const WORDS_FILE = 'words.txt';

interface Spec {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'float16'; min?: number; scale?: number };
}

function toFloat16Bits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  // `+`, not `|`: rounding the mantissa up may carry into the exponent (1.99995 -> 2.0).
  return sign | Math.min(0x7c00, (exp << 10) + ((mant + 0x1000) >> 13));
}

/** Writes model.json + weights.bin into `dir`. Returns the total size in bytes. */
export function saveModel(dir: string, meta: ModelMeta, w: ModelWeights): number {
  fs.mkdirSync(dir, { recursive: true });
  const { dim } = meta.config;
  const buckets = embRows(meta.config);
  if ((meta.config.words ?? 0) !== (w.words?.length ?? 0)) throw new ModeratoError('MOD_ERR_MODEL', `config.words ${meta.config.words} but ${w.words?.length ?? 0} words given`);
  const specs: Spec[] = [];
  const chunks: Buffer[] = [];
  // Per-row symmetric quantisation: row / maxAbs in [-1, 1] -> uint8 with min -1, scale 2/255.
  const q = new Uint8Array(buckets * dim);
  const scales = new Uint16Array(buckets);
  for (let r = 0; r < buckets; r++) {
    let m = 0;
    for (let k = 0; k < dim; k++) m = Math.max(m, Math.abs(w.emb[r * dim + k]));
    const bits = toFloat16Bits(m);
    scales[r] = bits;
    for (let k = 0; k < dim; k++) q[r * dim + k] = m > 0 ? Math.max(0, Math.min(255, Math.round(((w.emb[r * dim + k] / m) + 1) * 127.5))) : 128;
  }
  specs.push({ name: 'emb', shape: [buckets, dim], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 2 / 255 } });
  chunks.push(Buffer.from(q.buffer, q.byteOffset, q.byteLength));
  specs.push({ name: 'emb_scale', shape: [buckets], dtype: 'float32', quantization: { dtype: 'float16' } });
  chunks.push(Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength));
  for (const [name, shape] of Object.entries(denseShapes(meta.config))) {
    const a = w.dense[name];
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  if (meta.wide) {
    // Affine uint8 over [-m, m]: 1 byte per weight, a step of 2m / 255.
    const a = w.wide;
    if (!a || a.length !== 1 << meta.wide.bits) throw new ModeratoError('MOD_ERR_MODEL', `meta.wide needs 2^${meta.wide.bits} wide weights, ${a?.length ?? 0} given`);
    const tables: Array<[string, Float32Array | undefined]> = [['wide', a], ...(meta.wide.heads ?? []).map((h): [string, Float32Array | undefined] => [`wide_${h.category}`, w.wideHeads?.[h.category]])];
    for (const [name, t] of tables) {
      if (!t || t.length !== 1 << meta.wide.bits) throw new ModeratoError('MOD_ERR_MODEL', `meta.wide needs 2^${meta.wide.bits} weights for ${name}, ${t?.length ?? 0} given`);
      const { q: qa, m } = quantizeWide(t);
      specs.push({ name, shape: [t.length], dtype: 'float32', quantization: { dtype: 'uint8', min: -m, scale: (2 * m) / 255 } });
      chunks.push(Buffer.from(qa.buffer, qa.byteOffset, qa.byteLength));
    }
  }
  const bin = Buffer.concat(chunks);
  fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
  let extra = 0;
  if (w.words?.length) {
    const txt = w.words.join('\n') + '\n';
    fs.writeFileSync(path.join(dir, WORDS_FILE), txt);
    extra = Buffer.byteLength(txt);
  }
  const json = { ...meta, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  return bin.length + extra + fs.statSync(path.join(dir, 'model.json')).size;
}

/**
 * Reads a model written by saveModel; MOD_ERR_MODEL when files are missing or inconsistent. With
 * `shared` tables for these files (a scorer pool's, ./tables.ts), the embedding table is taken
 * from them instead of decoded here (the same values), and the folded vocabulary is shared.
 */
export function readModel(dir: string, shared?: SharedTables): { meta: ModelMeta; weights: ModelWeights } {
  const jsonPath = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonPath)) throw new ModeratoError('MOD_ERR_MODEL', `no model.json in ${dir}`);
  let json: ModelMeta & { weightsManifest: Array<{ paths: string[]; weights: Spec[] }> };
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new ModeratoError('MOD_ERR_MODEL', `invalid model.json in ${dir}: ${(e as Error).message}`);
  }
  if (json.format !== 'moderato-toxicity' || !json.weightsManifest) throw new ModeratoError('MOD_ERR_MODEL', `${jsonPath} is not a moderato toxicity model`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const manifestFile = json.weightsManifest.length === 1 && json.weightsManifest[0].paths.length === 1 ? json.weightsManifest[0].paths[0] : undefined;
  const tables = manifestFile !== undefined ? sharedTablesFor(shared, dir, manifestFile) : undefined;
  // Shared tables: the embedding (and the wide part when they hold it) are not read here.
  const isShared = (name: string): boolean => name === 'emb' || name === 'emb_scale' || (!!tables?.wide && (name === 'wide' || name.startsWith('wide_')));
  let named: tf.NamedTensorMap;
  try {
    if (tables) {
      // The other weights (the dense layers: a few hundred KB) alone, each read from its own bytes.
      named = {};
      const fd = fs.openSync(path.join(dir, manifestFile!), 'r');
      try {
        for (const { spec, offset, bytes } of specLayout(specs)!) {
          if (isShared(spec.name)) continue;
          const buf = new Uint8Array(bytes);
          if (fs.readSync(fd, buf, 0, bytes, offset) !== bytes) throw new Error(`weights file too short for ${spec.name}`);
          Object.assign(named, tf.io.decodeWeights(buf.buffer, [spec as tf.io.WeightsManifestEntry]));
        }
      } finally {
        fs.closeSync(fd);
      }
    } else {
      const bufs = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
      const all = Buffer.concat(bufs);
      named = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs as tf.io.WeightsManifestEntry[]);
    }
  } catch (e) {
    throw new ModeratoError('MOD_ERR_MODEL', `invalid weights in ${dir}: ${(e as Error).message}`);
  }
  try {
    const { dim } = json.config;
    const buckets = embRows(json.config);
    let words: string[] | undefined;
    if (json.config.words) {
      const wp = path.join(dir, WORDS_FILE);
      if (!fs.existsSync(wp)) throw new ModeratoError('MOD_ERR_MODEL', `no ${WORDS_FILE} in ${dir}`);
      words = fs.readFileSync(wp, 'utf8').split('\n');
      if (words[words.length - 1] === '') words.pop();
      if (words.length !== json.config.words) throw new ModeratoError('MOD_ERR_MODEL', `${WORDS_FILE} in ${dir} lists ${words.length} words, model.json says ${json.config.words}`);
    }
    let table: Float32Array;
    let embMaxAbs = 0;
    if (tables && tables.emb.length === buckets * dim) {
      table = tables.emb;
      embMaxAbs = tables.embMaxAbs;
    } else {
      const emb = named.emb?.dataSync() as Float32Array | undefined;
      const sc = named.emb_scale?.dataSync() as Float32Array | undefined;
      if (!emb || !sc || emb.length !== buckets * dim) throw new ModeratoError('MOD_ERR_MODEL', `embedding missing or of the wrong size in ${dir}`);
      table = new Float32Array(emb.length);
      for (let r = 0; r < buckets; r++) {
        // Quantised entries decode into [-1, 1], so |row| <= |scale|.
        embMaxAbs = Math.max(embMaxAbs, Math.abs(sc[r]));
        for (let k = 0; k < dim; k++) table[r * dim + k] = emb[r * dim + k] * sc[r];
      }
    }
    const dense: Record<string, Float32Array> = {};
    for (const [name, shape] of Object.entries(denseShapes(json.config))) {
      const t = named[name];
      if (!t || t.size !== shape.reduce((a, b) => a * b, 1)) throw new ModeratoError('MOD_ERR_MODEL', `weight ${name} missing or of the wrong size in ${dir}`);
      dense[name] = Float32Array.from(t.dataSync() as Float32Array);
    }
    let wide: Float32Array | undefined;
    const wideHeads: Partial<Record<Category, Float32Array>> = {};
    const sharedWide = json.wide && tables?.wide ? tables.wide : undefined;
    if (json.wide && !sharedWide) {
      const table = (name: string): Float32Array => {
        const t = named[name];
        if (!t || t.size !== 1 << json.wide!.bits) throw new ModeratoError('MOD_ERR_MODEL', `${name} weights missing or of the wrong size in ${dir}`);
        return Float32Array.from(t.dataSync() as Float32Array);
      };
      wide = table('wide');
      for (const h of json.wide.heads ?? []) wideHeads[h.category] = table(`wide_${h.category}`);
    }
    const { weightsManifest: _ignored, ...meta } = json;
    void _ignored;
    const folded = table === tables?.emb && words?.length && tables.folded.ready.length === words.length && tables.folded.rows.length === words.length * dim ? tables.folded : undefined;
    return { meta: meta as ModelMeta, weights: { emb: table, dense, embMaxAbs, words, ...(folded ? { folded } : {}), ...(wide ? { wide, wideHeads } : {}), ...(sharedWide ? { wideCodes: sharedWide } : {}) } };
  } finally {
    for (const t of Object.values(named)) t.dispose();
  }
}
