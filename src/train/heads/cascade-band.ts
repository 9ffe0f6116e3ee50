#!/usr/bin/env node
/**
 * `npm run train:cascade`: measures cascade bands (src/model/cascade.ts) on the heads'
 * calibration slice, never on a dev set. It fits the map of base toxicity onto the heads' scale
 * used outside the band (`logit t' = shift + slope logit t`, least squares of the heads' logit on
 * the base's), and prints a table: for each band `[low, high]` of base toxicity, the share of
 * comments sent to the encoder, the mean per-source AUC of the combined score (as the cascade
 * gives it, with the map; without the map; with the heads' scores clamped into the band instead),
 * the flags at the heads' threshold that differ from the heads', and the share of the heads'
 * total |logit change| the band covers. `--write` stores the chosen band (see {@link chooseBand})
 * and the map in the heads' model.json (`cascade`).
 *
 *   npm run train:cascade -- [--heads DIR] [--write] [--json FILE]
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultHeadsDir } from '../../model';
import { HEADS_CLAMP, headFeatures, headInputs, headScore, parseHeadsFile, type HeadsFile } from '../../model/heads';
import { inBand, type CascadeBand } from '../../model/cascade';
import { logit, sigmoid } from '../../util/math';
import { embedCached } from '../embed-cache';
import { calibrationInputs } from './cli';
import { meanSourceAuc } from './fit';
import type { HeadRow } from './data';
import type { CommentPrediction } from '../../model/types';

/** Figures of one band on the calibration slice. */
export interface BandFigures extends CascadeBand {
  /** Share of comments sent to the encoder. */
  share: number;
  /** Mean per-source toxicity AUC of the cascade's score (out-of-band scores mapped onto the heads' scale). */
  auc: number;
  /** The same with the base's out-of-band scores left as they are. */
  aucUnmapped: number;
  /** The same with the heads' in-band scores clamped into [low, high] (base order kept across the edges). */
  aucClamped: number;
  /** Share of comments whose flag (toxicity >= threshold) differs from the heads'. */
  flagDiff: number;
  /** Share of the heads' total |logit change| over the base that falls inside the band. */
  changeCovered: number;
}

/** Candidate band edges (base toxicity). */
export const LOWS = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4];
export const HIGHS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

/** The heads' toxicity for each calibration comment (what `HeadedToxicityModel` would answer). */
export function headsToxicity(file: HeadsFile, preds: Array<Pick<CommentPrediction, 'toxicity' | 'categories'>>, vectors: Float32Array[]): number[] {
  const head = file.heads.toxicity;
  if (!head) throw new Error('the heads file has no toxicity head: a cascade would change nothing');
  return preds.map((p, i) => headScore(head, headFeatures(file, headInputs(file, p, vectors[i]))));
}

/** The map of base toxicity onto the heads' scale. */
export interface HeadsScale {
  shift: number;
  slope: number;
}

const clampedLogit = (p: number): number => logit(Math.min(1 - HEADS_CLAMP, Math.max(HEADS_CLAMP, p)));

/** Least squares of the heads' logit on the base's (both clamped as the heads clamp their inputs). */
export function fitScale(base: number[], heads: number[]): HeadsScale {
  const x = base.map(clampedLogit);
  const y = heads.map(clampedLogit);
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { shift: my - slope * mx, slope };
}

