/**
 * Shared on-disk cache of sentence vectors for training and evaluation scripts.
 *
 * Usage: `const vecs = await embedCached(texts)` returns one L2-normalised 512-d Float32Array per
 * text, in order. Vectors live in `.tmp/embeddings.db` (SQLite, WAL; key = SHA-1 of the text,
 * value = 512 float32 little-endian as a blob), so only texts never seen by any script are
 * embedded, in batches (`batchSize`, default 64), with progress on stderr. Several processes may
 * fill the same file at once: each claims the keys it is about to compute, waits for keys another
 * live process has claimed, and takes over claims older than `staleClaimMs` (a killed script).
 * Options: `dbPath` (tests use a temp file), `encoder` (an already loaded SentenceEncoder; by
 * default `loadEncoder({ runtime })` once per process), `runtime` ('auto'), `progress` (true).
 * The file is tied to the encoder's identity (`encoderVersion`): another is refused (delete the file).
 * `weights` (a fine-tune's checkpoint, src/encoder/tuned.ts) embeds with the tuned encoder, into
 * its own file by default (`defaultEmbedDbPath(weights)`), so tuned and package vectors never mix.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { ModeratoError } from '../errors';
import { ENCODER_DIM, encoderVersion, loadEncoder, textKey, type EncoderRuntime, type SentenceEncoder } from '../encoder';
import { ensureDir, packageRoot } from '../util';

export interface EmbedCacheOptions {
  dbPath?: string;
  batchSize?: number;
  encoder?: SentenceEncoder;
  runtime?: EncoderRuntime;
  progress?: boolean;
  staleClaimMs?: number;
  /** Tuned encoder weights (see the file's comment). */
  weights?: string;
  /** How often to look for keys another process is computing. */
  pollMs?: number;
}

/** Counts of the last call in this process (for scripts' logs and tests). */
export const lastEmbedStats = { requested: 0, unique: 0, cached: 0, computed: 0, waitedFor: 0 };

const BYTES = ENCODER_DIM * 4;
const PROCESS = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
let calls = 0;
/** One loaded encoder per weights file ('' = the package's). */
const defaultEncoders = new Map<string, Promise<SentenceEncoder>>();

/**
 * `.tmp/embeddings.db` in the package root, shared by every script of this checkout; with tuned
 * `weights`, `.tmp/embeddings-tuned-<digest prefix>.db`.
 */
export function defaultEmbedDbPath(weights?: string): string {
  return path.join(packageRoot(), '.tmp', weights ? `embeddings-tuned-${encoderVersion(weights).split('+tuned.')[1]}.db` : 'embeddings.db');
}

