import fc from 'fast-check';
import { learnIdf, tfidf, cosine, addInto, norm2, cosineWithSumExcluding, SparseVec } from '../../src/topic/vectors';
import { topicTerms } from '../../src/topic/terms';

const idf = learnIdf(['russia turkey crossings', 'turkey football', 'cats and dogs', 'russia news'].map(topicTerms), 1);

describe('tf-idf vectors', () => {
  it('rare terms weigh more than common ones', () => {
    expect(idf.idf['cross']).toBeGreaterThan(idf.idf['turkei']);
    expect(idf.unknown).toBeGreaterThanOrEqual(idf.idf['cross']);
  });

  it('cosine: identical = 1, disjoint = 0', () => {
    const a = tfidf(idf, topicTerms('Russia and Turkey reopen crossings'));
    const b = tfidf(idf, topicTerms('cats and dogs'));
    expect(cosine(a, a)).toBeCloseTo(1);
    expect(cosine(a, b)).toBe(0);
  });

  it('leave-one-out centroid cosine equals the explicit computation', () => {
    const word = fc.constantFrom('russia', 'turkey', 'idlib', 'cats', 'dogs', 'bridge', 'council', 'match');
    fc.assert(
      fc.property(fc.array(fc.array(word, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 6 }), (docs) => {
        const vecs = docs.map((d) => tfidf(idf, topicTerms(d.join(' '))));
        const sum: SparseVec = new Map();
        for (const v of vecs) addInto(sum, v);
        const rest: SparseVec = new Map();
        for (const v of vecs.slice(1)) addInto(rest, v);
        const n = Math.sqrt(norm2(rest));
        const explicit = n > 1e-9 ? cosine(vecs[0], new Map([...rest].map(([s, w]) => [s, w / n]))) : 0;
        expect(cosineWithSumExcluding(vecs[0], sum, norm2(sum))).toBeCloseTo(explicit, 6);
      }),
    );
  });
});
