import { fit as fitLogReg, predict, sigmoid, logit } from '../../src/topic/logreg';

/** Deterministic pseudo-random data: y depends on x0 (positively) and x1 (negatively), not on x2. */
function data(n: number): { X: number[][]; y: number[] } {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = [r() * 4 - 2, r() * 4 - 2, r() * 10];
    X.push(x);
    y.push(r() < sigmoid(2 * x[0] - 1.5 * x[1]) ? 1 : 0);
  }
  return { X, y };
}

describe('logistic regression', () => {
  const { X, y } = data(800);

  it('recovers the direction of the true weights', () => {
    const m = fitLogReg(X, y, 1);
    expect(m.weights[0]).toBeGreaterThan(1);
    expect(m.weights[1]).toBeLessThan(-1);
    expect(Math.abs(m.weights[2])).toBeLessThan(0.3);
    expect(predict(m, [2, -2, 5])).toBeGreaterThan(0.9);
    expect(predict(m, [-2, 2, 5])).toBeLessThan(0.1);
  });

  it('is deterministic', () => {
    expect(fitLogReg(X, y, 1)).toEqual(fitLogReg(X, y, 1));
  });

  it('mask pins a feature to zero', () => {
    const m = fitLogReg(X, y, 1, [false, true, true]);
    expect(m.weights[0]).toBe(0);
    expect(m.weights[1]).toBeLessThan(0);
  });

  it('row weights count: zero-weight rows are ignored', () => {
    const flipped = y.map((v) => 1 - v);
    const m = fitLogReg([...X, ...X], [...y, ...flipped], 1, undefined, 30, [...y.map(() => 1), ...y.map(() => 0)]);
    expect(m.weights[0]).toBeGreaterThan(1);
  });

  it('logit inverts sigmoid', () => {
    for (const z of [-5, -0.3, 0, 2.5]) expect(logit(sigmoid(z))).toBeCloseTo(z, 6);
  });
});
