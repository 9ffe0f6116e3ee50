/**
 * The off-topic training corpus: SemEval CQA threads (2015 and 2016, deduplicated), C3 news
 * threads and Fox News threads, each text tokenised once (stemming dominates training time), and
 * the seeded order of the questions that fixes every fold.
 */
import { topicTerms, TopicTerm } from '../../topic/terms';
import { lexTokens } from '../../topic/lexical';
import type { TopicArticle, TopicComment } from '../../topic/features';
import { CqaThread, loadCqa, loadCqa2016, dedupeCqa, DedupeCounts, loadC3Threads, loadFoxThreads } from './data';
import { datasetsDir } from '../../util/paths';
import { lcg32 } from '../../util/lcg32';

/** Term lists of every text in the corpora, computed once (stemming dominates training time). */
export interface Corpus {
  /** SemEval-2015 devel then SemEval-2016 threads, deduplicated (see `dedupeCqa`). */
  cqa: CqaThread[];
  /** What deduplication removed. */
  deduped: DedupeCounts;
  /** Fox News comments by article, with the headline and description as the article (news check only). */
  fox: Array<{ article: TopicArticle; comments: TopicComment[] }>;
  c3Docs: TopicTerm[][];
  cqaDocs: Map<string, TopicTerm[][]>;
  c3Lex: Set<string>[];
  /** C3 comment texts by article id, in file order. */
  c3Threads: Map<string, string[]>;
  cqaLex: Map<string, Set<string>[]>;
}

/** Load CQA and C3 and pre-tokenise them. */
export function loadCorpus(datasets?: string): Corpus {
  const dir = datasetsDir(datasets);
  const { threads: cqa, removed: deduped } = dedupeCqa([...loadCqa(dir), ...loadCqa2016(dir)]);
  const fox = loadFoxThreads(dir);
  const c3Docs: TopicTerm[][] = [];
  const c3Lex: Set<string>[] = [];
  const c3Threads = loadC3Threads(dir);
  for (const texts of c3Threads.values()) {
    for (const t of texts) {
      c3Docs.push(topicTerms(t));
      c3Lex.push(lexTokens(t));
    }
  }
  const cqaDocs = new Map<string, TopicTerm[][]>();
  const cqaLex = new Map<string, Set<string>[]>();
  for (const q of cqa) {
    cqaDocs.set(q.qid, [topicTerms(`${q.article.title ?? ''} ${q.article.body ?? ''}`), ...q.comments.map((c) => topicTerms(c.text))]);
    cqaLex.set(q.qid, q.comments.map((c) => lexTokens(c.text)));
  }
  return { cqa, deduped, fox, c3Docs, cqaDocs, c3Lex, c3Threads, cqaLex };
}

/** Questions in a seeded shuffled order: fixes both the CV folds and the inner folds. */
export function questionOrder(corpus: Corpus, seed = 2015): string[] {
  const r = lcg32(seed);
  return corpus.cqa.map((q) => ({ q: q.qid, u: r() })).sort((a, b) => a.u - b.u).map((o) => o.q);
}
