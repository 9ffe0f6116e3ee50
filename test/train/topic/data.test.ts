import { describeWithDatasets } from '../../datasets';
import { loadCqa, loadCqa2016, dedupeCqa, loadFoxThreads, OFF_TOPIC_LABELS, type CqaThread } from '../../../src/train/topic/data';
import { datasetsDir } from '../../../src/util/paths';

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
