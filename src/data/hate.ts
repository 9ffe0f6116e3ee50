/**
 * Hate-speech sets with comment-level labels: Gab Hate Corpus, Latent Hatred, EDOS, Stormfront
 * and HatEval 2019. Each returns `LabelledComment`s with the set's own split where it ships one
 * (GHC train/test, EDOS train/dev/test, HatEval train/dev/test) and the shared text-hash dev rule
 * (`isDevByText`, 15%) where it does not (Latent Hatred, Stormfront).
 *
 * Texts are kept as the files give them (after CSV unquoting, trimmed): none of the SOURCE.md
 * files calls `[USER]`, `@user` or the retweet quote marks placeholders, so nothing is stripped.
 * Categories follow the convention of src/data/common.ts (negatives are 0 only where the set
 * annotates that category).
 */
import * as path from 'path';
import { datasetsDir, readCsv } from './io';
import { categoryVector, isDevByText, readQuotedTsv, type SplitName } from './common';
import type { LabelledComment } from './types';

const bit = (s: string | undefined): number => (Number(s) >= 0.5 ? 1 : 0);

/** A Gab Hate Corpus post with its three majority labels. */
export interface GhcPost extends LabelledComment {
  hd: number;
  cv: number;
  vo: number;
}

/**
 * Gab Hate Corpus (majority-label release), `train` (22,036) or `test` (5,510).
 * Mapping: hd (assault on human dignity) -> identity_attack, cv (call for violence) -> threat,
 * vo (vulgarity / offensive language) -> profanity; insult and other unknown. toxicity =
 * toxicBinary = any of hd, cv, vo. An all-zero post gets 0 on threat, identity_attack and
 * profanity.
 */
export function loadGhc(split: 'train' | 'test', dir?: string): GhcPost[] {
  const rows = readQuotedTsv(path.join(datasetsDir(dir), 'gab_hate_corpus', `ghc_${split}.tsv`));
  return rows
    .filter((r) => r.text && r.text.trim())
    .map((r, i) => {
      const hd = bit(r.hd);
      const cv = bit(r.cv);
      const vo = bit(r.vo);
      const any = Math.max(hd, cv, vo);
      return {
        id: `ghc-${split}:${i}`, text: r.text.trim(), domain: 'ghc' as const, split,
        toxicity: any, toxicBinary: any,
        categories: categoryVector({ threat: cv, identity_attack: hd, profanity: vo }),
        hd, cv, vo,
      };
    });
}

/** A Latent Hatred post: stage-1 class plus, where annotated, the fine class, target and implied statement. */
export interface ImplicitHatePost extends LabelledComment {
  hateClass: 'not_hate' | 'implicit_hate' | 'explicit_hate';
  /** Stage-2 fine class of implicit hate (white_grievance, incitement, inferiority, irony, stereotypical, threatening, other), '' if none. */
  implicitClass: string;
  extraImplicitClass: string;
  /** Stage-3 free-text target group and implied statement, '' if none. */
  target: string;
  impliedStatement: string;
}

const THREAT_CLASSES = new Set(['threatening', 'incitement']);

/**
 * Latent Hatred / Implicit Hate Corpus (21,480 stage-1 posts; 4 texts appear twice and are kept).
 * Mapping: implicit_hate or explicit_hate -> toxicity 1 and identity_attack 1; not_hate ->
 * toxicity 0, identity_attack 0. threat: 1 when the stage-2 class (or the extra class) is
 * threatening or incitement, 0 when a hateful post has another fine class, unknown otherwise
 * (explicit hate and not-hate posts have no fine class). Dev = text-hash rule.
 */
export function loadImplicitHate(dir?: string): ImplicitHatePost[] {
  const base = path.join(datasetsDir(dir), 'implicit_hate');
  const stage2 = new Map<string, Record<string, string>>();
  for (const r of readQuotedTsv(path.join(base, 'implicit_hate_v1_stg2_posts.tsv'))) stage2.set(r.post, r);
  const stage3 = new Map<string, Record<string, string>>();
  for (const r of readQuotedTsv(path.join(base, 'implicit_hate_v1_stg3_posts.tsv'))) stage3.set(r.post, r);
  return readQuotedTsv(path.join(base, 'implicit_hate_v1_stg1_posts.tsv'))
    .filter((r) => r.post && r.post.trim() && ['not_hate', 'implicit_hate', 'explicit_hate'].includes(r.class))
    .map((r, i) => {
      const hateClass = r.class as ImplicitHatePost['hateClass'];
      const hate = hateClass === 'not_hate' ? 0 : 1;
      const s2 = stage2.get(r.post);
      const s3 = stage3.get(r.post);
      const implicitClass = s2?.implicit_class ?? '';
      const extraImplicitClass = s2?.extra_implicit_class ?? '';
      let threat = NaN;
      if (hate && implicitClass) threat = THREAT_CLASSES.has(implicitClass) || THREAT_CLASSES.has(extraImplicitClass) ? 1 : 0;
      const text = r.post.trim();
      return {
        id: `implicit_hate:${i}`, text, domain: 'implicit_hate' as const, split: (isDevByText(text) ? 'dev' : 'train') as SplitName,
        toxicity: hate, toxicBinary: hate,
        categories: categoryVector({ threat, identity_attack: hate }),
        hateClass, implicitClass, extraImplicitClass, target: s3?.target ?? '', impliedStatement: s3?.implied_statement ?? '',
      };
    });
}

