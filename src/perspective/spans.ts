/**
 * Word-level span scores. Perspective scores spans per sentence; Moderato's tagger marks the
 * toxic stretch itself, and each word that overlaps a marked stretch gets its own span score
 * (the highest score among the stretches it overlaps). Words outside every marked stretch get
 * no span score rather than an invented low one: the tagger gives no number for them.
 */

/** A half-open `[start, end)` range in UTF-16 code units with a score. */
export interface ScoredRange {
  start: number;
  end: number;
  score: number;
}

/** Sentence punctuation trimmed off word edges; `*`, `$`, `@` stay since they mask letters (`f**k`). */
const EDGE_PUNCT = /^[.,;:!?"'()[\]{}«»“”‘’…]+|[.,;:!?"'()[\]{}«»“”‘’…]+$/gu;

/**
 * The words of `text`: runs of non-space characters with sentence punctuation trimmed off
 * their edges, in UTF-16 offsets.
 * @example words('You idiot!') // [{start: 0, end: 3}, {start: 4, end: 9}]
 */
export function words(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/\S+/gu)) {
    const raw = m[0];
    const lead = raw.length - raw.replace(/^[.,;:!?"'()[\]{}«»“”‘’…]+/u, '').length;
    const core = raw.replace(EDGE_PUNCT, '');
    if (core.length === 0) continue;
    const start = m.index + lead;
    out.push({ start, end: start + core.length });
  }
  return out;
}

/**
 * Splits flagged ranges into per-word scored ranges, in text order. A word overlapping several
 * ranges takes the highest score; a range that covers no word (an emoji alone, say) is kept as is.
 */
export function wordSpanScores(text: string, flagged: ScoredRange[]): ScoredRange[] {
  if (flagged.length === 0) return [];
  const out: ScoredRange[] = [];
  const covered = new Set<ScoredRange>();
  for (const w of words(text)) {
    let best = -1;
    for (const f of flagged) {
      if (f.start < w.end && w.start < f.end) {
        best = Math.max(best, f.score);
        covered.add(f);
      }
    }
    if (best >= 0) out.push({ start: w.start, end: w.end, score: best });
  }
  for (const f of flagged) if (!covered.has(f) && f.end > f.start) out.push({ start: f.start, end: f.end, score: f.score });
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
