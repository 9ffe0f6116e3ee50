import * as fs from 'fs';
import * as path from 'path';
import { contrastTemplates } from '../../src/train/contrast';

const suite = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'behaviour', 'suite.json'), 'utf8')) as { cases: Array<{ text: string; functionality: string }> };

describe('contrastTemplates', () => {
  const pool = contrastTemplates(100);

  it('makes the asked number of distinct sentences of each kind, the same every call', () => {
    const kinds = new Map<string, number>();
    for (const s of pool) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({ dehumanise: 100, negated: 100, counter: 100, news: 100 });
    expect(new Set(pool.map((s) => s.text)).size).toBe(pool.length);
    expect(contrastTemplates(100).map((s) => s.text)).toEqual(pool.map((s) => s.text));
  });

  it('marks only the hateful sentences toxic, each with a span inside its text', () => {
    for (const s of pool) {
      expect(s.toxic).toBe(s.kind === 'dehumanise');
      if (!s.toxic) continue;
      const [a, b] = s.span!;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(b).toBeGreaterThan(a);
      expect(b).toBeLessThanOrEqual(s.text.length);
      expect(s.text.slice(a, b).trim()).toBe(s.text.slice(a, b));
    }
  });

  it('shares no sentence with the behaviour suite, so the suite stays a test of carry-over', () => {
    const norm = (t: string) => t.toLowerCase().replace(/[^a-z ]/g, '').trim();
    const suiteTexts = new Set(suite.cases.map((c) => norm(c.text)));
    for (const s of contrastTemplates(300)) expect(suiteTexts.has(norm(s.text))).toBe(false);
  });

  it('uses none of the dehumanising nouns of the suite\'s dehumanisation rows as a span', () => {
    const suiteNouns = ['vermin', 'parasites', 'infestation', 'rats', 'cockroaches', 'lice', 'livestock', 'cancer', 'insects', 'monkeys', 'savages', 'dogs'];
    for (const s of contrastTemplates(300)) {
      if (!s.toxic) continue;
      const spanText = s.text.slice(...s.span!).toLowerCase();
      for (const n of suiteNouns) expect(spanText.includes(n)).toBe(false);
    }
  });
});
