/**
 * ParaDetox: toxic sentences (lower-cased, tokenised) with 1-3 crowd-written non-toxic
 * paraphrases, the toxic sentences annotators could not rewrite, and the pseudo spans a pair
 * implies (the words of the toxic sentence that no paraphrase keeps).
 */
import * as path from 'path';
import { datasetsDir } from './io';
import { isDevByText, readQuotedTsv, type SplitName } from './common';

/** A toxic sentence and its non-toxic paraphrases. */
export interface ParadetoxPair {
  id: string;
  toxic: string;
  neutral: string[];
  /** Text-hash dev rule on the toxic sentence (a pair never straddles the split). */
  split: SplitName;
}

/** A toxic sentence annotators could not detoxify, with their reasons. */
export interface ParadetoxUnrewritable {
  id: string;
  text: string;
  /** Keys of the OUTPUT:reasons JSON that are true: 'toxic_content', 'unclear', 'not_toxic', 'other_tick'. */
  reasons: string[];
  split: SplitName;
}

/** Loads ParaDetox: 11,910 pairs and 12,020 cannot-rewrite rows (texts repeat there: one row per judgement). */
export function loadParadetox(dir?: string): { pairs: ParadetoxPair[]; cannotRewrite: ParadetoxUnrewritable[] } {
  const base = path.join(datasetsDir(dir), 'paradetox');
  const pairs = readQuotedTsv(path.join(base, 'paradetox.tsv'))
    .filter((r) => r.toxic && r.toxic.trim())
    .map((r, i) => {
      const toxic = r.toxic.trim();
      const neutral = [r.neutral1, r.neutral2, r.neutral3].map((s) => (s ?? '').trim()).filter(Boolean);
      return { id: `paradetox:${i}`, toxic, neutral, split: (isDevByText(toxic) ? 'dev' : 'train') as SplitName };
    });
  const cannotRewrite = readQuotedTsv(path.join(base, 'paradetox_cannot_rewrite.tsv'))
    .map((r, i) => {
      // The comment column carries its own pair of quotes inside the TSV quoting.
      const text = (r['INPUT:toxic_comment'] ?? '').trim().replace(/^"([\s\S]*)"$/, '$1').trim();
      let reasons: string[] = [];
      try {
        const o = JSON.parse(r['OUTPUT:reasons'] ?? '{}') as Record<string, unknown>;
        reasons = Object.keys(o).filter((k) => o[k] === true);
      } catch {
        reasons = [];
      }
      return { id: `paradetox-cr:${i}`, text, reasons, split: (isDevByText(text) ? 'dev' : 'train') as SplitName };
    })
    .filter((r) => r.text);
  return { pairs, cannotRewrite };
}

/**
 * Word keys for matching across the two tokenisations: lower case, Penn-style contractions split
 * ("don't" and the corpus's "do n't" both give `do`, `nt`), then runs of letters and digits.
 */
export function wordKeys(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/n['\u2019]t\b/g, ' nt')
    .replace(/['\u2019](\p{L}+)/gu, ' $1')
    .match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Pseudo toxic spans of a ParaDetox pair: the words of `toxic` (split at whitespace) that no
 * paraphrase keeps (a word with a key found in no paraphrase), as merged half-open UTF-16 ranges
 * (consecutive dropped words are joined across the space between them). Punctuation-only words
 * are never a span and break a run.
 *
 * @example pseudoSpans('he had steel balls too !', ['he was brave too!']) // [[3, 18]]: "had steel balls"
 */
export function pseudoSpans(toxic: string, neutral: string[]): Array<[number, number]> {
  // Also each paraphrase word with its apostrophes dropped: "I'm" keeps the corpus's "im".
  const kept = new Set(neutral.flatMap((n) => [...wordKeys(n), ...n.split(/\s+/).flatMap((w) => wordKeys(w.replace(/['\u2019]/g, '')))]));
  const out: Array<[number, number]> = [];
  let prevDropped = false;
  for (const m of toxic.matchAll(/\S+/g)) {
    const keys = wordKeys(m[0]);
    const dropped = keys.length > 0 && keys.some((k) => !kept.has(k));
    if (dropped) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      const last = out[out.length - 1];
      if (last && prevDropped) last[1] = end;
      else out.push([start, end]);
    }
    prevDropped = dropped;
  }
  return out;
}
