/**
 * Sparse TF-IDF vectors over topic-term stems. IDF is learned from the training corpora
 * (C3 news comments + CQA threads) and shipped with the model.
 */
import { TopicTerm } from './terms';
import { ownMap } from '../util/records';

/** A sparse vector: stem -> weight. Unit length unless empty. */
export type SparseVec = Map<string, number>;

/** Document frequencies learned from a corpus, turned into IDF weights. */
export interface IdfTable {
  /** Number of documents the table was learned from. */
  docs: number;
  /** stem -> idf for stems seen in at least `minDf` documents. */
  idf: Record<string, number>;
  /** IDF given to stems not in the table (as if seen once: rare words are topical). */
  unknown: number;
}

/** Learn smoothed IDF weights (`ln((N+1)/(df+1)) + 1`) from documents given as term lists. */
export function learnIdf(docs: TopicTerm[][], minDf = 2): IdfTable {
  const df = new Map<string, number>();
  for (const d of docs) for (const s of new Set(d.map((t) => t.stem))) df.set(s, (df.get(s) ?? 0) + 1);
  const n = docs.length;
  const idf: Record<string, number> = {};
  // Sorted keys make the JSON (and thus the model file) byte-for-byte reproducible.
  for (const s of [...df.keys()].sort()) {
    const f = df.get(s)!;
    if (f >= minDf) idf[s] = round6(Math.log((n + 1) / (f + 1)) + 1);
  }
  return { docs: n, idf, unknown: round6(Math.log((n + 1) / 2) + 1) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** IDF of one stem (through `ownMap`: a stem such as "constructor" is an unknown stem, not a prototype property). */
export function idfOf(table: IdfTable, s: string): number {
  return ownMap(table.idf).get(s) ?? table.unknown;
}

/** Sublinear-TF x IDF vector of a term list, L2-normalised. `weight` scales every entry (title boost). */
export function tfidf(table: IdfTable, terms: TopicTerm[]): SparseVec {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t.stem, (tf.get(t.stem) ?? 0) + 1);
  const v: SparseVec = new Map();
  for (const [s, c] of tf) v.set(s, (1 + Math.log(c)) * idfOf(table, s));
  return normalize(v);
}

/** Scale to unit length (empty stays empty). */
export function normalize(v: SparseVec): SparseVec {
  let n = 0;
  for (const w of v.values()) n += w * w;
  if (n === 0) return v;
  const k = 1 / Math.sqrt(n);
  for (const [s, w] of v) v.set(s, w * k);
  return v;
}

/** Cosine of two unit vectors (0 when either is empty). Iterates the smaller one. */
export function cosine(a: SparseVec, b: SparseVec): number {
  if (a.size > b.size) [a, b] = [b, a];
  let dot = 0;
  for (const [s, w] of a) {
    const x = b.get(s);
    if (x !== undefined) dot += w * x;
  }
  return dot;
}

/** `a + k*b` into `a` (unnormalised accumulation, e.g. a thread sum). */
export function addInto(a: SparseVec, b: SparseVec, k = 1): void {
  for (const [s, w] of b) a.set(s, (a.get(s) ?? 0) + k * w);
}

/** Cosine of unit vector `v` with the unnormalised sum `sum` minus `v` itself (leave-one-out centroid). */
export function cosineWithSumExcluding(v: SparseVec, sum: SparseVec, sumNorm2: number): number {
  // |sum - v|^2 = |sum|^2 - 2 sum.v + |v|^2, computed without copying the sum.
  let dotSum = 0;
  let vv = 0;
  for (const [s, w] of v) {
    dotSum += w * (sum.get(s) ?? 0);
    vv += w * w;
  }
  const rest2 = sumNorm2 - 2 * dotSum + vv;
  if (rest2 <= 1e-12 || vv === 0) return 0;
  return (dotSum - vv) / Math.sqrt(rest2 * vv);
}

/** Squared L2 norm. */
export function norm2(v: SparseVec): number {
  let n = 0;
  for (const w of v.values()) n += w * w;
  return n;
}
