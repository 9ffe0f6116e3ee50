/**
 * Logic both stores share: API key hashing, cursors, and the decision rules, so SQLite and
 * PostgreSQL cannot drift apart in behaviour.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ModeratoError } from '../errors';
import type { AdaptAttribute, AdapterReport, BaseModels, LabelledExample, StoredFeatures } from '../adapt/types';
import type { ScoreResult } from '../types';
import type { AdapterVersion, Activity, ActivityQuery, CommentStatus, Decision, DecisionAction, DecisionRequest, HoldCategory, QueueSort, StoredComment } from './types';

/** A new API key: `mod_` + 32 random bytes (base64url). */
export function generateApiKey(): string {
  return 'mod_' + randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a key: the only form stored. A fast hash suffices because keys are 256-bit random, not passwords. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A short public id for a key (shown in lists and decision histories). */
export function generateKeyId(): string {
  return 'key_' + randomBytes(6).toString('hex');
}

/** Cursor position: the last item's sort value and sequence number. */
export interface CursorPos {
  sort: QueueSort;
  score: number;
  seq: number;
}

/** Encodes a page position as an opaque string. */
export function encodeCursor(pos: CursorPos): string {
  return Buffer.from(JSON.stringify([pos.sort, pos.score, pos.seq])).toString('base64url');
}

/**
 * The SQL of a sort: the value it orders by (highest first; -1 stands for "no off-topic score", so
 * those items come last) and the column the row carries it in. Shared so both stores page alike.
 */
export function sortKey(sort: Exclude<QueueSort, 'age'>, alias = ''): string {
  return sort === 'score' ? `${alias}score` : `COALESCE(${alias}off_topic, -1)`;
}

/** The value of a row under `sort`, for its cursor. */
export function sortValue(row: CommentRow, sort: QueueSort): number {
  return sort === 'offTopic' ? (row.off_topic == null ? -1 : Number(row.off_topic)) : Number(row.score);
}

/** Decodes a cursor; a malformed one (or one from another sort) is a 400. */
export function decodeCursor(cursor: string, sort: QueueSort): CursorPos {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v[0] === sort && typeof v[1] === 'number' && Number.isFinite(v[1]) && Number.isSafeInteger(v[2])) return { sort, score: v[1], seq: v[2] };
  } catch {
    // fall through to the error below
  }
  throw new ModeratoError('MOD_ERR_VALIDATION', `Invalid cursor for sort=${sort}`, [{ path: ['cursor'], code: 'invalid_cursor', message: 'Not a cursor from this listing' }]);
}

const TO_STATUS: Record<DecisionAction, CommentStatus> = { approve: 'approved', reject: 'rejected', escalate: 'escalated' };

/** What a decision request leads to, given what is stored. */
export type DecisionPlan = { kind: 'apply'; toStatus: CommentStatus } | { kind: 'replay'; decision: Decision };

/** True when a stored decision is the same request as `req` (for idempotent replays). */
function sameRequest(d: Decision, req: DecisionRequest): boolean {
  return d.commentId === req.commentId && d.action === req.action && (d.category ?? null) === (req.category ?? null) && (d.note ?? null) === (req.note ?? null) && (d.redactedText ?? null) === (req.redactedText ?? null);
}

/**
 * The decision rules, applied inside the store's transaction with the comment row locked:
 * 1. an Idempotency-Key already used by this moderator replays its decision, or is a 409 when
 *    the request differs;
 * 2. `approve`/`reject` are final: the same final action again replays it, another is a 409;
 *    `escalate` on an escalated comment replays the escalation;
 * 3. a comment leased to another moderator (lease not expired) is a 409;
 * 4. otherwise the decision is applied.
 */
export function planDecision(args: {
  req: DecisionRequest;
  status: CommentStatus;
  byKey: Decision | null;
  history: Decision[];
  lease: { moderatorId: string; active: boolean } | null;
}): DecisionPlan {
  const { req, status, byKey, history, lease } = args;
  if (byKey) {
    if (sameRequest(byKey, req)) return { kind: 'replay', decision: byKey };
    throw new ModeratoError('MOD_ERR_CONFLICT', 'This Idempotency-Key was already used for a different request', { reason: 'idempotency_key_reused', decision: byKey });
  }
  if (status === 'approved' || status === 'rejected') {
    const final = [...history].reverse().find((d) => d.action === 'approve' || d.action === 'reject');
    if (final && final.action === req.action) return { kind: 'replay', decision: final };
    throw new ModeratoError('MOD_ERR_CONFLICT', `Comment ${req.commentId} was already ${status}`, { reason: 'already_decided', status, decision: final ?? null });
  }
  if (status === 'escalated' && req.action === 'escalate') {
    const esc = [...history].reverse().find((d) => d.action === 'escalate');
    if (esc) return { kind: 'replay', decision: esc };
  }
  if (lease && lease.active && lease.moderatorId !== req.moderator.id) {
    throw new ModeratoError('MOD_ERR_CONFLICT', `Comment ${req.commentId} is leased to another moderator`, { reason: 'leased' });
  }
  return { kind: 'apply', toStatus: TO_STATUS[req.action] };
}

