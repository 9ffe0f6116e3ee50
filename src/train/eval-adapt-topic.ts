/**
 * `npm run eval:adapt-topic`: off-topic learned per site (issue 28) — does a site's adapter learn
 * its off-topic rejections, where "a moderator's reject with the category off_topic is the label"?
 *
 * Simulated sites, each a set of news threads with comments moved in from other threads of the
 * same site (intruders, runs of 1-3, 50% extra, as the off-topic training and its news checks
 * build them: `src/train/topic/intruders.ts`):
 * - `c3`: C3 (Globe and Mail) articles, the first comments standing in for the article text;
 * - `fox`: the 10 Fox News articles under their headline and description (never trained on by
 *   the off-topic model; C3's intruder construction is what its relevance model learned from).
 * The moderators reject every intruder with the category `off_topic`, and every comment the
 * set's gold calls toxic (C3 crowd level >= 2, Fox hateful) with no category (a toxic intruder
 * counts as toxic); the rest are approved. Every comment is decided (premoderation).
 * Base outputs: toxicity and categories from the accurate path's model (models/heads when
 * shipped, vectors from the shared cache), `off_topic` from the shipped off-topic model scoring
 * each whole thread: the accurate mode's (models/offtopic/accurate, with the vectors) when
 * shipped, else, or with `--topic fast`, the lexical one. Per draw the site's articles are split at random in two halves, each half's
 * threads built with intruders from its own half only: the stream of decisions and the held-out
 * threads (no text is native on one side and an intruder on the other). After the first 0 / 250 / 500 / 1,000 decisions an
 * adapter is fitted (`fitAdapter`, the same call as `npm run eval:adapt`) and off-topic AUC
 * (intruders vs natives) is measured on the held-out comments with:
 * - `deployed`: what the site would use (`applyAdapter`: the off_topic head only when it passed
 *   its own gate, cross-validated with each thread's decisions in one fold);
 * - `head, no gates`: the off_topic head fitted with both gates open (margin and z at -inf),
 *   i.e. what the head itself learned.
 *
 * Adapter rows (`--row`): `article` (default, as shipped): the decided comments' features carry
 * the article's vector, and the off_topic head reads the comment-x-article product in place of
 * the comment's vector (`featureRow`); `comment`: features without the article's vector (as
 * stored before it existed: every head reads the comment's vector); `comment-x-article`: the
 * first what-if, every head (toxicity too) reading the product in place of the comment's vector.
 *
 *   npm run eval:adapt-topic [-- --sites c3,fox --draws 5 --points 0,250,500,1000 --model DIR --row article|comment|comment-x-article --topic accurate|fast --groups thread|none]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { applyAdapter, fitAdapter, quantize, type LabelledExample, type StoredFeatures } from '../adapt';
import { loadModel, type CommentPrediction, type ToxicityModel } from '../model';
import { loadC3, loadFoxNews } from '../data';
import { accurateTopicDir, articleText, loadOffTopicModel, type OffTopicModel } from '../topic';
import { mulberry32, shuffle } from '../util/prng';
import { lcg32 } from '../util/lcg32';
import { packageRoot } from '../util/paths';
import { cachedEncoder } from './heads/cached-encoder';
import { embedCached } from './embed-cache';
import { rocAuc } from './metrics';
import { loadCorpus } from './topic/corpus';
import { c3Ids, c3Mixed, foxMixed, type MixedThread } from './topic/intruders';

const POINTS = [0, 250, 500, 1000];

interface Row {
  /** Index of its thread in its half. */
  thread: number;
  f: StoredFeatures;
  label: 0 | 1;
  category: 'off_topic' | null;
  intruder: number;
}

/** A seeded shuffled copy. */
const shuffled = <T>(xs: T[], seed: number): T[] => shuffle([...xs], mulberry32(seed));

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** Per text: the toxicity model's outputs and the sentence vector (each text predicted and embedded once). */
type TextFeatures = Map<string, { base: StoredFeatures['base']; vector: Int8Array; float: Float32Array }>;

async function textFeatures(texts: string[], model: ToxicityModel): Promise<TextFeatures> {
  const unique = [...new Set(texts)];
  const vecs = await embedCached(unique);
  const preds: CommentPrediction[] = [];
  for (let i = 0; i < unique.length; i += 256) preds.push(...(await model.predict(unique.slice(i, i + 256))));
  return new Map(unique.map((t, i) => [t, { base: { toxicity: preds[i].toxicity, ...preds[i].categories }, vector: quantize(vecs[i]), float: vecs[i] }]));
}

function productCode(v: Int8Array, a: Float32Array): Int8Array {
  const out = new Int8Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = Math.max(-127, Math.min(127, Math.round((v[j] / 127) * a[j] * 128 * 127)));
  return out;
}

