/**
 * The moderation queue's public face: the {@link QueueStore} interface, its two implementations
 * (SQLite for one machine, PostgreSQL for several instances), and {@link openStore}, which picks
 * one from `DATABASE_URL` and migrates it.
 */
import { ModeratoError, isModeratoError } from '../errors';
import { loadPolicyFile } from './policy';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import type { PolicyVersion, QueueStore } from './types';

export * from './types';
export { SqliteStore, type SqliteOptions } from './sqlite';
export { PostgresStore, type PostgresOptions } from './postgres';
export { classify, heldReasons, inAuditSample, DEFAULT_AUDIT_SHARE, loadPolicyFile, parsePolicy, resolveThresholds, resolveWithScopes, PolicySchema, type AppliedThresholds, type Policy, type PolicyThresholds, type ResolvedThresholds, type Classification, type BaseThresholds, type ThresholdScope } from './policy';
export { hashApiKey, generateApiKey } from './common';
export { ingestComments, THREAD_CONTEXT, type AdapterSource, type IngestInput, type IngestItem } from './ingest';
export { SiteAdaptation, fitInWorker, DEFAULT_REFIT_EVERY, MIN_FIT_LABELS, MAX_FIT_LABELS, type FitOutcome, type FitRunner, type SiteAdaptationOptions } from './adapters';
export { previewPolicy, PREVIEW_MAX_SCAN, type PolicyPreview } from './preview';
export { SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS, type Migration } from './migrations';

/** The default store: a SQLite file under `./data`, so `npm start` works on a fresh machine. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/moderato.db';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** A policy file (MODERATO_POLICY) to apply at start; see {@link applyPolicyFile}. */
  policyFile?: string;
  /** Run migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL: milliseconds to wait for a connection to be accepted and ready (default 5000). */
  connectTimeoutMs?: number;
}

/** The URL with its password masked, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Opens the store named by a database URL and runs its migrations.
 * - `sqlite:PATH` (relative paths resolve from the working directory; `sqlite::memory:` for a throwaway)
 * - `postgres://user:pass@host:port/db` or `postgresql://...`; add `?schema=NAME` to use a schema
 * @example const store = await openStore(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
 */
export async function openStore(databaseUrl: string = DEFAULT_DATABASE_URL, opts: OpenStoreOptions = {}): Promise<QueueStore> {
  let store: QueueStore;
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new ModeratoError('MOD_ERR_CONFIG', 'DATABASE_URL "sqlite:" needs a path, e.g. sqlite:./data/moderato.db');
    store = new SqliteStore(path);
  } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      throw new ModeratoError('MOD_ERR_CONFIG', `DATABASE_URL is not a valid URL: "${redactDatabaseUrl(databaseUrl)}"`);
    }
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    store = new PostgresStore(url.toString(), { schema, connectTimeoutMs: opts.connectTimeoutMs });
  } else {
    throw new ModeratoError('MOD_ERR_CONFIG', `DATABASE_URL must start with sqlite: or postgres://, got "${redactDatabaseUrl(databaseUrl)}"`);
  }
  try {
    if (opts.migrate !== false) await store.migrate();
    if (opts.policyFile) await applyPolicyFile(store, opts.policyFile);
  } catch (e) {
    await store.close().catch(() => undefined);
    if (isModeratoError(e)) throw e;
    // A refused, unreachable, silent or read-only database: say which, at start, in one line.
    throw new ModeratoError('MOD_ERR_CONFIG', `Cannot use the ${store.kind} database ${redactDatabaseUrl(databaseUrl)}: ${(e as Error).message}`);
  }
  return store;
}

/**
 * Applies a policy file at start when its content changed since it was last applied: an edited
 * file takes effect on restart, while run-time changes made by admins survive restarts of an
 * unchanged file. Answers the new version, or null when nothing changed.
 */
export async function applyPolicyFile(store: QueueStore, path: string): Promise<PolicyVersion | null> {
  const { policy, hash } = loadPolicyFile(path);
  if ((await store.lastPolicyFileHash()) === hash) return null;
  return store.setPolicy(policy, { changedBy: 'policy-file', source: `file:${path}`, fileHash: hash });
}
