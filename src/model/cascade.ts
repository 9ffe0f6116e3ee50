/**
 * The cascade (issue 29): the convolutional model scores every comment; only the comments whose
 * base toxicity falls in an uncertainty band `[low, high]` go through the sentence encoder and the
 * heads. Outside the band the base's scores stand: there the heads rarely change which side of
 * the threshold a comment falls on, and the encoder pass (8-15x the base's cost) is saved.
 *
 * Scores are not remapped: the heads' toxicity is a probability of the same target as the base's
 * (the heads are shrunk toward the base output), so an in-band comment the heads push below `low`
 * may rank below an out-of-band one, as it would under the heads, and the decision threshold means
 * the same on both sides of a band edge. Clamping the heads' scores into the band (which keeps the
 * base's order across the edges) moved the calibration slice's mean per-source AUC by -0.0008 to
 * +0.0018 over 60 bands (mean +0.0004), within that slice's noise, and would flatten the heads'
 * scores at the edges: not done (models/README.md, "Cascade").
 *
 * Not every comment gets a sentence vector, so a cascade model does not `embed`: site adapters and
 * stored features still need the accurate mode.
 */
import { ModeratoError } from '../errors';
import type { HeadedToxicityModel } from './heads';
import type { CascadeBand, CommentPrediction, ToxicityModel } from './types';

export type { CascadeBand } from './types';

/**
 * The band when neither the caller nor the heads file (`cascade`) names one: the band
 * `npm run train:cascade` chose for heads 1.0.0 on their calibration slice, never on a dev set
 * (models/README.md, "Cascade"). Other heads should carry their own.
 */
export const DEFAULT_CASCADE_BAND: CascadeBand = { low: 0.05, high: 0.6 };

/** MOD_ERR_CONFIG unless `0 <= low <= high <= 1`. */
export function checkBand(band: CascadeBand): CascadeBand {
  const { low, high } = band;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low >= 0 && high <= 1 && low <= high)) {
    throw new ModeratoError('MOD_ERR_CONFIG', `a cascade band needs 0 <= low <= high <= 1, got [${low}, ${high}]`);
  }
  return { low, high };
}

/** True when the encoder re-scores a comment of base toxicity `t` under `band`. */
export function inBand(band: CascadeBand, t: number): boolean {
  return t >= band.low && t <= band.high;
}

/**
 * The heads model run as a cascade over its own base. Disposing it disposes the heads model
 * unless `owns` is false (a caller that shares one loaded heads model between modes).
 */
export class CascadeToxicityModel implements ToxicityModel {
  readonly embeds = false;
  readonly band: CascadeBand;
  readonly info: ToxicityModel['info'];
  /** Comments scored and comments sent to the encoder since load (for a share to report or export). */
  readonly counts = { comments: 0, encoded: 0 };

  constructor(readonly heads: HeadedToxicityModel, band: CascadeBand, private readonly owns = true) {
    this.band = checkBand(band);
    this.info = { ...heads.info, name: `${heads.info.name}-cascade`, thresholds: { ...(heads.info.thresholds ?? {}) } };
  }

  async predict(texts: string[]): Promise<CommentPrediction[]> {
    if (texts.length === 0) return [];
    const preds = await this.heads.base.predict(texts);
    // Comments without tokens keep the base's zeros (as under the heads): no encoder pass for them.
    const unsure = preds.flatMap((p, i) => (p.tokens.length && inBand(this.band, p.toxicity) ? [i] : []));
    this.counts.comments += texts.length;
    this.counts.encoded += unsure.length;
    if (!unsure.length) return preds;
    const vectors = await this.heads.encoder.embed(unsure.map((i) => texts[i]));
    if (vectors.length !== unsure.length) throw new ModeratoError('MOD_ERR_INTERNAL', `the encoder answered ${vectors.length} vectors for ${unsure.length} texts`);
    unsure.forEach((i, k) => this.heads.rescore(preds[i], vectors[k]));
    return preds;
  }

  dispose(): void {
    if (this.owns) this.heads.dispose();
  }
}
