/**
 * Whole sources held out of a base (issue 27): `npm run train:toxicity -- --exclude ucc` and
 * `npm run train:heads -- --exclude ucc` train without any comment of that set, so the set can be
 * measured the way an independent test set measures the base (a site the base never saw).
 *
 * A source is held out by its texts, not only by its pool: every text of the set (all its splits,
 * labelled or not) is dropped from every pool, from the span posts, from the calibration slice
 * that tunes thresholds and fits the heads, and from the span-rule tuning sets. A text the set
 * shares with another set goes too (a handful: UCC/C3/HateXplain share 1-2 texts each with GHC,
 * Stormfront, tsd_train and ACL), so nothing of the held-out set reaches any fitted number.
 */
import {
  loadC3, loadDavidson, loadEdos, loadEthos, loadGhc, loadHatexplain, loadHateval, loadImplicitHate, loadOlid, loadParadetox,
  loadStormfront, loadUcc, textKey,
} from '../data';
import { ModeratoError } from '../errors';

/** Every text of each excludable source (the comment pools' names, src/train/examples.ts and pools.ts). */
const SOURCE_TEXTS: Record<string, (dir?: string) => string[]> = {
  ucc: (dir) => loadUcc(dir).map((r) => r.text),
  c3: (dir) => loadC3(dir).map((r) => r.text),
  hatexplain: (dir) => loadHatexplain('all', dir).map((r) => r.text),
  olid: (dir) => [...loadOlid('train', dir), ...loadOlid('test', dir)].map((r) => r.text),
  davidson: (dir) => loadDavidson(dir).map((r) => r.text),
  ethos: (dir) => loadEthos(dir).map((r) => r.text),
  ghc: (dir) => [...loadGhc('train', dir), ...loadGhc('test', dir)].map((r) => r.text),
  implicit_hate: (dir) => loadImplicitHate(dir).map((r) => r.text),
  edos: (dir) => loadEdos(dir).map((r) => r.text),
  stormfront: (dir) => loadStormfront(dir).map((r) => r.text),
  hateval: (dir) => (['train', 'dev', 'test'] as const).flatMap((s) => loadHateval(s, dir)).map((r) => r.text),
  paradetox: (dir) => loadParadetox(dir).pairs.flatMap((p) => [p.toxic, ...p.neutral]),
};

/** Source names `--exclude` accepts. */
export const EXCLUDABLE_SOURCES = Object.keys(SOURCE_TEXTS);

/** Parses `--exclude a,b` (unknown names are an input error, not silently ignored). */
export function parseExclude(arg: string): string[] {
  const names = arg.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(n in SOURCE_TEXTS));
  if (bad.length || !names.length) throw new ModeratoError('MOD_ERR_INPUT', `--exclude ${arg}: unknown source ${bad.join(', ') || '(none given)'} (valid: ${EXCLUDABLE_SOURCES.join(', ')})`);
  return [...new Set(names)].sort();
}

/** The text keys (`textKey`) of every comment of the named sources. */
export function excludedKeys(names: readonly string[] | undefined, dir?: string): Set<string> {
  const keys = new Set<string>();
  for (const n of names ?? []) {
    const texts = SOURCE_TEXTS[n];
    if (!texts) throw new ModeratoError('MOD_ERR_INPUT', `unknown source ${n} (valid: ${EXCLUDABLE_SOURCES.join(', ')})`);
    for (const t of texts(dir)) keys.add(textKey(t));
  }
  return keys;
}
