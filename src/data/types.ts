/**
 * The records the dataset loaders return, in their own module so that each loader file and the
 * public face (index.ts) import them from below instead of from each other.
 */
import type { Category } from '../types';

/** A post with gold toxic character spans. */
export interface SpanPost {
  id: string;
  text: string;
  /** Gold toxic offsets as the dataset gives them (Python code points), sorted, unique. */
  goldCp: number[];
  /** The same gold as merged half-open UTF-16 ranges. */
  ranges: Array<[number, number]>;
}

/** One annotator's typed span on an ACL 2022 comment, UTF-16 offsets. */
export interface TypedRange {
  start: number;
  end: number;
  /** null when the dataset row has an empty type. */
  type: Category | null;
}

/** An ACL 2022 ToxicSpans comment with every annotator's spans. */
export interface AclComment {
  id: string;
  text: string;
  /** One entry per annotator (possibly empty: the annotator marked nothing). */
  annotations: TypedRange[][];
}

/** A comment with comment-level labels (NaN = unknown for that label). */
export interface LabelledComment {
  id: string;
  text: string;
  domain: 'c3' | 'olid' | 'davidson' | 'ethos' | 'acl' | 'tsd' | 'ghc' | 'implicit_hate' | 'edos' | 'stormfront' | 'hateval' | 'hatexplain' | 'ucc' | 'fox' | 'paradetox' | 'templates';
  /** 0..1 soft target for training. */
  toxicity: number;
  /** Binary gold for ROC-AUC / F1 tables (NaN: leave out). */
  toxicBinary: number;
  /** Per category 0..1, NaN = unknown. Order of CATEGORIES. */
  categories: number[];
  /** The set's own split, or the deterministic dev rule where it has none (loaders of src/data/hate.ts and after). */
  split?: 'train' | 'dev' | 'test';
}
