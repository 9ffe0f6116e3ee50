import { CATEGORIES } from '../../src/types';
import { loadEdos, loadGhc, loadHateval, loadImplicitHate, loadStormfront, type LabelledComment } from '../../src/data';
import { describeWithDatasets } from '../datasets';

const cat = (r: LabelledComment, c: (typeof CATEGORIES)[number]): number => r.categories[CATEGORIES.indexOf(c)];
const count = <T>(rows: T[], f: (r: T) => boolean): number => rows.filter(f).length;

/** Every loader's rows keep the LabelledComment contract. */
function expectShape(rows: LabelledComment[]): void {
  // One expect per set, not per row: jest's matchers are slow over 100k rows.
  const bad = rows.filter(
    (r) =>
      r.text.length === 0 ||
      r.text !== r.text.trim() ||
      r.categories.length !== CATEGORIES.length ||
      r.categories.some((v) => !Number.isNaN(v) && !(v >= 0 && v <= 1)) ||
      (!Number.isNaN(r.toxicity) && !(r.toxicity >= 0 && r.toxicity <= 1)) ||
      !(Number.isNaN(r.toxicBinary) || r.toxicBinary === 0 || r.toxicBinary === 1),
  );
  expect(bad.map((r) => r.id)).toEqual([]);
  expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
}

describeWithDatasets('hate-speech loaders', () => {
  it('Gab Hate Corpus: counts and label totals of SOURCE.md, hd/cv/vo mapped to identity_attack/threat/profanity', () => {
    const train = loadGhc('train');
    const test = loadGhc('test');
    expect(train).toHaveLength(22036);
    expect(test).toHaveLength(5510);
    expect(count(train, (r) => r.hd === 1)).toBe(1857);
    expect(count(train, (r) => r.cv === 1)).toBe(131);
    expect(count(train, (r) => r.vo === 1)).toBe(1379);
    expect(count(train, (r) => r.toxicBinary === 0) / train.length).toBeCloseTo(0.879, 3);
    expect(count(train, (r) => cat(r, 'threat') === 1)).toBe(131);
    expect(count(train, (r) => cat(r, 'identity_attack') === 1)).toBe(1857);
    expect(count(train, (r) => cat(r, 'profanity') === 1)).toBe(1379);
    expect(train.filter((r) => !Number.isNaN(cat(r, 'insult')))).toEqual([]);
    expect(test.filter((r) => r.split !== 'test')).toEqual([]);
    expectShape([...train, ...test]);
  });

  it('Latent Hatred: stage-1 classes, fine classes joined, threatening/incitement -> threat, dev by text hash', () => {
    const rows = loadImplicitHate();
    expect(rows).toHaveLength(21480);
    expect(count(rows, (r) => r.hateClass === 'not_hate')).toBe(13291);
    expect(count(rows, (r) => r.hateClass === 'implicit_hate')).toBe(7100);
    expect(count(rows, (r) => r.hateClass === 'explicit_hate')).toBe(1089);
    expect(count(rows, (r) => r.toxicBinary === 1 && cat(r, 'identity_attack') === 1)).toBe(8189);
    // Most stage-2 posts are stage-1 posts (6,250 of 6,346 match by text).
    expect(count(rows, (r) => r.implicitClass !== '')).toBeGreaterThan(6200);
    const threats = rows.filter((r) => cat(r, 'threat') === 1);
    expect(threats.length).toBeGreaterThan(1500);
    const threatClass = (c: string): boolean => c === 'threatening' || c === 'incitement';
    expect(threats.filter((r) => !threatClass(r.implicitClass) && !threatClass(r.extraImplicitClass))).toEqual([]);
    expect(rows.filter((r) => r.implicitClass === '' && !Number.isNaN(cat(r, 'threat')))).toEqual([]);
    const dev = count(rows, (r) => r.split === 'dev') / rows.length;
    expect(dev).toBeGreaterThan(0.13);
    expect(dev).toBeLessThan(0.17);
    // CSV quoting is undone (Python's csv reads this first row the same way).
    expect(rows[0].text).toBe('" : jewish harvard professor noel ignatiev wants to abolish the white race via #wr " " "');
    expectShape(rows);
  });

  it('EDOS: own split column, sexist -> identity_attack, category 1 -> threat, not sexist leaves categories unknown', () => {
    const rows = loadEdos();
    expect(rows).toHaveLength(20000);
    expect(count(rows, (r) => r.split === 'train')).toBe(14000);
    expect(count(rows, (r) => r.split === 'dev')).toBe(2000);
    expect(count(rows, (r) => r.split === 'test')).toBe(4000);
    expect(count(rows, (r) => r.toxicBinary === 1)).toBe(4854);
    expect(count(rows, (r) => cat(r, 'threat') === 1)).toBe(443);
    expect(rows.filter((r) => r.toxicBinary === 0).every((r) => r.categories.every(Number.isNaN))).toBe(true);
    expectShape(rows);
  });

  it('Stormfront: idk/skip dropped, relation left out of the binary gold', () => {
    const rows = loadStormfront();
    expect(rows).toHaveLength(10944 - 73);
    expect(count(rows, (r) => r.toxicBinary === 1)).toBe(1196);
    expect(count(rows, (r) => r.toxicBinary === 0)).toBe(9507);
    expect(count(rows, (r) => r.label === 'relation' && Number.isNaN(r.toxicBinary))).toBe(168);
    expect(count(rows, (r) => r.sampledSplit === 'test')).toBeGreaterThan(400);
    expectShape(rows);
  });

  it('HatEval: the three files, HS -> identity_attack, TR/AG only on hateful tweets', () => {
    const train = loadHateval('train');
    expect(train).toHaveLength(9000);
    expect(loadHateval('dev')).toHaveLength(1000);
    expect(loadHateval('test')).toHaveLength(3000);
    expect(count(train, (r) => r.hs === 1)).toBe(3783);
    expect(count(train, (r) => r.targeted === 1)).toBe(1341);
    expect(count(train, (r) => r.aggressive === 1)).toBe(1559);
    expect(train.filter((r) => r.hs === 0).every((r) => r.aggressive === 0)).toBe(true);
    expect(count(train, (r) => cat(r, 'identity_attack') === 1)).toBe(3783);
    expectShape(train);
  });
});
