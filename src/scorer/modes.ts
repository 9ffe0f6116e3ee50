/**
 * The scorer's modes, apart from ./scorer.ts so that code which only names a mode (the CLI's
 * argument checks, the pool's main thread) does not load the model code and TF.js with it.
 */
import { defaultHeadsDir } from '../model/paths';

/**
 * `fast`: the convolutional model alone. `accurate`: with the heads on the sentence encoder
 * (better scores, about one encoder pass per comment more); site adapters and stored features
 * need it, since both read the sentence vector. `cascade`: the heads' model, but the encoder runs
 * only on the comments whose fast toxicity lies in an uncertainty band (src/model/cascade.ts);
 * not every comment has a vector, so adapters and stored features still need `accurate`.
 */
export type ScorerMode = 'fast' | 'accurate' | 'cascade';
export const SCORER_MODES: readonly ScorerMode[] = ['fast', 'accurate', 'cascade'];

/** The mode the options ask for: `mode`, else `cascade` when a band is given alone, else none. */
export function askedMode(opts: { mode?: ScorerMode; cascade?: unknown }): ScorerMode | undefined {
  return opts.mode ?? (opts.cascade ? 'cascade' : undefined);
}

/**
 * The model folder a scorer built from these options loads: `modelDir`, else the shipped heads
 * for any mode but fast; undefined for the shipped convolutional model (`loadModel`'s default).
 */
export function scorerModelDir(opts: { modelDir?: string; mode?: ScorerMode; cascade?: unknown }): string | undefined {
  const asked = askedMode(opts);
  return opts.modelDir ?? (asked !== undefined && asked !== 'fast' ? defaultHeadsDir() : undefined);
}
