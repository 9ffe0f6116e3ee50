import { CATEGORIES } from '../../src/types';
import { loadOlid, type LabelledComment } from '../../src/data';
import { describeWithDatasets } from '../datasets';

const cat = (r: LabelledComment, c: (typeof CATEGORIES)[number]): number => r.categories[CATEGORIES.indexOf(c)];
const count = <T>(rows: T[], f: (r: T) => boolean): number => rows.filter(f).length;

describeWithDatasets('comment loaders of src/data/index.ts', () => {
  it('OLID: level A is the toxicity; level B types offensive tweets (TIN -> insult, UNT -> profanity and not insult)', () => {
    for (const [split, tin, unt, not] of [['train', 3876, 524, 8840], ['test', 213, 27, 620]] as const) {
      const rows = loadOlid(split);
      expect(rows).toHaveLength(tin + unt + not);
      expect(count(rows, (r) => r.toxicBinary === 0)).toBe(not);
      // A clean tweet is clean on every category.
      expect(rows.filter((r) => r.toxicBinary === 0 && r.categories.some((v) => v !== 0))).toEqual([]);
      expect(count(rows, (r) => cat(r, 'insult') === 1)).toBe(tin);
      expect(count(rows, (r) => cat(r, 'profanity') === 1)).toBe(unt);
      expect(count(rows, (r) => r.toxicBinary === 1 && cat(r, 'insult') === 0)).toBe(unt);
      // Level B says nothing about threat, identity attack or other on an offensive tweet.
      expect(rows.filter((r) => r.toxicBinary === 1 && ['threat', 'identity_attack', 'other'].some((c) => !Number.isNaN(cat(r, c as 'threat'))))).toEqual([]);
      // The profanity of a targeted insult is unknown.
      expect(count(rows, (r) => cat(r, 'insult') === 1 && !Number.isNaN(cat(r, 'profanity')))).toBe(0);
    }
  });
});
