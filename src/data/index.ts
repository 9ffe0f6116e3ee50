/**
 * Dataset loaders. Every loader returns texts with spans already in UTF-16 code units (the
 * project's span convention, src/types.ts); the original code-point offsets are kept beside them
 * because the SemEval metric is defined on them.
 *
 * Dev splits are deterministic (hash of the text with a fixed salt), so every seed and every run
 * evaluates on the same posts.
 */
import * as path from 'path';
import type { Category } from '../types';
import { categoryVector } from './common';
import { datasetsDir, offsetsToRanges, readCsv } from './io';
import type { AclComment, LabelledComment, SpanPost, TypedRange } from './types';

export { datasetsDir, codePointToUtf16, utf16ToCodePoint, offsetsToRanges, stableHash, inDev } from './io';

export type { SpanPost, TypedRange, AclComment, LabelledComment } from './types';

const SPAN_DIR = 'toxic_spans_semeval2021';

function parseOffsets(s: string): number[] {
  const t = s.trim();
  if (t === '' || t === '[]') return [];
  return t.replace(/^\[|\]$/g, '').split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x));
}

/** Loads `tsd_train` or `tsd_trial` of SemEval-2021 Task 5. */
export function loadTsd(split: 'tsd_train' | 'tsd_trial', dir?: string): SpanPost[] {
  const rows = readCsv(path.join(datasetsDir(dir), SPAN_DIR, `${split}.csv`));
  return rows.map((r, i) => {
    const goldCp = [...new Set(parseOffsets(r.spans))].sort((a, b) => a - b);
    return { id: `${split}:${i}`, text: r.text, goldCp, ranges: offsetsToRanges(r.text, goldCp) };
  });
}

const ACL_TYPES: Array<[string, Category]> = [
  ['insult', 'insult'],
  ['threat', 'threat'],
  ['identity', 'identity_attack'],
  ['profane', 'profanity'],
  ['other', 'other'],
];

/** Maps an ACL type label, also the truncated ones (`Insu`, `Identity based `), to a category. */
export function aclType(label: string): Category | null {
  const l = label.trim().toLowerCase();
  if (!l) return null;
  for (const [prefix, cat] of ACL_TYPES) {
    // Truncated labels ('Insu') are prefixes of the name; full ones start with it.
    if (l.startsWith(prefix) || (l.length >= 3 && prefix.startsWith(l))) return cat;
  }
  return null;
}

/** Loads ACL 2022 ToxicSpans: comments with each annotator's typed spans (UTF-16). */
export function loadAcl(dir?: string): AclComment[] {
  const base = path.join(datasetsDir(dir), 'toxic_spans_acl2022');
  const comments = readCsv(path.join(base, 'comments.csv'));
  const annotations = readCsv(path.join(base, 'annotations.csv'));
  const spans = readCsv(path.join(base, 'spans.csv'));
  const byAnn = new Map<string, Array<{ start: number; end: number; type: string }>>();
  for (const s of spans) {
    const list = byAnn.get(s.annotation) ?? [];
    list.push({ start: Number(s.start), end: Number(s.end), type: s.type ?? '' });
    byAnn.set(s.annotation, list);
  }
  const annsOf = new Map<string, string[]>();
  for (const a of annotations) {
    const list = annsOf.get(a.comment_id) ?? [];
    list.push(a.annotation);
    annsOf.set(a.comment_id, list);
  }
  const out: AclComment[] = [];
  for (const c of comments) {
    const text = c.comment_text ?? '';
    const anns = annsOf.get(c.comment_id);
    if (!text || !anns) continue;
    const annotations2: TypedRange[][] = anns.map((a) =>
      (byAnn.get(a) ?? []).flatMap((s) => {
        const cps: number[] = [];
        for (let k = s.start; k < s.end; k++) cps.push(k);
        return offsetsToRanges(text, cps).map(([start, end]) => ({ start, end, type: aclType(s.type) }));
      }),
    );
    out.push({ id: `acl:${c.comment_id}`, text, annotations: annotations2 });
  }
  return out;
}

const nanCats = (): number[] => [NaN, NaN, NaN, NaN, NaN];

/** C3 news comments: crowd toxicity level 1-4 -> soft target; binary gold = level >= 2. */
export function loadC3(dir?: string): Array<LabelledComment & { articleId: string }> {
  const rows = readCsv(path.join(datasetsDir(dir), 'c3_constructive_comments', 'C3_anonymized.csv.gz'));
  return rows
    .filter((r) => r.comment_text && r.crowd_toxicity_level !== '')
    .map((r, i) => {
      const level = Number(r.crowd_toxicity_level);
      const clean = level <= 1;
      return {
        id: `c3:${i}`,
        text: r.comment_text,
        articleId: r.article_id,
        domain: 'c3' as const,
        toxicity: Math.max(0, Math.min(1, (level - 1) / 2)),
        toxicBinary: level >= 2 ? 1 : 0,
        // A comment the crowd found not toxic at all has no category either.
        categories: clean ? [0, 0, 0, 0, 0] : nanCats(),
      };
    });
}

