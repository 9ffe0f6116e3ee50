import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadEncoder, textKey, type SentenceEncoder } from '../../src/encoder';
import { embedCached, lastEmbedStats } from '../../src/train/embed-cache';

let real: SentenceEncoder;
let embedded: string[] = [];
/** The real encoder, recording which texts reached it. */
const counting: SentenceEncoder = {
  get info() {
    return real.info;
  },
  embed: (texts) => {
    embedded.push(...texts);
    return real.embed(texts);
  },
  dispose: async () => undefined,
};

let dir: string;
const db = () => path.join(dir, 'embeddings.db');
beforeAll(async () => {
  real = await loadEncoder({ runtime: 'tfjs-graph', cacheSize: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embed-cache-'));
});
afterAll(async () => {
  await real.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  embedded = [];
});

const opts = () => ({ dbPath: db(), encoder: counting, progress: false, batchSize: 3, pollMs: 20 });

describe('embedCached', () => {
  it('embeds each new text once, stores it, and returns the encoder\'s vectors in order', async () => {
    const texts = ['first comment', 'second comment', 'first comment', 'third one'];
    const v = await embedCached(texts, opts());
    expect(embedded.sort()).toEqual(['first comment', 'second comment', 'third one']);
    const direct = await real.embed(texts);
    v.forEach((x, i) => expect(Math.max(...x.map((y, k) => Math.abs(y - direct[i][k])))).toBeLessThan(1e-6));
    const conn = new Database(db(), { readonly: true });
    const rows = conn.prepare('SELECT key, length(vec) AS n FROM vectors').all() as Array<{ key: string; n: number }>;
    conn.close();
    expect(rows.map((r) => r.key).sort()).toEqual(['first comment', 'second comment', 'third one'].map(textKey).sort());
    expect(rows.every((r) => r.n === 512 * 4)).toBe(true);
  });

  it('computes only the missing texts on the next call', async () => {
    const [a, b] = await embedCached(['first comment', 'a fourth text'], opts());
    expect(embedded).toEqual(['a fourth text']);
    expect(lastEmbedStats).toMatchObject({ cached: 1, computed: 1 });
    expect(a.length).toBe(512);
    expect(b.length).toBe(512);
  });

  it('lets two fillers run at once without computing a text twice', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `concurrent text number ${i}`);
    const [x, y] = await Promise.all([embedCached(texts, opts()), embedCached([...texts].reverse(), opts())]);
    expect(embedded.length).toBe(texts.length);
    expect(new Set(embedded).size).toBe(texts.length);
    x.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(y[texts.length - 1 - i])));
  });

  it('takes over a claim left by a killed filler once it is stale', async () => {
    const conn = new Database(db());
    conn.prepare('INSERT INTO claims (key, owner, at) VALUES (?, ?, ?)').run(textKey('claimed long ago'), 'dead:1', Date.now() - 10 * 60_000);
    conn.close();
    await embedCached(['claimed long ago'], opts());
    expect(embedded).toEqual(['claimed long ago']);
  });

  it('waits for a text another live filler has claimed and uses the vector it stores', async () => {
    const conn = new Database(db());
    conn.prepare('INSERT INTO claims (key, owner, at) VALUES (?, ?, ?)').run(textKey('being computed elsewhere'), 'alive:1', Date.now());
    const pending = embedCached(['being computed elsewhere', 'mine to do'], opts());
    await new Promise((r) => setTimeout(r, 150));
    const theirs = new Float32Array(512).fill(1 / Math.sqrt(512));
    conn.prepare('INSERT INTO vectors (key, vec) VALUES (?, ?)').run(textKey('being computed elsewhere'), Buffer.from(theirs.buffer));
    conn.close();
    const [got] = await pending;
    expect(embedded).toEqual(['mine to do']);
    expect(Array.from(got)).toEqual(Array.from(theirs));
    expect(lastEmbedStats).toMatchObject({ computed: 1, waitedFor: 1 });
  });

  it('refuses a file written for another encoder version', async () => {
    const other = path.join(dir, 'other.db');
    await embedCached([], { ...opts(), dbPath: other });
    const conn = new Database(other);
    conn.prepare("UPDATE meta SET v = '0.0.1' WHERE k = 'encoder'").run();
    conn.close();
    await expect(embedCached(['x'], { ...opts(), dbPath: other })).rejects.toMatchObject({ code: 'MOD_ERR_CONFIG' });
  });
});
