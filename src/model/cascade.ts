/**
 * The cascade (issue 29): the convolutional model scores every comment; only the comments whose
 * base toxicity falls in an uncertainty band `[low, high]` go through the sentence encoder and the
 * heads. Outside the band the encoder pass (8-15x the base's cost) is saved.
 *
 * Scales: the heads' toxicity is not the base's. On the calibration slice the heads' logit is the
 * base's plus 0.0 (near 0) to 0.9 (near 1): left as they are, in-band comments would jump above
 * out-of-band ones just past the upper edge, and a dev set's ranking lost what the heads gain.
 * So outside the band the base's toxicity is mapped onto the heads' scale by the heads file's
 * `cascade.shift` and `cascade.slope` (`logit t' = shift + slope logit t`, least squares of the
 * heads' logit on the base's over the calibration slice): monotone, so the base's order outside
 * the band holds, and the decision threshold means about the same on both sides of an edge. Span
 * gates keep reading the base's own toxicity (`spanToxicity`), as under the heads.
 *
 * Not every comment gets a sentence vector, so a cascade model does not `embed`: site adapters and
 * stored features still need the accurate mode.
 */
import { ModeratoError } from '../errors';
import { HEADS_CLAMP, type HeadedToxicityModel } from './heads';
import { logit, sigmoid } from '../util/math';
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

  /** The map of out-of-band base toxicity onto the heads' scale (from the heads file), if any. */
  readonly scale: { shift: number; slope: number } | undefined;

  constructor(readonly heads: HeadedToxicityModel, band: CascadeBand, private readonly owns = true) {
    this.band = checkBand(band);
    const c = heads.file.cascade;
    this.scale = c ? { shift: c.shift, slope: c.slope } : undefined;
    this.info = { ...heads.info, name: `${heads.info.name}-cascade`, thresholds: { ...(heads.info.thresholds ?? {}) } };
  }

  async predict(texts: string[]): Promise<CommentPrediction[]> {
    if (texts.length === 0) return [];
    const preds = await this.heads.base.predict(texts);
    // Comments without tokens keep the base's zeros (as under the heads): no encoder pass for them.
    const unsure = preds.flatMap((p, i) => (p.tokens.length && inBand(this.band, p.toxicity) ? [i] : []));
    this.counts.comments += texts.length;
    this.counts.encoded += unsure.length;
    if (this.scale) for (const p of preds) if (p.tokens.length && !inBand(this.band, p.toxicity)) this.toHeadsScale(p);
    if (!unsure.length) return preds;
    const vectors = await this.heads.encoder.embed(unsure.map((i) => texts[i]));
    if (vectors.length !== unsure.length) throw new ModeratoError('MOD_ERR_INTERNAL', `the encoder answered ${vectors.length} vectors for ${unsure.length} texts`);
    unsure.forEach((i, k) => this.heads.rescore(preds[i], vectors[k]));
    return preds;
  }

  /** An out-of-band prediction's toxicity on the heads' scale; spans keep gating on the base's. */
  private toHeadsScale(p: CommentPrediction): void {
    const { shift, slope } = this.scale!;
    p.spanToxicity = p.toxicity;
    // Clamped as the heads clamp their inputs: a saturated base output must not run off the scale.
    p.toxicity = sigmoid(shift + slope * logit(Math.min(1 - HEADS_CLAMP, Math.max(HEADS_CLAMP, p.toxicity))));
  }

  dispose(): void {
    if (this.owns) this.heads.dispose();
  }
}
