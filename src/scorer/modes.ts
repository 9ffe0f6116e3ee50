/**
 * The scorer's modes, apart from ./scorer.ts so that code which only names a mode (the CLI's
 * argument checks, the pool's main thread) does not load the model code and TF.js with it.
 */
/**
 * `fast`: the convolutional model alone. `accurate`: with the heads on the sentence encoder
 * (better scores, about one encoder pass per comment more); site adapters and stored features
 * need it, since both read the sentence vector. `cascade`: the heads' model, but the encoder runs
 * only on the comments whose fast toxicity lies in an uncertainty band (src/model/cascade.ts);
 * not every comment has a vector, so adapters and stored features still need `accurate`.
 */
export type ScorerMode = 'fast' | 'accurate' | 'cascade';
export const SCORER_MODES: readonly ScorerMode[] = ['fast', 'accurate', 'cascade'];
