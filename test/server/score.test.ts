import request from 'supertest';
import * as tf from '@tensorflow/tfjs';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { LIMITS } from '../../src/limits';
import { createScorer, type Scorer } from '../../src/scorer';
import { CATEGORIES } from '../../src/types';

let scorer: Scorer;
let deps: AppDeps;

beforeAll(async () => {
  scorer = await createScorer();
  deps = { scorer: { current: scorer }, config: configFromEnv({}) };
});
afterAll(() => scorer.dispose());

const app = () => createApp(deps);

describe('POST /v1/score', () => {
  it('scores comments in input order with spans that slice back to the text', async () => {
    const comments = [
      { id: 'c1', text: 'Thanks, this is a helpful article about the new footbridge.' },
      { id: 'c2', text: '😀 You are a stupid idiot and a pathetic loser.' },
      { id: 'c3', text: 'Shut up, moron.' },
    ];
    const res = await request(app()).post('/v1/score').send({ comments }).expect(200);
    expect(res.body.model).toMatchObject({ name: expect.any(String), version: expect.any(String), backend: expect.any(String) });
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual(['c1', 'c2', 'c3']);
    for (const [i, r] of (res.body.results as Array<Record<string, any>>).entries()) {
      expect(r.toxicity).toBeGreaterThanOrEqual(0);
      expect(r.toxicity).toBeLessThanOrEqual(1);
      expect(Object.keys(r.categories).sort()).toEqual([...CATEGORIES].sort());
      for (const s of r.spans) {
        expect(comments[i].text.slice(s.start, s.end)).toBe(s.text);
        expect(CATEGORIES).toContain(s.type);
      }
    }
    const [clean, insult] = res.body.results;
    // Three unrelated comments form one flat thread, so off-topic may flag them; toxicity must not.
    expect(clean.reasons.filter((r: { code: string }) => r.code === 'toxicity' || r.code === 'category')).toEqual([]);
    expect(clean.spans).toEqual([]);
    expect(insult.flagged).toBe(true);
    expect(insult.toxicity).toBeGreaterThan(clean.toxicity);
    expect(insult.spans.map((s: { text: string }) => s.text.toLowerCase()).join(' ')).toMatch(/idiot/);
    expect(insult.reasons[0]).toMatchObject({ code: expect.stringMatching(/toxicity|category/) });
  });

  it('gives offTopic only with context: null for a lone comment, a number with an article', async () => {
    const lone = await request(app()).post('/v1/score').send({ comments: [{ id: 'x', text: 'The bridge opens in 2028.' }] }).expect(200);
    expect(lone.body.results[0].offTopic).toBeNull();
    const withArticle = await request(app())
      .post('/v1/score')
      .send({ article: { title: 'Footbridge approved', body: 'The council approved a footbridge over the harbour.' }, comments: [{ id: 'x', text: 'The bridge opens in 2028.' }] })
      .expect(200);
    expect(typeof withArticle.body.results[0].offTopic).toBe('number');
  });

  it('does not leak tensors', async () => {
    await request(app()).post('/v1/score').send({ comments: [{ id: 'w', text: 'warm up, you idiot' }] });
    const before = tf.memory().numTensors;
    await request(app()).post('/v1/score').send({ comments: [{ id: 'a', text: 'You idiot.' }, { id: 'b', text: 'Fine.' }] }).expect(200);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad input gets a 4xx with the error body, never a 500', () => {
  const bigText = 'a'.repeat(LIMITS.maxTextLength + 1);
  it.each([
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"comments": ['), 400, 'MOD_ERR_MALFORMED_JSON'],
    ['wrong content type', (r: request.Test) => r.set('Content-Type', 'text/plain').send('hello'), 415, 'MOD_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['missing comments', (r: request.Test) => r.send({}), 400, 'MOD_ERR_VALIDATION'],
    ['missing text', (r: request.Test) => r.send({ comments: [{ id: 'a' }] }), 400, 'MOD_ERR_VALIDATION'],
    ['text of the wrong type', (r: request.Test) => r.send({ comments: [{ id: 'a', text: 42 }] }), 400, 'MOD_ERR_VALIDATION'],
    ['empty comment list', (r: request.Test) => r.send({ comments: [] }), 400, 'MOD_ERR_VALIDATION'],
    ['too many comments', (r: request.Test) => r.send({ comments: Array.from({ length: LIMITS.maxComments + 1 }, (_, i) => ({ id: `c${i}`, text: 'hi' })) }), 400, 'MOD_ERR_VALIDATION'],
    ['too long a comment', (r: request.Test) => r.send({ comments: [{ id: 'a', text: bigText }] }), 400, 'MOD_ERR_VALIDATION'],
    ['duplicate ids', (r: request.Test) => r.send({ comments: [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }] }), 400, 'MOD_ERR_VALIDATION'],
    ['a JSON array body', (r: request.Test) => r.send([1, 2]), 400, 'MOD_ERR_VALIDATION'],
    ['a JSON null body', (r: request.Test) => r.set('Content-Type', 'application/json').send('null'), 400, 'MOD_ERR_VALIDATION'],
    ['an oversized body', (r: request.Test) => r.set('Content-Type', 'application/json').send(JSON.stringify({ comments: [{ id: 'a', text: 'x'.repeat(LIMITS.maxBodyBytes) }] })), 413, 'MOD_ERR_PAYLOAD_TOO_LARGE'],
  ])('%s', async (_name, build, status, code) => {
    const res = await build(request(app()).post('/v1/score'));
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
    expect(res.body.error).toHaveProperty('details');
  });

  it('lists each validation issue with its path and code', async () => {
    const res = await request(app()).post('/v1/score').send({ comments: [{ id: '', text: 1 }] }).expect(400);
    const paths = res.body.error.details.map((d: { path: unknown[] }) => d.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['comments.0.id', 'comments.0.text']));
    for (const d of res.body.error.details) expect(typeof d.code).toBe('string');
  });

  it('answers unknown routes with 404 in the error form', async () => {
    const res = await request(app()).get('/v1/nope').expect(404);
    expect(res.body.error.code).toBe('MOD_ERR_NOT_FOUND');
  });
});

describe('health', () => {
  it('GET /healthz is always 200', async () => {
    await request(app()).get('/healthz').expect(200, { status: 'ok' });
  });
  it('GET /readyz is 503 until the model is loaded, then 200', async () => {
    const loading: AppDeps = { scorer: { current: null }, config: configFromEnv({}) };
    const notReady = await request(createApp(loading)).get('/readyz').expect(503);
    expect(notReady.body.error.code).toBe('MOD_ERR_NOT_READY');
    const scoreWhileLoading = await request(createApp(loading)).post('/v1/score').send({ comments: [{ id: 'a', text: 'hi' }] }).expect(503);
    expect(scoreWhileLoading.body.error.code).toBe('MOD_ERR_NOT_READY');
    const ready = await request(app()).get('/readyz').expect(200);
    expect(ready.body.status).toBe('ready');
  });
});
