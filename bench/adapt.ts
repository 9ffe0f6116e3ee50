/**
 * Refit time of a site adapter (`fitAdapter`: the penalty grid cross-validated, the learning
 * curve, the final fit) against one fit of the same solver at a fixed penalty on 2 folds in the
 * same run (the floor every refit pays). Wall time and CPU time both: on a shared machine the wall
 * time counts the other processes too.
 *
 * Decisions: synthetic (518 features; the label depends on the base and one vector direction), or
 * with `--real` the comments of the simulated sites ucc, c3 and hatexplain (src/train/eval-adapt-sites.ts)
 * with their labels, base outputs of the shipped model and vectors from the shared embedding cache
 * (run `npm run eval:adapt` first, or it embeds them).
 *
 * Run (built code): npm run bench:adapt [-- --n 10000] [-- --real]
 */
import { parseArgs } from 'util';
import { fitAdapter, quantize, type LabelledExample } from '../src/adapt';
import { CATEGORIES } from '../src/types';
import { ENCODER_DIM } from '../src/encoder/types';
import { loadModel } from '../src/model';
import { mulberry32 } from '../src/util/prng';
import { sigmoid } from '../src/util/math';
import { loadSites } from '../src/train/eval-adapt-sites';
import { embedCached } from '../src/train/embed-cache';
import { since, table } from './stats';

/** Decisions whose label depends on the base toxicity and on one direction of the vector. */
function synthetic(n: number, seed: number): LabelledExample[] {
  const rand = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const out: LabelledExample[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from({ length: ENCODER_DIM }, gauss);
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (v[j] = x / norm));
    const t = gauss();
    const base = { toxicity: sigmoid(t + 0.5 * gauss()), ...Object.fromEntries(CATEGORIES.map((c) => [c, sigmoid(t - 1 + gauss())])) };
    const z = t + 3 * v[0] * Math.sqrt(ENCODER_DIM) - 1 + 0.5 * gauss();
    out.push({ features: { base, vector: quantize(v) }, label: z > 0 ? 1 : 0, audit: rand() < 0.1 });
  }
  return out;
}

/** The first n comments of three simulated sites as decisions (their site labels). */
async function real(n: number): Promise<LabelledExample[]> {
  const comments = loadSites(['ucc', 'c3', 'hatexplain']).flatMap((s) => [...s.unseen, ...s.seen]).slice(0, n);
  const texts = comments.map((c) => c.text);
  const vecs = await embedCached(texts);
  const model = await loadModel();
  const preds = await model.predict(texts);
  model.dispose();
  return comments.map((c, i) => ({ features: { base: { toxicity: preds[i].toxicity, ...preds[i].categories }, vector: quantize(vecs[i]) }, label: c.label }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string' }, real: { type: 'boolean', default: false } } });
  const sizes = values.n ? [Number(values.n)] : [1000, 2000, 10000];
  const rows: (string | number)[][] = [];
  for (const n of sizes) {
    const ex = values.real ? await real(n) : synthetic(n, n);
    const one = process.hrtime.bigint();
    fitAdapter('bench', ex, { lambdas: [300], folds: 2, seed: 1, curvePoints: [] });
    const oneMs = since(one);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const a = fitAdapter('bench', ex, { seed: 1 });
    const ms = since(t0);
    const cpu = process.cpuUsage(c0);
    const r = a.report.auc.toxicity;
    rows.push([ex.length, values.real ? 'real' : 'synthetic', oneMs / 1000, ms / 1000, (cpu.user + cpu.system) / 1e6, r ? r.base : NaN, r ? r.adapted : NaN, String(a.report.activated)]);
  }
  console.log(table(['decisions', 'data', 'floor: 2 folds, 1 penalty (s)', 'fitAdapter (s)', 'fitAdapter CPU (s)', 'CV AUC base', 'CV AUC adapted', 'activated'], rows));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
