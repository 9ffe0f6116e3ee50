import { auc, thresholdForPrecision } from '../../src/adapt';

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
