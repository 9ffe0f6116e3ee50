/**
 * Schema migrations, one list per dialect, applied in order and recorded in `schema_migrations`.
 * Append new versions; never edit a released one (stores already ran it).
 *
 * Two partial unique indexes on `decisions` make "decided exactly once" a database guarantee,
 * not only an application rule: at most one final decision (approve/reject) and one escalation
 * per comment.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** SQLite: times are integer milliseconds since the epoch; JSON is TEXT. */
export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'queue',
    sql: `
CREATE TABLE comments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  site_id TEXT, thread_id TEXT, parent_id TEXT, author TEXT,
  text TEXT NOT NULL, article TEXT, metadata TEXT,
  status TEXT NOT NULL, category TEXT, score REAL NOT NULL,
  result TEXT NOT NULL, model TEXT, policy_version INTEGER,
  redacted_text TEXT,
  lease_owner TEXT, lease_owner_name TEXT, lease_until INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX comments_status_seq ON comments(status, seq);
CREATE INDEX comments_status_score ON comments(status, score DESC, seq);
CREATE INDEX comments_thread ON comments(thread_id, seq);
CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  comment_id TEXT NOT NULL REFERENCES comments(id),
  action TEXT NOT NULL, note TEXT, redacted_text TEXT,
  moderator_id TEXT NOT NULL, moderator_name TEXT, idempotency_key TEXT,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX decisions_comment ON decisions(comment_id, seq);
CREATE UNIQUE INDEX decisions_idempotency ON decisions(moderator_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX decisions_one_final ON decisions(comment_id) WHERE action IN ('approve', 'reject');
CREATE UNIQUE INDEX decisions_one_escalation ON decisions(comment_id) WHERE action = 'escalate';
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT, role TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL, revoked_at INTEGER
);
CREATE TABLE policy_versions (
  version INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL,
  changed_by TEXT NOT NULL, source TEXT NOT NULL, file_hash TEXT, changed_at INTEGER NOT NULL
);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT, comment_text TEXT NOT NULL, attribute_scores TEXT NOT NULL,
  client_token TEXT, languages TEXT, source TEXT NOT NULL, community_id TEXT, session_id TEXT,
  context TEXT, received_at INTEGER NOT NULL
);`,
  },
  {
    version: 2,
    name: 'off_topic_score',
    // The off-topic score gets its own column (filled from the stored result for existing rows),
    // so the queue can sort by it; no score is -1 in the index so that those items sort last.
    sql: `
ALTER TABLE comments ADD COLUMN off_topic REAL;
UPDATE comments SET off_topic = json_extract(result, '$.offTopic');
CREATE INDEX comments_status_off_topic ON comments(status, COALESCE(off_topic, -1) DESC, seq);`,
  },
  {
    version: 3,
    name: 'sessions',
    sql: `
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX decisions_created ON decisions(created_at);
CREATE INDEX comments_created ON comments(created_at) WHERE category IS NOT NULL;`,
  },
  {
    version: 4,
    name: 'site_adaptation',
    // Site adaptation (docs/queue.md "Site adaptation"): the features each scored comment is
    // learned from (so a refit never re-embeds), the audit flag, the moderator's category on a
    // decision, imported past decisions, and the versioned adapters with at most one active per
    // site (a partial unique index, so two activations cannot both win).
    sql: `
ALTER TABLE comments ADD COLUMN audit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN category TEXT;
CREATE TABLE comment_features (
  comment_id TEXT PRIMARY KEY REFERENCES comments(id),
  vector BLOB NOT NULL, base TEXT NOT NULL
);
CREATE TABLE adapt_imports (
  site_id TEXT NOT NULL, id TEXT NOT NULL, text TEXT NOT NULL,
  label INTEGER NOT NULL, category TEXT,
  vector BLOB NOT NULL, base TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (site_id, id)
);
CREATE TABLE adapter_versions (
  site_id TEXT NOT NULL, version INTEGER NOT NULL,
  heads TEXT NOT NULL, report TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0, created_by TEXT,
  created_at INTEGER NOT NULL, activated_at INTEGER,
  PRIMARY KEY (site_id, version)
);
CREATE UNIQUE INDEX adapter_versions_one_active ON adapter_versions(site_id) WHERE active = 1;
CREATE INDEX decisions_final ON decisions(action, seq) WHERE action IN ('approve', 'reject');`,
  },
  {
    version: 5,
    name: 'adapt_article_vector',
    // The article's int8 sentence vector beside each stored comment vector (null for rows stored
    // before, or scored without an article): the adapter's off_topic head relates the two.
    sql: `
ALTER TABLE comment_features ADD COLUMN article BLOB;
ALTER TABLE adapt_imports ADD COLUMN article BLOB;`,
  },
  {
    version: 6,
    name: 'adapt_import_thread',
    // An imported decision's thread (else its article), so the off_topic fit keeps a thread's
    // imported rows in one fold as it does the queue's; null for rows imported before.
    sql: `ALTER TABLE adapt_imports ADD COLUMN thread_id TEXT;`,
  },
  {
    version: 7,
    name: 'adapt_base_models',
    // The base models ("name version") whose outputs each stored row holds: a fit keeps to one
    // base, and scoring applies a head only over the base it was fitted on. Null in rows stored before.
    sql: `
ALTER TABLE comment_features ADD COLUMN models TEXT;
ALTER TABLE adapt_imports ADD COLUMN models TEXT;`,
  },
];

