/**
 * mulberry32, the seeded PRNG of toxicity training (data order, dropout, init, augmentation) and
 * of new code, uniform in [0, 1). Off-topic training keeps its own generator, `lcg32`
 * (src/util/lcg32), so that each model's training replays the sequence of its shipped weights.
 */
/** Fisher-Yates in place with the given PRNG; returns `a`. */
export function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

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