/** OLID level B's categories of an offensive tweet; any other label leaves them unknown. */
const OLID_LEVEL_B: Record<string, Partial<Record<Category, number>>> = { TIN: { insult: 1 }, UNT: { insult: 0, profanity: 1 } };

/**
 * OLID: the training TSV, or the public test set (tweets + labels-levela.csv and labels-levelb.csv).
 * Level A (OFF / NOT) is the toxicity; level B types the offensive tweets: TIN (a targeted insult
 * or threat) -> insult 1, UNT (untargeted profanity and swearing, by the annotation guide) ->
 * insult 0 and profanity 1; the other categories of an offensive tweet are unknown, a NOT tweet is
 * 0 on all of them.
 */
export function loadOlid(split: 'train' | 'test', dir?: string): LabelledComment[] {
  const base = path.join(datasetsDir(dir), 'olid');
  let rows: Array<{ id: string; tweet: string; label: string; typed: string }>;
  if (split === 'train') {
    rows = readCsv(path.join(base, 'olid-training-v1.0.tsv'), '\t').map((r) => ({ id: r.id, tweet: r.tweet, label: r.subtask_a, typed: r.subtask_b }));
  } else {
    const labels = new Map(readCsv(path.join(base, 'labels-levela.csv')).map((r) => [r.id, r.label]));
    const typed = new Map(readCsv(path.join(base, 'labels-levelb.csv')).map((r) => [r.id, r.label]));
    rows = readCsv(path.join(base, 'testset-levela.tsv'), '\t').map((r) => ({ id: r.id, tweet: r.tweet, label: labels.get(r.id) ?? '', typed: typed.get(r.id) ?? '' }));
  }
  return rows
    .filter((r) => r.tweet && (r.label === 'OFF' || r.label === 'NOT'))
    .map((r) => {
      const off = r.label === 'OFF' ? 1 : 0;
      const categories = off ? categoryVector(OLID_LEVEL_B[r.typed] ?? {}) : [0, 0, 0, 0, 0];
      return { id: `olid-${split}:${r.id}`, text: r.tweet, domain: 'olid' as const, toxicity: off, toxicBinary: off, categories };
    });
}

/** Davidson et al. tweets: hate / offensive / neither vote counts -> soft labels. */
export function loadDavidson(dir?: string): LabelledComment[] {
  const rows = readCsv(path.join(datasetsDir(dir), 'davidson_hate_offensive', 'labeled_data.csv'));
  return rows
    .filter((r) => r.tweet)
    .map((r, i) => {
      const n = Math.max(1, Number(r.count));
      const hate = Number(r.hate_speech) / n;
      const neither = Number(r.neither) / n;
      const cls = Number(r.class);
      return {
        id: `davidson:${i}`,
        text: r.tweet,
        domain: 'davidson' as const,
        toxicity: 1 - neither,
        toxicBinary: cls === 2 ? 0 : 1,
        // insult, threat, identity_attack, profanity, other: only the hate share is known.
        categories: cls === 2 ? [0, 0, 0, 0, 0] : [NaN, NaN, hate, NaN, NaN],
      };
    });
}

/** ETHOS: binary hate score plus multi-label targets (violence -> threat, identity groups -> identity_attack). */
export function loadEthos(dir?: string): LabelledComment[] {
  const base = path.join(datasetsDir(dir), 'ethos');
  const multi = new Map<string, Record<string, string>>();
  for (const r of readCsv(path.join(base, 'Ethos_Dataset_Multi_Label.csv'), ';')) multi.set(r.comment, r);
  return readCsv(path.join(base, 'Ethos_Dataset_Binary.csv'), ';')
    .filter((r) => r.comment)
    .map((r, i) => {
      const hate = Number(r.isHate);
      const m = multi.get(r.comment);
      let cats = hate < 0.5 ? [0, 0, 0, 0, 0] : nanCats();
      if (m) {
        const ident = Math.max(...['gender', 'race', 'national_origin', 'disability', 'religion', 'sexual_orientation'].map((k) => Number(m[k]) || 0));
        cats = [NaN, Number(m.violence) || 0, ident, NaN, NaN];
      }
      return { id: `ethos:${i}`, text: r.comment, domain: 'ethos' as const, toxicity: hate, toxicBinary: hate >= 0.5 ? 1 : 0, categories: cats };
    });
}

export { SPLIT_SALT, isDevText, textKey } from './split';
export { categoryVector, isDevByText, readJsonl, readQuotedTsv, DEV_FRACTION, type SplitName } from './common';
export { loadGhc, loadImplicitHate, loadEdos, loadStormfront, loadHateval, type GhcPost, type ImplicitHatePost, type EdosPost, type StormfrontSentence, type HatevalTweet } from './hate';
export { loadHatexplain, hatexplainPost, majorityRanges, type HatexplainPost, type HatexplainWord, type HatexplainLabel, type HatexplainRow } from './hatexplain';
export { loadUcc, loadFoxNews, uccHeldOut, UCC_HELD_OUT, UCC_ATTRIBUTES, type UccAttribute, type UccComment, type FoxComment } from './news';
export { loadParadetox, pseudoSpans, wordKeys, type ParadetoxPair, type ParadetoxUnrewritable } from './paradetox';
