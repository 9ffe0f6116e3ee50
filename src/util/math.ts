/** Logistic function and log-odds, shared by the off-topic regressions and the toxicity model's wide part. */

/** Logistic function, clamped so that extreme margins don't overflow. */
export function sigmoid(z: number): number {
  if (z < -35) return 6.3e-16;
  if (z > 35) return 1 - 6.3e-16;
  return 1 / (1 + Math.exp(-z));
}

/** Log-odds of a probability, clamped away from 0 and 1. */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
}
