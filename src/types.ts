/**
 * Shared types of the Moderato pipeline. Every stage speaks these.
 *
 * ## The span convention (the one place it is documented)
 * A span is half-open `[start, end)` in **UTF-16 code units** into the original comment text,
 * exactly as JavaScript strings index, so `text.slice(span.start, span.end) === span.text`.
 * Training data from Python uses code points; `src/data` converts on load.
 */

/** The toxicity categories, in a fixed order (model heads and tables use this order). */
export const CATEGORIES = ['insult', 'threat', 'identity_attack', 'profanity', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** A flagged stretch of a comment. `[start, end)` in UTF-16 code units; see the module doc. */
export interface Span {
  start: number;
  end: number;
  /** `text.slice(start, end)` of the comment. */
  text: string;
  type: Category;
  /** 0..1: the tagger's confidence that this stretch is toxic. */
  score: number;
}

/** Article context a comment is judged against. */
export interface Article {
  id?: string;
  title?: string;
  body?: string;
  /** The article's (or forum question's) author: comments by them are part of the conversation. */
  author?: string;
}

/** One comment as clients send it. */
export interface CommentInput {
  id: string;
  text: string;
  parentId?: string | null;
  threadId?: string;
  author?: string;
  /** When it was posted (ISO 8601), if the source says: batch output and reports carry it. */
  createdAt?: string;
  /** The site it belongs to (no site: the default site). Scoring ignores it; ingest scores it with that site's adapter and labels it for that site. */
  siteId?: string;
}

/** Why a comment was flagged (or, for drift, what it drifted from). */
export interface Reason {
  /** Stable machine-readable code: `toxicity`, `category`, `off_topic`, `drift`. */
  code: 'toxicity' | 'category' | 'off_topic' | 'drift';
  /** One readable sentence for a moderator. */
  message: string;
  score?: number;
  category?: Category;
  /** Salient terms of the comment (off-topic) and of what it is compared with. */
  terms?: string[];
  contextTerms?: string[];
  /** For drift: the id of the comment this one follows. */
  parentId?: string;
}

/** What the scorer answers for one comment (HTTP, CLI and library alike). */
export interface ScoreResult {
  id: string;
  toxicity: number;
  categories: Record<Category, number>;
  /** 0..1 when the comment had context (article or thread), else null. */
  offTopic: number | null;
  flagged: boolean;
  reasons: Reason[];
  spans: Span[];
  /**
   * The site adapter that scored it (see the scorer's `ScorerRequest.adapter`), or null when the
   * base model did. Every result from the scorer carries it.
   */
  adapter?: { siteId: string; version: number } | null;
}

/** Identity of the model that produced the scores. */
export interface ModelInfo {
  name: string;
  version: string;
  backend: string;
  /** Thresholds the scorer applies (from the model card / policy). */
  thresholds?: Record<string, number>;
  /**
   * The scorer's mode: `fast` (the convolutional model alone), `accurate` (with the
   * sentence-encoder heads) or `cascade` (the heads only where the convolutional model is unsure).
   */
  mode?: 'fast' | 'accurate' | 'cascade';
  /**
   * The modes a request may ask for (`POST /v1/score`'s `mode`), where the process serves more
   * than one: a server in accurate mode also scores fast over the same convolutional model.
   */
  modes?: Array<NonNullable<ModelInfo['mode']>>;
}

/** A request to score comments, optionally with their article. */
export interface ScoreRequest {
  comments: CommentInput[];
  article?: Article;
  /**
   * True when the comments are unrelated to each other (CLI comment-per-line input): no thread
   * context, so `offTopic` is null unless an article is given. By default the comments of one
   * request are one thread (flat, or linked by `parentId`).
   */
  independent?: boolean;
  /**
   * Earlier comments of the same thread, already scored elsewhere: context for off-topic and
   * drift only. They are not scored for toxicity and get no result.
   */
  context?: CommentInput[];
}
