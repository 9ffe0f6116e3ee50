import fc from 'fast-check';
import { loadParadetox, pseudoSpans, wordKeys } from '../../src/data';
import { describeWithDatasets } from '../datasets';

describe('ParaDetox pseudo spans', () => {
  it.each([
    ['he had steel balls too !', ['he was brave too!'], ['had steel balls']],
    ['im not gonna sell the fucking picture , i just want it .', ["I'm not gonna sell the picture, i just want it."], ['fucking']],
    ['you idiot , moron', ['you are wrong'], ['idiot', 'moron']],
    ['i do n\'t care', ["I don't care"], []],
    ['the garbage is here', ['the news is here', 'the garbage is here .'], []],
  ])('%s -> %j', (toxic, neutral, want) => {
    expect(pseudoSpans(toxic, neutral).map(([s, e]) => toxic.slice(s, e))).toEqual(want);
  });

  it('keys match across the two tokenisations of contractions', () => {
    expect(wordKeys("don't")).toEqual(wordKeys("do n't"));
  });

  it('ranges are sorted, disjoint, inside the text and never start or end on a space (property)', () => {
    const word = fc.constantFrom('you', 'idiot', 'are', 'a', 'fucking', '😀', ',', '!', 'néé', 'ok');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), fc.array(fc.array(word, { maxLength: 8 }), { maxLength: 3 }), (t, ns) => {
        const toxic = t.join(' ');
        const spans = pseudoSpans(toxic, ns.map((n) => n.join(' ')));
        let last = -1;
        for (const [s, e] of spans) {
          expect(s).toBeGreaterThan(last);
          expect(e).toBeLessThanOrEqual(toxic.length);
          const piece = toxic.slice(s, e);
          expect(piece.trim()).toBe(piece);
          last = e;
        }
      }),
    );
  });
});

describeWithDatasets('ParaDetox loader', () => {
  it('loads the pairs and cannot-rewrite rows of SOURCE.md; most pairs get a pseudo span', () => {
    const { pairs, cannotRewrite } = loadParadetox();
    expect(pairs).toHaveLength(11910);
    expect(pairs.every((p) => p.neutral.length >= 1 && p.neutral.length <= 3)).toBe(true);
    // 12,020 rows, two of which hold an empty comment.
    expect(cannotRewrite).toHaveLength(12018);
    expect(cannotRewrite.filter((r) => r.reasons.includes('toxic_content')).length).toBeGreaterThan(7000);
    expect(cannotRewrite.some((r) => r.text.startsWith('"'))).toBe(false);
    const withSpan = pairs.filter((p) => pseudoSpans(p.toxic, p.neutral).length > 0).length;
    expect(withSpan / pairs.length).toBeGreaterThan(0.9);
  });
});
