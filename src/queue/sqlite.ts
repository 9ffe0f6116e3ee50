/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). better-sqlite3 is synchronous, so
 * every method runs in one transaction without yielding; `BEGIN IMMEDIATE` takes the write lock
 * up front so several processes on one file serialize instead of failing mid-transaction.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { ensureDir } from '../util/fs';
import { ModeratoError } from '../errors';
import { COMMENT_STATUSES, DEFAULT_SITE } from './types';
import type { LabelledExample, SiteAdapter } from '../adapt/types';
import type {
  AdapterVersion, AdaptSite, ImportedLabel, Activity, ActivityQuery, Actor, ApiKeyRecord, ClaimRequest, CommentStatus, CommentWithHistory, CreatedApiKey, Decision, DecisionOutcome, DecisionRequest,
  FeedbackInput, FeedbackRecord, IngestOutcome, NewComment, PolicyVersion, QueuePage, QueueQuery, QueueStore, Role, SessionRecord, Stats, StoredComment,
} from './types';
import type { Policy } from './policy';
import { SQLITE_MIGRATIONS } from './migrations';
import {
  assembleActivity, rowToAdapterVersion, rowToExample, vectorBytes, articleBytes, modelsJson, decodeCursor, encodeCursor, sortKey, sortValue, fromJson, generateApiKey, generateKeyId, hashApiKey, planDecision, rowToComment, rowToDecision, toJson, zeroStatusCounts,
  type ActivityRows, type AdapterRow, type CommentRow, type DecisionRow, type LabelRow,
} from './common';

const iso = (t: unknown): string => new Date(Number(t)).toISOString();

/** Options of {@link SqliteStore}. */
export interface SqliteOptions {
  /** `FULL` (default) fsyncs every commit so acknowledged writes survive power loss, not only a crash. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's lock (ms). */
  busyTimeoutMs?: number;
}

