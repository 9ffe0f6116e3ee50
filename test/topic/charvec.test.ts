import { charVec, letterCounts } from '../../src/topic/features';
import { topicTerms } from '../../src/topic/terms';
import { cosine } from '../../src/topic/vectors';

describe('charVec (character 4-grams of content words)', () => {
  it('keeps a misspelt word close to its spelling and apart from an unrelated one', () => {
    const right = charVec(topicTerms('renewing the residence permit'));
    const misspelt = charVec(topicTerms('renewng the residense permitt'));
    const other = charVec(topicTerms('hockey tickets in Toronto'));
    expect(cosine(right, misspelt)).toBeGreaterThan(0.3);
    expect(cosine(right, other)).toBeLessThan(0.05);
  });

  it('is a unit vector, empty for a text without content words', () => {
    const v = charVec(topicTerms('crossings reopen in Idlib'));
    expect(cosine(v, v)).toBeCloseTo(1, 6);
    expect(charVec(topicTerms('and the of')).size).toBe(0);
  });
});

describe('letterCounts (the non-Latin share feature)', () => {
  it('counts letters and non-Latin letters by code point, as the Unicode regular expressions do', () => {
    const reference = (t: string): [number, number] => {
      const letters = t.match(/\p{L}/gu) ?? [];
      return [letters.length, letters.filter((ch) => !/\p{Script=Latin}/u.test(ch)).length];
    };
    const texts = ['', 'Hello, world! 123', 'Ça va? naïve café ß Ǆ ﬁ', '你好 مرحبا Привет Ελλάδα', '😀 𝒜𝒷 𐐀 x', 'lone \ud800 and \udc00 surrogates', 'A-Z a-z @[`{ _ 0-9'];
    for (const t of texts) expect(letterCounts(t)).toEqual(reference(t));
    expect(letterCounts('abc Привет')).toEqual([9, 6]);
  });
});
