/**
 * Training data of the encoder heads (issue 27 part 3), from the toxicity model's own corpus
 * (`buildCorpus` + `extraPools`, as `npm run train:toxicity` builds it):
 *
 * - `calibration`: the 5% calibration slice of every pool and of the ACL-only posts (by text hash,
 *   `inDev(textKey, 0.05, 'calibration')`), which the convolutional model never trained on, so its
 *   outputs there are what it gives unseen comments. The heads read those outputs: they are
 *   fitted here, never on comments the network saw (there its outputs are overconfident).
 * - `vectorTrain`: up to `perPool` comments of each pool outside the slice (a fixed draw by text
 *   hash, the same for every seed so no text is embedded twice), for heads on the vector alone:
 *   those do not read the network's outputs, so the network's training comments are fair game.
 *
 * Duplicated texts (the `ucc` pool repeats each comment) are kept once.
 */
import { CATEGORIES } from '../../types';
import { inDev, stableHash, textKey } from '../../data';
import { buildCorpus, type Example } from '../examples';
import { extraPools } from '../pools';
import { NET_CONFIG } from '../cli';

/** The targets of a head: toxicity, then CATEGORIES (Example.comY indices 0..5). */
export const TARGETS = ['toxicity', ...CATEGORIES] as const;

/** One comment with its labels: `y[k]` in 0..1 where `m[k] > 0` (a source labels only some targets). */
export interface HeadRow {
  text: string;
  source: string;
  y: Float32Array;
  m: Float32Array;
}

export interface HeadsData {
  calibration: HeadRow[];
  vectorTrain: HeadRow[];
}

function row(e: Example): HeadRow {
  return { text: e.text, source: e.source, y: e.comY.slice(0, TARGETS.length), m: e.comM.slice(0, TARGETS.length) };
}

function uniqueRows(es: Example[]): HeadRow[] {
  const seen = new Set<string>();
  const out: HeadRow[] = [];
  for (const e of es) {
    const k = textKey(e.text);
    if (!k || seen.has(k)) continue;
    seen.add(k);
    out.push(row(e));
  }
  return out;
}

/** True for the calibration slice, exactly as src/train/cli.ts draws it. */
export const isCalibration = (text: string): boolean => inDev(textKey(text), 0.05, 'calibration');

/**
 * Builds both sets (about a minute: the corpus is the toxicity model's). `exclude`: sources held
 * out whole, as `train:toxicity --exclude` holds them out (src/train/exclude.ts). `limit` and
 * `pools` (instead of `extraPools()`) make a small corpus for tests.
 */
export function headsData(o: { datasets?: string; perPool?: number; exclude?: readonly string[]; limit?: number; pools?: Record<string, Example[]> } = {}): HeadsData {
  const perPool = o.perPool ?? 1000;
  const c = buildCorpus({ buckets: NET_CONFIG.buckets, version: NET_CONFIG.featureVersion }, { datasets: o.datasets, limit: o.limit, exclude: o.exclude, extraPools: o.pools ?? extraPools({ datasets: o.datasets }) });
  const cal: Example[] = [];
  const rest: Example[] = [];
  for (const pool of Object.values(c.commentPools)) {
    // A fixed draw of the rest: the texts of smallest hash under another salt.
    const others = pool.filter((e) => !isCalibration(e.text));
    const ranked = others.map((e) => ({ e, k: inDevRank(e.text) })).sort((a, b) => a.k - b.k);
    rest.push(...ranked.slice(0, perPool).map((r) => r.e));
    cal.push(...pool.filter((e) => isCalibration(e.text)));
  }
  // ACL-only posts: in the slice only (as vector rows too they measured worse, models/README.md).
  cal.push(...c.train.filter((e) => e.source === 'acl' && isCalibration(e.text)));
  const calibration = uniqueRows(cal);
  const calKeys = new Set(calibration.map((r) => textKey(r.text)));
  return { calibration, vectorTrain: uniqueRows(rest).filter((r) => !calKeys.has(textKey(r.text))) };
}

/** A stable pseudo-random rank of a text, independent of the calibration draw. */
const inDevRank = (text: string): number => stableHash('heads-vector-train\u0000' + textKey(text));
