import { prf, rocAuc, bestF1Threshold, binaryReport } from '../../../src/train/topic/metrics';

describe('metrics', () => {
  it('rocAuc: perfect, inverted, random ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    // One of four positive-negative pairs misordered.
    expect(rocAuc([0.1, 0.6, 0.5, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.75);
  });

  it('prf counts positives at score >= t', () => {
    const r = prf([0.9, 0.6, 0.4, 0.1], [1, 0, 1, 0], 0.5);
    expect(r.precision).toBeCloseTo(0.5);
    expect(r.recall).toBeCloseTo(0.5);
    expect(r.f1).toBeCloseTo(0.5);
  });

  it('binaryReport: macro-F1 averages both classes', () => {
    const r = binaryReport([1, 1, 0, 0], [1, 0, 0, 0], 0.5);
    expect(r.positive.f1).toBeCloseTo(2 / 3);
    expect(r.negative.f1).toBeCloseTo(0.8);
    expect(r.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2);
    expect(r.accuracy).toBeCloseTo(0.75);
  });

  it('bestF1Threshold separates separable scores', () => {
    const { threshold, f1 } = bestF1Threshold([0.1, 0.2, 0.7, 0.8], [0, 0, 1, 1]);
    expect(f1).toBe(1);
    expect(threshold).toBeGreaterThan(0.2);
    expect(threshold).toBeLessThanOrEqual(0.7);
  });
});
