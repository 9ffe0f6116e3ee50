/**
 * Site adaptation over HTTP, in-process with the real accurate scorer (identity heads over the
 * shipped model and the packaged encoder, loaded once), on SQLite and PostgreSQL: siteId on
 * /v1/score picks the site's adapter and every result names it; ingest stores the features a
 * refit learns from and queues the audit sample; decisions with a category are labels; refits
 * after N decisions; the admin routes (list, fit, activate/roll back) and their errors; metrics;
 * the event loop stays free while a fit runs.
 */
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { createScorer, type Scorer } from '../../src/scorer';
import type { QueueStore } from '../../src/queue';
import { HOLD_NONE, KINDS, importSimulated, makeTestDb, type TestDb } from '../queue/helpers';
import { LEXICAL_TOPIC_DIR, writeIdentityHeads } from '../heads';

let scorer: Scorer;
let heads: ReturnType<typeof writeIdentityHeads>;
beforeAll(async () => {
  heads = writeIdentityHeads();
  scorer = await createScorer({ modelDir: heads.dir, topicDir: LEXICAL_TOPIC_DIR });
}, 120_000);
afterAll(() => {
  scorer?.dispose();
  heads?.remove();
});


describe.each(KINDS)('site adaptation HTTP on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore;
  let deps: AppDeps;
  let keys: Record<'ingest' | 'mod' | 'admin', string>;
  const app = () => createApp(deps);
  const auth = (k: keyof typeof keys) => ({ Authorization: `Bearer ${keys[k]}` });

  beforeEach(async () => {
    db = makeTestDb(kind);
    store = await db.open();
    deps = { scorer: { current: scorer }, config: { ...configFromEnv({}), refitEvery: 24 }, store };
    keys = {
      ingest: (await store.createApiKey({ role: 'ingest', name: 'site' })).key,
      mod: (await store.createApiKey({ role: 'moderator', name: 'mod' })).key,
      admin: (await store.createApiKey({ role: 'admin', name: 'root' })).key,
    };
  });
  afterEach(async () => {
    await deps?.adaptation?.close();
    await store?.close();
    await db?.destroy();
  });

  it("scores /v1/score with the siteId's active adapter and names it; other sites get null; rollback shows at once", async () => {
    const comments = [{ id: 'a', text: 'You are a stupid idiot.' }, { id: 'b', text: 'Thanks for the article.' }];
    let r = await request(app()).post('/v1/score').send({ siteId: 'news', comments }).expect(200);
    expect(r.body.results.map((x: { adapter: unknown }) => x.adapter)).toEqual([null, null]);
    expect(r.body.results[0].features).toBeUndefined();
    await importSimulated(store, 'news', 150);
    const fit = await request(app()).post('/v1/adapt/sites/news/fit').set(auth('admin')).expect(200);
    expect(fit.body).toMatchObject({ activated: true, version: { siteId: 'news', version: 1, active: true, report: { decisions: 150, positives: 50 } } });
    r = await request(app()).post('/v1/score').send({ siteId: 'news', comments }).expect(200);
    expect(r.body.results.map((x: { adapter: unknown }) => x.adapter)).toEqual([{ siteId: 'news', version: 1 }, { siteId: 'news', version: 1 }]);
    const other = await request(app()).post('/v1/score').send({ comments }).expect(200);
    expect(other.body.results[0].adapter).toBeNull();
    // Perspective's communityId is the site.
    const p = await request(app()).post('/v1alpha1/comments:analyze').send({ comment: { text: 'You are a stupid idiot.' }, requestedAttributes: { TOXICITY: {} }, communityId: 'news' }).expect(200);
    expect(p.body.adapter).toEqual({ siteId: 'news', version: 1 });
    await request(app()).post('/v1/adapt/sites/news/activate').set(auth('admin')).send({ version: null }).expect(200);
    r = await request(app()).post('/v1/score').send({ siteId: 'news', comments }).expect(200);
    expect(r.body.results[0].adapter).toBeNull();
  });

  it.each([
    ['empty', { siteId: '' }],
    ['201 characters', { siteId: 'x'.repeat(201) }],
    ['a number', { siteId: 7 }],
    ['NUL inside', { siteId: 'a\u0000b' }],
  ])('answers a bad siteId on /v1/score (%s) with 400 MOD_ERR_VALIDATION naming it', async (_what, extra) => {
    const r = await request(app()).post('/v1/score').send({ comments: [{ id: 'a', text: 'hi' }], ...extra }).expect(400);
    expect(r.body.error.code).toBe('MOD_ERR_VALIDATION');
    expect(r.body.error.details.map((d: { path: unknown[] }) => d.path[0])).toContain('siteId');
  });

  it('stores features at ingest, queues the audit sample marked audit, and makes decisions (with category) labels that trigger the refit after N', async () => {
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_NONE, auditShare: 1 }).expect(200);
    const texts = ['You are an idiot.', 'Great piece, thank you.', 'Shut up, moron.', 'I disagree with the mayor on this.'];
    const comments = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, text: `${texts[i % 4]} (${i})`, siteId: 'forum' }));
    const ing = await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments }).expect(201);
    expect(ing.body.items[0]).toMatchObject({ status: 'pending', audit: true, category: null, adapter: null });
    const listed = await request(app()).get('/v1/queue?siteId=forum&limit=5').set(auth('mod')).expect(200);
    expect(listed.body.items[0].audit).toBe(true);
    await request(app()).post('/v1/comments/c0/decision').set(auth('mod')).send({ action: 'reject', category: 'nonsense' }).expect(400);
    await request(app()).post('/v1/comments/c0/decision').set(auth('mod')).send({ action: 'escalate' }).expect(200);
    expect(await store.siteLabelCount('forum')).toBe(0);
    for (let i = 0; i < 24; i++) {
      const action = i % 2 === 0 ? 'reject' : 'approve';
      await request(app()).post(`/v1/comments/c${i}/decision`).set(auth('mod')).send(action === 'reject' ? { action, category: 'insult' } : { action }).expect(200);
    }
    expect((await store.siteExamples('forum')).filter((e) => e.category === 'insult')).toHaveLength(12);
    // The 24th label made the refit due: it runs after the answer, in its own thread.
    await deps.adaptation!.idle();
    const site = await request(app()).get('/v1/adapt/sites/forum').set(auth('admin')).expect(200);
    expect(site.body).toMatchObject({ siteId: 'forum', labels: 24, refitEvery: 24 });
    expect(site.body.versions).toHaveLength(1);
    expect(site.body.versions[0]).toMatchObject({ version: 1, createdBy: 'auto', report: { decisions: 24 } });
    const metrics = (await request(app()).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/moderato_adapter_fits_total\{outcome="(activated|kept)"\} 1/);
  });

  it('lists sites and versions, rolls back to any version, and answers the admin routes\' errors as JSON', async () => {
    await importSimulated(store, 'news', 120, 1);
    await request(app()).post('/v1/adapt/sites/news/fit').set(auth('admin')).expect(200);
    await importSimulated(store, 'news', 150, 2);
    await request(app()).post('/v1/adapt/sites/news/fit').set(auth('admin')).expect(200);
    const sites = await request(app()).get('/v1/adapt/sites').set(auth('admin')).expect(200);
    // The second import adds ids 120..149; the first 120 were already there.
    expect(sites.body.items).toEqual([{ siteId: 'news', labels: 150, activeVersion: 2, versions: 2 }]);
    const back = await request(app()).post('/v1/adapt/sites/news/activate').set(auth('admin')).send({ version: 1 }).expect(200);
    expect(back.body.active).toMatchObject({ version: 1, active: true });
    const site = await request(app()).get('/v1/adapt/sites/news').set(auth('admin')).expect(200);
    expect(site.body.activeVersion).toBe(1);
    expect(site.body.versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[2, false], [1, true]]);
    expect((await request(app()).post('/v1/adapt/sites/news/activate').set(auth('admin')).send({ version: 9 }).expect(404)).body.error.code).toBe('MOD_ERR_NOT_FOUND');
    expect((await request(app()).post('/v1/adapt/sites/news/activate').set(auth('admin')).send({ version: 'x' }).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    expect((await request(app()).post('/v1/adapt/sites/empty/fit').set(auth('admin')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    expect((await request(app()).get('/v1/adapt/sites').set(auth('mod')).expect(403)).body.error.code).toBe('MOD_ERR_FORBIDDEN');
    await request(app()).post('/v1/adapt/sites/news/fit').expect(401);
    // A path segment escapes the body checks: NUL (PostgreSQL refuses it) and a lone surrogate are 400s, not 500s.
    expect((await request(app()).get('/v1/adapt/sites/a%00b').set(auth('admin')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    expect((await request(app()).get('/v1/adapt/sites/%ED%A0%80').set(auth('admin'))).status).toBe(400);
    const metrics = (await request(app()).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/moderato_adapter_activations_total\{reason="manual"\} 1/);
  });

  it('keeps the event loop free while a fit runs in its thread', async () => {
    await importSimulated(store, 'big', 3000);
    const fit = request(app()).post('/v1/adapt/sites/big/fit').set(auth('admin'));
    const done = fit.then((r) => r);
    const lags: number[] = [];
    let finished = false;
    void done.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 100));
    while (!finished) {
      const t = Date.now();
      await request(app()).get('/healthz').expect(200);
      lags.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await done).status).toBe(200);
    expect(lags.length).toBeGreaterThan(3);
    lags.sort((a, b) => a - b);
    expect(lags[Math.floor(lags.length / 2)]!).toBeLessThan(100);
  });
});

describe('MODERATO_MODE', () => {
  it('reads fast or accurate (unset: the model decides) and refuses anything else', () => {
    expect(configFromEnv({ MODERATO_MODE: 'accurate' }).scorerMode).toBe('accurate');
    expect(configFromEnv({ MODERATO_MODE: 'fast' }).scorerMode).toBe('fast');
    expect(configFromEnv({}).scorerMode).toBeUndefined();
    expect(() => configFromEnv({ MODERATO_MODE: 'turbo' })).toThrow(/MODERATO_MODE must be one of fast, accurate, cascade/);
  });
});
