/**
 * Loaders for the training corpora. Datasets stay outside the repo (`../shared/datasets` by
 * default); nothing here copies them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse } from 'csv-parse/sync';
import type { TopicArticle, TopicComment } from '../../topic/features';

/** CQA labels; Bad, Dialogue and Not English count as off-topic. */
export type CqaLabel = 'Good' | 'Potential' | 'Bad' | 'Dialogue' | 'Not English';
/** `2015`: SemEval-2015 Task 3 devel; `2016`: SemEval-2016 Task 3 train part 2 + dev. */
export type CqaSource = '2015' | '2016';
export const OFF_TOPIC_LABELS: ReadonlySet<string> = new Set(['Bad', 'Dialogue', 'Not English']);

/** One CQA question with its comment thread and gold labels. */
export interface CqaThread {
  qid: string;
  /** Which release it came from (for per-source figures). */
  source: CqaSource;
  article: TopicArticle;
  comments: TopicComment[];
  labels: CqaLabel[];
}

function decodeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

function tag(block: string, name: string): string {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block);
  return m ? decodeXml(m[1]) : '';
}

/**
 * SemEval-2015 Task 3 CQA-QL devel threads (the labelled part shipped in `datasets`), with gold
 * labels joined from `CQA-QL-devel-gold.txt`. Comments without a gold label are dropped.
 */
export function loadCqa(dir: string): CqaThread[] {
  const base = path.join(dir, 'semeval2015_task3_cqa_ql');
  const xml = fs.readFileSync(path.join(base, 'CQA-QL-devel-input.xml'), 'utf8');
  const gold = new Map<string, CqaLabel>();
  for (const line of fs.readFileSync(path.join(base, 'CQA-QL-devel-gold.txt'), 'utf8').split(/\r?\n/)) {
    const [id, label] = line.split('\t');
    if (id && label) gold.set(id.trim(), label.trim() as CqaLabel);
  }
  const threads: CqaThread[] = [];
  for (const m of xml.matchAll(/<Question ([^>]*)>([\s\S]*?)<\/Question>/g)) {
    const qid = /QID="([^"]+)"/.exec(m[1])![1];
    const asker = /QUSERID="([^"]+)"/.exec(m[1])?.[1];
    const comments: TopicComment[] = [];
    const labels: CqaLabel[] = [];
    for (const c of m[2].matchAll(/<Comment ([^>]*)>([\s\S]*?)<\/Comment>/g)) {
      const cid = /CID="([^"]+)"/.exec(c[1])![1];
      const label = gold.get(cid);
      if (!label) continue;
      comments.push({ id: cid, text: tag(c[2], 'CBody'), author: /CUSERID="([^"]+)"/.exec(c[1])?.[1] });
      labels.push(label);
    }
    threads.push({ qid, source: '2015', article: { title: tag(m[2], 'QSubject'), body: tag(m[2], 'QBody'), author: asker }, comments, labels });
  }
  return threads;
}

/** The SemEval-2016 files read (train part 1 is not in the datasets folder). */
export const CQA_2016_FILES = ['SemEval2016-Task3-CQA-QL-train-part2.xml', 'SemEval2016-Task3-CQA-QL-dev.xml'];

/** 2016 relevance of a comment to its own question, in 2015's label names (PotentiallyUseful = Potential). */
const LABEL_2016: Record<string, CqaLabel> = { Good: 'Good', PotentiallyUseful: 'Potential', Bad: 'Bad' };

/**
 * SemEval-2016 Task 3 threads: each related question (`RelQuestion`) with its comments, labelled
 * by `RELC_RELEVANCE2RELQ` (relevance to their own question; Bad = off topic). The relevance to
 * the other (original) question is not used: that is a different task.
 */
