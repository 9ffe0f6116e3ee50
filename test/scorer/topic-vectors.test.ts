/**
 * The accurate scorer hands the off-topic model the sentence vectors it computed (issue 28):
 * every comment and the article embedded exactly once per scoring call (counted at the encoder),
 * context comments not at all, and the off-topic scores those of the model's sentence stage on
 * exactly those vectors. One conv model and one encoder for the whole file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createScorer, type Scorer } from '../../src/scorer';
import { HeadedToxicityModel, loadModel, parseHeadsFile, type ToxicityModel } from '../../src/model';
import { loadEncoder } from '../../src/encoder';
import type { SentenceEncoder } from '../../src/encoder/types';
import { articleText, loadOffTopicModel, OffTopicModel } from '../../src/topic';
import { SENTENCE_INPUTS } from '../../src/topic/sentence';
import { writeIdentityHeads } from '../heads';

const article = { title: 'Ferry board approves a new timetable', body: 'The ferry board approved a timetable with more evening crossings from May.' };
const comments = [
  { id: 'a', text: 'More evening crossings will help people who work late shifts.' },
  { id: 'b', text: 'Thanks for posting this!', parentId: 'a' },
  { id: 'c', text: 'Did anyone watch the match last night?' },
  { id: 'd', text: 'The timetable still skips the early morning crossing.' },
];

let base: ToxicityModel;
let encoder: SentenceEncoder;
let asked: string[][] = [];
let scorer: Scorer;
let topic: OffTopicModel;
beforeAll(async () => {
  base = await loadModel();
  encoder = await loadEncoder();
  // The real encoder, with each call's texts recorded.
  const counting: SentenceEncoder = { info: encoder.info, embed: (texts) => (asked.push([...texts]), encoder.embed(texts)), dispose: async () => undefined };
  const heads = writeIdentityHeads();
  const file = parseHeadsFile(JSON.parse(fs.readFileSync(path.join(heads.dir, 'model.json'), 'utf8')));
  heads.remove();
  // The shipped off-topic model with a stage whose head reads the comment's vector, so the vectors matter.
  const off = loadOffTopicModel();
  const w = new Array(512).fill(0).map((_, j) => (j % 7 === 0 ? 0.3 : 0));
  topic = new OffTopicModel({
    ...off.file,
    sentence: {
      encoder: { name: 'test', version: '0', dim: 512 },
      inputs: [...SENTENCE_INPUTS],
      comment: { weights: w, bias: 0 },
      relevance: { weights: new Array(512).fill(0), bias: 0 },
      stack: { mean: SENTENCE_INPUTS.map(() => 0), std: SENTENCE_INPUTS.map(() => 1), weights: SENTENCE_INPUTS.map((n) => (n === 'base' || n.startsWith('comment@') ? 1 : n.startsWith('cosArticle@') ? -1 : 0)), bias: 0 },
      // The identity context pass: the stack's score stands.
      context: { mean: [0, 0, 0], std: [1, 1, 1], weights: [1, 0, 0], bias: 0 },
    },
  });
  scorer = await createScorer({ model: new HeadedToxicityModel(base, counting, file, { base: false, encoder: false }), topic });
}, 120_000);
afterAll(async () => {
  scorer.dispose();
  base.dispose();
  await encoder.dispose();
});
beforeEach(() => {
  asked = [];
});

const flat = () => asked.flat();
const repeats = (texts: string[]) => texts.length - new Set(texts).size;

describe('accurate scorer: vectors for the off-topic model', () => {
  it('embeds each comment and the article once per call, and scores off-topic on those vectors', async () => {
    const res = await scorer.score({ article, comments });
    expect(flat().sort()).toEqual([...comments.map((c) => c.text), articleText(article)].sort());
    expect(repeats(flat())).toBe(0);
    const vecs = await encoder.embed([...comments.map((c) => c.text), articleText(article)]);
    const direct = topic.score(article, comments, { article: vecs[comments.length], comments: vecs.slice(0, comments.length) });
    res.forEach((r, i) => expect(r.offTopic!).toBeCloseTo(direct[i].offTopic!, 3));
    // The stage changed something: without vectors the scores differ.
    const plain = topic.score(article, comments);
    expect(res.some((r, i) => Math.abs(r.offTopic! - plain[i].offTopic!) > 1e-3)).toBe(true);
  });

  it('independent comments and context comments: still nothing embedded twice, context not at all', async () => {
    await scorer.score({ article, comments, independent: true });
    expect(repeats(flat())).toBe(0);
    expect(flat()).toHaveLength(comments.length + 1);
    asked = [];
    await scorer.score({ article, context: comments.slice(0, 2), comments: comments.slice(2) });
    expect(flat().sort()).toEqual([comments[2].text, comments[3].text, articleText(article)].sort());
  });

  it('without an article only the comments are embedded', async () => {
    await scorer.score({ comments });
    expect(flat().sort()).toEqual(comments.map((c) => c.text).sort());
  });
});
