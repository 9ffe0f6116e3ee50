import { describeWithDatasets } from '../datasets';
import { jointThreshold } from '../../src/topic/train';
import { fitLexical, lexTokens, lexicalScore, sharedVocabulary } from '../../src/topic/lexical';
import { parseTopicArgs } from '../../src/topic/report';
import { loadCqa, loadCqa2016, dedupeCqa, loadFoxThreads, OFF_TOPIC_LABELS, type CqaThread } from '../../src/topic/data';
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

describeWithDatasets('CQA loader', () => {
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

describeWithDatasets('SemEval-2016 loader and deduplication', () => {
  it('reads the 1,160 threads of train part 2 and dev, labelled for relevance to their own question', () => {
    const threads = loadCqa2016(datasetsDir());
    expect(threads).toHaveLength(1160);
    const labels = threads.flatMap((t) => t.labels);
    expect(labels).toHaveLength(11600);
    expect(labels.filter((l) => l === 'Bad')).toHaveLength(5340);
    expect(labels.filter((l) => l === 'Potential')).toHaveLength(1971);
    expect(threads.every((t) => t.source === '2016' && t.article.author)).toBe(true);
  });

  it('drops repeated questions whole and repeated long comments, keeping short formulas and the first copy', () => {
    const t = (qid: string, title: string, texts: string[]): CqaThread => ({
      qid, source: '2016', article: { title, body: 'body' }, comments: texts.map((text, i) => ({ id: `${qid}_${i}`, text })), labels: texts.map(() => 'Good'),
    });
    const { threads, removed } = dedupeCqa([
      t('a', 'Best bank?', ['QNB is the best bank in Doha', 'thanks']),
      t('b', 'best   BANK?', ['anything']),
      t('c', 'Visa rules', ['QNB is the best bank  in doha', 'thanks', 'ask the embassy first please']),
    ]);
    expect(threads.map((x) => x.qid)).toEqual(['a', 'c']);
    expect(threads[1].comments.map((c) => c.text)).toEqual(['thanks', 'ask the embassy first please']);
    expect(threads[1].labels).toHaveLength(2);
    expect(removed).toEqual({ threads: 1, comments: 2 });
  });

  it('together with 2015 devel: 1,229 questions and 10,909 comments after deduplication', () => {
    const { threads, removed } = dedupeCqa([...loadCqa(datasetsDir()), ...loadCqa2016(datasetsDir())]);
    expect(threads).toHaveLength(1229);
    expect(threads.reduce((n, x) => n + x.comments.length, 0)).toBe(10909);
    expect(removed.threads).toBe(231);
    // 2015 comes first, so all 300 devel questions are kept whole.
    expect(threads.filter((x) => x.source === '2015').reduce((n, x) => n + x.comments.length, 0)).toBe(1645);
  });

  it('reads the Fox News comments by article, the headline as title', () => {
    const fox = loadFoxThreads(datasetsDir());
    expect(fox).toHaveLength(10);
    expect(fox.reduce((n, t) => n + t.comments.length, 0)).toBe(1528);
    expect(fox[0].article.title).toMatch(/^German lawmakers/);
  });
});