export function loadCqa2016(dir: string): CqaThread[] {
  const threads: CqaThread[] = [];
  for (const file of CQA_2016_FILES) {
    const xml = fs.readFileSync(path.join(dir, 'semeval2016_task3_cqa', file), 'utf8');
    for (const m of xml.matchAll(/<Thread ([^>]*)>([\s\S]*?)<\/Thread>/g)) {
      const q = /<RelQuestion ([^>]*)>/.exec(m[2])!;
      const qid = /RELQ_ID="([^"]+)"/.exec(q[1])![1];
      const comments: TopicComment[] = [];
      const labels: CqaLabel[] = [];
      for (const c of m[2].matchAll(/<RelComment ([^>]*)>([\s\S]*?)<\/RelComment>/g)) {
        const label = LABEL_2016[/RELC_RELEVANCE2RELQ="([^"]+)"/.exec(c[1])?.[1] ?? ''];
        if (!label) continue;
        comments.push({ id: /RELC_ID="([^"]+)"/.exec(c[1])![1], text: tag(c[2], 'RelCText'), author: /RELC_USERID="([^"]+)"/.exec(c[1])?.[1] });
        labels.push(label);
      }
      const author = /RELQ_USERID="([^"]+)"/.exec(q[1])?.[1];
      threads.push({ qid, source: '2016', article: { title: tag(m[2], 'RelQSubject'), body: tag(m[2], 'RelQBody'), author }, comments, labels });
    }
  }
  return threads;
}

const normText = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** What `dedupeCqa` removed. */
export interface DedupeCounts {
  threads: number;
  comments: number;
}

/**
 * Drops repeats so that no question or comment text sits on both sides of a fold: a thread whose
 * question (subject + body) was already seen is dropped whole (2016 lists many related questions
 * under more than one original question); a comment whose text was already seen in another
 * question's thread is dropped (some 2016 comments repeat 2015 devel ones), unless it is a short
 * formula ("thanks", "ok", under `SHORT_WORDS` words) that threads legitimately share. The first
 * copy wins, in the order given (2015 first).
 */
export function dedupeCqa(threads: CqaThread[]): { threads: CqaThread[]; removed: DedupeCounts } {
  const questions = new Set<string>();
  const texts = new Map<string, string>(); // text -> qid of its first thread
  const removed: DedupeCounts = { threads: 0, comments: 0 };
  const out: CqaThread[] = [];
  for (const t of threads) {
    const q = normText(`${t.article.title ?? ''}\n${t.article.body ?? ''}`);
    if (questions.has(q)) {
      removed.threads++;
      removed.comments += t.comments.length;
      continue;
    }
    questions.add(q);
    const keep = t.comments.map((c) => {
      const k = normText(c.text);
      const first = texts.get(k);
      if (first === undefined) texts.set(k, t.qid);
      return first === undefined || first === t.qid || k.split(' ').length < SHORT_WORDS;
    });
    removed.comments += keep.filter((k) => !k).length;
    const comments = t.comments.filter((_, i) => keep[i]);
    if (comments.length) out.push({ ...t, comments, labels: t.labels.filter((_, i) => keep[i]) });
    else removed.threads++;
  }
  return { threads: out, removed };
}

/** Comments of fewer words than this may repeat across threads (formulas, not copies). */
export const SHORT_WORDS = 4;

/** C3 news comments grouped by article (thread) id, in file order. Used for IDF statistics. */
export function loadC3Threads(dir: string): Map<string, string[]> {
  const file = path.join(dir, 'c3_constructive_comments', 'C3_anonymized.csv.gz');
  const rows: Array<Record<string, string>> = parse(zlib.gunzipSync(fs.readFileSync(file)), { columns: true });
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.article_id) ?? [];
    list.push(r.comment_text);
    out.set(r.article_id, list);
  }
  return out;
}

/**
 * Fox News comments (Gao & Huang 2017) grouped by article in file order, with the headline as
 * the title and the description (`meta`) as the body. Not used for training: a news check only.
 */
export function loadFoxThreads(dir: string): Array<{ article: TopicArticle; comments: TopicComment[] }> {
  const lines = fs.readFileSync(path.join(dir, 'fox_news_comments', 'fox-news-comments.jsonl'), 'utf8').split(/\r?\n/).filter(Boolean);
  const by = new Map<string, { article: TopicArticle; comments: TopicComment[] }>();
  lines.forEach((line, i) => {
    const r = JSON.parse(line) as { title: string; meta: string; text: string; user?: string };
    const t = by.get(r.title) ?? { article: { title: r.title, body: r.meta }, comments: [] };
    t.comments.push({ id: `fox${i}`, text: r.text, author: r.user || undefined });
    by.set(r.title, t);
  });
  return [...by.values()];
}