/** Figures of every band of LOWS x HIGHS, plus the base alone and the heads alone. */
export function measureBands(rows: HeadRow[], base: number[], heads: number[], threshold: number, scale: HeadsScale): { base: number; heads: number; bands: BandFigures[] } {
  const idx = rows.map((_, i) => i);
  const auc = (s: number[]): number => meanSourceAuc(rows, idx, (i) => s[i], 0);
  const change = base.map((b, i) => Math.abs(logit(heads[i]) - logit(b)));
  const mappedBase = base.map((b) => sigmoid(scale.shift + scale.slope * clampedLogit(b)));
  const totalChange = change.reduce((a, b) => a + b, 0);
  const bands: BandFigures[] = [];
  for (const low of LOWS) {
    for (const high of HIGHS) {
      const band = { low, high };
      const on = base.map((b) => inBand(band, b));
      const mixed = base.map((b, i) => (on[i] ? heads[i] : mappedBase[i]));
      const unmapped = base.map((b, i) => (on[i] ? heads[i] : b));
      const clamped = base.map((b, i) => (on[i] ? Math.min(high, Math.max(low, heads[i])) : b));
      const n = rows.length;
      bands.push({
        low,
        high,
        share: on.filter(Boolean).length / n,
        auc: auc(mixed),
        aucUnmapped: auc(unmapped),
        aucClamped: auc(clamped),
        flagDiff: mixed.filter((s, i) => s >= threshold !== heads[i] >= threshold).length / n,
        changeCovered: change.reduce((a, c, i) => a + (on[i] ? c : 0), 0) / totalChange,
      });
    }
  }
  return { base: auc(base), heads: auc(heads), bands };
}

/**
 * The default band: the one sending the fewest comments to the encoder among those that keep at
 * least `keep` of the heads' AUC gain over the base and change no more than `maxFlagDiff` of the
 * heads' flags; the widest band measured when none does.
 */
export function chooseBand(m: ReturnType<typeof measureBands>, keep = 0.9, maxFlagDiff = 0.001): BandFigures {
  const gain = m.heads - m.base;
  const ok = m.bands.filter((b) => b.auc - m.base >= keep * gain && b.flagDiff <= maxFlagDiff);
  const pool = ok.length ? ok : [m.bands.reduce((a, b) => (b.share > a.share ? b : a))];
  return pool.reduce((a, b) => (b.share < a.share || (b.share === a.share && b.auc > a.auc) ? b : a));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dir = defaultHeadsDir();
  let write = false;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--heads') dir = path.resolve(argv[++i]);
    else if (argv[i] === '--write') write = true;
    else if (argv[i] === '--json') json = argv[++i];
    else throw new Error(`unknown option ${argv[i]} (valid: --heads DIR, --write, --json FILE)`);
  }
  const log = (m: string): void => void process.stderr.write(m + '\n');
  const fileJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const file = parseHeadsFile(fileJson, `heads model in ${dir}`);
  const baseDir = path.resolve(dir, file.base.dir);
  const { rows, preds } = await calibrationInputs({ base: baseDir }, log);
  const vectors = await embedCached(rows.map((r) => r.text));
  const heads = headsToxicity(file, preds, vectors);
  const threshold = file.thresholds.toxicity ?? 0.5;
  const base = preds.map((p) => p.toxicity);
  const scale = fitScale(base, heads);
  const m = measureBands(rows, base, heads, threshold, scale);
  const chosen = chooseBand(m);
  const f4 = (x: number): string => x.toFixed(4);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const L = [
    `Calibration slice: ${rows.length} comments; mean per-source AUC base ${f4(m.base)}, heads ${f4(m.heads)} (in-sample for the heads' second stage).`,
    `Out-of-band map onto the heads' scale: logit t' = ${f4(scale.shift)} + ${f4(scale.slope)} logit t.`,
    '',
    '| band | sent to encoder | AUC | AUC, base unmapped | AUC, heads clamped into band | flags unlike the heads | heads change covered |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...m.bands.map((b) => `| [${b.low}, ${b.high}]${b === chosen ? ' (chosen)' : ''} | ${pct(b.share)} | ${f4(b.auc)} | ${f4(b.aucUnmapped)} | ${f4(b.aucClamped)} | ${pct(b.flagDiff)} | ${pct(b.changeCovered)} |`),
  ];
  process.stdout.write(L.join('\n') + '\n');
  if (json) fs.writeFileSync(json, JSON.stringify({ rows: rows.length, scale, ...m, chosen }, null, 1));
  if (write) {
    const band = { low: chosen.low, high: chosen.high, shift: Number(scale.shift.toFixed(6)), slope: Number(scale.slope.toFixed(6)) };
    parseHeadsFile({ ...fileJson, cascade: band }, 'the heads with their cascade band');
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...fileJson, cascade: band }) + '\n');
    log(`wrote cascade [${band.low}, ${band.high}] into ${dir}/model.json`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
