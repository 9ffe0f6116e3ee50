/**
 * The moderator page's server side in-process (supertest) on SQLite and PostgreSQL: sign-in for a
 * session cookie (HttpOnly, SameSite=Strict, expiring), CSRF on cookie writes, sign-out and
 * revocation, the CSP, the item context, activity stats and the policy preview.
 */
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { CONTENT_SECURITY_POLICY } from '../../src/server/csp';
import { createScorer, type Scorer } from '../../src/scorer';
import type { QueueStore } from '../../src/queue';
import { HOLD_ALL, HOLD_NONE, KINDS, makeTestDb, type TestDb } from '../queue/helpers';

let scorer: Scorer;
beforeAll(async () => {
  scorer = await createScorer();
}, 120_000);
afterAll(() => scorer?.dispose());


describe.each(KINDS)('moderator page API on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore;
  let deps: AppDeps;
  let keys: Record<'ingest' | 'mod' | 'admin', { key: string; id: string }>;
  const app = () => createApp(deps);
  const bearer = (k: keyof typeof keys) => ({ Authorization: `Bearer ${keys[k].key}` });

  /** Signs in and answers the cookie header to send back and the CSRF token. */
  async function signIn(k: keyof typeof keys): Promise<{ cookie: string; csrf: string; setCookie: string }> {
    const res = await request(app()).post('/v1/session').send({ key: keys[k].key }).expect(201);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!;
    return { cookie: setCookie.split(';')[0]!, csrf: res.body.csrfToken, setCookie };
  }

  beforeEach(async () => {
    db = makeTestDb(kind);
    store = await db.open();
    deps = { scorer: { current: scorer }, config: { ...configFromEnv({}), leaseSeconds: 60, sessionHours: 2 }, store };
    const mk = async (role: 'ingest' | 'moderator' | 'admin', name: string) => {
      const k = await store.createApiKey({ role, name });
      return { key: k.key, id: k.id };
    };
    keys = { ingest: await mk('ingest', 'site'), mod: await mk('moderator', 'alice'), admin: await mk('admin', 'root') };
  });
  afterEach(async () => {
    await store?.close();
    await db?.destroy();
  });

  it('trades a moderator key for an HttpOnly, SameSite=Strict, expiring cookie that authenticates reads', async () => {
    const before = Date.now();
    const { cookie, csrf, setCookie } = await signIn('mod');
    expect(setCookie).toMatch(/^moderato_session=[A-Za-z0-9_-]{40,}; /);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]!);
    expect(expires).toBeGreaterThan(before + 2 * 3600_000 - 5000);
    expect(expires).toBeLessThan(before + 2 * 3600_000 + 5000);
    expect(setCookie).not.toContain(keys.mod.key);
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    const me = await request(app()).get('/v1/session').set('Cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ signedIn: true, key: { id: keys.mod.id, name: 'alice', role: 'moderator' }, csrfToken: csrf });
    await request(app()).get('/v1/queue').set('Cookie', cookie).expect(200);
  });

  it('regression: GET /v1/session before sign-in answers 200 {signedIn:false}, not a 401 (a console error on every first load of the page)', async () => {
    const res = await request(app()).get('/v1/session').expect(200);
    expect(res.body).toEqual({ signedIn: false });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    // A cookie that no longer signs in is an answer too, and is cleared.
    const stale = await request(app()).get('/v1/session').set('Cookie', 'moderato_session=' + 'x'.repeat(43)).expect(200);
    expect(stale.body).toEqual({ signedIn: false });
    expect(([] as string[]).concat(stale.headers['set-cookie'])[0]).toMatch(/^moderato_session=; .*Expires=Thu, 01 Jan 1970/);
  });

  it.each([
    ['a wrong key', { key: 'mod_nope' }, 401, 'MOD_ERR_UNAUTHORIZED'],
    ['no key', {}, 400, 'MOD_ERR_VALIDATION'],
  ])('refuses sign-in with %s', async (_what, body, status, code) => {
    const res = await request(app()).post('/v1/session').send(body).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses sign-in for an ingest key and from another origin', async () => {
    expect((await request(app()).post('/v1/session').send({ key: keys.ingest.key }).expect(403)).body.error.code).toBe('MOD_ERR_FORBIDDEN');
    expect((await request(app()).post('/v1/session').set('Origin', 'https://evil.example').send({ key: keys.mod.key }).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
  });

  it('needs the CSRF token (and the same origin) for every write made with the cookie; bearer keys need none', async () => {
    await request(app()).put('/v1/policy').set(bearer('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    await request(app()).post('/v1/comments').set(bearer('ingest')).send({ id: 'c1', text: 'You are an idiot.' }).expect(201);
    const { cookie, csrf } = await signIn('mod');
    const decide = () => request(app()).post('/v1/comments/c1/decision').set('Cookie', cookie);
    expect((await decide().send({ action: 'reject' }).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
    expect((await decide().set('X-CSRF-Token', 'f'.repeat(64)).send({ action: 'reject' }).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
    expect((await decide().set('X-CSRF-Token', csrf).set('Origin', 'https://evil.example').send({ action: 'reject' }).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
    expect((await request(app()).post('/v1/queue/claim').set('Cookie', cookie).send({}).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
    expect((await store.getComment('c1'))!.decisions).toHaveLength(0);
    const ok = await decide().set('X-CSRF-Token', csrf).send({ action: 'reject', note: 'insult' }).expect(200);
    expect(ok.body.decision).toMatchObject({ action: 'reject', moderator: 'alice', moderatorId: keys.mod.id });
  });

  it('keeps the roles: a moderator session cannot change the policy', async () => {
    const { cookie, csrf } = await signIn('mod');
    expect((await request(app()).put('/v1/policy').set('Cookie', cookie).set('X-CSRF-Token', csrf).send({ thresholds: {} }).expect(403)).body.error.code).toBe('MOD_ERR_FORBIDDEN');
  });

  it('ends the session on sign-out and when its key is revoked', async () => {
    const a = await signIn('mod');
    const b = await signIn('mod');
    expect((await request(app()).delete('/v1/session').set('Cookie', a.cookie).expect(403)).body.error.code).toBe('MOD_ERR_CSRF');
    const out = await request(app()).delete('/v1/session').set('Cookie', a.cookie).set('X-CSRF-Token', a.csrf).expect(200);
    expect(out.body).toEqual({ signedOut: true });
    expect(([] as string[]).concat(out.headers['set-cookie'])[0]).toMatch(/^moderato_session=; .*Expires=Thu, 01 Jan 1970/);
    expect((await request(app()).get('/v1/queue').set('Cookie', a.cookie).expect(401)).body.error.code).toBe('MOD_ERR_UNAUTHORIZED');
    await request(app()).get('/v1/queue').set('Cookie', b.cookie).expect(200);
    await store.revokeApiKey(keys.mod.id);
    expect((await request(app()).get('/v1/session').set('Cookie', b.cookie).expect(200)).body).toEqual({ signedIn: false });
    await request(app()).get('/v1/queue').set('Cookie', b.cookie).expect(401);
  });

  it('expires sessions; the lifetime is configured in hours, at least 1', async () => {
    const { cookie } = await signIn('mod');
    await store.createSession({ tokenHash: 'x'.repeat(64), keyId: keys.mod.id, expiresAt: new Date(Date.now() - 1000) });
    expect(await store.findSession('x'.repeat(64))).toBeNull();
    await request(app()).get('/v1/session').set('Cookie', cookie).expect(200);
    expect(() => configFromEnv({ MODERATO_SESSION_HOURS: '0' })).toThrow(/MODERATO_SESSION_HOURS must be at least 1/);
    expect(configFromEnv({}).sessionHours).toBe(8);
  });

  it('sends the strict CSP on the page and the API', async () => {
    for (const path of ['/', '/moderate', '/v1/queue', '/healthz']) {
      const res = await request(app()).get(path);
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe/);
    expect((await request(app()).get('/').expect(200)).text).toContain('href="/moderate"');
  });

  it('regression: serves /favicon.ico (the SVG) instead of a 404, a console error on the first load', async () => {
    const text = (r: NodeJS.ReadableStream, cb: (e: Error | null, body: string) => void) => {
      let s = '';
      r.on('data', (c) => (s += c));
      r.on('end', () => cb(null, s));
    };
    const res = await request(app()).get('/favicon.ico').buffer(true).parse(text as never).expect(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.body).toContain('<svg');
    expect((await request(app()).get('/').expect(200)).text).toContain('rel="icon"');
  });

  it('answers an item with its parent and the author\'s other comments in the thread', async () => {
    await request(app()).put('/v1/policy').set(bearer('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    await request(app()).post('/v1/comments').set(bearer('ingest')).send({ comments: [
      { id: 'p', text: 'The bridge is a good idea.', threadId: 't', author: 'kim' },
      { id: 'r', text: 'You are an idiot.', threadId: 't', parentId: 'p', author: 'troll' },
      { id: 'r2', text: 'Idiots everywhere.', threadId: 't', author: 'troll' },
      { id: 'o', text: 'Other thread.', threadId: 'u', author: 'troll' },
    ] }).expect(201);
    const ctx = (await request(app()).get('/v1/comments/r/context').set(bearer('mod')).expect(200)).body;
    expect(ctx.parent.id).toBe('p');
    expect(ctx.authorComments.map((c: { id: string }) => c.id)).toEqual(['r2']);
    expect((await request(app()).get('/v1/comments/nope/context').set(bearer('mod')).expect(404)).body.error.code).toBe('MOD_ERR_NOT_FOUND');
    await request(app()).get('/v1/comments/r/context').set(bearer('ingest')).expect(403);
  });

  it('counts held and decided comments over time by category, and decisions per moderator', async () => {
    await request(app()).put('/v1/policy').set(bearer('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    await request(app()).post('/v1/comments').set(bearer('ingest')).send({ comments: [{ id: 'a', text: 'You idiot.' }, { id: 'b', text: 'Shut up, moron.' }, { id: 'c', text: 'Nice.' }] }).expect(201);
    await request(app()).post('/v1/comments/a/decision').set(bearer('mod')).send({ action: 'reject' }).expect(200);
    await request(app()).post('/v1/comments/b/decision').set(bearer('admin')).send({ action: 'approve' }).expect(200);
    await request(app()).post('/v1/comments/c/decision').set(bearer('mod')).send({ action: 'escalate' }).expect(200);
    const act = (await request(app()).get('/v1/stats/activity?hours=2&bucketMinutes=60').set(bearer('mod')).expect(200)).body;
    const sum = (f: 'held' | 'decided') => act.buckets.reduce((s: number, b: Record<string, Record<string, number>>) => s + Object.values(b[f]!).reduce((x, y) => x + y, 0), 0);
    expect(sum('held')).toBe(3);
    expect(sum('decided')).toBe(3);
    for (const b of act.buckets) expect(Date.parse(b.start) % 3600_000).toBe(0);
    expect(act.moderators).toEqual([
      { moderatorId: keys.mod.id, moderator: 'alice', approve: 0, reject: 1, escalate: 1, total: 2 },
      { moderatorId: keys.admin.id, moderator: 'root', approve: 1, reject: 0, escalate: 0, total: 1 },
    ]);
    const empty = (await request(app()).get('/v1/stats/activity?hours=1').set(bearer('mod')).expect(200)).body;
    expect(empty.bucketSeconds).toBe(3600);
    expect((await request(app()).get('/v1/stats/activity?hours=2000&bucketMinutes=1').set(bearer('mod')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    expect((await request(app()).get('/v1/stats/activity?days=1').set(bearer('mod')).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
  });

  it('previews what a policy would hold and release without saving it', async () => {
    await request(app()).put('/v1/policy').set(bearer('admin')).send({ thresholds: HOLD_ALL }).expect(200);
    await request(app()).post('/v1/comments').set(bearer('ingest')).send({ comments: [{ id: 'h1', text: 'You idiot.', siteId: 's1' }, { id: 'h2', text: 'Lovely bridge.', siteId: 's2' }] }).expect(201);
    await request(app()).put('/v1/policy').set(bearer('admin')).send({ thresholds: HOLD_NONE }).expect(200);
    await request(app()).post('/v1/comments').set(bearer('ingest')).send({ id: 'p1', text: 'Shut up, moron.', siteId: 's1' }).expect(201);
    const version = (await request(app()).get('/v1/policy').set(bearer('mod'))).body.version;
    const none = (await request(app()).post('/v1/policy/preview').set(bearer('admin')).send({ thresholds: HOLD_NONE }).expect(200)).body;
    expect(none).toMatchObject({ pending: { scanned: 2, hold: 0, release: 2 }, published: { scanned: 1, hold: 0, keep: 1 }, truncated: false });
    const all = (await request(app()).post('/v1/policy/preview').set(bearer('admin')).send({ thresholds: HOLD_ALL }).expect(200)).body;
    expect(all).toMatchObject({ pending: { hold: 2, release: 0 }, published: { hold: 1, keep: 0 } });
    // Scopes apply: holding everything on site s1 only.
    const site = (await request(app()).post('/v1/policy/preview').set(bearer('admin')).send({ thresholds: HOLD_NONE, sites: { s1: { thresholds: HOLD_ALL } } }).expect(200)).body;
    expect(site).toMatchObject({ pending: { hold: 1, release: 1 }, published: { hold: 1 } });
    expect((await request(app()).get('/v1/policy').set(bearer('mod'))).body.version).toBe(version);
    expect((await request(app()).post('/v1/policy/preview').set(bearer('admin')).send({ thresholds: { insult: 2 } }).expect(400)).body.error.code).toBe('MOD_ERR_VALIDATION');
    await request(app()).post('/v1/policy/preview').set(bearer('mod')).send({ thresholds: {} }).expect(403);
  });
});