/** The site's decisions on `threads`, with the shipped off-topic model's score of each comment in its thread. */
async function decide(threads: MixedThread[], toxic: (text: string) => number, feats: TextFeatures, topic: OffTopicModel, row: string): Promise<Row[]> {
  const rows: Row[] = [];
  const articles = row !== 'comment' || topic.usesVectors ? await embedCached(threads.map((t) => articleText(t.article)), { progress: false }) : [];
  threads.forEach((t, ti) => {
    // The accurate model reads the vectors the scorer's accurate mode would give it.
    const off = topic.usesVectors ? topic.score(t.article, t.comments, { article: articles[ti], comments: t.comments.map((c) => feats.get(c.text)!.float) }) : topic.score(t.article, t.comments);
    t.comments.forEach((c, i) => {
      const f0 = feats.get(c.text)!;
      // What-if (`--row comment-x-article`): the stored vector replaced by the comment's and the
      // article's vectors multiplied component-wise (scaled by 128, about 1 / typical product), so
      // that a linear head can learn a weighted similarity to the article.
      // `--row article` (the default, as the scorer stores it): the article's vector beside the
      // comment's, which the off_topic head reads as the comment-x-article product.
      const f: StoredFeatures = row === 'comment-x-article' ? { ...f0, vector: productCode(f0.vector, articles[ti]) } : row === 'article' ? { ...f0, article: quantize(articles[ti]) } : f0;
      const isToxic = toxic(c.text) === 1;
      const base: StoredFeatures['base'] = { ...f.base };
      if (off[i].offTopic !== null) base.off_topic = off[i].offTopic!;
      rows.push({ thread: ti, f: { base, vector: f.vector, ...(f.article ? { article: f.article } : {}) }, label: isToxic || t.y[i] === 1 ? 1 : 0, category: !isToxic && t.y[i] === 1 ? 'off_topic' : null, intruder: t.y[i] });
    });
  });
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sites: { type: 'string', default: 'c3,fox' },
      draws: { type: 'string', default: '5' },
      points: { type: 'string', default: POINTS.join(',') },
      model: { type: 'string' },
      row: { type: 'string', default: 'article' },
      topic: { type: 'string', default: 'accurate' },
      groups: { type: 'string', default: 'thread' },
      seed: { type: 'string', default: '28' },
    },
  });
  if (values.topic !== 'fast' && values.topic !== 'accurate') throw new Error(`--topic is fast or accurate, not ${values.topic}`);
  if (values.groups !== 'thread' && values.groups !== 'none') throw new Error(`--groups is thread or none, not ${values.groups}`);
  if (!['article', 'comment', 'comment-x-article'].includes(values.row)) throw new Error(`--row is article, comment or comment-x-article, not ${values.row}`);
  const draws = Number(values.draws);
  const points = values.points.split(',').map(Number);
  const seed = Number(values.seed);
  const heads = path.join(packageRoot(), 'models', 'heads');
  const dir = values.model ?? (fs.existsSync(path.join(heads, 'model.json')) ? heads : undefined);
  const model = await loadModel(dir, { encoder: cachedEncoder() });
  const corpus = loadCorpus();
  // The off-topic base: the accurate mode's model when shipped (a site scoring in accurate mode
  // stores its outputs), else the lexical one; `--topic fast` takes the lexical one.
  const accurate = values.topic !== 'fast' && fs.existsSync(path.join(accurateTopicDir(), 'model.json'));
  const topic = loadOffTopicModel(accurate ? accurateTopicDir() : undefined);
  const topicVersion = `${topic.version}${accurate ? ' (accurate, with vectors)' : ''}`;
  console.log(`base: toxicity ${model.info.name} ${model.info.version}, off-topic ${topicVersion}; adapter row: ${values.row}; cross-validation groups: ${values.groups}; premoderated (every stream comment decided); ${draws} draws; articles split in halves per draw, each half with intruders from its own half`);
  const header = `| site | comments (intruders, toxic) | measure | ${points.map((n) => (n ? `n=${n}` : 'base')).join(' | ')} |`;
  const lines = [header, `|${header.split('|').slice(1, -1).map(() => ' --- ').join('|')}|`];
  for (const site of values.sites.split(',')) {
    const t0 = Date.now();
    // Per draw the site's articles are split in two halves; each half's threads take their
    // intruders from its own half only, so no text is native in one half and an intruder in the
    // other (a head would otherwise learn the held-out articles' topics as "off topic").
    let mixed: (ids: string[], r: () => number) => MixedThread[];
    let ids: string[];
    let toxic: (text: string) => number;
    let texts: string[];
    if (site === 'c3') {
      const gold = new Map(loadC3().map((r) => [r.text, r.toxicBinary]));
      ids = c3Ids(corpus);
      mixed = (part, r) => c3Mixed(corpus, part, 0.5, r);
      toxic = (t) => gold.get(t) ?? 0;
      texts = ids.flatMap((id) => corpus.c3Threads.get(id)!);
    } else if (site === 'fox') {
      const gold = new Map(loadFoxNews().map((r) => [r.text, r.toxicBinary]));
      ids = corpus.fox.map((t) => t.article.title!);
      mixed = (part, r) => foxMixed({ ...corpus, fox: corpus.fox.filter((t) => part.includes(t.article.title!)) }, 0.5, r);
      toxic = (t) => gold.get(t.trim()) ?? 0;
      texts = corpus.fox.flatMap((t) => t.comments.map((c) => c.text));
    } else throw new Error(`unknown site ${site} (known: c3, fox)`);
    const feats = await textFeatures(texts, model);
    const names = ['base off_topic', 'deployed (gated adapter)', 'off_topic head, no gates', 'off_topic head passed its gate', 'toxicity head passed its gate', 'cross-validated off_topic AUC base / adapted'];
    const cells = new Map(names.map((n) => [n, points.map(() => [] as string[])]));
    const nums = new Map(names.map((n) => [n, points.map(() => [] as number[])]));
    let counts = '';
    for (let d = 1; d <= draws; d++) {
      const order = shuffled(ids, 7919 * d + seed);
      const half = Math.floor(order.length / 2);
      const r = lcg32(seed + d);
      const streamRows = await decide(mixed(order.slice(0, half), r), toxic, feats, topic, values.row);
      const heldRows = await decide(mixed(order.slice(half), r), toxic, feats, topic, values.row);
      if (d === 1) {
        const all = [...streamRows, ...heldRows];
        counts = `${all.length} (${all.filter((x) => x.intruder).length}, ${all.filter((x) => x.label && x.category === null).length})`;
      }
      const stream = shuffled(streamRows, 1000 * d + 27);
      const held = heldRows.filter((x) => x.f.base.off_topic !== undefined);
      const y = held.map((x) => x.intruder);
      // The thread each decision was posted under, as the queue stores it (threadId): the adapter's
      // cross-validation keeps a thread's off_topic rows in one fold (`--groups none`: rows
      // without it, folds across threads).
      const dec: LabelledExample[] = stream.map((x) => ({ features: x.f, label: x.label, category: x.category, ...(values.groups === 'thread' ? { group: String(x.thread) } : {}) }));
      const baseAuc = rocAuc(held.map((x) => x.f.base.off_topic!), y);
      points.forEach((n, k) => {
        if (n > dec.length) return;
        nums.get('base off_topic')![k].push(baseAuc);
        if (n === 0) return;
        const gated = fitAdapter(site, dec.slice(0, n), { seed: d, curvePoints: [], createdAt: 'eval' });
        const open = fitAdapter(site, dec.slice(0, n), { seed: d, curvePoints: [], createdAt: 'eval', margin: -Infinity, minZ: -Infinity, fullZ: -Infinity });
        nums.get('deployed (gated adapter)')![k].push(rocAuc(held.map((x) => applyAdapter(gated, x.f).off_topic!), y));
        if (open.heads.off_topic) nums.get('off_topic head, no gates')![k].push(rocAuc(held.map((x) => applyAdapter(open, x.f).off_topic!), y));
        nums.get('off_topic head passed its gate')![k].push(gated.heads.off_topic ? 1 : 0);
        nums.get('toxicity head passed its gate')![k].push((gated.report.auc.toxicity?.strength ?? 0) > 0 ? 1 : 0);
        const cv = gated.report.auc.off_topic;
        if (cv) cells.get('cross-validated off_topic AUC base / adapted')![k].push(`${cv.base.toFixed(3)}/${cv.adapted.toFixed(3)}`);
      });
    }
    for (const name of names) {
      const row = points.map((_, k) => {
        if (name.startsWith('cross-validated')) return cells.get(name)![k].join(' ') || '-';
        const xs = nums.get(name)![k];
        if (name === 'off_topic head passed its gate' || name === 'toxicity head passed its gate') return xs.length ? `${xs.filter((x) => x).length}/${xs.length}` : '-';
        return xs.length === 0 ? '-' : xs.length === draws ? fmt(mean(xs)) : `${fmt(mean(xs))} (${xs.length})`;
      });
      lines.push(`| ${site} | ${counts} | ${name} | ${row.join(' | ')} |`);
    }
    process.stderr.write(`${site}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${lines.slice(-names.length).join('\n')}\n`);
  }
  console.log(lines.join('\n'));
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