/** PostgreSQL: timestamptz, jsonb; lease times compare against the database clock (one clock for all instances). */
export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'queue',
    sql: `
CREATE TABLE comments (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  site_id TEXT, thread_id TEXT, parent_id TEXT, author TEXT,
  text TEXT NOT NULL, article JSONB, metadata JSONB,
  status TEXT NOT NULL, category TEXT, score DOUBLE PRECISION NOT NULL,
  result JSONB NOT NULL, model JSONB, policy_version INTEGER,
  redacted_text TEXT,
  lease_owner TEXT, lease_owner_name TEXT, lease_until TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX comments_status_seq ON comments(status, seq);
CREATE INDEX comments_status_score ON comments(status, score DESC, seq);
CREATE INDEX comments_thread ON comments(thread_id, seq);
CREATE TABLE decisions (
  seq BIGSERIAL PRIMARY KEY,
  comment_id TEXT NOT NULL REFERENCES comments(id),
  action TEXT NOT NULL, note TEXT, redacted_text TEXT,
  moderator_id TEXT NOT NULL, moderator_name TEXT, idempotency_key TEXT,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX decisions_comment ON decisions(comment_id, seq);
CREATE UNIQUE INDEX decisions_idempotency ON decisions(moderator_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX decisions_one_final ON decisions(comment_id) WHERE action IN ('approve', 'reject');
CREATE UNIQUE INDEX decisions_one_escalation ON decisions(comment_id) WHERE action = 'escalate';
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT, role TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(), revoked_at TIMESTAMPTZ
);
CREATE TABLE policy_versions (
  version BIGSERIAL PRIMARY KEY, document JSONB NOT NULL,
  changed_by TEXT NOT NULL, source TEXT NOT NULL, file_hash TEXT, changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE feedback (
  id BIGSERIAL PRIMARY KEY, comment_text TEXT NOT NULL, attribute_scores JSONB NOT NULL,
  client_token TEXT, languages JSONB, source TEXT NOT NULL, community_id TEXT, session_id TEXT,
  context JSONB, received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);`,
  },
  {
    version: 2,
    name: 'off_topic_score',
    sql: `
ALTER TABLE comments ADD COLUMN off_topic DOUBLE PRECISION;
UPDATE comments SET off_topic = (result->>'offTopic')::double precision;
CREATE INDEX comments_status_off_topic ON comments(status, (COALESCE(off_topic, -1)) DESC, seq);`,
  },
  {
    version: 3,
    name: 'sessions',
    sql: `
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(), expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX decisions_created ON decisions(created_at);
CREATE INDEX comments_created ON comments(created_at) WHERE category IS NOT NULL;`,
  },
  {
    version: 4,
    name: 'site_adaptation',
    sql: `
ALTER TABLE comments ADD COLUMN audit BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE decisions ADD COLUMN category TEXT;
CREATE TABLE comment_features (
  comment_id TEXT PRIMARY KEY REFERENCES comments(id),
  vector BYTEA NOT NULL, base JSONB NOT NULL
);
CREATE TABLE adapt_imports (
  site_id TEXT NOT NULL, id TEXT NOT NULL, text TEXT NOT NULL,
  label SMALLINT NOT NULL, category TEXT,
  vector BYTEA NOT NULL, base JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);
CREATE TABLE adapter_versions (
  site_id TEXT NOT NULL, version INTEGER NOT NULL,
  heads JSONB NOT NULL, report JSONB NOT NULL,
  active BOOLEAN NOT NULL DEFAULT false, created_by TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(), activated_at TIMESTAMPTZ,
  PRIMARY KEY (site_id, version)
);
CREATE UNIQUE INDEX adapter_versions_one_active ON adapter_versions(site_id) WHERE active;
CREATE INDEX decisions_final ON decisions(action, seq) WHERE action IN ('approve', 'reject');`,
  },
  {
    version: 5,
    name: 'adapt_article_vector',
    sql: `
ALTER TABLE comment_features ADD COLUMN article BYTEA;
ALTER TABLE adapt_imports ADD COLUMN article BYTEA;`,
  },
  {
    version: 6,
    name: 'adapt_import_thread',
    sql: `ALTER TABLE adapt_imports ADD COLUMN thread_id TEXT;`,
  },
  {
    version: 7,
    name: 'adapt_base_models',
    sql: `
ALTER TABLE comment_features ADD COLUMN models JSONB;
ALTER TABLE adapt_imports ADD COLUMN models JSONB;`,
  },
];
