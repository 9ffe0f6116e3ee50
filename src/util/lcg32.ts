/**
 * lcg32, the seeded PRNG of off-topic training (a 32-bit linear congruential generator, Numerical
 * Recipes constants), uniform in [0, 1): the same sequence for the same seed everywhere. Kept
 * apart from `mulberry32` (src/util/prng) because each model's training must replay its own
 * sequence to reproduce the shipped model.
 * @example const r = lcg32(2015); r(); // 0.016986113507300615
 */
export function lcg32(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
