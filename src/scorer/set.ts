/**
 * Every scorer mode one loaded model can serve, so a process can pick the mode per request (the
 * scorer pool's threads, hence `POST /v1/score`'s `mode`). An accurate model is the convolutional
 * model with heads on the sentence encoder: its `fast` scorer shares that convolutional model
 * (no second load) and takes the off-topic model a fast scorer takes, with the same options, so
 * a fast result here is the one a fast-only process gives. A fast model serves `fast` alone.
 */
import { HeadedToxicityModel, type ToxicityModel } from '../model';
import { createScorer, loadScorerModel, SCORER_MODES, type Scorer, type ScorerMode, type ScorerOptions } from './scorer';
import type { ModelInfo } from '../types';

/** The mode a model info names, as a {@link ScorerMode} (fast when it names none). */
export function modeOf(info: ModelInfo): ScorerMode {
  return SCORER_MODES.find((m) => m === info.mode) ?? 'fast';
}

/** Scorers of several modes over one loaded model. */
export interface ScorerSet {
  /** The mode the options ask for (else the model's own): a request without a mode gets it. */
  readonly main: Scorer;
  /** The modes served, in {@link SCORER_MODES} order (the main one included). */
  readonly modes: ScorerMode[];
  /** The scorer of `mode`, or undefined when this set does not serve it. */
  get(mode: ScorerMode): Scorer | undefined;
  /** Disposes the scorers and the model the set loaded. */
  dispose(): void;
}

/** The model the options give, or the one they name, loaded as `createScorer` would. */
async function loadFor(opts: ScorerOptions): Promise<{ model: ToxicityModel; owned: boolean }> {
  if (opts.model) return { model: opts.model, owned: false };
  return { model: await loadScorerModel(opts), owned: true };
}

/** The heads model under `model`: itself, or the one a cascade (src/model/cascade.ts) runs over. */
function headsOf(model: ToxicityModel): HeadedToxicityModel | undefined {
  if (model instanceof HeadedToxicityModel) return model;
  const inner = (model as { heads?: unknown }).heads;
  return inner instanceof HeadedToxicityModel ? inner : undefined;
}

/**
 * Builds the main scorer from `opts` and, when its model carries heads, a scorer of every other
 * mode over the same loaded models.
 * @example
 * const set = await createScorerSet({ mode: 'accurate' });
 * set.modes;                                   // ['fast', 'accurate']
 * await set.get('fast')!.score({ comments });  // the convolutional model alone
 */
export async function createScorerSet(opts: ScorerOptions = {}): Promise<ScorerSet> {
  const { model, owned } = await loadFor(opts);
  const scorers = new Map<ScorerMode, Scorer>();
  const dispose = (): void => {
    for (const s of scorers.values()) s.dispose();
    if (owned) model.dispose();
  };
  try {
    const main = await createScorer({ ...opts, model });
    scorers.set(modeOf(main.info), main);
    const heads = headsOf(model);
    for (const mode of heads ? SCORER_MODES : []) {
      if (scorers.has(mode)) continue;
      // Fast is the convolutional model alone, the base under the heads; createScorer builds any
      // other mode over the heads model. Only the options every mode shares are passed on (not
      // a band or model of the main mode); the off-topic model is left to createScorer (the
      // caller's topicDir, else the mode's default), as a process started in that mode loads it.
      const model = mode === 'fast' ? heads!.base : heads!;
      scorers.set(mode, await createScorer({ mode, model, backend: opts.backend, thresholds: opts.thresholds, topicDir: opts.topicDir, topic: opts.topic }));
    }
    const modes = SCORER_MODES.filter((m) => scorers.has(m));
    return { main, modes, get: (mode) => scorers.get(mode), dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
