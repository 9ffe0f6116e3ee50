/**
 * Loaders for the training corpora. Datasets stay outside the repo (`../shared/datasets` by
 * default); nothing here copies them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse } from 'csv-parse/sync';
import { TopicArticle, TopicComment } from './features';

/** CQA labels; Bad, Dialogue and Not English count as off-topic. */
export type CqaLabel = 'Good' | 'Potential' | 'Bad' | 'Dialogue' | 'Not English';
export const OFF_TOPIC_LABELS: ReadonlySet<string> = new Set(['Bad', 'Dialogue', 'Not English']);

/** One CQA question with its comment thread and gold labels. */
export interface CqaThread {
  qid: string;
  article: TopicArticle;
  comments: TopicComment[];
  labels: CqaLabel[];
}

/** The package root (the directory holding moderato's package.json), from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let k = 0; k < 6; k++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p) && /"name":\s*"moderato"/.test(fs.readFileSync(p, 'utf8'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`moderato package root not found above ${__dirname}`);
}

/** Datasets directory: explicit argument, else `MODERATO_DATASETS`, else `../shared/datasets` from the repo. */
export function datasetsDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env.MODERATO_DATASETS ?? path.join(packageRoot(), '..', 'shared', 'datasets'));
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
    threads.push({ qid, article: { title: tag(m[2], 'QSubject'), body: tag(m[2], 'QBody'), author: asker }, comments, labels });
  }
  return threads;
}

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
