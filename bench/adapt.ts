/**
 * Refit time of a site adapter (`fitAdapter`: the penalty grid cross-validated, the learning
 * curve, the final fit) on synthetic decisions of 518 features, against one fit of the same
 * solver at a fixed penalty in the same run (the floor every refit pays).
 * Wall time and CPU time both: on a shared machine the wall time counts the other processes too.
 * Run: npm run bench:adapt [-- 10000]   (built code: npx tsc -p tsconfig.json first)
 */
import { fitAdapter, quantize, type LabelledExample } from '../src/adapt';
import { CATEGORIES } from '../src/types';
import { ENCODER_DIM } from '../src/encoder/types';
import { mulberry32 } from '../src/util/prng';
import { sigmoid } from '../src/util/math';
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

const sizes = process.argv[2] ? [Number(process.argv[2])] : [1000, 2000, 10000];
const rows: (string | number)[][] = [];
for (const n of sizes) {
  const ex = synthetic(n, n);
  const one = process.hrtime.bigint();
  fitAdapter('bench', ex, { lambdas: [30], folds: 2, seed: 1 }); // floor: 2 small fits + 1 final, no curve beyond n
  const oneMs = since(one);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const a = fitAdapter('bench', ex, { seed: 1 });
  const ms = since(t0);
  const cpu = process.cpuUsage(c0);
  const r = a.report.auc.toxicity;
  rows.push([n, oneMs / 1000, ms / 1000, (cpu.user + cpu.system) / 1e6, r ? r.base : NaN, r ? r.adapted : NaN, String(a.report.activated)]);
}
console.log(table(['decisions', 'floor: 2 folds, 1 penalty (s)', 'fitAdapter (s)', 'fitAdapter CPU (s)', 'CV AUC base', 'CV AUC adapted', 'activated'], rows));
