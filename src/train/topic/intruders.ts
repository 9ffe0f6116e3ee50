/**
 * Self-supervision for the off-topic model: threads with comments moved in from other threads
 * (intruders), from CQA, C3 and Fox News. The relevance model learns from them, the blend and the
 * threshold are fitted on the C3 ones, and the news checks of the CV score them.
 */
import type { TopicArticle, TopicComment } from '../../topic/features';
import type { Corpus } from './corpus';

/** C3 has no article text: its first comments (up to this many) stand in for it (they set the thread's topic). */
export const C3_ARTICLE = 10;
/** Comments per C3 thread used as natives (the largest threads would otherwise dominate). */
const C3_MAX = 20;

/** A thread with comments moved in from other threads: `y[i]` is 1 for an intruder. */
export interface MixedThread {
  key: string;
  article: TopicArticle;
  comments: TopicComment[];
  y: number[];
}

/**
 * `natives` with `rate` x their number of comments moved in from other threads of `pool`, in runs
 * of 1-3 consecutive comments from one foreign thread, as drift does: single intruders would
 * teach "unlike the rest of the thread" instead of "unlike the article".
 */
export function mixIntruders(article: TopicArticle, natives: TopicComment[], pool: Array<[string, TopicComment[]]>, key: string, rate: number, r: () => number): MixedThread {
  const list = natives.map((c) => ({ c, intruder: false }));
  let m = Math.max(1, Math.round(natives.length * rate));
  while (m > 0) {
    let [from, texts] = pool[Math.floor(r() * pool.length)];
    while (from === key) [from, texts] = pool[Math.floor(r() * pool.length)];
    const len = Math.min(m, texts.length, 1 + Math.floor(r() * 3));
    const start = Math.floor(r() * (texts.length - len + 1));
    const at = Math.floor(r() * (list.length + 1));
    const run = texts.slice(start, start + len).map((c) => ({ c: { ...c, id: `${c.id}@${key}` }, intruder: true }));
    list.splice(at, 0, ...run);
    m -= len;
  }
  return { key, article, comments: list.map((x) => x.c), y: list.map((x) => (x.intruder ? 1 : 0)) };
}

/** C3 article ids with enough comments for a stand-in article and a thread. */
export function c3Ids(corpus: Corpus): string[] {
  return [...corpus.c3Threads].filter(([, texts]) => texts.length >= C3_ARTICLE + 3).map(([id]) => id);
}

/**
 * C3 news threads with intruders (from the other threads of `ids` only). C3 has no article text,
 * so the first 1..C3_ARTICLE comments stand in for it: news articles range from a headline to a
 * long report, and the blend has to learn how much a given amount of article text is worth.
 */
export function c3Mixed(corpus: Corpus, ids: string[], rate: number, r: () => number): MixedThread[] {
  const articleSize = new Map(ids.map((id) => [id, 1 + Math.floor(r() * C3_ARTICLE)]));
  const natives = new Map(ids.map((id) => [id, corpus.c3Threads.get(id)!.slice(articleSize.get(id)!).map((text, i) => ({ id: `${id}/${i}`, text }))]));
  const pool = [...natives];
  return ids.map((id) => mixIntruders({ body: corpus.c3Threads.get(id)!.slice(0, articleSize.get(id)!).join('\n\n') }, natives.get(id)!.slice(0, C3_MAX), pool, id, rate, r));
}

/**
 * Fox News threads under their headline, with intruders from the other Fox articles (a news
 * check). Authors are left out: an intruder's author never posts elsewhere in the thread it was
 * moved into, while natives' authors often do, so with authors the check would measure that
 * artefact of its construction (it reads author repeats as conversation) rather than topic.
 */
export function foxMixed(corpus: Corpus, rate: number, r: () => number): MixedThread[] {
  const pool: Array<[string, TopicComment[]]> = corpus.fox.map((t) => [t.article.title!, t.comments.map((c) => ({ id: c.id, text: c.text }))]);
  return pool.map(([title, comments], i) => mixIntruders(corpus.fox[i].article, comments, pool, title, rate, r));
}
