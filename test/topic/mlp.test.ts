import { fitMlp, mlpLogit } from '../../src/topic/mlp';
import { fit as fitLogReg, predict } from '../../src/topic/logreg';
import { lcg32 } from '../../src/util/lcg32';

/** Points in a square, positive where x and y have the same sign: no line separates them. */
function xorData(n: number, seed: number): { X: number[][]; y: number[] } {
  const r = lcg32(seed);
  const X = Array.from({ length: n }, () => [r() * 2 - 1, r() * 2 - 1, r()]);
  return { X, y: X.map(([a, b]) => (a * b > 0 ? 1 : 0)) };
}

const accuracy = (p: number[], y: number[]) => p.filter((v, i) => (v > 0) === (y[i] === 1)).length / y.length;

describe('fitMlp', () => {
  const train = xorData(2000, 1);
  const test = xorData(500, 2);

  it('learns an interaction a logistic regression cannot', () => {
    const m = fitMlp(train.X, train.y, undefined, { epochs: 40 });
    const lr = fitLogReg(train.X, train.y);
    expect(accuracy(test.X.map((x) => mlpLogit(m, x)), test.y)).toBeGreaterThan(0.9);
    expect(accuracy(test.X.map((x) => predict(lr, x) - 0.5), test.y)).toBeLessThan(0.7);
  });

  it('is reproducible for a seed and leaves masked features out', () => {
    const a = fitMlp(train.X, train.y, [true, true, false], { epochs: 3 });
    const b = fitMlp(train.X, train.y, [true, true, false], { epochs: 3 });
    expect(a).toEqual(b);
    expect(a.w1.every((w) => w[2] === 0)).toBe(true);
    expect(fitMlp(train.X, train.y, undefined, { epochs: 3, seed: 99 })).not.toEqual(a);
  });
});
