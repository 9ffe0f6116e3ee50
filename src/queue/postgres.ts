/**
 * The scale-out store: PostgreSQL via `pg`. Several Moderato instances share one database, so:
 * claims use `FOR UPDATE SKIP LOCKED` (two moderators never get the same row, and claimers do not
 * queue behind each other); decisions lock their comment row; lease times use the database clock;
 * migrations hold an advisory lock so instances starting together migrate once.
 */
import { Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { ModeratoError } from '../errors';
import { COMMENT_STATUSES, DEFAULT_SITE } from './types';
import type { LabelledExample, SiteAdapter } from '../adapt/types';
import type {
  AdapterVersion, AdaptSite, ImportedLabel, Activity, ActivityQuery, Actor, ApiKeyRecord, ClaimRequest, CommentStatus, CommentWithHistory, CreatedApiKey, DecisionOutcome, DecisionRequest,
  FeedbackInput, FeedbackRecord, IngestOutcome, NewComment, PolicyVersion, QueuePage, QueueQuery, QueueStore, Role, SessionRecord, Stats, StoredComment,
} from './types';
import type { Policy } from './policy';
import { POSTGRES_MIGRATIONS } from './migrations';
import {
  assembleActivity, rowToAdapterVersion, rowToExample, vectorBytes, articleBytes, modelsJson, decodeCursor, encodeCursor, sortKey, sortValue, generateApiKey, generateKeyId, hashApiKey, planDecision, rowToComment, rowToDecision, toJson, zeroStatusCounts,
  type AdapterRow, type CommentRow, type DecisionRow, type LabelRow,
} from './common';

/**
 * PostgreSQL cannot store NUL in text or `\u0000` in jsonb (SQLite can): such input is the
 * caller's to fix, a 400 naming the character, not a 500 from the driver.
 */
function unstorable(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (code === '22021' || code === '22P05') return new ModeratoError('MOD_ERR_VALIDATION', 'The input holds a NUL character (U+0000), which the PostgreSQL store cannot keep: remove it and retry');
  return e;
}

const iso = (t: unknown): string => (t instanceof Date ? t : new Date(String(t))).toISOString();

/** Every comment select also asks the database whether the lease is still running. */
const COMMENT_COLS = 'c.*, (c.lease_until IS NOT NULL AND c.lease_until > now()) AS lease_active';
type PgCommentRow = CommentRow & { lease_active: boolean };

/** An arbitrary fixed key for `pg_advisory_xact_lock` during migrations. */
const MIGRATION_LOCK = 0x6d6f6451;
/** The advisory lock class of a site's adapter versions (the second key is the site's hash). */
const ADAPTER_LOCK = 0x6d6f6441;

/** Options of {@link PostgresStore}. */
export interface PostgresOptions {
  /** Schema to use (created if missing); tests use a unique one per run. Default: the server's search_path. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Milliseconds to wait for a connection to be accepted and ready (default 5000); a server that never answers fails instead of hanging. */
  connectTimeoutMs?: number;
}

/** {@link QueueStore} on PostgreSQL. */
export class PostgresStore implements QueueStore {
  readonly kind = 'postgres' as const;
  readonly pool: Pool;
  readonly schema: string | undefined;

  /** Connects lazily; call {@link migrate} before use. `connectionString` is a `postgres://` URL. */
  constructor(connectionString: string, opts: PostgresOptions = {}) {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) throw new ModeratoError('MOD_ERR_CONFIG', `Invalid PostgreSQL schema name "${opts.schema}" (lowercase letters, digits, underscore)`);
    this.schema = opts.schema;
    // search_path as a startup parameter applies to every pooled connection before its first query.
    this.pool = new Pool({ connectionString, max: opts.max ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
    // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Runs `fn` in a transaction on one pooled client. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw unstorable(e);
    } finally {
      client.release();
    }
  }

  /** `pool.query` with the store's input errors translated (see {@link unstorable}). */
  private async query<R extends QueryResultRow = any>(text: string, params?: unknown[]): Promise<QueryResult<R>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      return await this.pool.query<R>(text, params);
    } catch (e) {
      throw unstorable(e);
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (this.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of POSTGRES_MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
    });
  }

  private toComment(row: PgCommentRow): StoredComment {
    return rowToComment(row, iso, row.lease_active);
  }

  async ingest(comments: NewComment[]): Promise<IngestOutcome[]> {
    if (comments.length === 0) return [];
    const cols = 16;
    const values: unknown[] = [];
    const tuples = comments.map((c, i) => {
      values.push(c.id, c.siteId ?? null, c.threadId ?? null, c.parentId ?? null, c.author ?? null, c.text, toJson(c.article), toJson(c.metadata), c.status, c.category, c.score, c.result.offTopic ?? null, JSON.stringify(c.result), toJson(c.model), c.policyVersion ?? null, c.audit === true);
      return '(' + Array.from({ length: cols }, (_, k) => `$${i * cols + k + 1}`).join(', ') + ')';
    });
    // One transaction: all new rows and their features commit together; ids already stored are left untouched.
    const created = await this.tx(async (client) => {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO comments (id, site_id, thread_id, parent_id, author, text, article, metadata, status, category, score, off_topic, result, model, policy_version, audit)
         VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING id`,
        values,
      );
      const ids = new Set(inserted.rows.map((r) => r.id));
      const feats = comments.filter((c) => c.features && ids.has(c.id));
      if (feats.length) {
        await client.query(
          'INSERT INTO comment_features (comment_id, vector, base, article, models) SELECT * FROM unnest($1::text[], $2::bytea[], $3::jsonb[], $4::bytea[], $5::jsonb[])',
          [feats.map((c) => c.id), feats.map((c) => vectorBytes(c.features!.vector)), feats.map((c) => JSON.stringify(c.features!.base)), feats.map((c) => articleBytes(c.features!)), feats.map((c) => modelsJson(c.features!))],
        );
      }
      return ids;
    });
    const byId = new Map((await this.getComments(comments.map((c) => c.id))).map((c) => [c.id, c]));
    return comments.map((c) => {
      const stored = byId.get(c.id);
      if (!stored) throw new ModeratoError('MOD_ERR_INTERNAL', `Comment ${c.id} vanished after insert`);
      return { comment: stored, created: created.has(c.id) };
    });
  }

  async getComments(ids: string[]): Promise<StoredComment[]> {
    if (ids.length === 0) return [];
    const r = await this.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c WHERE c.id = ANY($1::text[])`, [ids]);
    return r.rows.map((row) => this.toComment(row));
  }

  async threadComments(threadId: string, limit: number): Promise<StoredComment[]> {
    const r = await this.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c WHERE c.thread_id = $1 ORDER BY c.seq DESC LIMIT $2`, [threadId, limit]);
    return r.rows.reverse().map((row) => this.toComment(row));
  }

  async getComment(id: string): Promise<CommentWithHistory | null> {
    // One snapshot for the comment and its history, so they agree with each other.
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const r = await c.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c WHERE c.id = $1`, [id]);
      const row = r.rows[0];
      if (!row) return null;
      const d = await c.query<DecisionRow>('SELECT * FROM decisions WHERE comment_id = $1 ORDER BY seq', [id]);
      return { ...this.toComment(row), decisions: d.rows.map((x) => rowToDecision(x, iso)) };
    });
  }

  async listQueue(q: QueueQuery): Promise<QueuePage> {
    const sort = q.sort ?? 'age';
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => (params.push(v), `$${params.length}`);
    const status = q.status ?? 'pending';
    if (status !== 'all') where.push(`c.status = ${p(status)}`);
    if (q.category) where.push(`c.category = ${p(q.category)}`);
    if (q.threadId) where.push(`c.thread_id = ${p(q.threadId)}`);
    if (q.siteId) where.push(`c.site_id = ${p(q.siteId)}`);
    if (q.minScore !== undefined) where.push(`c.score >= ${p(q.minScore)}`);
    if (q.minOffTopic !== undefined) where.push(`c.off_topic >= ${p(q.minOffTopic)}`);
    if (q.cursor) {
      const cur = decodeCursor(q.cursor, sort);
      if (sort === 'age') where.push(`c.seq > ${p(cur.seq)}`);
      else {
        const s = p(cur.score);
        where.push(`(${sortKey(sort, 'c.')} < ${s} OR (${sortKey(sort, 'c.')} = ${s} AND c.seq > ${p(cur.seq)}))`);
      }
    }
    const order = sort === 'age' ? 'c.seq ASC' : `${sortKey(sort, 'c.')} DESC, c.seq ASC`;
    const r = await this.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ${p(q.limit + 1)}`, params);
    const page = r.rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => this.toComment(row)),
      nextCursor: r.rows.length > q.limit && last ? encodeCursor({ sort, score: sortValue(last, sort), seq: Number(last.seq) }) : null,
    };
  }

  async claim(req: ClaimRequest): Promise<StoredComment[]> {
    // SKIP LOCKED: rows another claimer (or a decision) holds are passed over, never handed out twice.
    const r = await this.query<PgCommentRow>(
      `WITH picked AS (
         SELECT seq FROM comments WHERE status = $1 AND (lease_until IS NULL OR lease_until <= now())
         ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE comments c SET lease_owner = $3, lease_owner_name = $4, lease_until = now() + make_interval(secs => $5), updated_at = now()
       FROM picked WHERE c.seq = picked.seq
       RETURNING ${COMMENT_COLS}`,
      [req.status ?? 'pending', req.limit, req.moderator.id, req.moderator.name, req.leaseSeconds],
    );
    return r.rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((row) => this.toComment(row));
  }

  async release(moderator: Actor, ids?: string[]): Promise<number> {
    if (ids && ids.length === 0) return 0;
    const r = ids
      ? await this.query('UPDATE comments SET lease_owner = NULL, lease_owner_name = NULL, lease_until = NULL, updated_at = now() WHERE lease_owner = $1 AND id = ANY($2::text[])', [moderator.id, ids])
      : await this.query('UPDATE comments SET lease_owner = NULL, lease_owner_name = NULL, lease_until = NULL, updated_at = now() WHERE lease_owner = $1', [moderator.id]);
    return r.rowCount ?? 0;
  }

  async decide(req: DecisionRequest): Promise<DecisionOutcome> {
    try {
      return await this.decideOnce(req);
    } catch (e) {
      // Two requests with one Idempotency-Key on different comments lock different rows and race
      // to the unique index; the loser retries once and then sees the winner's decision.
      if ((e as { code?: string }).code === '23505') return this.decideOnce(req);
      throw e;
    }
  }

  private async decideOnce(req: DecisionRequest): Promise<DecisionOutcome> {
    return this.tx(async (c) => {
      const r = await c.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c WHERE c.id = $1 FOR UPDATE`, [req.commentId]);
      const row = r.rows[0];
      if (!row) throw new ModeratoError('MOD_ERR_NOT_FOUND', `No comment with id "${req.commentId}"`);
      const byKey = req.idempotencyKey ? (await c.query<DecisionRow>('SELECT * FROM decisions WHERE moderator_id = $1 AND idempotency_key = $2', [req.moderator.id, req.idempotencyKey])).rows[0] : undefined;
      const history = (await c.query<DecisionRow>('SELECT * FROM decisions WHERE comment_id = $1 ORDER BY seq', [req.commentId])).rows.map((x) => rowToDecision(x, iso));
      const plan = planDecision({
        req,
        status: row.status as CommentStatus,
        byKey: byKey ? rowToDecision(byKey, iso) : null,
        history,
        lease: row.lease_owner ? { moderatorId: row.lease_owner, active: row.lease_active } : null,
      });
      if (plan.kind === 'replay') {
        const cur = (await c.query<PgCommentRow>(`SELECT ${COMMENT_COLS} FROM comments c WHERE c.id = $1`, [plan.decision.commentId])).rows[0]!;
        return { decision: plan.decision, comment: this.toComment(cur), replayed: true };
      }
      const d = await c.query<DecisionRow>(
        `INSERT INTO decisions (comment_id, action, note, redacted_text, moderator_id, moderator_name, idempotency_key, from_status, to_status, category)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [req.commentId, req.action, req.note ?? null, req.redactedText ?? null, req.moderator.id, req.moderator.name, req.idempotencyKey ?? null, row.status, plan.toStatus, req.category ?? null],
      );
      const u = await c.query<PgCommentRow>(
        `UPDATE comments c SET status = $1, redacted_text = COALESCE($2, redacted_text), lease_owner = NULL, lease_owner_name = NULL, lease_until = NULL, updated_at = now()
         WHERE c.id = $3 RETURNING ${COMMENT_COLS}`,
        [plan.toStatus, req.redactedText ?? null, req.commentId],
      );
      return { decision: rowToDecision(d.rows[0]!, iso), comment: this.toComment(u.rows[0]!), replayed: false };
    });
  }

  async stats(): Promise<Stats> {
    const byStatus = zeroStatusCounts();
    const byCategory: Stats['byCategory'] = {};
    let total = 0;
    const r = await this.query<{ status: CommentStatus; category: string | null; n: string }>('SELECT status, category, COUNT(*) AS n FROM comments GROUP BY status, category');
    for (const row of r.rows) {
      const n = Number(row.n);
      total += n;
      if ((COMMENT_STATUSES as readonly string[]).includes(row.status)) byStatus[row.status] += n;
      if (row.category) {
        const c = (byCategory[row.category] ??= { total: 0, ...zeroStatusCounts() });
        c.total += n;
        c[row.status] += n;
      }
    }
    return { total, byStatus, byCategory };
  }

  private toKey(r: { id: string; name: string | null; role: string; created_at: Date; revoked_at: Date | null }): ApiKeyRecord {
    return { id: r.id, name: r.name, role: r.role as Role, createdAt: iso(r.created_at), revokedAt: r.revoked_at == null ? null : iso(r.revoked_at) };
  }

  async createApiKey(opts: { role: Role; name?: string | null }): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const r = await this.query('INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4) RETURNING *', [generateKeyId(), opts.name ?? null, opts.role, hashApiKey(key)]);
    return { ...this.toKey(r.rows[0]), key };
  }

  async findApiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    const r = await this.query('SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash]);
    return r.rows[0] ? this.toKey(r.rows[0]) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.query('SELECT * FROM api_keys ORDER BY created_at, id')).rows.map((r) => this.toKey(r));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return ((await this.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id])).rowCount ?? 0) === 1;
  }

  private toPolicy(r: { version: string | number; document: Policy; changed_by: string; source: string; changed_at: Date }): PolicyVersion {
    return { version: Number(r.version), policy: r.document, changedBy: r.changed_by, source: r.source, changedAt: iso(r.changed_at) };
  }

  async getPolicy(): Promise<PolicyVersion | null> {
    const r = await this.query('SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1');
    return r.rows[0] ? this.toPolicy(r.rows[0]) : null;
  }

  async setPolicy(policy: Policy, by: { changedBy: string; source: string; fileHash?: string | null }): Promise<PolicyVersion> {
    const r = await this.query('INSERT INTO policy_versions (document, changed_by, source, file_hash) VALUES ($1, $2, $3, $4) RETURNING *', [JSON.stringify(policy), by.changedBy, by.source, by.fileHash ?? null]);
    return this.toPolicy(r.rows[0]);
  }

  async policyHistory(limit = 100): Promise<PolicyVersion[]> {
    return (await this.query('SELECT * FROM policy_versions ORDER BY version DESC LIMIT $1', [limit])).rows.map((r) => this.toPolicy(r));
  }

  async lastPolicyFileHash(): Promise<string | null> {
    const r = await this.query<{ file_hash: string }>('SELECT file_hash FROM policy_versions WHERE file_hash IS NOT NULL ORDER BY version DESC LIMIT 1');
    return r.rows[0]?.file_hash ?? null;
  }

  async recordFeedback(f: FeedbackInput): Promise<FeedbackRecord> {
    const r = await this.query(
      `INSERT INTO feedback (comment_text, attribute_scores, client_token, languages, source, community_id, session_id, context, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, now())) RETURNING id, received_at`,
      [f.commentText, JSON.stringify(f.attributeScores), f.clientToken ?? null, toJson(f.languages), f.source, f.communityId ?? null, f.sessionId ?? null, toJson(f.context), f.receivedAt ?? null],
    );
    return {
      id: Number(r.rows[0].id), commentText: f.commentText, attributeScores: f.attributeScores, clientToken: f.clientToken ?? null, languages: f.languages ?? null,
      source: f.source, communityId: f.communityId ?? null, sessionId: f.sessionId ?? null, context: f.context ?? null, receivedAt: iso(r.rows[0].received_at),
    };
  }

  async createSession(s: { tokenHash: string; keyId: string; expiresAt: Date }): Promise<void> {
    await this.tx(async (c) => {
      await c.query('DELETE FROM sessions WHERE expires_at <= now()');
      await c.query('INSERT INTO sessions (token_hash, key_id, expires_at) VALUES ($1, $2, $3)', [s.tokenHash, s.keyId, s.expiresAt]);
    });
  }

  async findSession(tokenHash: string): Promise<SessionRecord | null> {
    const r = await this.query(
      'SELECT k.*, s.created_at AS s_created, s.expires_at AS s_expires FROM sessions s JOIN api_keys k ON k.id = s.key_id WHERE s.token_hash = $1 AND s.expires_at > now() AND k.revoked_at IS NULL',
      [tokenHash],
    );
    const row = r.rows[0];
    return row ? { key: this.toKey(row), createdAt: iso(row.s_created), expiresAt: iso(row.s_expires) } : null;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return this.tx(async (c) => {
      await c.query('DELETE FROM sessions WHERE expires_at <= now()');
      return ((await c.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) === 1;
    });
  }

  async activity(q: ActivityQuery): Promise<Activity> {
    const sec = Math.max(0.001, q.bucketSeconds);
    const bucket = (col: string) => `(floor(extract(epoch from ${col}) / $1) * $1 * 1000)::float8`;
    const num = <T extends { n: unknown; bucket?: unknown }>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n), bucket: Number(r.bucket) }));
    const held = await this.query(`SELECT ${bucket('created_at')} AS bucket, category, COUNT(*) AS n FROM comments WHERE category IS NOT NULL AND created_at >= $2 GROUP BY 1, category`, [sec, q.since]);
    const decided = await this.query(
      `SELECT ${bucket('d.created_at')} AS bucket, COALESCE(c.category, 'none') AS category, COUNT(*) AS n FROM decisions d JOIN comments c ON c.id = d.comment_id
       WHERE d.created_at >= $2 GROUP BY 1, 2`,
      [sec, q.since],
    );
    const mods = await this.query('SELECT moderator_id AS "moderatorId", MAX(moderator_name) AS moderator, action, COUNT(*) AS n FROM decisions WHERE created_at >= $1 GROUP BY moderator_id, action', [q.since]);
    return assembleActivity(q, { held: num(held.rows), decided: num(decided.rows), moderators: mods.rows.map((r) => ({ ...r, n: Number(r.n) })) });
  }

  async siteExamples(siteId: string, opts: { limit?: number } = {}): Promise<LabelledExample[]> {
    // One snapshot, so a decision landing between the two reads is not half counted.
    const all = await this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const imported = await c.query<LabelRow>('SELECT label, category, false AS audit, vector, base, article, models, thread_id AS thread FROM adapt_imports WHERE site_id = $1 ORDER BY created_at, id', [siteId]);
      const decided = await c.query<LabelRow>(
        `SELECT CASE d.action WHEN 'reject' THEN 1 ELSE 0 END AS label, d.category, c.audit, f.vector, f.base, f.article, f.models,
           COALESCE(c.thread_id, 'article:' || (c.article->>'id'), 'article:' || (c.article->>'title')) AS thread
         FROM decisions d JOIN comments c ON c.id = d.comment_id JOIN comment_features f ON f.comment_id = d.comment_id
         WHERE d.action IN ('approve', 'reject') AND COALESCE(c.site_id, $1) = $2 ORDER BY d.seq`,
        [DEFAULT_SITE, siteId],
      );
      return [...imported.rows, ...decided.rows];
    });
    return (opts.limit !== undefined && all.length > opts.limit ? all.slice(all.length - opts.limit) : all).map(rowToExample);
  }

  async siteLabelCount(siteId: string): Promise<number> {
    const r = await this.query<{ n: string }>(
      `SELECT (SELECT COUNT(*) FROM adapt_imports WHERE site_id = $3) + (SELECT COUNT(*) FROM decisions d JOIN comments c ON c.id = d.comment_id
        JOIN comment_features f ON f.comment_id = d.comment_id WHERE d.action IN ('approve', 'reject') AND COALESCE(c.site_id, $1) = $2) AS n`,
      [DEFAULT_SITE, siteId, siteId],
    );
    return Number(r.rows[0]!.n);
  }

  async importLabels(siteId: string, labels: ImportedLabel[]): Promise<number> {
    if (labels.length === 0) return 0;
    const r = await this.query(
      `INSERT INTO adapt_imports (site_id, id, text, label, category, vector, base, article, thread_id, models)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::smallint[], $5::text[], $6::bytea[], $7::jsonb[], $8::bytea[], $9::text[], $10::jsonb[]) ON CONFLICT (site_id, id) DO NOTHING`,
      [siteId, labels.map((l) => l.id), labels.map((l) => l.text), labels.map((l) => l.label), labels.map((l) => l.category ?? null), labels.map((l) => vectorBytes(l.features.vector)), labels.map((l) => JSON.stringify(l.features.base)), labels.map((l) => articleBytes(l.features)), labels.map((l) => l.thread ?? null), labels.map((l) => modelsJson(l.features))],
    );
    return r.rowCount ?? 0;
  }

  async importedIds(siteId: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const r = await this.query<{ id: string }>('SELECT id FROM adapt_imports WHERE site_id = $1 AND id = ANY($2::text[])', [siteId, ids]);
    return r.rows.map((x) => x.id);
  }

  async saveAdapter(a: Omit<SiteAdapter, 'version' | 'createdAt'>, opts: { activate: boolean; createdBy?: string | null }): Promise<AdapterVersion> {
    return this.tx(async (c) => {
      // Instances fitting the same site at once take their version numbers one after the other.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADAPTER_LOCK, a.siteId]);
      const { v } = (await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM adapter_versions WHERE site_id = $1', [a.siteId])).rows[0]!;
      if (opts.activate) await c.query('UPDATE adapter_versions SET active = false WHERE site_id = $1 AND active', [a.siteId]);
      const r = await c.query<AdapterRow>(
        `INSERT INTO adapter_versions (site_id, version, heads, report, active, created_by, activated_at) VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 THEN now() END)
         RETURNING site_id, version, report, active, created_by, created_at, activated_at`,
        [a.siteId, v, JSON.stringify(a.heads), JSON.stringify(a.report), opts.activate, opts.createdBy ?? null],
      );
      return rowToAdapterVersion(r.rows[0]!, iso);
    });
  }

  async adapterVersions(siteId: string): Promise<AdapterVersion[]> {
    const r = await this.query<AdapterRow>('SELECT site_id, version, report, active, created_by, created_at, activated_at FROM adapter_versions WHERE site_id = $1 ORDER BY version DESC', [siteId]);
    return r.rows.map((x) => rowToAdapterVersion(x, iso));
  }

  async getAdapter(siteId: string, version?: number): Promise<SiteAdapter | null> {
    const r = version === undefined
      ? await this.query('SELECT * FROM adapter_versions WHERE site_id = $1 AND active', [siteId])
      : await this.query('SELECT * FROM adapter_versions WHERE site_id = $1 AND version = $2', [siteId, version]);
    const row = r.rows[0];
    return row ? { siteId: row.site_id, version: Number(row.version), createdAt: iso(row.created_at), heads: row.heads, report: row.report } : null;
  }

  async activateAdapter(siteId: string, version: number | null): Promise<AdapterVersion | null> {
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADAPTER_LOCK, siteId]);
      if (version !== null && (await c.query('SELECT 1 FROM adapter_versions WHERE site_id = $1 AND version = $2', [siteId, version])).rowCount === 0) {
        throw new ModeratoError('MOD_ERR_NOT_FOUND', `Site "${siteId}" has no adapter version ${version}`);
      }
      await c.query('UPDATE adapter_versions SET active = false WHERE site_id = $1 AND active', [siteId]);
      if (version === null) return null;
      const r = await c.query<AdapterRow>(
        'UPDATE adapter_versions SET active = true, activated_at = now() WHERE site_id = $1 AND version = $2 RETURNING site_id, version, report, active, created_by, created_at, activated_at',
        [siteId, version],
      );
      return rowToAdapterVersion(r.rows[0]!, iso);
    });
  }

  async adaptSites(): Promise<AdaptSite[]> {
    const r = await this.query<{ site: string; labels: string; active: number | null; versions: string }>(
      `WITH labels AS (
         SELECT site_id AS site, COUNT(*) AS n FROM adapt_imports GROUP BY site_id
         UNION ALL
         SELECT COALESCE(c.site_id, $1) AS site, COUNT(*) AS n FROM decisions d JOIN comments c ON c.id = d.comment_id JOIN comment_features f ON f.comment_id = d.comment_id
         WHERE d.action IN ('approve', 'reject') GROUP BY 1
       ), versions AS (
         SELECT site_id AS site, COUNT(*) AS n, MAX(CASE WHEN active THEN version END) AS active FROM adapter_versions GROUP BY site_id
       ), sites AS (SELECT site FROM labels UNION SELECT site FROM versions)
       SELECT s.site, COALESCE((SELECT SUM(n) FROM labels l WHERE l.site = s.site), 0) AS labels, v.active, COALESCE(v.n, 0) AS versions
       FROM sites s LEFT JOIN versions v ON v.site = s.site ORDER BY s.site`,
      [DEFAULT_SITE],
    );
    return r.rows.map((x) => ({ siteId: x.site, labels: Number(x.labels), activeVersion: x.active == null ? null : Number(x.active), versions: Number(x.versions) }));
  }

  /** Drops this store's schema (tests use it to clean up their unique schema). */
  async dropSchema(): Promise<void> {
    if (!this.schema) throw new ModeratoError('MOD_ERR_CONFIG', 'dropSchema needs an explicit schema');
    await this.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
