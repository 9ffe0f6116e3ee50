import { topicTerms, STOPWORDS, stem } from '../../src/topic/terms';

describe('topicTerms', () => {
  it.each([
    ['The crossings in Idlib', ['cross', 'idlib']],
    ['Russia and Turkey', ['russia', 'turkei']],
    ["I don't think it's 2021 yet", []],
    ['COUNTLESS times', ['countless', 'time']],
    ['A b c 12 345', []],
  ])('%j -> %j', (text, stems) => {
    expect(topicTerms(text).map((t) => t.stem)).toEqual(stems);
  });

  it('keeps the first surface form for display', () => {
    expect(topicTerms('Crossings crossing')).toEqual([
      { stem: 'cross', surface: 'crossings' },
      { stem: 'cross', surface: 'crossing' },
    ]);
  });

  it('drops negations and chat words as topic terms', () => {
    for (const w of ['not', 'no', 'lol', 'thanks', 'the']) expect(STOPWORDS.has(w)).toBe(true);
  });

  it('handles non-Latin letters as words', () => {
    expect(topicTerms('مرحبا Idlib').map((t) => t.surface)).toEqual(['مرحبا', 'idlib']);
  });

  it('stems through the Porter stemmer', () => {
    expect(stem('reopening')).toBe('reopen');
  });
});
