import { auc, pairedAucDiff, thresholdForPrecision } from '../../src/adapt';

describe('auc', () => {
  it.each([
    [[0.9, 0.2, 0.6], [1, 0, 0], 1],
    [[0.1, 0.2, 0.6], [1, 0, 0], 0],
    [[0.5, 0.5], [1, 0], 0.5],
    [[0.3, 0.8, 0.4, 0.7], [0, 1, 1, 0], 0.75],
  ])('auc(%p, %p) = %p', (s, y, want) => {
    expect(auc(s, y)).toBeCloseTo(want, 10);
  });

  it('weights count as repeated rows', () => {
    expect(auc([0.3, 0.8, 0.4, 0.7], [0, 1, 1, 0], [1, 1, 3, 1])).toBeCloseTo(auc([0.3, 0.8, 0.4, 0.4, 0.4, 0.7], [0, 1, 1, 1, 1, 0]), 10);
  });

  it('is NaN without both classes', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('thresholdForPrecision', () => {
  it('takes the lowest cut that keeps the precision', () => {
    const r = thresholdForPrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 1, 0, 1, 0], 0.75);
    expect(r).toEqual({ precision: 0.75, threshold: 0.6, recall: 1 });
  });

  it('is null when no cut reaches the target', () => {
    expect(thresholdForPrecision([0.9, 0.8], [0, 1], 0.9)).toBeNull();
  });
});

describe('pairedAucDiff', () => {
  it('gives the difference of the two AUCs', () => {
    const y = [1, 1, 0, 0, 1, 0];
    const a = [0.9, 0.8, 0.1, 0.3, 0.4, 0.5];
    const b = [0.2, 0.8, 0.1, 0.3, 0.4, 0.5];
    const r = pairedAucDiff(a, b, y);
    expect(r.diff).toBeCloseTo(auc(a, y) - auc(b, y), 10);
    expect(r.se).toBeGreaterThan(0);
  });

  it('has no error for identical scores, and a smaller one with more rows', () => {
    const y = [1, 0, 1, 0, 0];
    const s = [0.9, 0.2, 0.4, 0.5, 0.1];
    expect(pairedAucDiff(s, s, y)).toEqual({ diff: 0, se: 0 });
    const big = (k: number): number[][] => {
      const ys: number[] = [];
      const as: number[] = [];
      const bs: number[] = [];
      for (let i = 0; i < k; i++) {
        ys.push(i % 3 === 0 ? 1 : 0);
        as.push(((i * 7919) % 101) / 101 + ys[i] * 0.3);
        bs.push(((i * 104729) % 103) / 103 + ys[i] * 0.2);
      }
      return [as, bs, ys];
    };
    const [a1, b1, y1] = big(90);
    const [a2, b2, y2] = big(900);
    expect(pairedAucDiff(a2, b2, y2).se).toBeLessThan(pairedAucDiff(a1, b1, y1).se);
  });
});
