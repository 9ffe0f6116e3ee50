/**
 * Splits a comment into plain and highlighted stretches at exactly its spans' characters
 * (`[start, end)` in UTF-16 code units, src/types.ts), so the page renders text nodes only and
 * `text.slice(start, end)` is what each highlight shows.
 */
import type { Span } from '../../src/types';

/** A stretch of the comment: plain text, or the part of one span it shows. */
export type Segment = { text: string; start: number; end: number; span: Span | null };

/**
 * The comment cut at its spans. Spans out of range are clipped; where spans overlap, the earlier
 * one keeps the shared characters (the assembler does not emit overlaps; this keeps the page
 * honest if a future one does). Joined, the segments give back `text`.
 * @example segments('you idiot', [{ start: 4, end: 9, ... }]) // [{ text: 'you ', span: null }, { text: 'idiot', span }]
 */
export function segments(text: string, spans: readonly Span[]): Segment[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Segment[] = [];
  let at = 0;
  for (const s of sorted) {
    const start = Math.max(at, Math.min(text.length, s.start));
    const end = Math.max(start, Math.min(text.length, s.end));
    if (end === start) continue;
    if (start > at) out.push({ text: text.slice(at, start), start: at, end: start, span: null });
    out.push({ text: text.slice(start, end), start, end, span: s });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), start: at, end: text.length, span: null });
  return out;
}
