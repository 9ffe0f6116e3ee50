/**
 * News-comment sets: the Unhealthy Comments Corpus validation split (Globe and Mail, the C3
 * newspaper) and the Fox News comments. Fox News is an evaluation set (`split: 'test'`, never
 * trained on). UCC validation is split in two halves by text hash (`uccHeldOut`): `split: 'dev'`
 * rows are reported by `npm run eval` and never trained on; `split: 'train'` rows may train
 * (the toxicity trainer's `ucc` pool, model 2.2.0) and are reported only apart.
 */
import * as path from 'path';
import { datasetsDir, inDev, readCsv } from './io';
import { categoryVector, readJsonl } from './common';
import { textKey } from './split';
import type { LabelledComment } from './types';

/** The seven UCC attributes, in the file's column order. */
export const UCC_ATTRIBUTES = ['antagonize', 'condescending', 'dismissive', 'generalisation', 'generalisation_unfair', 'healthy', 'hostile', 'sarcastic'] as const;
export type UccAttribute = (typeof UCC_ATTRIBUTES)[number];

/** A UCC comment with every attribute's binary gold and crowd share. */
export interface UccComment extends LabelledComment {
  /** Number of trusted judgements. */
  judgements: number;
  /**
   * Per attribute: `gold` = the corpus's aggregated (majority) answer, `share` = share of trusted
   * annotators saying the attribute is present (the `:confidence` column is the agreement with
   * the aggregated answer, so share = confidence when gold is 1, 1 - confidence when it is 0;
   * generalisation_unfair, a follow-up question, is scaled by the generalisation share).
   */
  attributes: Record<UccAttribute, { gold: number; share: number }>;
}

/** Share of UCC validation comments held out as dev (by text hash, fixed salt). */
export const UCC_HELD_OUT = 0.5;

/** True when a UCC comment is in the held-out dev half (never trained on). */
export function uccHeldOut(text: string): boolean {
  return inDev(textKey(text), UCC_HELD_OUT, 'ucc-held-out');
}

/**
 * UCC validation split (4,423 comments; `split` as in `uccHeldOut`). toxicBinary ("UCC toxic gold") = hostile or antagonize
 * by majority (195 comments); toxicity = the larger of the hostile and antagonize shares (the
 * share of annotators marking either cannot be recovered without per-annotator rows; the larger
 * share is its lower bound). Categories are all unknown: the attributes do not map one-to-one
 * onto insult / threat / identity attack / profanity.
 */
export function loadUcc(dir?: string): UccComment[] {
  const rows = readCsv(path.join(datasetsDir(dir), 'ucc_unhealthy_conversations', 'val.csv'));
  return rows
    .filter((r) => r.comment && r.comment.trim())
    .map((r) => {
      const attributes = {} as UccComment['attributes'];
      for (const a of UCC_ATTRIBUTES) {
        const gold = Number(r[a]) >= 0.5 ? 1 : 0;
        const conf = Number(r[`${a}:confidence`]);
        attributes[a] = { gold, share: Number.isFinite(conf) ? (gold ? conf : 1 - conf) : gold };
      }
      // generalisation_unfair is asked only of annotators who marked generalisation: its
      // confidence is among them (0 when nobody was asked), so scale it to all annotators.
      const u = attributes.generalisation_unfair;
      const uc = Number(r['generalisation_unfair:confidence']);
      u.share = uc > 0 ? attributes.generalisation.share * (u.gold ? uc : 1 - uc) : 0;
      const toxicBinary = attributes.hostile.gold || attributes.antagonize.gold ? 1 : 0;
      return {
        id: `ucc:${r._unit_id}`, text: r.comment.trim(), domain: 'ucc' as const, split: uccHeldOut(r.comment) ? 'dev' as const : 'train' as const,
        toxicity: Math.max(attributes.hostile.share, attributes.antagonize.share), toxicBinary,
        categories: categoryVector({}), judgements: Number(r._trusted_judgments), attributes,
      };
    });
}

/** A Fox News comment with its article and neighbouring comments. */
export interface FoxComment extends LabelledComment {
  /** Article headline and description. */
  title: string;
  meta: string;
  /** Previous and next comment in the thread ('' if none), commenter name. */
  prev: string;
  succ: string;
  user: string;
}

interface FoxRow { title: string; meta: string; text: string; label: number; prev: string; succ: string; user: string }

/**
 * Fox News comments (1,528 on 10 articles; 435 hateful). label 1 (hateful) -> toxicity and
 * toxicBinary 1; categories unknown (the set has one label). All rows `split: 'test'`: never
 * trained on.
 */
export function loadFoxNews(dir?: string): FoxComment[] {
  return readJsonl<FoxRow>(path.join(datasetsDir(dir), 'fox_news_comments', 'fox-news-comments.jsonl'))
    .filter((r) => typeof r.text === 'string' && r.text.trim())
    .map((r, i) => {
      const y = Number(r.label) >= 0.5 ? 1 : 0;
      return {
        id: `fox:${i}`, text: r.text.trim(), domain: 'fox' as const, split: 'test' as const,
        toxicity: y, toxicBinary: y, categories: categoryVector({}),
        title: r.title ?? '', meta: r.meta ?? '', prev: r.prev ?? '', succ: r.succ ?? '', user: r.user ?? '',
      };
    });
}