/** An EDOS post with its sexism category and fine vector. */
export interface EdosPost extends LabelledComment {
  /** e.g. '1. threats, plans to harm and incitement', 'none' for not sexist. */
  category: string;
  /** e.g. '1.1 threats of harm', 'none'. */
  vector: string;
}

/**
 * EDOS (SemEval-2023 Task 10), 20,000 posts with the file's own `split` column (train 14,000 /
 * dev 2,000 / test 4,000). Mapping: sexist -> toxicity 1 and identity_attack 1; category
 * "1. threats, plans to harm and incitement" -> threat 1 (other sexist posts threat 0). Not
 * sexist -> toxicity 0 and every category unknown (the set labels sexism only; a post that is not
 * sexist may still insult).
 */
export function loadEdos(dir?: string): EdosPost[] {
  const rows = readCsv(path.join(datasetsDir(dir), 'edos', 'edos_labelled_aggregated.csv'));
  return rows
    .filter((r) => r.text && r.text.trim() && ['train', 'dev', 'test'].includes(r.split))
    .map((r) => {
      const sexist = r.label_sexist === 'sexist' ? 1 : 0;
      const threat = r.label_category.startsWith('1.') ? 1 : 0;
      return {
        id: `edos:${r.rewire_id}`, text: r.text.trim(), domain: 'edos' as const, split: r.split as SplitName,
        toxicity: sexist, toxicBinary: sexist,
        categories: sexist ? categoryVector({ threat, identity_attack: 1 }) : categoryVector({}),
        category: r.label_category, vector: r.label_vector,
      };
    });
}

/** A Stormfront sentence with its forum ids and the paper's sampled split. */
export interface StormfrontSentence extends LabelledComment {
  label: 'hate' | 'noHate' | 'relation';
  /** Post id: the sentences of one post share it. */
  commentId: string;
  sentenceNo: number;
  /** The paper's balanced subsets ('train', 'test', '' for the rest). */
  sampledSplit: string;
}

/**
 * Stormfront sentences (10,944 rows; the 73 idk/skip rows are dropped, 10,871 kept). Mapping:
 * hate -> toxicity 1 and identity_attack 1; noHate -> toxicity 0 and identity_attack 0;
 * relation (hateful only with the neighbouring sentences) -> toxicity and categories unknown,
 * toxicBinary NaN (left out of AUCs). Dev = text-hash rule (not the paper's sampled subsets).
 */
export function loadStormfront(dir?: string): StormfrontSentence[] {
  const rows = readCsv(path.join(datasetsDir(dir), 'stormfront', 'stormfront_sentences.csv'));
  return rows
    .filter((r) => r.text && r.text.trim() && ['hate', 'noHate', 'relation'].includes(r.label))
    .map((r) => {
      const label = r.label as StormfrontSentence['label'];
      const y = label === 'hate' ? 1 : label === 'noHate' ? 0 : NaN;
      const text = r.text.trim();
      return {
        id: `stormfront:${r.file_id}`, text, domain: 'stormfront' as const, split: (isDevByText(text) ? 'dev' : 'train') as SplitName,
        toxicity: y, toxicBinary: y,
        categories: categoryVector({ identity_attack: y }),
        label, commentId: r.comment_id, sentenceNo: Number(r.sentence_no), sampledSplit: r.sampled_split ?? '',
      };
    });
}

/** A HatEval 2019 tweet with its three labels. */
export interface HatevalTweet extends LabelledComment {
  /** Hate against immigrants or women. */
  hs: number;
  /** Targets an individual (1) or a group (0); 0 on non-hateful tweets. */
  targeted: number;
  /** Aggressive; 0 on non-hateful tweets. */
  aggressive: number;
}

/**
 * HatEval 2019 English, `train` (9,000), `dev` (1,000) or `test` (3,000). Mapping: HS ->
 * toxicity, toxicBinary and identity_attack (hate against immigrants / women); the other
 * categories unknown. TR and AG (defined only on hateful tweets) are kept as `targeted` and
 * `aggressive`.
 */
export function loadHateval(split: SplitName, dir?: string): HatevalTweet[] {
  const rows = readCsv(path.join(datasetsDir(dir), 'hateval2019', `hateval2019_en_${split}.csv`));
  return rows
    .filter((r) => r.text && r.text.trim())
    .map((r) => {
      const hs = bit(r.HS);
      return {
        id: `hateval-${split}:${r.id}`, text: r.text.trim(), domain: 'hateval' as const, split,
        toxicity: hs, toxicBinary: hs,
        categories: categoryVector({ identity_attack: hs }),
        hs, targeted: bit(r.TR), aggressive: bit(r.AG),
      };
    });
}
