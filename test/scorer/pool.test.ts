import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer, createScorerPool, ScorerPoolFullError, type Scorer, type ScorerPool } from '../../src/scorer';
import type { ScoreRequest } from '../../src/types';

const FIX = path.join(__dirname, '..', 'fixtures');
const harbour = JSON.parse(fs.readFileSync(path.join(FIX, 'harbour-thread.json'), 'utf8')) as ScoreRequest;

// Independent comments with emoji, combining marks and obfuscations, so spans must line up too.
const singles = [
  'you are a stupid 1d10t',
  'Thanks for the clear write-up 🙂, very helpful.',
  'What a m o r o n, honestly',
  'Cafe\u0301 owners deserve better than this f*cking council',
  '',
  'I disagree with the second point but the data is interesting.',
].map((text, i) => ({ id: `s${i}`, text }));

const requests: ScoreRequest[] = [
  harbour,
  { comments: singles, independent: true },
  { comments: singles.slice(0, 3), independent: true, article: harbour.article },
  { comments: harbour.comments.slice(3), context: harbour.comments.slice(0, 3), article: harbour.article },
];

describe('createScorerPool', () => {
  let scorer: Scorer;
  let pool: ScorerPool;
  beforeAll(async () => {
    scorer = await createScorer();
    pool = createScorerPool({ threads: 2 });
    await pool.ready();
  });
  afterAll(async () => {
    scorer.dispose();
    await pool.close();
  });

  it('gives the same results as in-process scoring, for threads, singles, articles and context', async () => {
    const expected = await Promise.all(requests.map((r) => scorer.score(r)));
    expect(await pool.scoreMany(requests)).toEqual(expected);
    // One request per task, many in flight on both threads: still the same, in order.
    expect(await Promise.all(requests.map((r) => pool.score(r)))).toEqual(expected);
    expect((await pool.scoreJsonl(requests)).map((s) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(expected);
  });

  it('reports the model identity and thresholds of the in-process scorer', async () => {
    const info = await pool.ready();
    expect(info.name).toBe(scorer.info.name);
    expect(info.thresholds).toEqual(scorer.info.thresholds);
  });

  it('a fast pool serves fast alone: a task asking for it scores as one without a mode, one asking for accurate is MOD_ERR_MODE_UNAVAILABLE', async () => {
    const info = await pool.ready();
    expect(info.modes).toEqual(['fast']);
    expect(await pool.modeInfos()).toEqual({ fast: scorer.info });
    expect(await pool.scoreMany(requests.slice(0, 2), 'fast')).toEqual(await pool.scoreMany(requests.slice(0, 2)));
    await expect(pool.score(harbour, 'accurate')).rejects.toMatchObject({ name: 'ModeratoError', code: 'MOD_ERR_MODE_UNAVAILABLE', details: { mode: 'accurate', available: ['fast'] } });
    await expect(pool.scoreJsonl([harbour], 'accurate')).rejects.toMatchObject({ code: 'MOD_ERR_MODE_UNAVAILABLE' });
  });

  it('an empty batch is answered without a thread', async () => {
    expect(await pool.scoreMany([])).toEqual([]);
    expect(await pool.score({ comments: [] })).toEqual([]);
  });
});

describe('createScorerPool limits and failures', () => {
  it('rejects with ScorerPoolFullError once its queue is full, and the accepted tasks still finish', async () => {
    const pool = createScorerPool({ threads: 1, maxQueue: 1 });
    try {
      await pool.ready();
      const req: ScoreRequest = { comments: Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, text: `comment number ${i} about the harbour bridge` })), independent: true };
      const settled = await Promise.allSettled([pool.score(req), pool.score(req), pool.score(req), pool.score(req)]);
      const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(ScorerPoolFullError);
      const done = settled.filter((s) => s.status === 'fulfilled') as PromiseFulfilledResult<unknown[]>[];
      expect(done.length).toBe(2); // one running, one waiting
      for (const d of done) expect(d.value).toHaveLength(200);
    } finally {
      await pool.close();
    }
  });

  it('a missing model directory surfaces as MOD_ERR_MODEL from ready(), not a crashed thread', async () => {
    const pool = createScorerPool({ threads: 1, scorer: { modelDir: path.join(os.tmpdir(), 'moderato-no-such-model') } });
    try {
      await expect(pool.ready()).rejects.toMatchObject({ name: 'ModeratoError', code: 'MOD_ERR_MODEL' });
      await expect(pool.score({ comments: [{ id: 'a', text: 'x' }] })).rejects.toMatchObject({ code: 'MOD_ERR_MODEL' });
    } finally {
      await pool.close();
    }
  });
});
