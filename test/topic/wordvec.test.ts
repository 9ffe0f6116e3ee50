import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { quantiseRows, tableFrom, saveWordTable, loadWordTable, meaningOf, meaningCosine, alignRows, softAlign, ALIGN_WORDS } from '../../src/topic/wordvec';
import { learnIdf } from '../../src/topic/vectors';
import { topicTerms } from '../../src/topic/terms';

// Four words in 3-d: turkey and erdogan point the same way, cats and dogs another.
const words = ['turkey', 'erdogan', 'cats', 'dogs'];
const raw = Float32Array.from([1, 0.1, 0, 0.9, 0.2, 0, 0, 0, 1, 0.1, 0, 0.95]);
const table = tableFrom(words, quantiseRows(raw, 3), 3);
const idf = learnIdf(['turkey erdogan', 'cats dogs', 'turkey cats'].map(topicTerms), 1);

describe('word-vector table', () => {
  it('quantised rows come back unit length and close in direction', () => {
    for (let r = 0; r < words.length; r++) {
      const row = table.vecs.slice(r * 3, r * 3 + 3);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      const orig = raw.slice(r * 3, r * 3 + 3);
      const cos = row.reduce((a, x, k) => a + x * orig[k], 0) / Math.hypot(...orig);
      expect(cos).toBeGreaterThan(0.999);
    }
  });

  it('saves and loads byte for byte, the dimension read from the file sizes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wordvec-'));
    saveWordTable(dir, words, quantiseRows(raw, 3));
    const back = loadWordTable(dir);
    expect(back.dim).toBe(3);
    expect([...back.index.keys()]).toEqual(words);
    expect(back.vecs).toEqual(table.vecs);
    expect(() => loadWordTable(dir, 4)).toThrow(/bytes/);
  });

  it('mean vectors: a comment naming erdogan is closer to a turkey article than one about pets', () => {
    const art = meaningOf(table, idf, topicTerms('Turkey'));
    const on = meaningOf(table, idf, topicTerms('Erdogan again'));
    const off = meaningOf(table, idf, topicTerms('cats and dogs'));
    expect(meaningCosine(on, art)).toBeGreaterThan(0.95);
    expect(meaningCosine(off, art)).toBeLessThan(0.2);
    expect(meaningCosine(meaningOf(table, idf, topicTerms('unknown words only')), art)).toBe(0);
  });

  it('soft alignment takes each word\'s best match and caches it per target', () => {
    const target = alignRows(table, idf, topicTerms('Turkey and its cats'));
    const cache = new Map<number, number>();
    const c = meaningOf(table, idf, topicTerms('erdogan dogs'));
    const a = softAlign(table, c.rows, target, cache);
    expect(a).toBeGreaterThan(0.95);
    expect(cache.size).toBe(2);
    expect(softAlign(table, c.rows, target, cache)).toBe(a);
    expect(softAlign(table, [], target, new Map())).toBe(0);
    expect(ALIGN_WORDS).toBeGreaterThan(0);
  });
});
