/**
 * The inference path must keep the shipped model's outputs: test/model/fixtures/predictions.json
 * holds token probabilities, token types and comment scores recorded with the original tf
 * forward pass (bench/record-fixture.ts, before any speed work). Every later implementation must
 * reproduce them within 1e-4, alone, in one batch, and mixed into batches of other comments.
 * The vocabulary's word rows, folded lazily as words come, must give exactly what folding all of
 * them first gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultModelDir, HashedToxicityModel, loadModel } from '../../src/model';
import { initBackend } from '../../src/model/backend';
import { MAX_TOKEN_FEATURES, wordIndex } from '../../src/model/features';
import { readModel } from '../../src/model/io';
import { allocateFoldedWords, foldWord } from '../../src/model/tables';
import type { CommentPrediction, ToxicityModel } from '../../src/model/types';
import { CATEGORIES } from '../../src/types';

interface Recorded {
  text: string;
  tokens: Array<[number, number, string, string]>;
  tokenToxic: number[];
  tokenType: number[];
  typeProbs: number[];
  toxicity: number;
  categories: Record<string, number>;
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'predictions.json'), 'utf8')) as { comments: Recorded[] };
const TOL = 1e-4;

function maxDiff(pred: CommentPrediction, rec: Recorded): number {
  let d = Math.abs(pred.toxicity - rec.toxicity);
  for (const c of CATEGORIES) d = Math.max(d, Math.abs(pred.categories[c] - rec.categories[c]));
  for (let t = 0; t < rec.tokenToxic.length; t++) d = Math.max(d, Math.abs(pred.tokenToxic[t] - rec.tokenToxic[t]));
  return d;
}

function expectSame(pred: CommentPrediction, rec: Recorded): void {
  expect(pred.tokens.map((t) => [t.start, t.end, t.kind, t.norm])).toEqual(rec.tokens);
  expect(pred.tokenToxic).toHaveLength(rec.tokenToxic.length);
  expect(pred.tokenType).toHaveLength(rec.tokenType.length);
  expect(maxDiff(pred, rec)).toBeLessThan(TOL);
  for (let t = 0; t < rec.tokenType.length; t++) {
    if (pred.tokenType[t] === rec.tokenType[t]) continue;
    // A different most likely type is only acceptable for a recorded near-tie.
    const p = rec.typeProbs.slice(t * CATEGORIES.length, (t + 1) * CATEGORIES.length);
    expect(Math.abs(p[pred.tokenType[t]] - p[rec.tokenType[t]])).toBeLessThan(TOL);
  }
}

let model: ToxicityModel;
beforeAll(async () => {
  model = await loadModel();
});
afterAll(() => model.dispose());

describe('outputs equal the recorded reference (original tf forward pass)', () => {
  it('the fixture covers varied comments', () => {
    expect(fixture.comments.length).toBeGreaterThanOrEqual(20);
    expect(fixture.comments.some((c) => c.tokens.length > 64)).toBe(true);
    expect(fixture.comments.some((c) => c.tokens.length === 0)).toBe(true);
    expect(fixture.comments.some((c) => c.toxicity > 0.8)).toBe(true);
    expect(fixture.comments.some((c) => c.toxicity < 0.1 && c.tokens.length > 0)).toBe(true);
  });

  it('all comments in one call', async () => {
    const preds = await model.predict(fixture.comments.map((c) => c.text));
    preds.forEach((p, i) => expectSame(p, fixture.comments[i]));
  });

  it('one comment per call', async () => {
    for (const rec of fixture.comments) {
      const [p] = await model.predict([rec.text]);
      expectSame(p, rec);
    }
  });

  it('shuffled and repeated past one batch (150 comments), twice (warm caches)', async () => {
    const idx: number[] = [];
    for (let k = 0; k < 150; k++) idx.push((k * 7 + 3) % fixture.comments.length);
    for (let round = 0; round < 2; round++) {
      const preds = await model.predict(idx.map((i) => fixture.comments[i].text));
      preds.forEach((p, k) => expectSame(p, fixture.comments[idx[k]]));
    }
  });
});

describe('folding the vocabulary lazily', () => {
  it('gives the same bits as folding every word before scoring (the fixture, one call and one by one)', async () => {
    const { meta, weights } = readModel(defaultModelDir());
    const { buckets, dim } = meta.config;
    // Eager: every word's row folded up front and marked ready, as the load once did.
    const eager = allocateFoldedWords(weights.words!.length, dim);
    const ids = new Int32Array(MAX_TOKEN_FEATURES);
    const ws = new Float32Array(MAX_TOKEN_FEATURES);
    for (const [norm, at] of wordIndex(weights.words!, buckets)) foldWord(norm, at, weights.emb, buckets, dim, ids, ws, eager.rows, (at - buckets) * dim);
    eager.ready.fill(1);
    const backend = await initBackend();
    const folded = new HashedToxicityModel(meta, { ...weights, folded: eager }, backend);
    const lazy = new HashedToxicityModel(meta, weights, backend);
    try {
      const texts = fixture.comments.map((c) => c.text);
      const want = folded.predictSync(texts);
      expect(lazy.predictSync(texts)).toEqual(want);
      lazy.clearCaches(); // forgets the folded rows too: folded again, one comment at a time
      expect(texts.map((t) => lazy.predictSync([t])[0])).toEqual(want);
      expect(await model.predict(texts)).toEqual(want);
    } finally {
      folded.dispose();
      lazy.dispose();
    }
  });
});
