import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { loadOffTopicModel, OffTopicModel, FEATURE_NAMES } from '../../src/topic';
import type { CommentInput } from '../../src/types';
import { itWithSouthfront, southfrontThreadPath } from '../datasets';

/** Tests run on the shipped model (models/offtopic), offline, with tolerances. */
const model = loadOffTopicModel();

const article = {
  title: 'City council approves new bridge over the river',
  // A news-length body: the model weighs topical similarity by how much article there is.
  body: [
    'The city council voted on Tuesday to build a new bridge over the river. The bridge will cost 40 million dollars and open in 2026, the mayor said.',
    'Residents had asked for a second river crossing for years, as traffic on the old bridge backs up every morning. Engineers chose a cable-stayed design with two lanes for cars, a bus lane and a path for cyclists and pedestrians.',
    'Opposition councillors said the price was too high and asked for a referendum. The province will pay a third of the cost; the rest comes from the city budget and a toll during the first ten years.',
    'Construction starts in the spring. The ferry that now links the two banks will keep running until the bridge opens.',
  ].join('\n\n'),
};

describe('OffTopicModel.score', () => {
  it('null for a lone comment without any context', () => {
    expect(model.score(undefined, [{ id: 'a', text: 'The bridge is too expensive.' }])).toEqual([{ offTopic: null, reasons: [] }]);
    expect(model.score({ title: '  ' }, [{ id: 'a', text: 'The bridge is too expensive.' }])[0].offTopic).toBeNull();
  });

  it('empty thread gives an empty answer', () => {
    expect(model.score(article, [])).toEqual([]);
  });

  it('on-topic comment low, unrelated comment high and explained, in input order', () => {
    const r = model.score(article, [
      { id: 'on', text: 'Forty million for a bridge over the river is a lot, but the council is right that we need a second crossing.' },
      { id: 'off', text: 'My cat sleeps on the sofa all day and ignores the dog lol' },
    ]);
    expect(r[0].offTopic!).toBeLessThan(model.threshold);
    expect(r[0].reasons).toEqual([]);
    expect(r[1].offTopic!).toBeGreaterThan(model.threshold);
    const reason = r[1].reasons.find((x) => x.code === 'off_topic')!;
    expect(reason.terms).toEqual(expect.arrayContaining(['cat', 'sofa']));
    expect(reason.contextTerms).toEqual(expect.arrayContaining(['bridge']));
    expect(reason.message).toMatch(/article/);
  });

  it('threaded reply relevant to its parent but not the article is drift, with the parent id', () => {
    const comments: CommentInput[] = [
      { id: 'p1', text: 'The council should have asked residents before spending 40 million on the bridge.' },
      { id: 'p2', text: 'Speaking of spending, the Maple Leafs hockey season ticket prices went up again, hockey fans are furious.', parentId: 'p1' },
      { id: 'p3', text: 'Hockey tickets in Toronto are a scandal, the Maple Leafs have not won anything since 1967.', parentId: 'p2' },
    ];
    const r = model.score(article, comments);
    expect(r[0].offTopic!).toBeLessThan(model.threshold);
    expect(r[2].offTopic!).toBeGreaterThan(model.threshold);
    const drift = r[2].reasons.find((x) => x.code === 'drift');
    expect(drift).toBeDefined();
    expect(drift!.parentId).toBe('p2');
    expect(drift!.terms).toEqual(expect.arrayContaining(['hockey']));
  });

  it('a flat thread without an article is judged against the rest of the thread', () => {
    const r = model.score(undefined, [
      { id: 'a', text: 'The new bridge over the river opens in May, the council said.' },
      { id: 'b', text: 'The bridge cost the council far too much money.' },
      { id: 'c', text: 'The council bridge vote was rushed, the river crossing could wait.' },
      { id: 'd', text: 'My cat likes to sleep on the sofa all day lol' },
    ]);
    expect(r.every((x) => typeof x.offTopic === 'number')).toBe(true);
    expect(r[3].offTopic!).toBeGreaterThan(Math.max(r[0].offTopic!, r[1].offTopic!, r[2].offTopic!));
    const reason = r[3].reasons.find((x) => x.code === 'off_topic')!;
    expect(reason.message).toMatch(/rest of the thread/);
    expect(reason.contextTerms).not.toContain('cat'); // its own words are not its context
  });

  it('is deterministic and within 0..1', () => {
    const c = [
      { id: 'x', text: 'Bridge over the river, finally.' },
      { id: 'y', text: 'Who cares about bridges? Taxes!' },
    ];
    const a = model.score(article, c);
    expect(model.score(article, c)).toEqual(a);
    for (const r of a) expect(r.offTopic!).toBeGreaterThanOrEqual(0), expect(r.offTopic!).toBeLessThanOrEqual(1);
  });

  it('a word that names an Object.prototype property is scored like any other word', () => {
    // "constructor" once looked up the IDF table's prototype and turned the whole thread's scores into null.
    const c = [
      { id: 'x', text: 'The constructor of the new bridge says the river crossing opens in 2026.' },
      { id: 'y', text: 'constructor toString valueOf hasOwnProperty isPrototypeOf __proto__' },
      { id: 'z', text: 'Who won the match last night?' },
    ];
    const a = model.score(article, c);
    for (const r of a) expect(Number.isFinite(r.offTopic)).toBe(true);
    expect(a[0].offTopic!).toBeLessThan(model.threshold);
    expect(a[2].offTopic!).toBeGreaterThanOrEqual(model.threshold);
    // Without an article, the thread is the context: the same words there too.
    for (const r of model.score(undefined, c)) expect(Number.isFinite(r.offTopic)).toBe(true);
  });

  itWithSouthfront('reasons appear exactly when offTopic >= threshold', () => {
    const t = JSON.parse(fs.readFileSync(southfrontThreadPath, 'utf8'));
    for (const r of model.score(t.article, t.comments)) expect(r.reasons.length > 0).toBe(r.offTopic! >= model.threshold);
  });

  it('exposes its threshold and refuses a model file whose features differ', () => {
    expect(model.threshold).toBeGreaterThan(0);
    expect(model.threshold).toBeLessThan(1);
    expect(() => new OffTopicModel({ ...model.file, features: FEATURE_NAMES.slice(1) })).toThrow(/features/);
    expect(() => new OffTopicModel({ ...model.file, format: 'other/0' })).toThrow(/format/);
    // A model with the word-vector features needs its table, and one without refuses a table.
    const withVectors = { ...model.file, features: [...FEATURE_NAMES, 'vecArticle', 'vecTitle', 'vecFollowed', 'vecAlign', 'vecZ'], wordVectors: { dim: 3, words: 1, source: 'test' } };
    expect(() => new OffTopicModel(withVectors)).toThrow(/word-vector table/);
    expect(() => new OffTopicModel(model.file, { dim: 3, index: new Map([['a', 0]]), vecs: new Float32Array(3) })).toThrow(/no word-vector features/);
  });

  it('loads from the package root whatever the working directory, or from an explicit dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'topic-'));
    fs.copyFileSync(path.join(__dirname, '..', '..', 'models', 'offtopic', 'model.json'), path.join(dir, 'model.json'));
    expect(loadOffTopicModel(dir).threshold).toBe(model.threshold);
    const out = execFileSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'src', 'topic'))}).loadOffTopicModel().threshold))`], { cwd: dir });
    expect(Number(out.toString())).toBe(model.threshold);
  });

  // Regression: `require('natural')` pulls in dotenv, which prints tips to stdout and corrupts the
  // CLI's JSONL. Scoring must print nothing.
  it('scoring writes nothing to stdout', () => {
    const dist = path.join(__dirname, '..', '..', 'dist', 'src', 'topic');
    const code = `const m=require(${JSON.stringify(dist)}).loadOffTopicModel();m.score({title:'Idlib'},[{id:'a',text:'crossings reopen'}]);`;
    expect(execFileSync(process.execPath, ['-e', code]).toString()).toBe('');
  });
});

// Regression: a blend fitted freely on CQA dropped relevance for short contexts, so with a
// headline-only article an on-topic comment scored above the threshold and a cat story did not stand out.
describe('headline-only article', () => {
  it('still judges by topic', () => {
    const r = model.score({ title: 'City council approves new bridge over the river' }, [
      { id: 'a', text: 'Forty million for a bridge over the river is a lot.' },
      { id: 'b', text: 'Who won the hockey game last night?' },
    ]);
    expect(r[0].offTopic!).toBeLessThan(model.threshold);
    expect(r[1].offTopic!).toBeGreaterThan(model.threshold);
  });
});
