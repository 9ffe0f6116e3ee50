import { fitLexical, lexTokens, lexicalScore, sharedVocabulary } from '../../src/topic/lexical';

describe('lexical cue', () => {
  const docs = ['thanks a lot!', 'thank you so much', 'the visa office is in the city centre', 'the office opens at 8'].map(lexTokens);
  const y = [1, 1, 0, 0];

  it('keeps only words common to every corpus', () => {
    const other = ['the office is closed', 'thanks'].map(lexTokens);
    expect([...sharedVocabulary([docs, other], 0.4)].sort()).toEqual(['office', 'the']);
  });

  it('tokens are words, ?, ! and smileys, plus each pair of adjacent tokens', () => {
    expect([...lexTokens("Thank you, it's great :)")].sort()).toEqual([':)', 'great', 'great :)', 'its', 'its great', 'thank', 'thank you', 'you', 'you its'].sort());
    expect([...lexTokens('Do you?')]).toEqual(['do', 'you', 'do you', '?', 'you ?']);
  });

  it('learns that a word pair can mark a comment where its words alone do not', () => {
    const d = ['thank you', 'you can go there', 'thank god you can', 'you can ask'].map(lexTokens);
    const m = fitLexical(d, [1, 0, 0, 0], new Set(['thank', 'you', 'can', 'thank you', 'you can']));
    expect(m.ratios['thank you']).toBeGreaterThan(m.ratios['thank']);
    expect(m.ratios['you can']).toBeLessThan(0);
  });

  it('learns that acknowledgements mark off-topic comments', () => {
    const vocab = new Set(['thanks', 'thank', 'office', 'the', '!']);
    const m = fitLexical(docs, y, vocab);
    expect(m.ratios['thanks']).toBeGreaterThan(0);
    expect(m.ratios['office']).toBeLessThan(0);
    expect(lexicalScore(m, 'Thanks!')).toBeGreaterThan(lexicalScore(m, 'The office'));
    expect(lexicalScore(m, 'zzz qqq')).toBe(0);
  });

  it('scores the distinct in-vocabulary tokens and pairs of lexTokens, and nothing from Object.prototype', () => {
    const m = { ratios: { thank: 0.5, 'thank you': 1.25, you: -0.25, '?': 0.75, 'you ?': 2, ':)': 0.1, its: -1 } };
    const reference = (text: string): number => {
      const hits = [...lexTokens(text)].filter((t) => Object.hasOwn(m.ratios, t)).map((t) => m.ratios[t as keyof typeof m.ratios]);
      return hits.length ? hits.reduce((a, b) => a + b, 0) / Math.sqrt(hits.length) : 0;
    };
    const texts = ['Thank you, thank you!', 'you? You ? you', "It's you :) ;-p thank", 'constructor toString you', 'constructor', '', '??'];
    for (const t of texts) expect(lexicalScore(m, t)).toBeCloseTo(reference(t), 12);
    expect(lexicalScore(m, 'constructor')).toBe(0);
    expect(lexicalScore(m, 'Thank you')).toBeCloseTo((0.5 + 1.25 - 0.25) / Math.sqrt(3), 12);
  });
});
