/**
 * Types of the moderation queue: what the stores keep and answer. Both stores (SQLite and
 * PostgreSQL) implement {@link QueueStore} and pass the same test suite.
 */
import { z } from 'zod';
import type { AdaptAttribute, AdapterReport, LabelledExample, SiteAdapter, StoredFeatures } from '../adapt/types';
import type { Article, Category, Reason, ScoreResult, Span } from '../types';
import { hasLoneSurrogate } from '../util/unicode';
import type { HoldCategory, Policy } from './policy';

/** The site of comments sent without a `siteId`: its moderators' decisions train its adapter. */
export const DEFAULT_SITE = 'default';

/**
 * A site's id: whose moderators' decisions (and so whose adapter) a comment belongs to. No control
 * characters (PostgreSQL refuses NUL in text) and well-formed Unicode, since it also arrives as a
 * path segment, which the body checks do not see.
 */
export const SiteIdSchema = z.string().min(1).max(200)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'A site id holds no control characters')
  .refine((s) => !hasLoneSurrogate(s), 'A site id is well-formed Unicode (no lone surrogate)');

/** Where a comment stands. `published`/`pending` come from ingest; the rest from decisions. */
export const COMMENT_STATUSES = ['published', 'pending', 'approved', 'rejected', 'escalated'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

/** What a moderator can decide. `approve`/`reject` are final; `escalate` hands it up. */
export const DECISION_ACTIONS = ['approve', 'reject', 'escalate'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** API key roles. `admin` satisfies every role check. */
export const ROLES = ['ingest', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Why a comment is held; defined beside the policy that decides it, so policy.ts need not import this file. */
export type { HoldCategory };

/** A scored comment ready to store (the HTTP layer scores it and applies the policy first). */
export interface NewComment {
  id: string;
  text: string;
  threadId?: string | null;
  parentId?: string | null;
  author?: string | null;
  siteId?: string | null;
  article?: Article | null;
  /** Any further fields the client sent, kept verbatim. */
  metadata?: Record<string, unknown> | null;
  result: ScoreResult;
  status: 'published' | 'pending';
  category: HoldCategory | null;
  /** max(toxicity, every category score): what the queue sorts and filters by. */
  score: number;
  model?: { name: string; version: string } | null;
  policyVersion?: number | null;
  /** Queued by the audit sample: the policy would have published it (status is then `pending`). */
  audit?: boolean;
  /** What a refit of the site's adapter learns from, stored with the comment so it is never re-embedded. */
  features?: StoredFeatures | null;
}

/** Who acts: the API key's id (stable) and its display name. */
export interface Actor {
  id: string;
  name: string | null;
}

/** A comment as stored. Times are ISO-8601 strings. */
export interface StoredComment {
  id: string;
  text: string;
  threadId: string | null;
  parentId: string | null;
  author: string | null;
  siteId: string | null;
  article: Article | null;
  metadata: Record<string, unknown> | null;
  status: CommentStatus;
  category: HoldCategory | null;
  /** True when the comment is in the queue through the audit sample (the policy would have published it). */
  audit: boolean;
  /** max(toxicity, every category score), whatever the item was held for. */
  score: number;
  /** The off-topic score (as `scores.offTopic`): what `sort=offTopic` orders by; null without context. */
  offTopic: number | null;
  scores: { toxicity: number; categories: Record<Category, number>; offTopic: number | null; flagged: boolean; reasons: Reason[] };
  spans: Span[];
  /** The site adapter that scored it at ingest, or null when the base model did. */
  adapter: { siteId: string; version: number } | null;
  model: { name: string; version: string } | null;
  policyVersion: number | null;
  /** Text to publish instead of `text` when a moderator redacted it. */
  redactedText: string | null;
  /** The current lease, or null when nobody holds it (an expired lease reads as null). */
  lease: { moderatorId: string; moderator: string | null; expiresAt: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** One entry of a comment's decision history. */
export interface Decision {
  id: number;
  commentId: string;
  action: DecisionAction;
  /** The moderator's reason (a category, `toxicity` or `off_topic`) when given. */
  category: AdaptAttribute | null;
  note: string | null;
  redactedText: string | null;
  moderatorId: string;
  moderator: string | null;
  idempotencyKey: string | null;
  fromStatus: CommentStatus;
  toStatus: CommentStatus;
  createdAt: string;
}

export interface CommentWithHistory extends StoredComment {
  decisions: Decision[];
}

export interface IngestOutcome {
  comment: StoredComment;
  /** False when a comment with this id was already stored (a retry): nothing changed. */
  created: boolean;
}

/** Orders of {@link QueueStore.listQueue}. */
export const QUEUE_SORTS = ['age', 'score', 'offTopic'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

/** Filters and paging of {@link QueueStore.listQueue}. */
export interface QueueQuery {
  /** Default `pending`; `all` lists every status. */
  status?: CommentStatus | 'all';
  category?: HoldCategory;
  threadId?: string;
  siteId?: string;
  minScore?: number;
  /** `offTopic >= minOffTopic` (items without an off-topic score are left out). */
  minOffTopic?: number;
  /** `score` or `offTopic`: highest first (items without an off-topic score last); `age`: oldest first (default). */
  sort?: QueueSort;
  limit: number;
  /** Opaque `nextCursor` of the previous page. */
  cursor?: string;
}

export interface QueuePage {
  items: StoredComment[];
  nextCursor: string | null;
}

export interface ClaimRequest {
  moderator: Actor;
  limit: number;
  /** Lease length; fractional seconds allowed (tests use short leases). */
  leaseSeconds: number;
  /** Which items to claim: `pending` (default) or `escalated`. */
  status?: 'pending' | 'escalated';
}

export interface DecisionRequest {
  commentId: string;
  action: DecisionAction;
  /** Why: a category, `toxicity` or `off_topic`. With approve/reject it labels the comment for its site's adapter. */
  category?: AdaptAttribute | null;
  note?: string | null;
  redactedText?: string | null;
  moderator: Actor;
  /** Scoped to the moderator: the same key with the same request answers the first result. */
  idempotencyKey?: string | null;
}

export interface DecisionOutcome {
  decision: Decision;
  comment: StoredComment;
  /** True when no new decision was recorded: the request repeated one already stored. */
  replayed: boolean;
}

export interface Stats {
  total: number;
  byStatus: Record<CommentStatus, number>;
  /** Held comments (those with a category) counted by category, in total and by status. */
  byCategory: Record<string, { total: number } & Record<CommentStatus, number>>;
}

export interface ApiKeyRecord {
  id: string;
  name: string | null;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The secret, shown once: only its SHA-256 is stored. */
  key: string;
}

export interface PolicyVersion {
  version: number;
  policy: Policy;
  changedBy: string;
  /** `api`, `file:PATH` or `cli`. */
  source: string;
  changedAt: string;
}

/** A moderator's (or a client's) suggested scores for a text, e.g. Perspective `suggestscore`. */
export interface FeedbackInput {
  commentText: string;
  /** Attribute name (e.g. `TOXICITY`) to the suggested 0..1 score. */
  attributeScores: Record<string, number>;
  clientToken?: string | null;
  languages?: string[] | null;
  /** Where it came from, e.g. `perspective:suggestscore`. */
  source: string;
  communityId?: string | null;
  sessionId?: string | null;
  /** Any further structured context (e.g. Perspective `context.entries`). */
  context?: unknown;
  /** Defaults to now. */
  receivedAt?: Date;
}

export interface FeedbackRecord {
  id: number;
  commentText: string;
  attributeScores: Record<string, number>;
  clientToken: string | null;
  languages: string[] | null;
  source: string;
  communityId: string | null;
  sessionId: string | null;
  context: unknown;
  receivedAt: string;
}

/** A signed-in browser session (the moderator's page): its key and when it ends. */
export interface SessionRecord {
  key: ApiKeyRecord;
  expiresAt: string;
  createdAt: string;
}

/** Options of {@link QueueStore.activity}. */
export interface ActivityQuery {
  /** Start of the window (inclusive). */
  since: Date;
  /** Bucket length in seconds (e.g. 3600 for hourly). */
  bucketSeconds: number;
}

/**
 * Queue activity over time: held comments (by their ingest time) and decisions (by their time),
 * counted per bucket and hold category, and decisions per moderator over the window.
 */
export interface Activity {
  bucketSeconds: number;
  since: string;
  /** Buckets with at least one event, oldest first; `start` is the bucket's ISO start. */
  buckets: { start: string; held: Record<string, number>; decided: Record<string, number> }[];
  /** One row per moderator with a decision in the window, most decisions first. */
  moderators: { moderatorId: string; moderator: string | null; approve: number; reject: number; escalate: number; total: number }[];
}

/** A past decision imported from a site's moderation log (`moderato adapt import`), with its features. */
export interface ImportedLabel {
  id: string;
  text: string;
  label: 0 | 1;
  category?: AdaptAttribute | null;
  features: StoredFeatures;
  /** Its cross-validation group (the comment's thread, else its article), or none. */
  thread?: string | null;
}

/** One stored adapter version of a site, without its weights (see {@link QueueStore.getAdapter}). */
export interface AdapterVersion {
  siteId: string;
  version: number;
  createdAt: string;
  createdBy: string | null;
  report: AdapterReport;
  active: boolean;
  /** When it was last made the active version (null when never). */
  activatedAt: string | null;
}

/** A site that has labels or adapters: what the admin page lists. */
export interface AdaptSite {
  siteId: string;
  /** Labelled decisions with stored features (queue decisions and imports). */
  labels: number;
  activeVersion: number | null;
  versions: number;
}

/**
 * The queue's storage. Every method is atomic: once its promise resolves the change is durable
 * (SQLite `synchronous=FULL`, PostgreSQL commit), so an acknowledged request survives a crash.
 */
export interface QueueStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to run concurrently from several instances. */
  migrate(): Promise<void>;
  /** Inserts comments whose id is new; existing ids are answered as stored (`created: false`). */
  ingest(comments: NewComment[]): Promise<IngestOutcome[]>;
  /** The stored comments among `ids` (any order; missing ids are left out). */
  getComments(ids: string[]): Promise<StoredComment[]>;
  /** The latest `limit` comments of a thread, oldest first: context for scoring a new reply. */
  threadComments(threadId: string, limit: number): Promise<StoredComment[]>;
  /** One comment with its full decision history, or null. */
  getComment(id: string): Promise<CommentWithHistory | null>;
  listQueue(query: QueueQuery): Promise<QueuePage>;
  /** Leases up to `limit` unleased (or lease-expired) items to the moderator, oldest first. */
  claim(req: ClaimRequest): Promise<StoredComment[]>;
  /** Gives back the moderator's leases on `ids` (or all of them); answers how many. */
  release(moderator: Actor, ids?: string[]): Promise<number>;
  /** Records a decision; throws MOD_ERR_NOT_FOUND or MOD_ERR_CONFLICT (see docs/queue.md). */
  decide(req: DecisionRequest): Promise<DecisionOutcome>;
  stats(): Promise<Stats>;
  createApiKey(opts: { role: Role; name?: string | null }): Promise<CreatedApiKey>;
  /** The live (not revoked) key whose SHA-256 hex is `keyHash`, or null. */
  findApiKey(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<boolean>;
  /** The current policy, or null when none was ever set (the scorer's thresholds apply). */
  getPolicy(): Promise<PolicyVersion | null>;
  /** Stores a new policy version; the history keeps who and when. */
  setPolicy(policy: Policy, by: { changedBy: string; source: string; fileHash?: string | null }): Promise<PolicyVersion>;
  /** Newest first. */
  policyHistory(limit?: number): Promise<PolicyVersion[]>;
  /** The content hash of the last policy applied from a file, so a restart re-applies only an edited file. */
  lastPolicyFileHash(): Promise<string | null>;
  recordFeedback(input: FeedbackInput): Promise<FeedbackRecord>;
  /** Stores a session whose secret has SHA-256 `tokenHash`, for the live key `keyId`; purges expired sessions. */
  createSession(s: { tokenHash: string; keyId: string; expiresAt: Date }): Promise<void>;
  /** The session, when it exists, has not expired and its key is not revoked; else null. */
  findSession(tokenHash: string): Promise<SessionRecord | null>;
  /** Ends a session (sign-out); answers whether it existed. Expired sessions are purged here too. */
  deleteSession(tokenHash: string): Promise<boolean>;
  /** Held and decided comments over time by category, and decisions per moderator. */
  activity(q: ActivityQuery): Promise<Activity>;
  /**
   * A site's labels, oldest first: every approve/reject of its comments that have stored features
   * (escalations are not labels), after its imported decisions. `limit` keeps the newest.
   */
  siteExamples(siteId: string, opts?: { limit?: number }): Promise<LabelledExample[]>;
  /** How many labels {@link siteExamples} would answer (without `limit`). */
  siteLabelCount(siteId: string): Promise<number>;
  /** Stores imported decisions; ids already imported for the site are left as they are. Answers how many were new. */
  importLabels(siteId: string, labels: ImportedLabel[]): Promise<number>;
  /** The ids among `ids` already imported for the site (so an import re-run embeds nothing twice). */
  importedIds(siteId: string, ids: string[]): Promise<string[]>;
  /**
   * Stores a fitted adapter as the site's next version in one transaction (a fit killed before
   * this leaves the store as it was); `activate` makes it the one active version.
   */
  saveAdapter(adapter: Omit<SiteAdapter, 'version' | 'createdAt'>, opts: { activate: boolean; createdBy?: string | null }): Promise<AdapterVersion>;
  /** Every version of a site's adapter, newest first. */
  adapterVersions(siteId: string): Promise<AdapterVersion[]>;
  /** One version with its weights (the active one when `version` is omitted), or null. */
  getAdapter(siteId: string, version?: number): Promise<SiteAdapter | null>;
  /** Makes `version` the site's only active version (roll back or forward), or deactivates all with null; MOD_ERR_NOT_FOUND for an unknown version. */
  activateAdapter(siteId: string, version: number | null): Promise<AdapterVersion | null>;
  /** Sites with labels or adapter versions. */
  adaptSites(): Promise<AdaptSite[]>;
  close(): Promise<void>;
}
