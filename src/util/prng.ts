/**
 * The seeded PRNG of off-topic training (a 32-bit linear congruential generator, Numerical
 * Recipes constants), uniform in [0, 1): the same sequence for the same seed everywhere.
 * (src/train/trainer.ts still has its own mulberry32 `rng`; see the issue-14 note.)
 * @example const r = rng(2015); r(); // 0.016986113507300615
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
