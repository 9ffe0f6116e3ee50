/** Small helpers shared by several stages, each kept once: paths, the two seeded PRNGs, Unicode checks, directory creation, sigmoid and logit, a bounded memo, string lookups in JSON records. */
export { datasetsDir, packageRoot } from './paths';
export { lcg32 } from './lcg32';
export { mulberry32 } from './prng';
export { hasLoneSurrogate, toWellFormed } from './unicode';
export { ensureDir } from './fs';
export { logit, sigmoid } from './math';
export { BoundedCache } from './bounded-cache';
export { ownMap } from './records';
