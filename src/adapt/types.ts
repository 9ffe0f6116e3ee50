/**
 * Site adaptation: what a site's moderators decided, as features the adapter learns from, and
 * the fitted adapter. Pure data; the fitting lives beside it in src/adapt, storage in src/queue.
 */
import type { Category } from '../types';

/** Attributes an adapter can learn: toxicity, each category, and off-topic. */
export type AdaptAttribute = 'toxicity' | Category | 'off_topic';

/**
 * The base models whose outputs a comment's features hold, each as "name version". A head fitted
 * on one base's outputs reads another's wrongly (an upgrade moves scores across a threshold), so
 * a fit keeps to one base and scoring applies a head only over the base it was fitted on.
 */
export interface BaseModels {
  /** The toxicity model: its outputs are every head's inputs. */
  toxicity: string;
  /** The off-topic model, when the comment had context: the off_topic head's input. */
  off_topic?: string;
}

/**
 * What is kept of a decided comment so a refit never re-embeds it: the base model's outputs and
 * the sentence vector quantised to int8 (`vector[i] / 127` restores it to within 0.4%).
 */
export interface StoredFeatures {
  /** Base outputs, 0..1: `toxicity`, each category, and `off_topic` when the comment had context. */
  base: Partial<Record<AdaptAttribute, number>>;
  /** ENCODER_DIM int8 values. */
  vector: Int8Array;
  /**
   * The article's sentence vector, int8 like `vector`, when the comment was scored with one
   * (accurate mode, an article given): the off_topic head relates the comment to it. Absent in
   * features stored before it existed.
   */
  article?: Int8Array;
  /** The models that produced `base`. Absent in features stored before it existed (taken as any base's). */
  models?: BaseModels;
}

/** One moderator decision as a training label for its site. */
export interface LabelledExample {
  features: StoredFeatures;
  /** 1 = rejected (not acceptable on this site), 0 = approved. Escalations are not labels. */
  label: 0 | 1;
  /** The moderator's reason when given (a category, or `off_topic`). */
  category?: AdaptAttribute | null;
  /** True when the comment reached the queue through the audit sample (the policy would publish it). */
  audit?: boolean;
  /**
   * The thread (article) the comment was posted under, when known. Cross-validation keeps a
   * thread's rows in one fold: off-topic is relative to the article, so rows of one article
   * split across folds let a head learn that article's topic and score its own gain.
   */
  group?: string | null;
}

/**
 * A logistic layer for one attribute: `sigmoid(w . x + b)`, x = [logit(base), vector], for an
 * off_topic head with `article` the comment's and the article's vectors multiplied component-wise
 * in place of the vector (see `featureRow`).
 */
export interface AttributeHead {
  w: number[];
  b: number;
  /** The head reads the comment-x-article product (absent in heads fitted before it existed, or without article vectors). */
  article?: boolean;
}

/** One attribute's cross-validated AUCs and what its gate decided. */
export interface AttributeGate {
  base: number;
  adapted: number;
  /** The gain's z (paired DeLong); absent in adapters fitted before per-attribute gates. */
  z?: number;
  /**
   * Share of the head's change applied: 0 held back (the base scores it), 1/2 or 1 (see
   * `strengthFor`). Absent in adapters fitted before per-attribute gates: there a stored head was
   * applied whenever `activated` (the toxicity gate) held.
   */
  strength?: number;
}

/** Cross-validated report of one fit. */
export interface AdapterReport {
  decisions: number;
  positives: number;
  /** Per attribute fitted: cross-validated AUC of the base output and of the adapter, and its gate. */
  auc: Partial<Record<AdaptAttribute, AttributeGate>>;
  /**
   * True when at least one attribute's head passed its own gate (no attribute gets worse). In
   * adapters fitted before per-attribute gates (no `strength` in `auc`), the toxicity gate.
   */
  activated: boolean;
  margin: number;
  /**
   * The toxicity gain's standard error (paired DeLong, on the out-of-fold scores) and z = gain /
   * se; activation also needs z >= minZ, so a gain within the noise of few decisions is refused.
   */
  significance?: { se: number; z: number; minZ: number; fullZ?: number };
  /**
   * Share of the toxicity head's change applied when it passed its gate: 1 from `fullZ` standard
   * errors, 1/2 below (the heads hold it already; absent in adapters fitted before it existed: 1,
   * and when the toxicity head is held back). Each attribute's own is in `auc[attribute].strength`.
   */
  strength?: number;
  /** Threshold on the adapted toxicity that reaches the target precision, when one does. */
  suggestedThreshold: { precision: number; threshold: number; recall: number } | null;
  /** Learning curve: cross-validated AUC with the first n decisions. */
  curve: { n: number; base: number; adapted: number }[];
  /**
   * The base the heads were fitted on: the newest decision's (see `fitAdapter`). Scoring over
   * another base keeps the base's scores for the heads it concerns. Absent when no decision
   * recorded its models, and in adapters fitted before it existed: applied over any base.
   */
  base?: BaseModels;
  /** Decisions left out because another base scored them: of the toxicity heads, of the off_topic head. */
  otherBase?: { toxicity: number; off_topic: number };
}

/** A fitted, versioned adapter of one site. */
export interface SiteAdapter {
  siteId: string;
  version: number;
  createdAt: string;
  heads: Partial<Record<AdaptAttribute, AttributeHead>>;
  report: AdapterReport;
}
