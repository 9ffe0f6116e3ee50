/**
 * The SQLite and PostgreSQL migrations are two hand-kept lists (each dialect has its own types and
 * defaults). This holds them in step: both stores, migrated on a fresh database, must hold the same
 * tables, columns (name, NOT NULL, a type of the same kind), primary keys, unique constraints,
 * foreign keys and indexes (name, columns, unique, partial), and the lists the same versions.
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../src/queue';
import { makeTestDb } from './helpers';

interface Column {
  name: string;
  notNull: boolean;
  /** SQLite's storage class; a PostgreSQL type is given as the class its SQLite twin uses. */
  kind: string;
}

interface Index {
  name: string;
  columns: Array<string | null>;
  unique: boolean;
  partial: boolean;
}

interface TableShape {
  columns: Column[];
  primaryKey: string[];
  unique: string[][];
  foreignKeys: string[];
  indexes: Index[];
}

type Shape = Record<string, TableShape>;

/** What each PostgreSQL type is stored as in SQLite (times as integer ms, JSON as TEXT, booleans as 0/1). */
const PG_KIND: Record<string, string> = {
  text: 'TEXT',
  jsonb: 'TEXT',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  smallint: 'INTEGER',
  boolean: 'INTEGER',
  'timestamp with time zone': 'INTEGER',
  'double precision': 'REAL',
  bytea: 'BLOB',
};

const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
const sortLists = (xs: string[][]) => xs.map((x) => x.join(',')).sort().map((x) => x.split(','));

function sqliteShape(file: string): Shape {
  const db = new Database(file, { readonly: true });
  try {
    const shape: Shape = {};
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
    for (const { name: t } of tables) {
      const cols = db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string; type: string; notnull: number; pk: number }[];
      const list = db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string; unique: number; origin: string; partial: number }[];
      const indexColumns = (ix: string) => (db.prepare(`PRAGMA index_info("${ix}")`).all() as { name: string | null }[]).map((c) => c.name);
      const fks = db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as { table: string; from: string; to: string }[];
      shape[t] = {
        // A primary key column is NOT NULL in intent (SQLite alone would let a non-integer one hold NULL).
        columns: byName(cols.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0, kind: c.type.toUpperCase() }))),
        primaryKey: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
        unique: sortLists(list.filter((i) => i.origin === 'u').map((i) => indexColumns(i.name) as string[])),
        foreignKeys: fks.map((f) => `${f.from} -> ${f.table}(${f.to})`).sort(),
        indexes: byName(list.filter((i) => i.origin === 'c').map((i) => ({ name: i.name, columns: indexColumns(i.name), unique: i.unique === 1, partial: i.partial === 1 }))),
      };
    }
    return shape;
  } finally {
    db.close();
  }
}

async function postgresShape(url: string): Promise<Shape> {
  const schema = new URL(url).searchParams.get('schema')!;
  const base = new URL(url);
  base.searchParams.delete('schema');
  const c = new Client({ connectionString: base.toString() });
  await c.connect();
  try {
    const q = async <T>(sql: string) => (await c.query(sql, [schema])).rows as T[];
    const shape: Shape = {};
    const tables = await q<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'");
    const cols = await q<{ t: string; name: string; type: string; nullable: string }>('SELECT table_name AS t, column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = $1');
    // Constraints with their columns in key order (conkey / confkey are attribute numbers).
    const cons = await q<{ t: string; type: string; cols: string[]; ref: string | null; refcols: string[] | null }>(`
      SELECT t.relname AS t, con.contype AS type,
        ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols,
        r.relname AS ref,
        ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS refcols
      FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
      LEFT JOIN pg_class r ON r.oid = con.confrelid
      WHERE ns.nspname = $1 AND con.contype IN ('p', 'u', 'f')`);
    // Indexes created by CREATE INDEX (not those behind a primary key or unique constraint); an expression is a null column.
    const idx = await q<{ t: string; name: string; columns: Array<string | null>; unique: boolean; partial: boolean }>(`
      SELECT t.relname AS t, i.relname AS name, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial,
        ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o) AS columns
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
      WHERE ns.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u'))`);
    for (const { t } of tables) {
      const mine = cons.filter((x) => x.t === t);
      shape[t] = {
        columns: byName(cols.filter((x) => x.t === t).map((x) => ({ name: x.name, notNull: x.nullable === 'NO', kind: PG_KIND[x.type] ?? `unmapped ${x.type}` }))),
        primaryKey: mine.find((x) => x.type === 'p')?.cols ?? [],
        unique: sortLists(mine.filter((x) => x.type === 'u').map((x) => x.cols)),
        foreignKeys: mine.filter((x) => x.type === 'f').flatMap((x) => x.cols.map((col, k) => `${col} -> ${x.ref}(${x.refcols![k]})`)).sort(),
        indexes: byName(idx.filter((x) => x.t === t).map(({ name, columns, unique, partial }) => ({ name, columns, unique, partial }))),
      };
    }
    return shape;
  } finally {
    await c.end();
  }
}

it('both dialects list the same migrations (version and name, in order)', () => {
  expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(SQLITE_MIGRATIONS.map((m) => [m.version, m.name]));
});

it('a fresh SQLite and a fresh PostgreSQL store hold the same tables, columns, keys and indexes', async () => {
  const shapes: Shape[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const db = makeTestDb(kind);
    try {
      await (await db.open()).close();
      shapes.push(kind === 'sqlite' ? sqliteShape(db.url.slice('sqlite:'.length)) : await postgresShape(db.url));
    } finally {
      await db.destroy();
    }
  }
  const [sqlite, postgres] = shapes;
  // Every table a migration creates is there (two empty shapes would otherwise compare equal).
  const created = [...new Set([...SQLITE_MIGRATIONS, ...POSTGRES_MIGRATIONS].flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1])))];
  expect(created.length).toBeGreaterThan(5);
  for (const t of created) expect(Object.keys(sqlite)).toContain(t);
  expect(postgres).toEqual(sqlite);
});
