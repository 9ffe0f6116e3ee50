/**
 * Results as CSV, one row per comment: the ids, every score, the flag, the reason codes and
 * the span texts. Columns follow `CATEGORIES`, so a new category gets its column by itself.
 */
import { stringify } from 'csv-stringify/sync';
import { CATEGORIES, type ScoreResult } from '../types';

/** The CSV header row's columns. */
export const CSV_COLUMNS = ['id', 'threadId', 'threadTitle', 'createdAt', 'toxicity', ...CATEGORIES, 'offTopic', 'flagged', 'reasons', 'spans'];

type Line = ScoreResult & { threadId?: string; threadTitle?: string; createdAt?: string };

/** Converts JSONL result lines to CSV rows (with the header row first when `header`). */
export function jsonlToCsv(jsonl: string, header: boolean): string {
  const rows = jsonl
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const r = JSON.parse(l) as Line;
      return [
        r.id,
        r.threadId ?? '',
        r.threadTitle ?? '',
        r.createdAt ?? '',
        r.toxicity,
        ...CATEGORIES.map((c) => r.categories[c]),
        r.offTopic ?? '',
        r.flagged,
        [...new Set(r.reasons.map((x) => (x.category ? `${x.code}:${x.category}` : x.code)))].join(' '),
        r.spans.map((s) => s.text).join(' | '),
      ];
    });
  // csv-stringify writes false as an empty cell by default; a reader wants the word.
  return stringify(header ? [CSV_COLUMNS, ...rows] : rows, { cast: { boolean: (v) => String(v) } });
}
