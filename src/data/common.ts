/**
 * Pieces shared by the hate-speech, news-comment, HateXplain and ParaDetox loaders: quoted TSV
 * and JSON-lines readers, the category vector builder and the dev-split rule for sets that ship
 * without a dev split.
 *
 * Category convention of every loader here: a set's label fills only the categories it
 * annotates. A positive fills its categories with 1 (or an annotator share); a negative (a post
 * the set calls not hateful / not sexist / ...) gets 0 on the categories the set annotates and
 * NaN (unknown) on the rest, because "not hate" is not "no insult". Each loader's TSDoc says
 * which source label feeds which category.
 */
import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import { CATEGORIES, type Category } from '../types';
import { isDevText, textKey } from './split';
import { readText } from './io';

/**
 * Reads a tab-separated file whose fields may be double-quoted (Python `csv` default quoting,
 * as pandas writes them): `readCsv(file, '\t')` treats quotes literally, as OLID needs.
 */
export function readQuotedTsv(file: string): Record<string, string>[] {
  const text = readText(file).replace(/^\uFEFF/, '');
  return parse(text, { columns: true, delimiter: '\t', quote: '"', skip_empty_lines: true, relax_quotes: true, relax_column_count: true }) as Record<string, string>[];
}

/** Reads a JSON-lines file (one JSON object a line, blank lines skipped). */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/** Category vector in CATEGORIES order: the given values, NaN (unknown) for the rest. */
export function categoryVector(known: Partial<Record<Category, number>>): number[] {
  return CATEGORIES.map((c) => known[c] ?? NaN);
}

/** Share of dev texts for sets without their own dev split (the same as the comment dev split). */
export const DEV_FRACTION = 0.15;

/**
 * Dev rule for sets without their own split: the text (whitespace collapsed) hashed with the
 * fixed split salt, 15% dev. Training's comment-level dev rows (C3, OLID, Davidson) use it too,
 * so identical texts always fall on the same side, in every set.
 */
export function isDevByText(text: string): boolean {
  return isDevText(textKey(text), DEV_FRACTION);
}

/** Which part of its set a row belongs to. */
export type SplitName = 'train' | 'dev' | 'test';
