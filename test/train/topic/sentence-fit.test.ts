/** The ridge statistics behind the off-topic comment head (src/train/topic/sentence-fit.ts). */
import { Gram } from '../../../src/train/topic/sentence-fit';
import { mulberry32 } from '../../../src/util';

function rows(n: number, seed: number): Array<[Float32Array, number]> {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const v = Float32Array.from([r() - 0.5, r() - 0.5, r() - 0.5]);
    return [v, 2 * v[0] - v[1] + 0.5];
  });
}

describe('Gram (ridge head)', () => {
  it('recovers a known linear rule with a small penalty', () => {
    const g = new Gram(3);
    for (const [v, y] of rows(200, 1)) g.add(v, y);
    const h = g.solve(1e-6);
    expect(h.weights[0]).toBeCloseTo(2, 3);
    expect(h.weights[1]).toBeCloseTo(-1, 3);
    expect(h.weights[2]).toBeCloseTo(0, 3);
    expect(h.bias).toBeCloseTo(0.5, 3);
  });

  it('statistics of two parts add up to those of the whole (the folds rely on it)', () => {
    const a = new Gram(3);
    const b = new Gram(3);
    const all = new Gram(3);
    rows(50, 2).forEach(([v, y], i) => ((i % 2 ? a : b).add(v, y + (i % 3)), all.add(v, y + (i % 3))));
    const x = a.plus(b).solve(0.5);
    const z = all.solve(0.5);
    x.weights.forEach((w, j) => expect(w).toBeCloseTo(z.weights[j], 9));
    expect(x.bias).toBeCloseTo(z.bias, 9);
  });

  it('a larger penalty shrinks the weights', () => {
    const g = new Gram(3);
    for (const [v, y] of rows(100, 3)) g.add(v, y);
    const norm = (w: number[]) => Math.hypot(...w);
    expect(norm(g.solve(10).weights)).toBeLessThan(norm(g.solve(0.01).weights));
  });
});
