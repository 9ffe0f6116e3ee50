/**
 * `moderato adapt import` with articles (issue 28), on SQLite and PostgreSQL: a line's article
 * (its text, or POST /v1/score's article shape) scores the comment against it, so the row keeps
 * the base off_topic output and the article's int8 vector as an ingested comment does; each
 * distinct article goes to the scorer in one request (embedded once per import); the row's group
 * is its threadId, else its article; a bad article is a reported, skipped line. The accurate
 * scorer with the sentence off-topic model (the one that embeds articles) is loaded once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { adaptCommand } from '../../src/cli/adapt';
import { openStore } from '../../src/queue';
import { accurateTopicDir, articleText } from '../../src/topic';
import type { Scorer } from '../../src/scorer';
import { KINDS, makeTestDb, type TestDb } from '../queue/helpers';
import { accurateCliFixture, capture } from './fixture';

const fx = accurateCliFixture('moderato-adapt-import-', { topicDir: accurateTopicDir() });

const BRIDGE = 'Council approves the new harbour footbridge. The footbridge opens in May after a long vote on its cost.';
const SCHOOL = { title: 'School meals to go free from autumn', body: 'Every primary pupil will get a free lunch, the education board said.' };

/** The fixture's scorer, noting the article text of each request that carries one. */
function counting(articles: string[]): Scorer {
  return { info: fx.scorer.info, thresholds: fx.scorer.thresholds, dispose: () => undefined, score: (req) => (req.article && articles.push(articleText(req.article)), fx.scorer.score(req)) };
}

describe.each(KINDS)('moderato adapt import with articles on %s', (kind) => {
  let db: TestDb;

  beforeEach(() => {
    db = makeTestDb(kind);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('stores the article vector, the base off_topic output and the group; embeds each article once; reports bad articles', async () => {
    const file = path.join(fx.dir, `${kind}-articles.jsonl`);
    const lines = [
      { id: 'a0', text: 'Does anyone have a good recipe for banana bread? Mine always comes out dry.', decision: 'reject', category: 'off_topic', article: BRIDGE, threadId: 't1' },
      { id: 'a1', text: 'The footbridge vote was long overdue; the harbour crossing is dangerous.', decision: 'approve', article: BRIDGE },
      { id: 'b0', text: 'Free lunches will help families who struggle at the end of the month.', decision: 'approve', article: SCHOOL },
      { id: 'b1', text: 'The board members are idiots and liars.', decision: 'reject', category: 'insult', article: SCHOOL },
      { id: 'x1', text: 'bad', decision: 'approve', article: 42 },
      { id: 'x2', text: 'bad', decision: 'approve', article: {} },
      { id: 'x3', text: 'bad', decision: 'approve', article: { title: '   ', body: '' } },
      { id: 'c0', text: 'A decision logged without its article.', decision: 'approve' },
      { id: 'd0', text: 'Lovely photos of the bridge opening.', decision: 'approve', article: { id: 'art9', body: BRIDGE } },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const seen: string[] = [];
    let c = capture();
    expect(await adaptCommand(['import', '--site', 'news', '--db', db.url, file], c.io, { scorer: counting(seen) })).toBe(0);
    expect(c.out.stderr).toMatch(/line 5: MOD_ERR_INPUT: article: /);
    expect(c.out.stderr).toMatch(/line 6: MOD_ERR_INPUT: article: the article needs a title or body with text/);
    expect(c.out.stderr).toMatch(/line 7: MOD_ERR_INPUT: article: the article needs a title or body with text/);
    expect(c.out.stdout).toMatch(/imported 6 decision\(s\) for site "news" \(2 rejected\).*3 bad line\(s\) skipped/);
    // One request per distinct article: BRIDGE as text, SCHOOL, and BRIDGE under an id (another article).
    expect(seen.sort()).toEqual([BRIDGE, BRIDGE, articleText(SCHOOL)].sort());

    const store = await openStore(db.url);
    try {
      // Imported in one call, so ordered by id: a0 a1 b0 b1 c0 d0.
      const ex = await store.siteExamples('news');
      expect(ex.map((e) => [e.label, e.category])).toEqual([[1, 'off_topic'], [0, null], [0, null], [1, 'insult'], [0, null], [0, null]]);
      expect(ex.map((e) => e.group)).toEqual(['t1', expect.stringMatching(/^article:#[0-9a-f]{16}$/), 'article:School meals to go free from autumn', 'article:School meals to go free from autumn', undefined, 'article:art9']);
      const [a0, a1, b0, , c0] = ex;
      for (const e of [a0, a1, b0]) {
        expect(e!.features.article).toHaveLength(512);
        expect(typeof e!.features.base.off_topic).toBe('number');
      }
      expect(Array.from(a1!.features.article!)).toEqual(Array.from(a0!.features.article!));
      expect(Array.from(b0!.features.article!)).not.toEqual(Array.from(a0!.features.article!));
      // The article vector is the one the scorer stores for an ingested comment under that article.
      const [live] = await fx.scorer.score({ comments: [{ id: 'z', text: 'anything' }], article: { body: BRIDGE }, independent: true, withFeatures: true });
      expect(Array.from(a0!.features.article!)).toEqual(Array.from(live!.features!.article!));
      // Scored in its article's context: the banana bread comment is further off topic than the bridge one.
      expect(a0!.features.base.off_topic!).toBeGreaterThan(a1!.features.base.off_topic!);
      expect(c0!.features.article).toBeUndefined();
      expect(c0!.features.base.off_topic).toBeUndefined();
      // Each row names the models that scored it: with an article, the off-topic model too.
      const toxicity = `${fx.scorer.info.name} ${fx.scorer.info.version}`;
      expect(a0!.features.models).toEqual({ toxicity, off_topic: live!.features!.models!.off_topic });
      expect(live!.features!.models!.off_topic).toMatch(/^offtopic \d/);
      expect(c0!.features.models).toEqual({ toxicity });
    } finally {
      await store.close();
    }

    // A re-run embeds nothing: every id is already imported.
    seen.length = 0;
    c = capture();
    expect(await adaptCommand(['import', '--site', 'news', '--db', db.url, file], c.io, { scorer: counting(seen) })).toBe(0);
    expect(c.out.stdout).toMatch(/imported 0 decision\(s\).*6 already imported/);
    expect(seen).toEqual([]);
  });
});
