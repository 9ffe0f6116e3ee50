/** Small helpers shared by several stages, each kept once: paths, the seeded PRNG, Unicode checks, directory creation, sigmoid and logit. */
export { datasetsDir, packageRoot } from './paths';
export { rng } from './prng';
export { hasLoneSurrogate, toWellFormed } from './unicode';
export { ensureDir } from './fs';
export { logit, sigmoid } from './math';
