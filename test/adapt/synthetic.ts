/** Synthetic decisions for the adapter tests: a base that knows half the rule, a vector direction that knows the rest. */
import { quantize, type LabelledExample } from '../../src/adapt';
import { ENCODER_DIM } from '../../src/encoder/types';
import { CATEGORIES } from '../../src/types';
import { sigmoid } from '../../src/util/math';
import { mulberry32 } from '../../src/util/prng';

export interface SyntheticOptions {
  /** Weight of vector component 0 in the site's rule (0: the site decides as the base scores). */
  vectorWeight?: number;
  /** Category given to rejections (none by default). */
  category?: LabelledExample['category'];
}

/** n decisions; `t` is the base's latent score, the site rejects when t + vectorWeight * v0 + noise > 1. */
export function synthetic(n: number, seed: number, opts: SyntheticOptions = {}): LabelledExample[] {
  const rand = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const w = opts.vectorWeight ?? 3;
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: ENCODER_DIM }, gauss);
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (v[j] = x / norm));
    const t = 1.5 * gauss();
    const base = { toxicity: sigmoid(t - 1), ...Object.fromEntries(CATEGORIES.map((c) => [c, sigmoid(t - 2 + 0.5 * gauss())])) };
    // v[0] * sqrt(d) is a standard normal: the site's own criterion, invisible to the base.
    const label = (w === 0 ? rand() < sigmoid(t - 1) : t + w * v[0] * Math.sqrt(ENCODER_DIM) + 0.3 * gauss() > 1) ? 1 : 0;
    return { features: { base, vector: quantize(v) }, label, category: label ? opts.category ?? null : null, audit: rand() < 0.1 } as LabelledExample;
  });
}
