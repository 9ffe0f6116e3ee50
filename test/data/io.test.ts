import fc from 'fast-check';
import { codePointToUtf16, utf16ToCodePoint, offsetsToRanges, inDev, stableHash } from '../../src/data/io';
import { aclType, loadAcl, loadTsd } from '../../src/data';
import { describeWithDatasets } from '../datasets';

describe('code point <-> UTF-16 offsets', () => {
  it('maps Python offsets past an emoji to JS offsets', () => {
    const text = '😀 you idiot';
    // Python: '😀'=0, ' '=1, 'y'=2 ... 'idiot' = 6..10
    const ranges = offsetsToRanges(text, [6, 7, 8, 9, 10]);
    expect(ranges).toEqual([[7, 12]]);
    expect(text.slice(7, 12)).toBe('idiot');
  });

  it('keeps BMP-only text unchanged', () => {
    expect(offsetsToRanges('abc def', [4, 5, 6, 0])).toEqual([[0, 1], [4, 7]]);
  });

  it('round-trips on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const c2u = codePointToUtf16(s);
        const u2c = utf16ToCodePoint(s);
        expect(c2u[c2u.length - 1]).toBe(s.length);
        for (let cp = 0; cp < c2u.length; cp++) expect(u2c[c2u[cp]]).toBe(cp);
      }),
    );
  });
});

describe('splits', () => {
  it('are deterministic and about the asked fraction', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `comment ${i}`);
    const dev = keys.filter((k) => inDev(k, 0.1, 's'));
    expect(dev.length).toBeGreaterThan(400);
    expect(dev.length).toBeLessThan(600);
    expect(keys.filter((k) => inDev(k, 0.1, 's'))).toEqual(dev);
    expect(stableHash('abc')).toBe(stableHash('abc'));
  });
});

describe('ACL type labels', () => {
  it.each([
    ['Insult', 'insult'],
    ['Insu', 'insult'],
    ['Identity based Attack', 'identity_attack'],
    ['Identity based ', 'identity_attack'],
    ['Profane/Obscene', 'profanity'],
    ['Other Toxicity', 'other'],
    ['Threat', 'threat'],
    ['', null],
  ])('%s -> %s', (label, cat) => expect(aclType(label)).toBe(cat));
});


describeWithDatasets('loaders on the shared datasets', () => {
  it('tsd_trial: 690 posts whose gold slices back to the text', () => {
    const trial = loadTsd('tsd_trial');
    expect(trial).toHaveLength(690);
    for (const p of trial) {
      for (const [s, e] of p.ranges) {
        expect(s).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(p.text.length);
      }
    }
    // Posts with astral characters keep gold on the same characters as Python.
    const astral = trial.filter((p) => /[\uD800-\uDBFF]/.test(p.text) && p.goldCp.length);
    for (const p of astral) {
      const cps = [...p.text];
      const goldChars = p.goldCp.map((i) => cps[i]).join('');
      const jsChars = p.ranges.map(([s, e]) => p.text.slice(s, e)).join('');
      expect(jsChars).toBe(goldChars);
    }
  });

  it('ACL 2022: every comment with annotators, typed spans inside the text', () => {
    const acl = loadAcl();
    expect(acl.length).toBeGreaterThan(10000);
    const c = acl.find((x) => x.annotations.some((a) => a.length))!;
    for (const ann of c.annotations) for (const r of ann) expect(r.end).toBeLessThanOrEqual(c.text.length);
  });
});
