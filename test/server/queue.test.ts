/**
 * The queue HTTP API in-process (supertest) with the real scorer, on SQLite and PostgreSQL:
 * auth and roles, ingest with policy, idempotent retries, listing, claiming, decisions, lookups,
 * stats, run-time policy changes with their audit trail, and the optional key on /v1/score.
 */
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { createScorer, type Scorer } from '../../src/scorer';
import type { QueueStore } from '../../src/queue';
import { HOLD_ALL, HOLD_NONE, KINDS, makeTestDb, type TestDb } from '../queue/helpers';

let scorer: Scorer;
beforeAll(async () => {
  scorer = await createScorer();
}, 120_000);
afterAll(() => scorer?.dispose());


describe.each(KINDS)('queue HTTP API on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore;
  let deps: AppDeps;
  let keys: Record<'ingest' | 'mod1' | 'mod2' | 'admin', string>;
  const app = () => createApp(deps);
  const auth = (k: keyof typeof keys) => ({ Authorization: `Bearer ${keys[k]}` });

  beforeEach(async () => {
    db = makeTestDb(kind);
    store = await db.open();
    deps = { scorer: { current: scorer }, config: { ...configFromEnv({}), leaseSeconds: 60 }, store };
    keys = {
      ingest: (await store.createApiKey({ role: 'ingest', name: 'site' })).key,
      mod1: (await store.createApiKey({ role: 'moderator', name: 'mod1' })).key,
      mod2: (await store.createApiKey({ role: 'moderator', name: 'mod2' })).key,
      admin: (await store.createApiKey({ role: 'admin', name: 'root' })).key,
    };
  });
  afterEach(async () => {
    await store?.close();
    await db?.destroy();
  });

  it('answers 401 without a valid key and 403 for the wrong role; admin passes every role', async () => {
    const none = await request(app()).get('/v1/queue').expect(401);
    expect(none.body.error.code).toBe('MOD_ERR_UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await request(app()).get('/v1/queue').set('Authorization', 'Bearer mod_nope').expect(401)).body.error.code).toBe('MOD_ERR_UNAUTHORIZED');
    expect((await request(app()).get('/v1/queue').set('Authorization', 'Basic abc').expect(401)).body.error.code).toBe('MOD_ERR_UNAUTHORIZED');
    expect((await request(app()).get('/v1/queue').set(auth('ingest')).expect(403)).body.error).toMatchObject({ code: 'MOD_ERR_FORBIDDEN', details: { role: 'ingest' } });
    await request(app()).post('/v1/comments').set(auth('mod1')).send({ id: 'x', text: 'hello' }).expect(403);
    await request(app()).put('/v1/policy').set(auth('mod1')).send({ thresholds: {} }).expect(403);
    await request(app()).get('/v1/queue').set(auth('admin')).expect(200);
    await request(app()).post('/v1/comments').set(auth('admin')).send({ id: 'x', text: 'hello' }).expect(201);
  });

  it('regression: a NUL character in a comment is a 400 on PostgreSQL (was a 500 from the driver) and stored as sent on SQLite', async () => {
    const res = await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'nul', text: 'a\u0000b', note: 'x\u0000' });
    if (kind === 'postgres') {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MOD_ERR_VALIDATION');
      expect(res.body.error.message).toMatch(/NUL/);
    } else {
      expect(res.status).toBe(201);
      expect((await store.getComment('nul'))?.text).toBe('a\u0000b');
    }
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'ok', text: 'hello' }).expect(201);
  });

  it('holds the toxic comment and publishes the clean one under the scorer thresholds, keeping extra fields', async () => {
    // Off-topic holds are left out here (tested below): this is about toxicity alone.
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: { offTopic: null } }).expect(200);
    const res = await request(app())
      .post('/v1/comments')
      .set(auth('ingest'))
      .send({
        article: { title: 'Footbridge approved', body: 'The council approved a footbridge over the harbour.' },
        comments: [
          { id: 'good', text: 'Thanks, this is a helpful article about the new footbridge.', threadId: 't1', author: 'ann', url: 'https://example.com/1' },
          { id: 'bad', text: 'You are a stupid idiot and a pathetic loser.', threadId: 't1', parentId: 'good', author: 'bob' },
        ],
      })
      .expect(201);
    expect(res.body.items.map((i: { id: string; status: string; created: boolean }) => [i.id, i.status, i.created])).toEqual([['good', 'published', true], ['bad', 'pending', true]]);
    const bad = (await request(app()).get('/v1/comments/bad').set(auth('mod1')).expect(200)).body;
    expect(bad).toMatchObject({ id: 'bad', status: 'pending', parentId: 'good', threadId: 't1', author: 'bob', decisions: [] });
    expect(bad.category).not.toBeNull();
    expect(bad.scores.toxicity).toBeGreaterThan(0.5);
    expect(bad.spans.length).toBeGreaterThan(0);
    for (const s of bad.spans) expect(bad.text.slice(s.start, s.end)).toBe(s.text);
    // The stored scores are the scorer's, as /v1/score answers them.
    const direct = (await request(app()).post('/v1/score').send({ comments: [{ id: 'bad', text: bad.text }] }).expect(200)).body.results[0];
    expect(bad.scores.toxicity).toBeCloseTo(direct.toxicity, 5);
    const good = (await request(app()).get('/v1/comments/good').set(auth('ingest')).expect(200)).body;
    expect(good).toMatchObject({ status: 'published', category: null, metadata: { url: 'https://example.com/1' }, article: { title: 'Footbridge approved' } });
  });

  it('is idempotent on the client id: a retry answers 200 with the stored status and never duplicates', async () => {
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    const first = await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'c1', text: 'First try.' }).expect(201);
    await request(app()).post('/v1/comments/c1/decision').set(auth('mod1')).send({ action: 'reject' }).expect(200);
    const retry = await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'c1', text: 'First try.' }).expect(200);
    expect(first.body.items[0]).toMatchObject({ id: 'c1', created: true, status: 'pending' });
    expect(retry.body.items[0]).toMatchObject({ id: 'c1', created: false, status: 'rejected' });
    const mixed = await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments: [{ id: 'c1', text: 'First try.' }, { id: 'c2', text: 'New.' }] }).expect(201);
    expect(mixed.body.items.map((i: { created: boolean }) => i.created)).toEqual([false, true]);
    expect((await request(app()).get('/v1/stats').set(auth('mod1')).expect(200)).body.total).toBe(2);
  });

  it('scores a lone reply in the context of its stored thread and article', async () => {
    const article = { title: 'Harbour footbridge approved', body: 'The council approved a new footbridge over the harbour for cyclists and walkers.' };
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ article, comments: [{ id: 'r0', text: 'The footbridge will help cyclists cross the harbour.', threadId: 'fb' }] }).expect(201);
    const reply = (await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'r1', text: 'Great, the bridge over the harbour is overdue.', threadId: 'fb', parentId: 'r0' }).expect(201)).body.items[0];
    const solo = (await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 's1', text: 'Great, the bridge over the harbour is overdue.' }).expect(201)).body.items[0];
    // Without a thread or article there is no context; in its thread it gets the stored article.
    expect(solo.scores.offTopic).toBeNull();
    expect(typeof reply.scores.offTopic).toBe('number');
    expect((await request(app()).get('/v1/comments/r1').set(auth('ingest'))).body.article).toBeNull();
  });

  it('sorts the queue by the off-topic score, which items carry apart from their toxicity score', async () => {
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    const article = { title: 'Harbour footbridge approved', body: 'The council approved a new footbridge over the harbour for cyclists and walkers.' };
    const comments = [
      { id: 'h0', text: 'The footbridge will help cyclists and walkers cross the harbour.', threadId: 'hb' },
      { id: 'h1', text: 'My cat sleeps on the sofa all day and ignores the dog lol', threadId: 'hb' },
      { id: 'h2', text: 'A harbour footbridge for walkers is overdue, the council got this right.', threadId: 'hb' },
    ];
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ article, comments }).expect(201);
    const items = (await request(app()).get('/v1/queue?sort=offTopic').set(auth('mod1')).expect(200)).body.items;
    expect(items[0].id).toBe('h1');
    for (const c of items) expect(c.offTopic).toBe(c.scores.offTopic);
    for (let i = 1; i < items.length; i++) expect(items[i - 1].offTopic).toBeGreaterThanOrEqual(items[i].offTopic);
    const cut = items[0].offTopic;
    expect((await request(app()).get(`/v1/queue?minOffTopic=${cut}`).set(auth('mod1')).expect(200)).body.items.map((c: { id: string }) => c.id)).toEqual(['h1']);
    expect((await request(app()).get('/v1/queue?minOffTopic=2').set(auth('mod1')).expect(400)).body.error.details[0].path).toEqual(['minOffTopic']);
  });

  it('scores a reply with its stored parent even when the parent is older than the recent thread context', async () => {
    const article = { title: 'Harbour footbridge approved', body: 'The council approved a new footbridge over the harbour.' };
    const first = [{ id: 'p0', text: 'Will the footbridge over the harbour be open at night?', threadId: 'long' }];
    const later = Array.from({ length: 8 }, (_, i) => ({ id: `p${i + 1}`, text: `Comment ${i + 1} about the council budget.`, threadId: 'long' }));
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ article, comments: [...first, ...later] }).expect(201);
    const reply = { id: 'p9', text: 'Yes, it stays open at night.', threadId: 'long', parentId: 'p0' };
    const viaHttp = (await request(app()).post('/v1/comments').set(auth('ingest')).send(reply).expect(201)).body.items[0];
    // The same scorer, given the parent explicitly, agrees: the parent was in the context.
    const direct = await scorer.score({ article, comments: [first[0]!, ...later.slice(-5), reply] });
    expect(viaHttp.scores.offTopic).toBeCloseTo(direct[direct.length - 1]!.offTopic!, 4);
  });

  it('answers retries while the model is loading, and 503 for new comments', async () => {
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'k1', text: 'Stored before.' }).expect(201);
    deps.scorer = { current: null };
    expect((await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'k1', text: 'Stored before.' }).expect(200)).body.items[0]).toMatchObject({ id: 'k1', created: false });
    expect((await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments: [{ id: 'k1', text: 'Stored before.' }, { id: 'k2', text: 'y' }] }).expect(503)).body.error.code).toBe('MOD_ERR_NOT_READY');
    expect(await store.getComment('k2')).toBeNull();
  });

  it('rejects invalid bodies and queries with the issues listed', async () => {
    const r = await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments: [{ id: 'a' }, { id: 'b', text: 7 }] }).expect(400);
    expect(r.body.error.code).toBe('MOD_ERR_VALIDATION');
    expect(r.body.error.details.map((d: { path: unknown[] }) => d.path)).toEqual([['comments', 0, 'text'], ['comments', 1, 'text']]);
    const dup = await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments: [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }] }).expect(400);
    expect(dup.body.error.details.map((d: { path: unknown[] }) => d.path)).toEqual([['comments', 1, 'id']]);
    expect((await request(app()).post('/v1/comments').set(auth('ingest')).send({ text: 'no id' }).expect(400)).body.error.details[0].path).toEqual(['id']);
    expect((await request(app()).get('/v1/queue?sort=random').set(auth('mod1')).expect(400)).body.error.details[0].path).toEqual(['sort']);
    expect((await request(app()).get('/v1/queue?colour=red').set(auth('mod1')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    expect((await request(app()).get('/v1/queue?cursor=xyz').set(auth('mod1')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    await request(app()).post('/v1/queue/claim').set(auth('mod1')).send({ limit: 0 }).expect(400);
    await request(app()).post('/v1/comments/x/decision').set(auth('mod1')).send({ action: 'delete' }).expect(400);
  });

  it('lists, claims disjointly, decides with idempotency and conflicts, and records the history', async () => {
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_ALL, threads: { calm: { thresholds: HOLD_NONE } } }).expect(200);
    const comments = Array.from({ length: 8 }, (_, i) => ({ id: `q${i}`, text: i % 2 ? `You idiot number ${i}.` : `Nice point number ${i}.`, threadId: i === 7 ? 'calm' : 'hot' }));
    await request(app()).post('/v1/comments').set(auth('ingest')).send({ comments }).expect(201);

    const page1 = (await request(app()).get('/v1/queue?sort=score&limit=4').set(auth('mod1')).expect(200)).body;
    expect(page1.items).toHaveLength(4);
    const page2 = (await request(app()).get(`/v1/queue?sort=score&limit=4&cursor=${page1.nextCursor}`).set(auth('mod1')).expect(200)).body;
    expect(page2.nextCursor).toBeNull();
    const listed = [...page1.items, ...page2.items];
    expect(listed.map((c: { id: string }) => c.id).sort()).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
    for (let i = 1; i < listed.length; i++) expect(listed[i - 1].score).toBeGreaterThanOrEqual(listed[i].score);
    expect((await request(app()).get('/v1/queue?status=published').set(auth('mod1'))).body.items.map((c: { id: string }) => c.id)).toEqual(['q7']);
    expect((await request(app()).get('/v1/queue?status=all&thread=calm').set(auth('mod1'))).body.items.map((c: { id: string }) => c.id)).toEqual(['q7']);
    expect((await request(app()).get('/v1/queue?threadId=calm').set(auth('mod1'))).body.items).toEqual([]);
    const minScore = listed[2].score;
    const high = (await request(app()).get(`/v1/queue?minScore=${minScore}`).set(auth('mod1'))).body.items;
    expect(high.every((c: { score: number }) => c.score >= minScore)).toBe(true);
    expect(high.length).toBeGreaterThanOrEqual(3);

    const a = (await request(app()).post('/v1/queue/claim').set(auth('mod1')).send({ limit: 4 }).expect(200)).body;
    const b = (await request(app()).post('/v1/queue/claim').set(auth('mod2')).send({ limit: 10 }).expect(200)).body;
    expect(a.items.map((c: { id: string }) => c.id)).toEqual(['q0', 'q1', 'q2', 'q3']);
    expect(b.items.map((c: { id: string }) => c.id)).toEqual(['q4', 'q5', 'q6']);
    expect(a.items[0].lease).toMatchObject({ moderator: 'mod1' });
    expect((await request(app()).post('/v1/queue/claim').set(auth('mod2')).send({}).expect(200)).body.items).toEqual([]);

    // mod2 cannot decide what mod1 holds.
    expect((await request(app()).post('/v1/comments/q0/decision').set(auth('mod2')).send({ action: 'approve' }).expect(409)).body.error.details.reason).toBe('leased');
    const d1 = await request(app()).post('/v1/comments/q1/decision').set(auth('mod1')).set('Idempotency-Key', 'k-1').send({ action: 'reject', note: 'insult' }).expect(200);
    expect(d1.body).toMatchObject({ replayed: false, comment: { id: 'q1', status: 'rejected' }, decision: { action: 'reject', note: 'insult', moderator: 'mod1' } });
    const again = await request(app()).post('/v1/comments/q1/decision').set(auth('mod1')).set('Idempotency-Key', 'k-1').send({ action: 'reject', note: 'insult' }).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.decision.id).toBe(d1.body.decision.id);
    const conflict = await request(app()).post('/v1/comments/q1/decision').set(auth('mod2')).send({ action: 'approve' }).expect(409);
    expect(conflict.body.error).toMatchObject({ code: 'MOD_ERR_CONFLICT', details: { reason: 'already_decided', status: 'rejected' } });
    await request(app()).post('/v1/comments/q1/decision').set(auth('mod1')).set('Idempotency-Key', 'k-1').send({ action: 'approve' }).expect(409);
    await request(app()).post('/v1/comments/nope/decision').set(auth('mod1')).send({ action: 'approve' }).expect(404);

    await request(app()).post('/v1/comments/q3/decision').set(auth('mod1')).send({ action: 'escalate', note: 'legal?' }).expect(200);
    expect((await request(app()).post('/v1/queue/claim').set(auth('admin')).send({ status: 'escalated' }).expect(200)).body.items.map((c: { id: string }) => c.id)).toEqual(['q3']);
    await request(app()).post('/v1/comments/q3/decision').set(auth('admin')).send({ action: 'approve', redactedText: 'You ***** number 3.' }).expect(200);
    const q3 = (await request(app()).get('/v1/comments/q3').set(auth('mod2')).expect(200)).body;
    expect(q3).toMatchObject({ status: 'approved', redactedText: 'You ***** number 3.', lease: null });
    expect(q3.decisions.map((d: { action: string; moderator: string; fromStatus: string; toStatus: string }) => [d.action, d.moderator, d.fromStatus, d.toStatus])).toEqual([
      ['escalate', 'mod1', 'pending', 'escalated'],
      ['approve', 'root', 'escalated', 'approved'],
    ]);
    expect(await request(app()).post('/v1/queue/release').set(auth('mod1')).send({}).expect(200)).toMatchObject({ body: { released: 2 } });

    const stats = (await request(app()).get('/v1/stats').set(auth('mod1')).expect(200)).body;
    expect(stats).toMatchObject({ total: 8, byStatus: { published: 1, pending: 5, approved: 1, rejected: 1, escalated: 0 } });
    const heldByCategory = Object.values(stats.byCategory as Record<string, { total: number }>).reduce((n, c) => n + c.total, 0);
    expect(heldByCategory).toBe(7);
  });

  it('changes the policy at run time for later comments, per thread, with who and when in the history', async () => {
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_NONE }).expect(200);
    expect((await request(app()).post('/v1/comments').set(auth('ingest')).send({ id: 'p1', text: 'You are a stupid idiot.' }).expect(201)).body.items[0].status).toBe('published');
    await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: HOLD_NONE, threads: { strict: { thresholds: HOLD_ALL } }, sites: { s1: { thresholds: { toxicity: 0 } } } }).expect(200);
    const r = await request(app()).post('/v1/comments').set(auth('ingest')).send({
      comments: [
        { id: 'p2', text: 'Lovely weather.', threadId: 'strict' },
        { id: 'p3', text: 'Lovely weather.', threadId: 'other' },
        { id: 'p4', text: 'Lovely weather.', siteId: 's1' },
      ],
    });
    expect(r.body.items.map((i: { status: string }) => i.status)).toEqual(['pending', 'published', 'pending']);
    expect((await request(app()).get('/v1/comments/p2').set(auth('mod1'))).body.policyVersion).toBe(2);
    expect((await request(app()).put('/v1/policy').set(auth('admin')).send({ thresholds: { insult: 2 } }).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    const hist = (await request(app()).get('/v1/policy/history').set(auth('admin')).expect(200)).body.items;
    expect(hist).toHaveLength(2);
    expect(hist[0]).toMatchObject({ version: 2, source: 'api', changedBy: expect.stringMatching(/^root \(key_/) });
    expect(Date.parse(hist[0].changedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await request(app()).get('/v1/policy').set(auth('mod1')).expect(200)).body.version).toBe(2);
  });

  it('asks for a key on /v1/score only when configured', async () => {
    const body = { comments: [{ id: 'a', text: 'hello' }] };
    await request(app()).post('/v1/score').send(body).expect(200);
    deps.config.scoreRequiresKey = true;
    expect((await request(app()).post('/v1/score').send(body).expect(401)).body.error.code).toBe('MOD_ERR_UNAUTHORIZED');
    await request(app()).post('/v1/score').set(auth('ingest')).send(body).expect(200);
    await request(app()).post('/v1/score').set(auth('mod2')).send(body).expect(200);
  });
});
