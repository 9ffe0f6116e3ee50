import { symmetricEigen, pcaRows } from '../../../src/train/topic/vectors';

describe('PCA of the off-topic word vectors', () => {
  it('eigen-decomposes a symmetric matrix, largest eigenvalue first', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(values.map((v) => +v.toFixed(6))).toEqual([5, 3, 1]);
    // A v = lambda v for every column.
    const A = [[2, 1, 0], [1, 2, 0], [0, 0, 5]];
    for (let c = 0; c < 3; c++) for (let i = 0; i < 3; i++) {
      const av = A[i].reduce((s, a, j) => s + a * vectors[j * 3 + c], 0);
      expect(av).toBeCloseTo(values[c] * vectors[i * 3 + c], 9);
    }
  });

  it('keeps the direction the rows vary along, rows unit length', () => {
    // Points along (1, 1, 0) with a little noise in z: one component explains almost everything.
    const rows = Float32Array.from([1, 1, 0.01, -1, -1, -0.01, 2, 2, 0, -2, -2, 0.02]);
    const { out, explained } = pcaRows(rows, 3, 1);
    expect(explained).toBeGreaterThan(0.99);
    for (const x of out) expect(Math.abs(x)).toBeCloseTo(1, 6);
  });
});