/** {@link QueueStore} on a SQLite file. */
export class SqliteStore implements QueueStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  /** Opens (creating the file and its directory if missing) without migrating; call {@link migrate}. */
  constructor(readonly path: string, opts: SqliteOptions = {}) {
    try {
      if (path !== ':memory:') ensureDir(dirname(path));
      this.db = new Database(path);
    } catch (e) {
      throw new ModeratoError('MOD_ERR_CONFIG', `Cannot open the SQLite database ${path}: ${(e as Error).message}`, { path });
    }
    this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10000}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
  }

  /** Runs `fn` in a `BEGIN IMMEDIATE` transaction. */
  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    this.tx(() => {
      const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
      for (const m of SQLITE_MIGRATIONS) {
        if (done.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }
    });
  }

  private toComment(row: CommentRow, now = Date.now()): StoredComment {
    return rowToComment(row, iso, row.lease_until != null && Number(row.lease_until) > now);
  }

  async ingest(comments: NewComment[]): Promise<IngestOutcome[]> {
    const insert = this.db.prepare(`INSERT INTO comments (id, site_id, thread_id, parent_id, author, text, article, metadata, status, category, score, off_topic, result, model, policy_version, audit, created_at, updated_at)
      VALUES (@id, @site_id, @thread_id, @parent_id, @author, @text, @article, @metadata, @status, @category, @score, @off_topic, @result, @model, @policy_version, @audit, @now, @now)
      ON CONFLICT(id) DO NOTHING`);
    const features = this.db.prepare('INSERT INTO comment_features (comment_id, vector, base, article, models) VALUES (?, ?, ?, ?, ?)');
    const select = this.db.prepare('SELECT * FROM comments WHERE id = ?');
    return this.tx(() => {
      const now = Date.now();
      return comments.map((c) => {
        const info = insert.run({
          id: c.id, site_id: c.siteId ?? null, thread_id: c.threadId ?? null, parent_id: c.parentId ?? null, author: c.author ?? null, text: c.text,
          article: toJson(c.article), metadata: toJson(c.metadata), status: c.status, category: c.category, score: c.score, off_topic: c.result.offTopic ?? null,
          result: JSON.stringify(c.result), model: toJson(c.model), policy_version: c.policyVersion ?? null, audit: c.audit ? 1 : 0, now,
        });
        if (info.changes === 1 && c.features) features.run(c.id, vectorBytes(c.features.vector), JSON.stringify(c.features.base), articleBytes(c.features), modelsJson(c.features));
        return { comment: this.toComment(select.get(c.id) as CommentRow, now), created: info.changes === 1 };
      });
    });
  }

  async getComments(ids: string[]): Promise<StoredComment[]> {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM comments WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as CommentRow[];
    return rows.map((r) => this.toComment(r));
  }

  async threadComments(threadId: string, limit: number): Promise<StoredComment[]> {
    const rows = this.db.prepare('SELECT * FROM comments WHERE thread_id = ? ORDER BY seq DESC LIMIT ?').all(threadId, limit) as CommentRow[];
    return rows.reverse().map((r) => this.toComment(r));
  }

  private history(id: string): Decision[] {
    return (this.db.prepare('SELECT * FROM decisions WHERE comment_id = ? ORDER BY seq').all(id) as DecisionRow[]).map((r) => rowToDecision(r, iso));
  }

  async getComment(id: string): Promise<CommentWithHistory | null> {
    const row = this.db.prepare('SELECT * FROM comments WHERE id = ?').get(id) as CommentRow | undefined;
    if (!row) return null;
    return { ...this.toComment(row), decisions: this.history(id) };
  }

  async listQueue(q: QueueQuery): Promise<QueuePage> {
    const sort = q.sort ?? 'age';
    const where: string[] = [];
    const params: unknown[] = [];
    const status = q.status ?? 'pending';
    if (status !== 'all') (where.push('status = ?'), params.push(status));
    if (q.category) (where.push('category = ?'), params.push(q.category));
    if (q.threadId) (where.push('thread_id = ?'), params.push(q.threadId));
    if (q.siteId) (where.push('site_id = ?'), params.push(q.siteId));
    if (q.minScore !== undefined) (where.push('score >= ?'), params.push(q.minScore));
    if (q.minOffTopic !== undefined) (where.push('off_topic >= ?'), params.push(q.minOffTopic));
    if (q.cursor) {
      const c = decodeCursor(q.cursor, sort);
      if (sort === 'age') (where.push('seq > ?'), params.push(c.seq));
      else (where.push(`(${sortKey(sort)} < ? OR (${sortKey(sort)} = ? AND seq > ?))`), params.push(c.score, c.score, c.seq));
    }
    const order = sort === 'age' ? 'seq ASC' : `${sortKey(sort)} DESC, seq ASC`;
    const rows = this.db.prepare(`SELECT * FROM comments ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ?`).all(...params, q.limit + 1) as CommentRow[];
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.toComment(r)),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ sort, score: sortValue(last, sort), seq: Number(last.seq) }) : null,
    };
  }

  async claim(req: ClaimRequest): Promise<StoredComment[]> {
    return this.tx(() => {
      const now = Date.now();
      const until = now + Math.round(req.leaseSeconds * 1000);
      const rows = this.db
        .prepare(`UPDATE comments SET lease_owner = ?, lease_owner_name = ?, lease_until = ?, updated_at = ?
          WHERE seq IN (SELECT seq FROM comments WHERE status = ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY seq LIMIT ?)
          RETURNING *`)
        .all(req.moderator.id, req.moderator.name, until, now, req.status ?? 'pending', now, req.limit) as CommentRow[];
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => this.toComment(r, now));
    });
  }

  async release(moderator: Actor, ids?: string[]): Promise<number> {
    const base = 'UPDATE comments SET lease_owner = NULL, lease_owner_name = NULL, lease_until = NULL, updated_at = ? WHERE lease_owner = ?';
    if (ids && ids.length === 0) return 0;
    const info = ids
      ? this.db.prepare(`${base} AND id IN (${ids.map(() => '?').join(',')})`).run(Date.now(), moderator.id, ...ids)
      : this.db.prepare(base).run(Date.now(), moderator.id);
    return info.changes;
  }

  async decide(req: DecisionRequest): Promise<DecisionOutcome> {
    return this.tx(() => {
      const now = Date.now();
      const row = this.db.prepare('SELECT * FROM comments WHERE id = ?').get(req.commentId) as CommentRow | undefined;
      if (!row) throw new ModeratoError('MOD_ERR_NOT_FOUND', `No comment with id "${req.commentId}"`);
      const byKeyRow = req.idempotencyKey
        ? (this.db.prepare('SELECT * FROM decisions WHERE moderator_id = ? AND idempotency_key = ?').get(req.moderator.id, req.idempotencyKey) as DecisionRow | undefined)
        : undefined;
      const plan = planDecision({
        req,
        status: row.status as CommentStatus,
        byKey: byKeyRow ? rowToDecision(byKeyRow, iso) : null,
        history: this.history(req.commentId),
        lease: row.lease_owner ? { moderatorId: row.lease_owner, active: Number(row.lease_until) > now } : null,
      });
      if (plan.kind === 'replay') {
        const current = this.db.prepare('SELECT * FROM comments WHERE id = ?').get(plan.decision.commentId) as CommentRow;
        return { decision: plan.decision, comment: this.toComment(current, now), replayed: true };
      }
      const info = this.db
        .prepare(`INSERT INTO decisions (comment_id, action, category, note, redacted_text, moderator_id, moderator_name, idempotency_key, from_status, to_status, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(req.commentId, req.action, req.category ?? null, req.note ?? null, req.redactedText ?? null, req.moderator.id, req.moderator.name, req.idempotencyKey ?? null, row.status, plan.toStatus, now);
      this.db
        .prepare(`UPDATE comments SET status = ?, redacted_text = COALESCE(?, redacted_text), lease_owner = NULL, lease_owner_name = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`)
        .run(plan.toStatus, req.redactedText ?? null, now, req.commentId);
      const d = this.db.prepare('SELECT * FROM decisions WHERE seq = ?').get(info.lastInsertRowid) as DecisionRow;
      const c = this.db.prepare('SELECT * FROM comments WHERE id = ?').get(req.commentId) as CommentRow;
      return { decision: rowToDecision(d, iso), comment: this.toComment(c, now), replayed: false };
    });
  }

  async stats(): Promise<Stats> {
    const byStatus = zeroStatusCounts();
    const byCategory: Stats['byCategory'] = {};
    let total = 0;
    const rows = this.db.prepare('SELECT status, category, COUNT(*) AS n FROM comments GROUP BY status, category').all() as { status: CommentStatus; category: string | null; n: number }[];
    for (const r of rows) {
      total += r.n;
      if ((COMMENT_STATUSES as readonly string[]).includes(r.status)) byStatus[r.status] += r.n;
      if (r.category) {
        const c = (byCategory[r.category] ??= { total: 0, ...zeroStatusCounts() });
        c.total += r.n;
        c[r.status] += r.n;
      }
    }
    return { total, byStatus, byCategory };
  }

  async createApiKey(opts: { role: Role; name?: string | null }): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const id = generateKeyId();
    const now = Date.now();
    this.db.prepare('INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, opts.name ?? null, opts.role, hashApiKey(key), now);
    return { id, name: opts.name ?? null, role: opts.role, createdAt: iso(now), revokedAt: null, key };
  }

  private toKey(r: { id: string; name: string | null; role: string; created_at: number; revoked_at: number | null }): ApiKeyRecord {
    return { id: r.id, name: r.name, role: r.role as Role, createdAt: iso(r.created_at), revokedAt: r.revoked_at == null ? null : iso(r.revoked_at) };
  }

  async findApiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    const r = this.db.prepare('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL').get(keyHash) as Parameters<SqliteStore['toKey']>[0] | undefined;
    return r ? this.toKey(r) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Parameters<SqliteStore['toKey']>[0][]).map((r) => this.toKey(r));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(Date.now(), id).changes === 1;
  }

  private toPolicy(r: { version: number; document: string; changed_by: string; source: string; changed_at: number }): PolicyVersion {
    return { version: Number(r.version), policy: fromJson<Policy>(r.document), changedBy: r.changed_by, source: r.source, changedAt: iso(r.changed_at) };
  }

  async getPolicy(): Promise<PolicyVersion | null> {
    const r = this.db.prepare('SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1').get() as Parameters<SqliteStore['toPolicy']>[0] | undefined;
    return r ? this.toPolicy(r) : null;
  }

  async setPolicy(policy: Policy, by: { changedBy: string; source: string; fileHash?: string | null }): Promise<PolicyVersion> {
    const now = Date.now();
    const info = this.db.prepare('INSERT INTO policy_versions (document, changed_by, source, file_hash, changed_at) VALUES (?, ?, ?, ?, ?)').run(JSON.stringify(policy), by.changedBy, by.source, by.fileHash ?? null, now);
    return { version: Number(info.lastInsertRowid), policy, changedBy: by.changedBy, source: by.source, changedAt: iso(now) };
  }

  async policyHistory(limit = 100): Promise<PolicyVersion[]> {
    return (this.db.prepare('SELECT * FROM policy_versions ORDER BY version DESC LIMIT ?').all(limit) as Parameters<SqliteStore['toPolicy']>[0][]).map((r) => this.toPolicy(r));
  }

  async lastPolicyFileHash(): Promise<string | null> {
    const r = this.db.prepare('SELECT file_hash FROM policy_versions WHERE file_hash IS NOT NULL ORDER BY version DESC LIMIT 1').get() as { file_hash: string } | undefined;
    return r?.file_hash ?? null;
  }

  async recordFeedback(f: FeedbackInput): Promise<FeedbackRecord> {
    const at = (f.receivedAt ?? new Date()).getTime();
    const info = this.db
      .prepare('INSERT INTO feedback (comment_text, attribute_scores, client_token, languages, source, community_id, session_id, context, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(f.commentText, JSON.stringify(f.attributeScores), f.clientToken ?? null, toJson(f.languages), f.source, f.communityId ?? null, f.sessionId ?? null, toJson(f.context), at);
    return {
      id: Number(info.lastInsertRowid), commentText: f.commentText, attributeScores: f.attributeScores, clientToken: f.clientToken ?? null, languages: f.languages ?? null,
      source: f.source, communityId: f.communityId ?? null, sessionId: f.sessionId ?? null, context: f.context ?? null, receivedAt: iso(at),
    };
  }

  async createSession(s: { tokenHash: string; keyId: string; expiresAt: Date }): Promise<void> {
    this.tx(() => {
      this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(Date.now());
      this.db.prepare('INSERT INTO sessions (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(s.tokenHash, s.keyId, Date.now(), s.expiresAt.getTime());
    });
  }

  async findSession(tokenHash: string): Promise<SessionRecord | null> {
    const r = this.db
      .prepare('SELECT k.*, s.created_at AS s_created, s.expires_at AS s_expires FROM sessions s JOIN api_keys k ON k.id = s.key_id WHERE s.token_hash = ? AND s.expires_at > ? AND k.revoked_at IS NULL')
      .get(tokenHash, Date.now()) as (Parameters<SqliteStore['toKey']>[0] & { s_created: number; s_expires: number }) | undefined;
    return r ? { key: this.toKey(r), createdAt: iso(r.s_created), expiresAt: iso(r.s_expires) } : null;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return this.tx(() => {
      this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(Date.now());
      return this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash).changes === 1;
    });
  }

  async activity(q: ActivityQuery): Promise<Activity> {
    const ms = Math.max(1, Math.round(q.bucketSeconds * 1000));
    const since = q.since.getTime();
    type Row = { bucket: number; category: string; n: number };
    const held = this.db.prepare('SELECT CAST(created_at / ? AS INTEGER) * ? AS bucket, category, COUNT(*) AS n FROM comments WHERE category IS NOT NULL AND created_at >= ? GROUP BY bucket, category').all(ms, ms, since) as Row[];
    const decided = this.db
      .prepare(`SELECT CAST(d.created_at / ? AS INTEGER) * ? AS bucket, COALESCE(c.category, 'none') AS category, COUNT(*) AS n FROM decisions d JOIN comments c ON c.id = d.comment_id
        WHERE d.created_at >= ? GROUP BY bucket, COALESCE(c.category, 'none')`)
      .all(ms, ms, since) as Row[];
    const moderators = this.db
      .prepare('SELECT moderator_id AS moderatorId, MAX(moderator_name) AS moderator, action, COUNT(*) AS n FROM decisions WHERE created_at >= ? GROUP BY moderator_id, action')
      .all(since) as ActivityRows['moderators'];
    return assembleActivity(q, { held, decided, moderators });
  }

  async siteExamples(siteId: string, opts: { limit?: number } = {}): Promise<LabelledExample[]> {
    const imported = this.db.prepare('SELECT label, category, 0 AS audit, vector, base, article, models, thread_id AS thread FROM adapt_imports WHERE site_id = ? ORDER BY created_at, id').all(siteId) as LabelRow[];
    const decided = this.db
      .prepare(`SELECT CASE d.action WHEN 'reject' THEN 1 ELSE 0 END AS label, d.category, c.audit, f.vector, f.base, f.article, f.models,
          COALESCE(c.thread_id, 'article:' || json_extract(c.article, '$.id'), 'article:' || json_extract(c.article, '$.title')) AS thread
        FROM decisions d JOIN comments c ON c.id = d.comment_id JOIN comment_features f ON f.comment_id = d.comment_id
        WHERE d.action IN ('approve', 'reject') AND COALESCE(c.site_id, ?) = ? ORDER BY d.seq`)
      .all(DEFAULT_SITE, siteId) as LabelRow[];
    const all = [...imported, ...decided];
    return (opts.limit !== undefined && all.length > opts.limit ? all.slice(all.length - opts.limit) : all).map(rowToExample);
  }

  async siteLabelCount(siteId: string): Promise<number> {
    const r = this.db
      .prepare(`SELECT (SELECT COUNT(*) FROM adapt_imports WHERE site_id = ?) + (SELECT COUNT(*) FROM decisions d JOIN comments c ON c.id = d.comment_id
        JOIN comment_features f ON f.comment_id = d.comment_id WHERE d.action IN ('approve', 'reject') AND COALESCE(c.site_id, ?) = ?) AS n`)
      .get(siteId, DEFAULT_SITE, siteId) as { n: number };
    return Number(r.n);
  }

  async importLabels(siteId: string, labels: ImportedLabel[]): Promise<number> {
    const insert = this.db.prepare(`INSERT INTO adapt_imports (site_id, id, text, label, category, vector, base, article, models, thread_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (site_id, id) DO NOTHING`);
    return this.tx(() => {
      const now = Date.now();
      let n = 0;
      for (const l of labels) n += insert.run(siteId, l.id, l.text, l.label, l.category ?? null, vectorBytes(l.features.vector), JSON.stringify(l.features.base), articleBytes(l.features), modelsJson(l.features), l.thread ?? null, now).changes;
      return n;
    });
  }

  async importedIds(siteId: string, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    // SQLite caps bound parameters; 500 per statement stays well under every build's limit.
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db.prepare(`SELECT id FROM adapt_imports WHERE site_id = ? AND id IN (${part.map(() => '?').join(',')})`).all(siteId, ...part) as { id: string }[];
      out.push(...rows.map((r) => r.id));
    }
    return out;
  }

  async saveAdapter(a: Omit<SiteAdapter, 'version' | 'createdAt'>, opts: { activate: boolean; createdBy?: string | null }): Promise<AdapterVersion> {
    return this.tx(() => {
      const now = Date.now();
      const { v } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM adapter_versions WHERE site_id = ?').get(a.siteId) as { v: number };
      if (opts.activate) this.db.prepare('UPDATE adapter_versions SET active = 0 WHERE site_id = ? AND active = 1').run(a.siteId);
      this.db
        .prepare('INSERT INTO adapter_versions (site_id, version, heads, report, active, created_by, created_at, activated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(a.siteId, v, JSON.stringify(a.heads), JSON.stringify(a.report), opts.activate ? 1 : 0, opts.createdBy ?? null, now, opts.activate ? now : null);
      return this.adapterRow(a.siteId, v)!;
    });
  }

  private adapterRow(siteId: string, version: number): AdapterVersion | null {
    const r = this.db.prepare('SELECT site_id, version, report, active, created_by, created_at, activated_at FROM adapter_versions WHERE site_id = ? AND version = ?').get(siteId, version) as AdapterRow | undefined;
    return r ? rowToAdapterVersion(r, iso) : null;
  }

  async adapterVersions(siteId: string): Promise<AdapterVersion[]> {
    const rows = this.db.prepare('SELECT site_id, version, report, active, created_by, created_at, activated_at FROM adapter_versions WHERE site_id = ? ORDER BY version DESC').all(siteId) as AdapterRow[];
    return rows.map((r) => rowToAdapterVersion(r, iso));
  }

  async getAdapter(siteId: string, version?: number): Promise<SiteAdapter | null> {
    const r = (version === undefined
      ? this.db.prepare('SELECT * FROM adapter_versions WHERE site_id = ? AND active = 1').get(siteId)
      : this.db.prepare('SELECT * FROM adapter_versions WHERE site_id = ? AND version = ?').get(siteId, version)) as (AdapterRow & { heads: string }) | undefined;
    return r ? { siteId: r.site_id, version: Number(r.version), createdAt: iso(r.created_at), heads: fromJson(r.heads), report: fromJson(r.report) } : null;
  }

  async activateAdapter(siteId: string, version: number | null): Promise<AdapterVersion | null> {
    return this.tx(() => {
      if (version !== null && !this.adapterRow(siteId, version)) throw new ModeratoError('MOD_ERR_NOT_FOUND', `Site "${siteId}" has no adapter version ${version}`);
      this.db.prepare('UPDATE adapter_versions SET active = 0 WHERE site_id = ? AND active = 1').run(siteId);
      if (version === null) return null;
      this.db.prepare('UPDATE adapter_versions SET active = 1, activated_at = ? WHERE site_id = ? AND version = ?').run(Date.now(), siteId, version);
      return this.adapterRow(siteId, version);
    });
  }

  async adaptSites(): Promise<AdaptSite[]> {
    const rows = this.db
      .prepare(`WITH labels AS (
          SELECT site_id AS site, COUNT(*) AS n FROM adapt_imports GROUP BY site_id
          UNION ALL
          SELECT COALESCE(c.site_id, ?) AS site, COUNT(*) AS n FROM decisions d JOIN comments c ON c.id = d.comment_id JOIN comment_features f ON f.comment_id = d.comment_id
          WHERE d.action IN ('approve', 'reject') GROUP BY COALESCE(c.site_id, ?)
        ), versions AS (
          SELECT site_id AS site, COUNT(*) AS n, MAX(CASE WHEN active = 1 THEN version END) AS active FROM adapter_versions GROUP BY site_id
        ), sites AS (SELECT site FROM labels UNION SELECT site FROM versions)
        SELECT s.site, COALESCE((SELECT SUM(n) FROM labels l WHERE l.site = s.site), 0) AS labels, v.active, COALESCE(v.n, 0) AS versions
        FROM sites s LEFT JOIN versions v ON v.site = s.site ORDER BY s.site`)
      .all(DEFAULT_SITE, DEFAULT_SITE) as { site: string; labels: number; active: number | null; versions: number }[];
    return rows.map((r) => ({ siteId: r.site, labels: Number(r.labels), activeVersion: r.active == null ? null : Number(r.active), versions: Number(r.versions) }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
