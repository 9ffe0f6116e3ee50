/** fitHeads on synthetic rows: a signal only in the sentence vector is learned; a huge penalty leaves the base. */
import { fitHeads } from '../../../src/train/heads/fit';
import { applyHeads, parseHeadsFile, HEAD_OUTPUTS } from '../../../src/model/heads';
import type { HeadRow } from '../../../src/train/heads/data';
import type { CommentPrediction } from '../../../src/model/types';
import { mulberry32 } from '../../../src/util/prng';
import { CATEGORIES } from '../../../src/types';

const DIM = 512;
const rand = mulberry32(7);
const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/** n rows from two sources: toxic when vector[0] + noise > 0; the base output is a weak copy of the truth. */
function synthetic(n: number): { rows: HeadRow[]; preds: CommentPrediction[]; vectors: Float32Array[] } {
  const rows: HeadRow[] = [];
  const preds: CommentPrediction[] = [];
  const vectors: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from({ length: DIM }, () => gauss() * 0.04);
    const toxic = v[0]! + 0.01 * gauss() > 0 ? 1 : 0;
    const y = new Float32Array(HEAD_OUTPUTS.length);
    const m = new Float32Array(HEAD_OUTPUTS.length);
    y[0] = toxic;
    m[0] = 1;
    rows.push({ text: `t${i}`, source: i % 2 ? 'a' : 'b', y, m });
    const p = 1 / (1 + Math.exp(-(toxic ? 0.5 : -0.5) - gauss()));
    preds.push({ tokens: [], tokenToxic: new Float32Array(0), tokenType: new Uint8Array(0), toxicity: p, categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0.1])) as CommentPrediction['categories'] });
    vectors.push(v);
  }
  return { rows, preds, vectors };
}

function file(fit: ReturnType<typeof fitHeads>) {
  return parseHeadsFile({ format: 'moderato-heads', name: 't', version: '0', base: { dir: '.', version: '0' }, encoder: { name: 'e', dim: DIM }, inputs: fit.inputs, heads: fit.heads, thresholds: {} });
}

const data = synthetic(600);

it('learns a signal the base misses from the vector, beating the base out of fold', () => {
  const fit = fitHeads(data.rows, data.preds, data.vectors, { seed: 1, lambdas: [1, 10], folds: 3, targets: ['toxicity'] });
  const r = fit.report.toxicity!;
  expect(r.cvAuc.head).toBeGreaterThan(r.cvAuc.base + 0.1);
  // The saved head scores a fresh toxic-direction comment higher than its opposite.
  const f = file(fit);
  const up = Float32Array.from({ length: DIM }, (_, j) => (j === 0 ? 0.1 : 0));
  const down = Float32Array.from(up, (x) => -x);
  const [a, b] = [up, down].map((v) => {
    const p = { ...data.preds[0]!, categories: { ...data.preds[0]!.categories } };
    applyHeads(f, p, v);
    return p.toxicity;
  });
  expect(a).toBeGreaterThan(b!);
});

it('under a huge penalty the head stays the base output (its prior)', () => {
  const fit = fitHeads(data.rows, data.preds, data.vectors, { seed: 1, lambdas: [1e9], folds: 2, targets: ['toxicity'] });
  const f = file(fit);
  for (const i of [0, 1, 2]) {
    const p = { ...data.preds[i]!, categories: { ...data.preds[i]!.categories } };
    applyHeads(f, p, data.vectors[i]!);
    // The prior reproduces the base logit up to the (penalised) intercept.
    expect(Math.abs(Math.log(p.toxicity / (1 - p.toxicity)) - Math.log(data.preds[i]!.toxicity / (1 - data.preds[i]!.toxicity)))).toBeLessThan(0.6);
  }
});
