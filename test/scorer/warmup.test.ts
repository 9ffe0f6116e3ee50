/**
 * The load-time warm-up of a scorer thread (src/scorer/warmup.ts) only compiles code and fills
 * caches: a scorer's results after it equal its results before it, token for token (spans too).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createScorer, type Scorer } from '../../src/scorer';
import { loadModel, HashedToxicityModel } from '../../src/model';
import { warmUp, warmUpComments, PRIMER_COMMENTS, WARMUP_COMMENTS } from '../../src/scorer/warmup';
import { tokenize } from '../../src/text';
import type { ScoreRequest } from '../../src/types';

const harbour = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'harbour-thread.json'), 'utf8')) as ScoreRequest;

describe('warmUp', () => {
  let model: HashedToxicityModel;
  let scorer: Scorer;
  beforeAll(async () => {
    const loaded = await loadModel();
    if (!(loaded instanceof HashedToxicityModel)) throw new Error(`the shipped fast model is ${loaded.constructor.name}`);
    model = loaded;
    scorer = await createScorer({ model });
  });
  afterAll(() => {
    scorer.dispose();
    model.dispose();
  });

  it('is a fixed, varied batch: deterministic, mostly distinct texts', () => {
    const a = warmUpComments();
    expect(a).toEqual(warmUpComments());
    expect(a).toHaveLength(WARMUP_COMMENTS);
    expect(new Set(a.map((c) => c.text)).size).toBeGreaterThan(WARMUP_COMMENTS * 0.9);
  });

  it("the batch CLI's primer is the fixed texts, and they run the tokenizer's rare branches", () => {
    const primer = warmUpComments(PRIMER_COMMENTS);
    expect(primer.map((c) => c.text)).toEqual(warmUpComments().slice(0, PRIMER_COMMENTS).map((c) => c.text));
    const tokens = primer.flatMap((c) => tokenize(c.text));
    for (const kind of ['url', 'mention', 'hashtag', 'number', 'emoji', 'punct']) expect(tokens.some((t) => t.kind === kind)).toBe(true);
    // A spelled-out word, a number with separators, a trailing URL's punctuation, a joined emoji.
    expect(tokens.map((t) => t.norm)).toEqual(expect.arrayContaining(['asshole', 'moron', 'stupid']));
    expect(tokens.map((t) => t.text)).toEqual(expect.arrayContaining(['1,000.50', 'http://example.org/a?b=1', '👨‍👩‍👧']));
  });

  it('leaves results unchanged: a warmed scorer scores as a cold one', async () => {
    // Some of the warm-up's own texts (scored cold here, cached after it) and texts it never sees.
    const own = { comments: warmUpComments(40).slice(20), independent: true };
    const requests: ScoreRequest[] = [harbour, own, { comments: harbour.comments.slice(2), context: harbour.comments.slice(0, 2), article: harbour.article }];
    model.clearCaches();
    const cold: unknown[] = [];
    for (const r of requests) cold.push(await scorer.score(r));
    model.clearCaches();
    await warmUp(scorer);
    const warm: unknown[] = [];
    for (const r of requests) warm.push(await scorer.score(r));
    expect(warm).toEqual(cold);
  });
});
