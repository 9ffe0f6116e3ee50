/**
 * Streaming statistics over scored results (the JSONL `moderato score` and `batch export`
 * write): distributions, per-thread and per-day counts, off-topic by position in the thread.
 * Memory grows with the number of threads and days, not comments, so a 10M-line file is fine.
 */
import type { Readable } from 'stream';
import { CATEGORIES, type Category, type ScoreResult } from '../types';
import { readLines } from '../batch/lines';

/** Histogram bins over 0..1. */
export const BINS = 20;
/** Positions in a thread, bucketed: 1, 2, 3, 4-5, 6-10, 11-20, 21-50, 51+. */
export const POSITION_BUCKETS = [
  [1, 1],
  [2, 2],
  [3, 3],
  [4, 5],
  [6, 10],
  [11, 20],
  [21, 50],
  [51, Infinity],
] as const;

/** Per-thread totals. */
export interface ThreadStats {
  id: string;
  title?: string;
  comments: number;
  flagged: number;
  toxicitySum: number;
  toxicityMax: number;
  offTopicFlagged: number;
}

/** Everything the report shows. */
export interface ReportStats {
  comments: number;
  flagged: number;
  /** Lines that were not results (skipped). */
  badLines: number;
  toxicity: number[];
  offTopic: number[];
  /** Comments with an offTopic score (those with context). */
  withContext: number;
  categories: Record<Category, { hist: number[]; flagged: number }>;
  offTopicFlagged: number;
  threads: Map<string, ThreadStats>;
  /** Per day (YYYY-MM-DD): comments and flagged. */
  days: Map<string, { comments: number; flagged: number }>;
  /** Per position bucket: comments with context, offTopic sum, off-topic flagged. */
  positions: Array<{ comments: number; offTopicSum: number; flagged: number }>;
}

type Line = ScoreResult & { threadId?: string; threadTitle?: string; createdAt?: string };

const bin = (x: number): number => Math.min(BINS - 1, Math.max(0, Math.floor(x * BINS)));

/** An empty accumulator. */
export function emptyStats(): ReportStats {
  return {
    comments: 0,
    flagged: 0,
    badLines: 0,
    toxicity: new Array(BINS).fill(0),
    offTopic: new Array(BINS).fill(0),
    withContext: 0,
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, { hist: new Array(BINS).fill(0), flagged: 0 }])) as ReportStats['categories'],
    offTopicFlagged: 0,
    threads: new Map(),
    days: new Map(),
    positions: POSITION_BUCKETS.map(() => ({ comments: 0, offTopicSum: 0, flagged: 0 })),
  };
}

/** Adds one result (a parsed line) to `s`. */
export function addResult(s: ReportStats, r: Line): void {
  s.comments++;
  if (r.flagged) s.flagged++;
  s.toxicity[bin(r.toxicity)]++;
  const codes = new Set(r.reasons.map((x) => (x.code === 'category' ? `category:${x.category}` : x.code)));
  for (const c of CATEGORIES) {
    s.categories[c].hist[bin(r.categories[c] ?? 0)]++;
    if (codes.has(`category:${c}`)) s.categories[c].flagged++;
  }
  const offFlag = codes.has('off_topic');
  if (offFlag) s.offTopicFlagged++;
  if (r.offTopic !== null && r.offTopic !== undefined) {
    s.withContext++;
    s.offTopic[bin(r.offTopic)]++;
  }
  if (r.threadId !== undefined) {
    let t = s.threads.get(r.threadId);
    if (!t) s.threads.set(r.threadId, (t = { id: r.threadId, title: r.threadTitle, comments: 0, flagged: 0, toxicitySum: 0, toxicityMax: 0, offTopicFlagged: 0 }));
    t.comments++;
    if (r.flagged) t.flagged++;
    t.toxicitySum += r.toxicity;
    t.toxicityMax = Math.max(t.toxicityMax, r.toxicity);
    if (offFlag) t.offTopicFlagged++;
    if (r.offTopic !== null && r.offTopic !== undefined) {
      const k = POSITION_BUCKETS.findIndex(([lo, hi]) => t!.comments >= lo && t!.comments <= hi);
      s.positions[k].comments++;
      s.positions[k].offTopicSum += r.offTopic;
      if (offFlag) s.positions[k].flagged++;
    }
  }
  if (r.createdAt) {
    const day = /^\d{4}-\d{2}-\d{2}/.exec(r.createdAt)?.[0];
    if (day) {
      const d = s.days.get(day) ?? { comments: 0, flagged: 0 };
      d.comments++;
      if (r.flagged) d.flagged++;
      s.days.set(day, d);
    }
  }
}

function isResult(x: unknown): x is Line {
  const r = x as Line;
  return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.toxicity === 'number' && typeof r.categories === 'object' && Array.isArray(r.reasons);
}

/** Reads scored JSONL from `stream` into stats; lines that are not results are counted, not fatal. */
export async function aggregate(stream: Readable): Promise<ReportStats> {
  const s = emptyStats();
  // Capped lines: a runaway line (or a binary file) is counted, never held whole.
  for await (const raw of readLines(stream)) {
    if ('problem' in raw) {
      s.badLines++;
      continue;
    }
    const line = raw.text;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      s.badLines++;
      continue;
    }
    if (isResult(v)) addResult(s, v);
    else s.badLines++;
  }
  return s;
}
