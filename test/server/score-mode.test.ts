/**
 * `POST /v1/score`'s `mode` (issue 29): an accurate server (the shipped heads, scoring in a pool
 * thread, which loads the encoder once for this file) serves fast and accurate per request, the
 * fast path giving what a fast server gives; a fast server answers a request for accurate with
 * 400 MOD_ERR_MODE_UNAVAILABLE saying how to enable it; any other value is a validation error;
 * without `mode` nothing changes. A site's adapter applies to accurate requests only.
 */
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { poolScorer } from '../../src/server/scoring';
import { createScorer, createScorerPool, SCORER_MODES, type Scorer, type ScorerPool } from '../../src/scorer';
import { ownIndex, rowLength } from '../../src/adapt/features';
import { makeTestDb, type TestDb } from '../queue/helpers';
import type { QueueStore } from '../../src/queue';

let pool: ScorerPool;
let accurate: Scorer;
let fast: Scorer;
beforeAll(async () => {
  pool = createScorerPool({ threads: 1, scorer: { mode: 'accurate' } });
  accurate = poolScorer(pool, await pool.ready(), undefined, Infinity, await pool.modeInfos());
  fast = await createScorer();
}, 180_000);
afterAll(async () => {
  fast?.dispose();
  await pool?.close();
});

const deps = (scorer: Scorer, store?: QueueStore): AppDeps => ({ scorer: { current: scorer }, config: configFromEnv({}), store });
const accurateApp = () => createApp(deps(accurate));
const fastApp = () => createApp(deps(fast));

// A thread with an article (so off-topic is scored too) and comments on both sides of the line.
const body = {
  article: { title: 'Council approves the new harbour footbridge', body: 'The footbridge will link the two quays by 2027.' },
  comments: [
    { id: 'a', text: 'You are a stupid idiot and nobody likes you.' },
    { id: 'b', text: 'Thanks for the clear article about the new footbridge.', parentId: 'a' },
    { id: 'c', text: 'Who won the match last night?' },
    { id: 'd', text: 'This council is full of corrupt clowns, shut up.' },
  ],
};

describe('POST /v1/score mode on an accurate server', () => {
  it('/readyz lists every mode the server serves; the fast server only fast', async () => {
    const a = await request(accurateApp()).get('/readyz').expect(200);
    expect(a.body.model).toMatchObject({ mode: 'accurate', modes: [...SCORER_MODES] });
    const f = await request(fastApp()).get('/readyz').expect(200);
    expect(f.body.model).toMatchObject({ mode: 'fast', modes: ['fast'] });
  });

  it('mode "fast" scores as a fast server does (same model, same results) and says so', async () => {
    const viaAccurate = await request(accurateApp()).post('/v1/score').send({ ...body, mode: 'fast' }).expect(200);
    const viaFast = await request(fastApp()).post('/v1/score').send(body).expect(200);
    expect(viaAccurate.body.model).toEqual(viaFast.body.model);
    expect(viaAccurate.body.model.mode).toBe('fast');
    expect(viaAccurate.body.results).toEqual(viaFast.body.results);
  });

  it('mode "accurate" is the default: the heads score, and differ from fast', async () => {
    const none = await request(accurateApp()).post('/v1/score').send(body).expect(200);
    const asked = await request(accurateApp()).post('/v1/score').send({ ...body, mode: 'accurate' }).expect(200);
    expect(asked.body).toEqual(none.body);
    expect(asked.body.model).toMatchObject({ mode: 'accurate', name: accurate.info.name });
    const f = await request(accurateApp()).post('/v1/score').send({ ...body, mode: 'fast' }).expect(200);
    const tox = (r: request.Response) => r.body.results.map((x: { toxicity: number }) => x.toxicity);
    expect(tox(asked)).not.toEqual(tox(f));
  });
});

describe('POST /v1/score mode on a fast server', () => {
  it('"accurate" is 400 MOD_ERR_MODE_UNAVAILABLE, saying how to start the server in accurate mode', async () => {
    const r = await request(fastApp()).post('/v1/score').send({ ...body, mode: 'accurate' }).expect(400);
    expect(r.body.error.code).toBe('MOD_ERR_MODE_UNAVAILABLE');
    expect(r.body.error.message).toMatch(/MODERATO_MODE=accurate/);
    expect(r.body.error.message).toMatch(/serve --mode accurate/);
    expect(r.body.error.details).toEqual({ mode: 'accurate', available: ['fast'] });
  });

  it('"fast" is the default, unchanged', async () => {
    const none = await request(fastApp()).post('/v1/score').send(body).expect(200);
    const asked = await request(fastApp()).post('/v1/score').send({ ...body, mode: 'fast' }).expect(200);
    expect(asked.body).toEqual(none.body);
  });

  it.each([['turbo'], ['FAST'], [''], [3], [null], [['fast']]])('mode %j is 400 MOD_ERR_VALIDATION at mode', async (mode) => {
    const r = await request(fastApp()).post('/v1/score').send({ ...body, mode }).expect(400);
    expect(r.body.error.code).toBe('MOD_ERR_VALIDATION');
    expect(r.body.error.details.map((i: { path: unknown }) => i.path)).toEqual([['mode']]);
  });
});

describe('POST /v1/score mode with a site adapter', () => {
  let db: TestDb;
  let store: QueueStore;
  beforeAll(async () => {
    db = makeTestDb('sqlite');
    store = await db.open();
    // A hand-set adapter that raises every toxicity (the base's own logit + 2): visibly applied or not.
    const w = new Array(rowLength('toxicity')).fill(0);
    w[ownIndex('toxicity')] = 1;
    const report = { decisions: 100, positives: 50, auc: {}, activated: true, margin: 0.01, suggestedThreshold: null, curve: [] };
    await store.saveAdapter({ siteId: 'news', heads: { toxicity: { w, b: 2 } }, report }, { activate: true });
  });
  afterAll(async () => {
    await store?.close();
    await db?.destroy();
  });

  it('an accurate request applies it; a fast one scores as a fast server, adapter null', async () => {
    const d = deps(accurate, store);
    try {
      const adapted = await request(createApp(d)).post('/v1/score').send({ ...body, siteId: 'news' }).expect(200);
      expect(adapted.body.results.map((x: { adapter: unknown }) => x.adapter)).toEqual(body.comments.map(() => ({ siteId: 'news', version: 1 })));
      const f = await request(createApp(d)).post('/v1/score').send({ ...body, siteId: 'news', mode: 'fast' }).expect(200);
      const viaFast = await request(fastApp()).post('/v1/score').send(body).expect(200);
      expect(f.body.model.mode).toBe('fast');
      expect(f.body.results.map((x: { adapter: unknown }) => x.adapter)).toEqual(body.comments.map(() => null));
      expect(f.body.results).toEqual(viaFast.body.results);
    } finally {
      await d.adaptation?.close();
    }
  });
});