function open(file: string, weights?: string): Database.Database {
  ensureDir(path.dirname(file));
  const db = new Database(file);
  db.pragma('busy_timeout = 30000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
  const version = encoderVersion(weights);
  db.prepare('INSERT OR IGNORE INTO meta (k, v) VALUES (?, ?)').run('encoder', version);
  const stored = (db.prepare('SELECT v FROM meta WHERE k = ?').get('encoder') as { v: string }).v;
  if (stored !== version) {
    db.close();
    throw new ModeratoError('MOD_ERR_CONFIG', `${file} holds vectors of encoder ${stored}, this is ${version}: delete the file`);
  }
  return db;
}

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  const out = new Float32Array(ENCODER_DIM);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Vectors already stored for `keys` (chunked: SQLite limits the number of bound values). */
function lookup(db: Database.Database, keys: string[], into: Map<string, Float32Array>): void {
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const rows = db.prepare(`SELECT key, vec FROM vectors WHERE key IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as Array<{ key: string; vec: Buffer }>;
    for (const r of rows) if (r.vec.length === BYTES) into.set(r.key, fromBlob(r.vec));
  }
}

/**
 * Sentence vectors of `texts`, computing and storing only those no process has stored yet.
 *
 * @example
 * const [a, b] = await embedCached(['first comment', 'second comment']);
 */
export async function embedCached(texts: string[], opts: EmbedCacheOptions = {}): Promise<Float32Array[]> {
  const batchSize = opts.batchSize ?? 64;
  const staleMs = opts.staleClaimMs ?? 120_000;
  const pollMs = opts.pollMs ?? 500;
  if (!(batchSize >= 1)) throw new ModeratoError('MOD_ERR_CONFIG', 'batchSize must be >= 1');
  const keys = texts.map(textKey);
  const textOf = new Map<string, string>();
  keys.forEach((k, i) => textOf.set(k, texts[i]));
  if (opts.encoder && opts.encoder.info.version !== encoderVersion(opts.weights)) {
    throw new ModeratoError('MOD_ERR_CONFIG', `embedCached: the encoder given is ${opts.encoder.info.version}, the weights asked make ${encoderVersion(opts.weights)}`);
  }
  const db = open(opts.dbPath ?? defaultEmbedDbPath(opts.weights), opts.weights);
  // One owner per call: two calls in one process share claims as two processes would.
  const OWNER = `${PROCESS}:${++calls}`;
  const stats = { requested: texts.length, unique: textOf.size, cached: 0, computed: 0, waitedFor: 0 };
  try {
    const found = new Map<string, Float32Array>();
    lookup(db, [...textOf.keys()], found);
    stats.cached = found.size;
    let pending = [...textOf.keys()].filter((k) => !found.has(k));
    const total = pending.length;
    const started = Date.now();
    let lastReport = 0;
    const report = (force = false): void => {
      if (opts.progress === false || total === 0 || (!force && Date.now() - lastReport < 2000)) return;
      lastReport = Date.now();
      const done = stats.computed + stats.waitedFor;
      const rate = stats.computed / Math.max(1e-3, (Date.now() - started) / 1000);
      process.stderr.write(`embed-cache: ${done}/${total} new vectors (${stats.computed} computed here, ${rate.toFixed(1)}/s)\n`);
    };

    const claim = db.transaction((batch: string[], now: number): string[] => {
      const mine: string[] = [];
      const has = db.prepare('SELECT 1 FROM vectors WHERE key = ?');
      const take = db.prepare('INSERT INTO claims (key, owner, at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, at = excluded.at WHERE claims.at < ? OR claims.owner = excluded.owner');
      for (const k of batch) {
        if (has.get(k)) continue;
        if (take.run(k, OWNER, now, now - staleMs).changes > 0) mine.push(k);
      }
      return mine;
    });
    const store = db.transaction((rows: Array<[string, Float32Array]>) => {
      const put = db.prepare('INSERT OR IGNORE INTO vectors (key, vec) VALUES (?, ?)');
      const release = db.prepare('DELETE FROM claims WHERE key = ? AND owner = ?');
      for (const [k, v] of rows) {
        put.run(k, toBlob(v));
        release.run(k, OWNER);
      }
    });

    let encoder = opts.encoder;
    while (pending.length > 0) {
      const waiting: string[] = [];
      for (let i = 0; i < pending.length; i += batchSize) {
        const batch = pending.slice(i, i + batchSize);
        // IMMEDIATE: a deferred transaction that reads, then writes, fails at once with SQLITE_BUSY
        // when another process writes meanwhile (busy_timeout cannot help a lock upgrade).
        const mine = claim.immediate(batch, Date.now());
        const mineSet = new Set(mine);
        for (const k of batch) if (!mineSet.has(k)) waiting.push(k);
        if (mine.length === 0) continue;
        if (!encoder) {
          const key = opts.weights ?? '';
          if (!defaultEncoders.has(key)) defaultEncoders.set(key, loadEncoder({ runtime: opts.weights ? 'onnx' : (opts.runtime ?? 'auto'), cacheSize: 0, weights: opts.weights }));
          encoder = await defaultEncoders.get(key)!;
        }
        const vecs = await encoder.embed(mine.map((k) => textOf.get(k)!));
        store.immediate(mine.map((k, j) => [k, vecs[j]]));
        mine.forEach((k, j) => found.set(k, vecs[j]));
        stats.computed += mine.length;
        report();
      }
      // Keys stored meanwhile or claimed by another live process: collect what is there, then
      // go round again (a stale claim is taken over on the next pass).
      const before = found.size;
      lookup(db, waiting, found);
      stats.waitedFor += found.size - before;
      pending = waiting.filter((k) => !found.has(k));
      if (pending.length > 0) await new Promise((r) => setTimeout(r, pollMs));
    }
    report(true);
    Object.assign(lastEmbedStats, stats);
    return keys.map((k) => Float32Array.from(found.get(k)!));
  } finally {
    db.close();
  }
}
