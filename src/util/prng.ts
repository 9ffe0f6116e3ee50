/**
 * The seeded PRNG of off-topic training (a 32-bit linear congruential generator, Numerical
 * Recipes constants), uniform in [0, 1): the same sequence for the same seed everywhere.
 * @example const r = rng(2015); r(); // 0.016986113507300615
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * mulberry32, the seeded PRNG of toxicity training (data order, dropout, init, augmentation),
 * uniform in [0, 1). Kept apart from {@link rng} because each model's training must replay its
 * own sequence to reproduce the shipped weights.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