/** Parses a JSON column (SQLite keeps TEXT; PostgreSQL's jsonb arrives parsed). */
export function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** JSON text for a column, or null. */
export function toJson(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

/** A zero count for every status. */
export function zeroStatusCounts(): Record<CommentStatus, number> {
  return { published: 0, pending: 0, approved: 0, rejected: 0, escalated: 0 };
}

/** A comments row as both stores select it (times in the store's own form). */
export interface CommentRow {
  seq: number | string;
  id: string;
  text: string;
  thread_id: string | null;
  parent_id: string | null;
  author: string | null;
  site_id: string | null;
  article: unknown;
  metadata: unknown;
  status: string;
  category: string | null;
  score: number;
  off_topic: number | null;
  /** SQLite 0/1, PostgreSQL boolean. */
  audit: number | boolean;
  result: unknown;
  model: unknown;
  policy_version: number | null;
  redacted_text: string | null;
  lease_owner: string | null;
  lease_owner_name: string | null;
  lease_until: unknown;
  created_at: unknown;
  updated_at: unknown;
}

/** Maps a comments row onto {@link StoredComment}; `leaseActive` says whether `lease_until` is still ahead. */
export function rowToComment(row: CommentRow, iso: (t: unknown) => string, leaseActive: boolean): StoredComment {
  const r = fromJson<ScoreResult>(row.result);
  return {
    id: row.id,
    text: row.text,
    threadId: row.thread_id,
    parentId: row.parent_id,
    author: row.author,
    siteId: row.site_id,
    article: row.article == null ? null : fromJson(row.article),
    metadata: row.metadata == null ? null : fromJson(row.metadata),
    status: row.status as CommentStatus,
    category: row.category as HoldCategory | null,
    audit: row.audit === true || Number(row.audit) === 1,
    score: Number(row.score),
    offTopic: row.off_topic == null ? null : Number(row.off_topic),
    scores: { toxicity: r.toxicity, categories: r.categories, offTopic: r.offTopic, flagged: r.flagged, reasons: r.reasons },
    spans: r.spans,
    adapter: (r as { adapter?: StoredComment['adapter'] }).adapter ?? null,
    model: row.model == null ? null : fromJson(row.model),
    policyVersion: row.policy_version == null ? null : Number(row.policy_version),
    redactedText: row.redacted_text,
    lease: row.lease_owner && leaseActive && row.lease_until != null ? { moderatorId: row.lease_owner, moderator: row.lease_owner_name, expiresAt: iso(row.lease_until) } : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** A decisions row as both stores select it. */
export interface DecisionRow {
  seq: number | string;
  comment_id: string;
  action: string;
  category: string | null;
  note: string | null;
  redacted_text: string | null;
  moderator_id: string;
  moderator_name: string | null;
  idempotency_key: string | null;
  from_status: string;
  to_status: string;
  created_at: unknown;
}

/** Maps a decisions row onto {@link Decision}. */
export function rowToDecision(row: DecisionRow, iso: (t: unknown) => string): Decision {
  return {
    id: Number(row.seq),
    commentId: row.comment_id,
    action: row.action as DecisionAction,
    category: (row.category ?? null) as AdaptAttribute | null,
    note: row.note,
    redactedText: row.redacted_text,
    moderatorId: row.moderator_id,
    moderator: row.moderator_name,
    idempotencyKey: row.idempotency_key,
    fromStatus: row.from_status as CommentStatus,
    toStatus: row.to_status as CommentStatus,
    createdAt: iso(row.created_at),
  };
}

/** Rows of the three activity queries, as both stores select them (`bucket` in ms since the epoch). */
export interface ActivityRows {
  held: { bucket: number; category: string; n: number }[];
  decided: { bucket: number; category: string; n: number }[];
  moderators: { moderatorId: string; moderator: string | null; action: string; n: number }[];
}

/** Folds the activity queries' rows into {@link Activity}, so both stores answer the same shape. */
export function assembleActivity(q: ActivityQuery, rows: ActivityRows): Activity {
  const buckets = new Map<number, Activity['buckets'][number]>();
  const bucket = (b: number) => {
    let out = buckets.get(b);
    if (!out) buckets.set(b, (out = { start: new Date(b).toISOString(), held: {}, decided: {} }));
    return out;
  };
  for (const r of rows.held) bucket(r.bucket).held[r.category] = (bucket(r.bucket).held[r.category] ?? 0) + r.n;
  for (const r of rows.decided) bucket(r.bucket).decided[r.category] = (bucket(r.bucket).decided[r.category] ?? 0) + r.n;
  const mods = new Map<string, Activity['moderators'][number]>();
  for (const r of rows.moderators) {
    let m = mods.get(r.moderatorId);
    if (!m) mods.set(r.moderatorId, (m = { moderatorId: r.moderatorId, moderator: r.moderator, approve: 0, reject: 0, escalate: 0, total: 0 }));
    if (r.action === 'approve' || r.action === 'reject' || r.action === 'escalate') m[r.action] += r.n;
    m.total += r.n;
    m.moderator ??= r.moderator;
  }
  return {
    bucketSeconds: q.bucketSeconds,
    since: q.since.toISOString(),
    buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v),
    moderators: [...mods.values()].sort((a, b) => b.total - a.total || a.moderatorId.localeCompare(b.moderatorId)),
  };
}

/** The int8 sentence vector as the bytes both stores keep (BLOB / BYTEA). */
export function vectorBytes(v: Int8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** The article's int8 vector as stored bytes, or null (features without it). */
export function articleBytes(f: StoredFeatures): Buffer | null {
  return f.article ? vectorBytes(f.article) : null;
}

/** The base models of stored features as JSON text, or null (features without them). */
export function modelsJson(f: StoredFeatures): string | null {
  return toJson(f.models);
}

/** Stored base models read back: undefined for rows stored before they were recorded, or not of the expected shape. */
function modelsOf(v: unknown): BaseModels | undefined {
  const m = v == null ? undefined : fromJson<Partial<BaseModels>>(v);
  if (!m || typeof m.toxicity !== 'string') return undefined;
  return typeof m.off_topic === 'string' ? { toxicity: m.toxicity, off_topic: m.off_topic } : { toxicity: m.toxicity };
}

/** Bytes read back as an int8 vector (a copy: the driver's buffer may be pooled). */
export function bytesVector(b: Uint8Array): Int8Array {
  return new Int8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A labelled row as both stores select it: the decision (or imported label) and the comment's features. */
export interface LabelRow {
  label: number | string;
  category: string | null;
  audit: number | boolean | null;
  vector: Uint8Array;
  base: unknown;
  /** The article's int8 vector (null in rows stored before it existed or scored without an article). */
  article?: Uint8Array | null;
  /** The comment's thread, else its article's id or title (an imported label's given group; null when it has none). */
  thread?: string | null;
  /** The base models that scored it (null in rows stored before they were recorded). */
  models?: unknown;
}

/** Maps a label row onto the adapter's {@link LabelledExample}. */
export function rowToExample(r: LabelRow): LabelledExample {
  const models = modelsOf(r.models);
  return {
    features: { base: fromJson(r.base), vector: bytesVector(r.vector), ...(r.article ? { article: bytesVector(r.article) } : {}), ...(models ? { models } : {}) },
    label: Number(r.label) === 1 ? 1 : 0,
    category: (r.category ?? null) as AdaptAttribute | null,
    audit: r.audit === true || Number(r.audit) === 1,
    ...(r.thread != null ? { group: r.thread } : {}),
  };
}

/** An adapter_versions row as both stores select it (without the heads). */
export interface AdapterRow {
  site_id: string;
  version: number | string;
  report: unknown;
  active: number | boolean;
  created_by: string | null;
  created_at: unknown;
  activated_at: unknown;
}

/** Maps an adapter_versions row onto {@link AdapterVersion}. */
export function rowToAdapterVersion(r: AdapterRow, iso: (t: unknown) => string): AdapterVersion {
  return {
    siteId: r.site_id,
    version: Number(r.version),
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
    report: fromJson<AdapterReport>(r.report),
    active: r.active === true || Number(r.active) === 1,
    activatedAt: r.activated_at == null ? null : iso(r.activated_at),
  };
}
