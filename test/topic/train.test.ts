import { jointThreshold } from '../../src/topic/train';
import { fitLexical, lexTokens, lexicalScore, sharedVocabulary } from '../../src/topic/lexical';
import { parseTopicArgs } from '../../src/topic/report';
import { loadCqa, OFF_TOPIC_LABELS } from '../../src/topic/data';
import { datasetsDir } from '../../src/data/io';

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
});

describe('jointThreshold', () => {
  it('sits between the classes when both sources agree', () => {
    const t = jointThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.15, 0.7], [0, 1]);
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThanOrEqual(0.7);
  });

  it('with news weight 0 follows the CQA scores alone', () => {
    const t = jointThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.95, 0.99], [0, 1], 0);
    expect(t).toBeLessThanOrEqual(0.8);
  });
});

describe('parseTopicArgs', () => {
  it('parses the known flags and rejects others', () => {
    expect(parseTopicArgs(['--folds', '5', '--exclude', 'lexical,url', '--news-weight', '0'])).toEqual({ folds: 5, exclude: ['lexical', 'url'], newsWeight: 0 });
    expect(() => parseTopicArgs(['--fold', '5'])).toThrow(/unknown option/);
    expect(() => parseTopicArgs(['--folds'])).toThrow(/needs a value/);
  });
});

describe('CQA loader', () => {
  it('reads the 300 devel questions with gold labels and askers', () => {
    const threads = loadCqa(datasetsDir());
    expect(threads).toHaveLength(300);
    const labels = threads.flatMap((t) => t.labels);
    expect(labels).toHaveLength(1645);
    expect(labels.filter((l) => OFF_TOPIC_LABELS.has(l))).toHaveLength(583);
    expect(threads[0].article.title).toBe('from DUBAI to QATAR');
    expect(threads[0].article.author).toBe('U5424');
    expect(threads[0].comments[0].text).toBe('If you are single then its ok you can enjoy.');
  });
});
