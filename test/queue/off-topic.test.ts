/**
 * The off-topic score as its own queue column: sortable and filterable apart from the toxicity
 * `score`, on both stores, and filled in for rows stored before the column existed (migration 2).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, type QueueStore } from '../../src/queue';
import { KINDS, makeTestDb, newComment, result, PG_BASE, type TestDb } from './helpers';

describe.each(KINDS)('off-topic score in the queue on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore | undefined;

  beforeEach(() => {
    db = makeTestDb(kind);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db.destroy();
  });

  it('sorts by offTopic apart from the toxicity score, ties by age, no score last, with cursors', async () => {
    store = await db.open();
    // [toxicity, offTopic]: an off-topic hold keeps its toxicity as `score`.
    const rows: Array<[number, number | null]> = [[0.1, 0.8], [0.9, 0.2], [0.2, null], [0.1, 0.8], [0.3, 0.95], [0.6, 0.5]];
    await store.ingest(rows.map(([tox, off], i) => newComment(`o${i}`, { result: result(`o${i}`, { insult: tox }, off), category: off !== null && off >= 0.8 ? 'off_topic' : 'insult' })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listQueue({ sort: 'offTopic', limit: 2, cursor });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['o4', 'o0', 'o3', 'o5', 'o1', 'o2']);
    const first = (await store.listQueue({ sort: 'offTopic', limit: 1 })).items[0]!;
    expect(first).toMatchObject({ id: 'o4', category: 'off_topic', score: 0.3, offTopic: 0.95, scores: { offTopic: 0.95 } });
    expect((await store.listQueue({ sort: 'score', limit: 100 })).items.map((c) => c.id)).toEqual(['o1', 'o5', 'o4', 'o2', 'o0', 'o3']);
    expect((await store.listQueue({ minOffTopic: 0.5, limit: 100 })).items.map((c) => c.id)).toEqual(['o0', 'o3', 'o4', 'o5']);
    // A cursor of one sort is refused by another.
    const offCursor = (await store.listQueue({ sort: 'offTopic', limit: 1 })).nextCursor!;
    await expect(store.listQueue({ sort: 'score', limit: 1, cursor: offCursor })).rejects.toMatchObject({ code: 'MOD_ERR_VALIDATION' });
  });

  it('migration 2 fills the column from the results stored at version 1', async () => {
    const stored = [['old1', 0.7], ['old2', null], ['old3', 0.1]] as const;
    if (kind === 'sqlite') {
      const file = db.url.slice('sqlite:'.length);
      mkdirSync(dirname(file), { recursive: true });
      const raw = new Database(file);
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      raw.exec(SQLITE_MIGRATIONS[0]!.sql);
      raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run(SQLITE_MIGRATIONS[0]!.name, Date.now());
      const ins = raw.prepare("INSERT INTO comments (id, text, status, category, score, result, created_at, updated_at) VALUES (?, 'x', 'pending', 'insult', 0.5, ?, ?, ?)");
      for (const [id, off] of stored) ins.run(id, JSON.stringify(result(id, { insult: 0.5 }, off)), Date.now(), Date.now());
      raw.close();
    } else {
      const schema = new URL(db.url).searchParams.get('schema')!;
      const c = new Client({ connectionString: PG_BASE });
      await c.connect();
      try {
        await c.query(`CREATE SCHEMA ${schema}`);
        await c.query(`SET search_path = ${schema}`);
        await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        await c.query(POSTGRES_MIGRATIONS[0]!.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES (1, $1)', [POSTGRES_MIGRATIONS[0]!.name]);
        for (const [id, off] of stored) {
          await c.query("INSERT INTO comments (id, text, status, category, score, result) VALUES ($1, 'x', 'pending', 'insult', 0.5, $2)", [id, JSON.stringify(result(id, { insult: 0.5 }, off))]);
        }
      } finally {
        await c.end();
      }
    }
    store = await db.open();
    const items = (await store.listQueue({ sort: 'offTopic', limit: 100 })).items;
    expect(items.map((c) => [c.id, c.offTopic])).toEqual([['old1', 0.7], ['old3', 0.1], ['old2', null]]);
  });
});
