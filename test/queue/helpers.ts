/**
 * Test helpers of the queue suites: one factory per store, so every suite runs on SQLite (a
 * temp file) and PostgreSQL (a unique schema per run, dropped at the end).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openStore, type NewComment, type QueueStore } from '../../src/queue';
import { CATEGORIES, type Category, type ScoreResult } from '../../src/types';
import { ENCODER_DIM } from '../../src/encoder/types';
import type { StoredFeatures } from '../../src/adapt/types';
import { mulberry32 } from '../../src/util/prng';

/**
 * The PostgreSQL of this run, chosen by jest's globalSetup (test/postgres-server.js): MODERATO_TEST_PG
 * if set, else the machine's server at 127.0.0.1:5432 when it answers, else a real one from npm.
 */
export const PG_BASE: string = (() => {
  const url = process.env.MODERATO_TEST_PG;
  if (!url || url === 'embedded') throw new Error('MODERATO_TEST_PG is not a URL: run the tests through jest (its globalSetup, test/postgres-server.js, picks the server)');
  return url;
})();

/** A store under test: its URL (for other processes) and how to clean it up. */
export interface TestDb {
  kind: 'sqlite' | 'postgres';
  url: string;
  open(): Promise<QueueStore>;
  /** Removes the database (file or schema). */
  destroy(): Promise<void>;
}

/** A fresh, empty database of the given kind. */
export function makeTestDb(kind: 'sqlite' | 'postgres'): TestDb {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'moderato-q-'));
    const url = `sqlite:${join(dir, 'sub', 'queue.db')}`;
    return { kind, url, open: () => openStore(url), destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `mq_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = `${PG_BASE}?schema=${schema}`;
  return {
    kind,
    url,
    open: () => openStore(url),
    destroy: async () => {
      const c = new Client({ connectionString: PG_BASE });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export const KINDS = ['sqlite', 'postgres'] as const;

/** Policy thresholds that hold every comment (all at 0): statuses stop depending on the model's exact scores. */
export const HOLD_ALL = { toxicity: 0, offTopic: 0, insult: 0, threat: 0, identity_attack: 0, profanity: 0, other: 0 };
/** Policy thresholds that hold no comment (all disabled). */
export const HOLD_NONE = { toxicity: null, offTopic: null, insult: null, threat: null, identity_attack: null, profanity: null, other: null };

/**
 * A fresh, open store of `kind` for each test of the calling describe block (opened in
 * beforeEach, closed and removed in afterEach): read `t.db` and `t.store` inside the tests.
 */
export function eachTestStore(kind: 'sqlite' | 'postgres'): { readonly db: TestDb; readonly store: QueueStore } {
  const t = {} as { db: TestDb; store: QueueStore };
  beforeEach(async () => {
    t.db = makeTestDb(kind);
    t.store = await t.db.open();
  });
  afterEach(async () => {
    await t.store.close();
    await t.db.destroy();
  });
  return t;
}

/** A scored result as the scorer answers it (test data for the store layer, which takes scored input). */
export function result(id: string, scores: Partial<Record<Category | 'toxicity', number>> = {}, offTopic: number | null = null): ScoreResult {
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, scores[c] ?? 0])) as Record<Category, number>;
  const toxicity = scores.toxicity ?? Math.max(0, ...Object.values(categories));
  return {
    id, toxicity, categories, offTopic, flagged: toxicity >= 0.5,
    reasons: toxicity >= 0.5 ? [{ code: 'toxicity', message: 'Likely toxic', score: toxicity }] : [],
    spans: toxicity >= 0.5 ? [{ start: 0, end: 4, text: id.slice(0, 4), type: 'insult', score: toxicity }] : [],
  };
}

/** A comment ready to store, pending by default. */
export function newComment(id: string, over: Partial<NewComment> = {}): NewComment {
  const r = over.result ?? result(id, { insult: 0.8 });
  return {
    id, text: `text of ${id}`, threadId: 't1', parentId: null, author: 'a', siteId: null, article: null, metadata: null,
    result: r, status: 'pending', category: 'insult', score: Math.max(r.toxicity, ...Object.values(r.categories)), model: { name: 'm', version: '1' }, policyVersion: null,
    ...over,
  };
}

/**
 * Features of a simulated site whose moderators reject along one direction of the sentence
 * space that the base model barely sees: an adapter can learn it, the base cannot.
 */
export function siteFeatures(rand: () => number, bad: boolean): StoredFeatures {
  const vector = new Int8Array(ENCODER_DIM);
  for (let i = 0; i < ENCODER_DIM; i++) vector[i] = Math.round((rand() - 0.5) * 40);
  vector[7] = bad ? 90 : -90;
  const tox = Math.min(0.99, Math.max(0.01, 0.3 + (bad ? 0.05 : 0) + (rand() - 0.5) * 0.5));
  return { base: { toxicity: tox, insult: tox / 2, threat: 0.01, identity_attack: 0.01, profanity: 0.02, other: 0.01 }, vector };
}


/** Imports `n` past decisions of a simulated site (see {@link siteFeatures}; every third rejected). */
export async function importSimulated(store: QueueStore, site: string, n: number, seed = 1): Promise<void> {
  const rand = mulberry32(seed);
  await store.importLabels(site, Array.from({ length: n }, (_, i) => ({ id: `sim${i}`, text: `simulated ${i}`, label: (i % 3 === 0 ? 1 : 0) as 0 | 1, features: siteFeatures(rand, i % 3 === 0) })));
}
