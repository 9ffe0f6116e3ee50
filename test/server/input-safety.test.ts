/**
 * Regressions for the 500s found by fuzzing a running server, and the edge checks that stop them:
 * over-deep JSON and lone surrogates answer 400 naming the field on every route, before anything
 * is scored or stored.
 */
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { unsafeJsonIssues } from '../../src/server/input-safety';
import { createScorer, type Scorer } from '../../src/scorer';
import { openStore, type QueueStore } from '../../src/queue';

let scorer: Scorer;
let store: QueueStore;
let deps: AppDeps;
let ingestKey: string;
beforeAll(async () => {
  scorer = await createScorer();
  store = await openStore('sqlite::memory:');
  ingestKey = (await store.createApiKey({ role: 'ingest', name: 'site' })).key;
  deps = { scorer: { current: scorer }, config: configFromEnv({}), store };
}, 120_000);
afterAll(async () => {
  scorer?.dispose();
  await store?.close();
});
const app = () => createApp(deps);

/** `{"x":{"x":...}}` nested `depth` deep. */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { x: v };
  return v;
}

describe('unsafeJsonIssues', () => {
  it.each([
    ['emoji and combining marks', { text: '😀 e\u0301 café' }],
    ['a surrogate pair', ['\ud83d\ude00']],
    ['nesting at the limit', nested(15)],
  ])('accepts %s', (_what, value) => {
    expect(unsafeJsonIssues(value)).toEqual([]);
  });

  it('names the path of each lone surrogate, high or low, in values and keys', () => {
    const issues = unsafeJsonIssues({ comments: [{ id: 'ok' }, { id: 'lone-\ud800' }], t: 'x\udc00', ['k\ud800']: 1 });
    expect(issues.map((i) => [i.path.join('.'), i.code]).sort()).toEqual([
      ['comments.1.id', 'lone_surrogate'],
      ['k\ufffd', 'lone_surrogate'],
      ['t', 'lone_surrogate'],
    ]);
  });

  it('stops at the depth limit without recursing (100,000 deep)', () => {
    const issues = unsafeJsonIssues(nested(100_000));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.code).toBe('too_deep');
  });
});

describe('regression: the 500s of POST /v1/comments', () => {
  it('an unknown field nested 5,000 deep answers 400 and stores nothing (was RangeError in JSON.stringify, after scoring)', async () => {
    const res = await request(app()).post('/v1/comments').set('Authorization', `Bearer ${ingestKey}`)
      .set('Content-Type', 'application/json')
      // Built as text: superagent's own JSON.stringify cannot serialise 5,000 levels either.
      .send(`{"id":"deep-1","text":"hello there","extra":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`).expect(400);
    expect(res.body.error.code).toBe('MOD_ERR_VALIDATION');
    expect(res.body.error.details[0]).toMatchObject({ code: 'too_deep' });
    expect(await store.getComment('deep-1')).toBeNull();
  });

  it('an id holding a lone surrogate answers 400 naming the field and stores nothing (was committed, then 500, then unreachable)', async () => {
    const res = await request(app()).post('/v1/comments').set('Authorization', `Bearer ${ingestKey}`)
      .send({ comments: [{ id: 'lone-\ud800', text: 'hello' }] }).expect(400);
    expect(res.body.error.details[0]).toMatchObject({ path: ['comments', 0, 'id'], code: 'lone_surrogate' });
    expect((await store.stats()).total).toBe(0);
  });

  it.each([
    ['/v1/score', { comments: [{ id: 'a', text: 'broken \udfff half' }] }, ['comments', 0, 'text']],
    ['/v1alpha1/comments:analyze', { comment: { text: 'broken \ud800' }, requestedAttributes: { TOXICITY: {} } }, ['comment', 'text']],
  ])('a lone surrogate in a text answers 400 on %s (a stored span would no longer slice back)', async (path, body, field) => {
    const res = await request(app()).post(path).send(body).expect(400);
    const text = JSON.stringify(res.body);
    expect(text).toContain(path.startsWith('/v1alpha1') ? field.join('.') : JSON.stringify(field));
  });
});

describe('request errors answer JSON', () => {
  it('an empty body with a JSON content type is a 400 with the registry shape', async () => {
    const res = await request(app()).post('/v1/score').set('Content-Type', 'application/json').send('').expect(400);
    expect(res.body.error.code).toBe('MOD_ERR_VALIDATION');
  });

  it('a path that cannot be decoded is a 400 in JSON', async () => {
    const res = await request(app()).get('/v1/comments/%E0%A4%A').set('Authorization', `Bearer ${ingestKey}`).expect(400);
    expect(res.body.error.code).toBe('MOD_ERR_VALIDATION');
  });
});
