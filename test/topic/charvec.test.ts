import { charVec } from '../../src/topic/features';
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
