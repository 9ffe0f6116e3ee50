/**
 * HateXplain (partial copy: the official val split and the part of train where annotators
 * disagree). The text is the post's tokens joined by single spaces, so each word's UTF-16
 * offsets are exact and `text.slice(w.start, w.end) === w.token`. Placeholders the corpus put
 * in (`<user>`, `<number>`) stay as tokens: SOURCE.md does not call them placeholders, and
 * dropping them would shift the rationale indices.
 */
import * as path from 'path';
import { datasetsDir } from './io';
import { categoryVector, readJsonl, type SplitName } from './common';
import type { LabelledComment } from './types';

const LABELS = ['hatespeech', 'offensive', 'normal'] as const;
export type HatexplainLabel = (typeof LABELS)[number];

/** One token of a HateXplain post, with its offsets in the built text and its rationale marks. */
export interface HatexplainWord {
  token: string;
  /** Half-open UTF-16 range in the post's `text`. */
  start: number;
  end: number;
  /** Share of the 3 annotators who marked the word as a reason (val only; NaN elsewhere). */
  rationaleShare: number;
  /** Majority rationale: marked by >= 2 of 3 annotators (val), or the majority-voted span (train, eraser evidence); false where unknown. */
  majority: boolean;
}

/** A HateXplain post. */
export interface HatexplainPost extends LabelledComment {
  postId: string;
  /** Annotator labels (3). */
  labels: HatexplainLabel[];
  /** Majority label, null when all three differ. */
  label: HatexplainLabel | null;
  /** Communities any annotator named as targeted ('None' left out). */
  targets: string[];
  words: HatexplainWord[];
  /**
   * Where the rationale comes from: 'annotators' (val: each annotator's tokens), 'majority'
   * (train: majority-voted token spans), 'approximate' (train: highlighted words mapped onto every
   * token with that word; `majority` is false and `approximateRationale` holds the marks), 'none'.
   */
  rationaleSource: 'annotators' | 'majority' | 'approximate' | 'none';
  /** Approximate any-annotator marks per word ('approximate' posts only). */
  approximateRationale: boolean[] | null;
  /** True when the post has a majority rationale (at least one word with `majority`). */
  hasMajorityRationale: boolean;
}

/** One line of the HateXplain JSONL files. */
export interface HatexplainRow {
  post_id: string;
  official_split: string;
  tokens: string[];
  labels: string[];
  targets_per_annotator?: string[][];
  targets_union?: string[];
  rationale_source: string;
  rationale_token_idx: number[][];
}

const FILES = ['hatexplain_val.jsonl', 'hatexplain_train_part1.jsonl', 'hatexplain_train_part2.jsonl', 'hatexplain_undecided.jsonl'];

/** Builds a post from one JSONL row (exported for tests on hand-written rows). */
export function hatexplainPost(r: HatexplainRow): HatexplainPost {
  const labels = r.labels.filter((l): l is HatexplainLabel => (LABELS as readonly string[]).includes(l));
  const n = Math.max(1, labels.length);
  const count = (l: HatexplainLabel): number => labels.filter((x) => x === l).length;
  const top = LABELS.map((l) => [l, count(l)] as const).sort((a, b) => b[1] - a[1])[0];
  const label = top[1] * 2 > labels.length ? top[0] : null;
  const toxicShare = (count('hatespeech') + count('offensive')) / n;
  // identity_attack: share of annotators voting hatespeech and naming a target community.
  let identity: number;
  if (r.targets_per_annotator) {
    identity = r.labels.filter((l, i) => l === 'hatespeech' && (r.targets_per_annotator?.[i] ?? []).some((t) => t !== 'None')).length / n;
  } else {
    identity = (r.targets_union ?? []).some((t) => t !== 'None') ? count('hatespeech') / n : 0;
  }
  const targets = [...new Set([...(r.targets_per_annotator ?? []).flat(), ...(r.targets_union ?? [])])].filter((t) => t && t !== 'None');
  // Text and word offsets: tokens joined by single spaces.
  const words: HatexplainWord[] = [];
  let pos = 0;
  for (const token of r.tokens) {
    words.push({ token, start: pos, end: pos + token.length, rationaleShare: NaN, majority: false });
    pos += token.length + 1;
  }
  const text = r.tokens.join(' ');
  let rationaleSource: HatexplainPost['rationaleSource'] = 'none';
  let approximateRationale: boolean[] | null = null;
  const lists = r.rationale_token_idx ?? [];
  if (r.rationale_source.startsWith('per_annotator')) {
    rationaleSource = 'annotators';
    const votes = new Array<number>(words.length).fill(0);
    for (const list of lists) for (const k of new Set(list)) if (k >= 0 && k < words.length) votes[k]++;
    // Three annotators labelled every post; one who voted normal gave no list.
    words.forEach((w, k) => {
      w.rationaleShare = votes[k] / 3;
      w.majority = votes[k] >= 2;
    });
  } else if (r.rationale_source.startsWith('eraser_evidence')) {
    rationaleSource = 'majority';
    for (const k of lists.flat()) if (k >= 0 && k < words.length) words[k].majority = true;
  } else if (r.rationale_source.startsWith('highlighted_word_set') && lists.flat().length) {
    rationaleSource = 'approximate';
    const marked = new Set(lists.flat());
    approximateRationale = words.map((_, k) => marked.has(k));
  }
  const split: SplitName = r.official_split === 'val' ? 'dev' : 'train';
  return {
    id: `hatexplain:${r.post_id}`, postId: r.post_id, text, domain: 'hatexplain', split,
    toxicity: toxicShare,
    toxicBinary: label === null ? NaN : label === 'normal' ? 0 : 1,
    categories: toxicShare === 0 ? categoryVector({ insult: 0, threat: 0, identity_attack: 0, profanity: 0, other: 0 }) : categoryVector({ identity_attack: identity }),
    labels, label, targets, words, rationaleSource, approximateRationale,
    hasMajorityRationale: words.some((w) => w.majority),
  };
}

/**
 * Loads HateXplain: `split` 'dev' = the official val split (1,922, per-annotator rationales),
 * 'train' = the disagreement part of train (7,495) plus the 919 posts without a majority label,
 * 'all' = both. Mapping: toxicity = share of annotators voting hatespeech or offensive;
 * toxicBinary = majority hatespeech or offensive (1) vs majority normal (0), NaN without a
 * majority; identity_attack = share voting hatespeech with a target community; a post no
 * annotator found toxic is 0 on every category, other categories unknown.
 */
export function loadHatexplain(split: 'dev' | 'train' | 'all' = 'all', dir?: string): HatexplainPost[] {
  const base = path.join(datasetsDir(dir), 'hatexplain_partial');
  const seen = new Set<string>();
  const out: HatexplainPost[] = [];
  for (const f of FILES) {
    for (const r of readJsonl<HatexplainRow>(path.join(base, f))) {
      if (seen.has(r.post_id) || !r.tokens?.length) continue;
      seen.add(r.post_id);
      const p = hatexplainPost(r);
      if (split === 'all' || p.split === split) out.push(p);
    }
  }
  return out;
}

/** The majority rationale of a post as merged half-open UTF-16 ranges (adjacent words joined across the space). */
export function majorityRanges(post: HatexplainPost): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  post.words.forEach((w, k) => {
    if (!w.majority) return;
    const last = out[out.length - 1];
    if (last && k > 0 && post.words[k - 1].majority) last[1] = w.end;
    else out.push([w.start, w.end]);
  });
  return out;
}
