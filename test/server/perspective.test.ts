/**
 * The Perspective-compatible endpoints against the real scorer and a real SQLite queue store,
 * replaying request shapes from Perspective's documentation, Coral Talk and Jigsaw's Moderator
 * (test/perspective/fixtures) and checking Moderato's answers carry every documented field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { createScorer, type Scorer } from '../../src/scorer';
import { openStore, type QueueStore } from '../../src/queue';
import { fixture, shapeMismatches } from '../perspective/shape';

let scorer: Scorer;
let store: QueueStore;
let key: string;
let dir: string;
let dbPath: string;

beforeAll(async () => {
  scorer = await createScorer();
  dir = mkdtempSync(path.join(tmpdir(), 'moderato-persp-'));
  dbPath = path.join(dir, 'queue.db');
  store = await openStore(`sqlite:${dbPath}`);
  key = (await store.createApiKey({ role: 'ingest', name: 'coral' })).key;
});
afterAll(async () => {
  scorer?.dispose();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(over: Partial<AppDeps> = {}, config: Record<string, string> = {}): AppDeps {
  return { scorer: { current: scorer }, config: configFromEnv(config), store, ...over };
}
const app = (over: Partial<AppDeps> = {}, config: Record<string, string> = {}) => createApp(deps(over, config));

function feedbackRows(): { comment_text: string; attribute_scores: string; client_token: string | null; source: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT comment_text, attribute_scores, client_token, source FROM feedback ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

/** Checks a Google-style error body and answers its Moderato code (the ErrorInfo reason). */
function googleError(body: any, status: number, statusName: string): string {
  expect(shapeMismatches(body, fixture('google-error-example').documentedError)).toEqual([]);
  expect(body.error.code).toBe(status);
  expect(body.error.status).toBe(statusName);
  expect(body.error.details[0]['@type']).toBe('type.googleapis.com/google.rpc.ErrorInfo');
  return body.error.details[0].reason;
}

describe('POST /v1alpha1/comments:analyze', () => {
  it("answers Coral Talk's request with the documented response fields", async () => {
    const { request: body } = fixture('coral-analyze');
    const res = await request(app()).post(`/v1alpha1/comments:analyze?key=${key}`).send(body).expect(200);
    const documented = fixture('docs-analyze-response-schema').documentedResponse;
    // Coral sends no clientToken and no spanAnnotations: those two fields are not expected back.
    const { clientToken: _t, ...withoutToken } = documented;
    const expected = { ...withoutToken, attributeScores: { TOXICITY: { summaryScore: documented.attributeScores.TOXICITY.summaryScore } } };
    expect(shapeMismatches(res.body, expected)).toEqual([]);
    // What Coral reads: result.data.attributeScores[model].summaryScore.value, compared with 0.8.
    const score = res.body.attributeScores.TOXICITY.summaryScore.value;
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThanOrEqual(1);
    expect(res.body.attributeScores.TOXICITY.spanScores).toBeUndefined();
    expect(res.body.languages).toEqual(['en']);
    expect(res.body.detectedLanguages).toEqual(['en']);
  });

  it('scores a clean comment low and an insult higher', async () => {
    const ask = (text: string) =>
      request(app()).post('/v1alpha1/comments:analyze').send({ comment: { text }, requestedAttributes: { TOXICITY: {}, INSULT: {} } }).expect(200);
    const clean = (await ask('Thanks for the clear explanation of the budget.')).body.attributeScores;
    const rude = (await ask('You are a pathetic moron.')).body.attributeScores;
    expect(clean.TOXICITY.summaryScore.value).toBeLessThan(0.5);
    expect(rude.TOXICITY.summaryScore.value).toBeGreaterThan(clean.TOXICITY.summaryScore.value);
    expect(rude.INSULT.summaryScore.value).toBeGreaterThan(clean.INSULT.summaryScore.value);
  });

  it("answers Jigsaw Moderator's request (context entries, span annotations) with word-level spans", async () => {
    const { request: body } = fixture('moderator-analyze');
    const res = await request(app()).post('/v1alpha1/comments:analyze').send(body).expect(200);
    expect(shapeMismatches(res.body, fixture('docs-analyze-response-schema').documentedResponse)).toEqual([]);
    expect(Object.keys(res.body.attributeScores)).toEqual(['TOXICITY', 'INSULT', 'SEVERE_TOXICITY', 'OFF_TOPIC']);
    expect(res.body.clientToken).toBe('OsmodAssistantV0_request42');
    const text: string = body.comment.text;
    const spans = res.body.attributeScores.TOXICITY.spanScores as { begin: number; end: number; score: { value: number; type: string } }[];
    expect(spans.map((s) => text.slice(s.begin, s.end).toLowerCase())).toContain('idiot');
    for (const s of spans) {
      // Word level: each span is one word, not a sentence.
      expect(text.slice(s.begin, s.end)).toMatch(/^\S+$/);
      expect(s.score.type).toBe('PROBABILITY');
    }
    const t = res.body.attributeScores.TOXICITY.summaryScore.value;
    expect(res.body.attributeScores.SEVERE_TOXICITY.summaryScore.value).toBeLessThanOrEqual(t);
    // OFF_TOPIC is judged against the article and parent; it has no span scores.
    expect(typeof res.body.attributeScores.OFF_TOPIC.summaryScore.value).toBe('number');
    expect(res.body.attributeScores.OFF_TOPIC.spanScores).toBeUndefined();
  });

  it('answers span offsets in UTF-16 by default and in code points on request', async () => {
    const text = '😀😀 Shut up, you stupid idiot.';
    const ask = (extra: object) =>
      request(app()).post('/v1alpha1/comments:analyze').send({ comment: { text }, requestedAttributes: { TOXICITY: {} }, spanAnnotations: true, ...extra }).expect(200);
    const utf16 = (await ask({})).body.attributeScores.TOXICITY.spanScores as { begin: number; end: number }[];
    const cps = (await ask({ spanOffsetUnit: 'CODE_POINT' })).body.attributeScores.TOXICITY.spanScores as { begin: number; end: number }[];
    expect(utf16.length).toBeGreaterThan(0);
    const chars = Array.from(text);
    expect(cps.map((s) => chars.slice(s.begin, s.end).join(''))).toEqual(utf16.map((s) => text.slice(s.begin, s.end)));
    // Two emoji before the words: code point offsets are 2 less than UTF-16 ones.
    expect(cps.map((s) => s.begin + 2)).toEqual(utf16.map((s) => s.begin));
  });

  it('stores nothing, whatever doNotStore says', async () => {
    const before = { feedback: feedbackRows().length, stats: await store.stats() };
    await request(app()).post(`/v1alpha1/comments:analyze?key=${key}`).send({ ...fixture('coral-analyze').request, doNotStore: false }).expect(200);
    expect(feedbackRows().length).toBe(before.feedback);
    expect((await store.stats()).total).toBe(before.stats.total);
  });

  it('leaves out an attribute whose scores fall below its scoreThreshold', async () => {
    const res = await request(app())
      .post('/v1alpha1/comments:analyze')
      .send({ comment: { text: 'Lovely weather for the parade.' }, requestedAttributes: { TOXICITY: { scoreThreshold: 1 }, INSULT: { scoreThreshold: 0 } } })
      .expect(200);
    expect(Object.keys(res.body.attributeScores)).toEqual(['INSULT']);
  });

  it("answers Perspective's documented example 400 naming UNSUBSTANTIAL, and drops it on request", async () => {
    const { request: body } = fixture('docs-analyze-example');
    const res = await request(app()).post('/v1alpha1/comments:analyze').send(body).expect(400);
    expect(googleError(res.body, 400, 'INVALID_ARGUMENT')).toBe('MOD_ERR_UNKNOWN_ATTRIBUTE');
    expect(res.body.error.message).toContain('UNSUBSTANTIAL');
    const dropped = await request(app()).post('/v1alpha1/comments:analyze').send({ ...body, dropUnsupportedAttributes: true }).expect(200);
    expect(Object.keys(dropped.body.attributeScores)).toEqual(['TOXICITY']);
  });

  it.each([
    ['a requested language', { languages: ['es'] }, 'Eres un idiota', 'es'],
    ['a detected script', {}, 'Ты идиот', 'und-Cyrl'],
  ])('answers 400 naming an unsupported language (%s)', async (_what, extra, text, named) => {
    const res = await request(app())
      .post('/v1alpha1/comments:analyze')
      .send({ comment: { text }, requestedAttributes: { TOXICITY: {} }, ...extra })
      .expect(400);
    expect(googleError(res.body, 400, 'INVALID_ARGUMENT')).toBe('MOD_ERR_UNSUPPORTED_LANGUAGE');
    expect(res.body.error.message).toContain(`does not support request languages: ${named}`);
  });

  it.each([
    ['OFF_TOPIC without context', (r: request.Test) => r.send({ comment: { text: 'hi' }, requestedAttributes: { OFF_TOPIC: {} } }), 400, 'MOD_ERR_VALIDATION'],
    ['a missing comment', (r: request.Test) => r.send({ requestedAttributes: { TOXICITY: {} } }), 400, 'MOD_ERR_VALIDATION'],
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"comment": '), 400, 'MOD_ERR_MALFORMED_JSON'],
    ['a text body', (r: request.Test) => r.set('Content-Type', 'text/plain').send('hello'), 415, 'MOD_ERR_UNSUPPORTED_MEDIA_TYPE'],
  ])('answers %s in Google\'s error shape', async (_what, build, status, code) => {
    const res = await build(request(app()).post('/v1alpha1/comments:analyze')).expect(status);
    expect(googleError(res.body, status, 'INVALID_ARGUMENT')).toBe(code);
  });

  it('matches the colon literally (and percent-encoded), nothing else', async () => {
    const body = { comment: { text: 'hello' }, requestedAttributes: { TOXICITY: {} } };
    await request(app()).post('/v1alpha1/comments%3Aanalyze').send(body).expect(200);
    const near = await request(app()).post('/v1alpha1/comments:analyzer').send(body).expect(404);
    expect(googleError(near.body, 404, 'NOT_FOUND')).toBe('MOD_ERR_NOT_FOUND');
    const slash = await request(app()).post('/v1alpha1/comments/analyze').send(body).expect(404);
    expect(googleError(slash.body, 404, 'NOT_FOUND')).toBe('MOD_ERR_NOT_FOUND');
    const get = await request(app()).get('/v1alpha1/comments:analyze').expect(405);
    expect(googleError(get.body, 405, 'UNIMPLEMENTED')).toBe('MOD_ERR_METHOD_NOT_ALLOWED');
  });

  it('answers 503 UNAVAILABLE while the model loads', async () => {
    const res = await request(app({ scorer: { current: null } }))
      .post('/v1alpha1/comments:analyze')
      .send({ comment: { text: 'hi' }, requestedAttributes: { TOXICITY: {} } })
      .expect(503);
    expect(googleError(res.body, 503, 'UNAVAILABLE')).toBe('MOD_ERR_NOT_READY');
  });

  it('leaves the other routes in Moderato\'s own error shape', async () => {
    const res = await request(app()).post('/v1/score').set('Content-Type', 'application/json').send('{"comments": ').expect(400);
    expect(res.body.error.code).toBe('MOD_ERR_MALFORMED_JSON');
  });
});

describe('API keys when MODERATO_SCORE_REQUIRES_KEY is on', () => {
  const body = { comment: { text: 'hello there' }, requestedAttributes: { TOXICITY: {} } };
  const locked = () => app({}, { MODERATO_SCORE_REQUIRES_KEY: 'true' });

  it('answers 401 UNAUTHENTICATED without a key or with an unknown one', async () => {
    for (const url of ['/v1alpha1/comments:analyze', '/v1alpha1/comments:analyze?key=mod_not_a_key']) {
      const res = await request(locked()).post(url).send(body).expect(401);
      expect(googleError(res.body, 401, 'UNAUTHENTICATED')).toBe('MOD_ERR_UNAUTHORIZED');
    }
  });

  it('accepts the key as ?key= (Perspective) and as a bearer header (Moderato)', async () => {
    await request(locked()).post(`/v1alpha1/comments:analyze?key=${key}`).send(body).expect(200);
    await request(locked()).post('/v1alpha1/comments:analyze').set('Authorization', `Bearer ${key}`).send(body).expect(200);
  });
});

describe('POST /v1alpha1/comments:suggestscore', () => {
  it("stores Coral Talk's moderation feedback and answers the documented response", async () => {
    const fx = fixture('coral-suggestscore');
    const before = feedbackRows().length;
    const res = await request(app()).post(`/v1alpha1/comments:suggestscore?key=${key}`).send(fx.request).expect(200);
    expect(shapeMismatches(res.body, fx.documentedResponse)).toEqual([]);
    expect(res.body).toEqual({ clientToken: 'comment:c-123', stored: true });
    const rows = feedbackRows();
    expect(rows.length).toBe(before + 1);
    expect(rows[rows.length - 1]).toEqual({
      comment_text: fx.request.comment.text,
      attribute_scores: JSON.stringify({ TOXICITY: 1 }),
      client_token: 'comment:c-123',
      source: 'perspective:suggestscore',
    });
  });

  it("answers Perspective's documented example", async () => {
    const fx = fixture('docs-suggestscore-example');
    const res = await request(app()).post(`/v1alpha1/comments:suggestscore?key=${key}`).send(fx.request).expect(200);
    expect(shapeMismatches(res.body, fx.documentedResponse)).toEqual([]);
    expect(res.body.clientToken).toBe('comment-53922');
  });

  it('stores nothing for doNotStore: true', async () => {
    const before = feedbackRows().length;
    const res = await request(app())
      .post(`/v1alpha1/comments:suggestscore?key=${key}`)
      .send({ ...fixture('coral-suggestscore').request, doNotStore: true })
      .expect(200);
    expect(res.body.stored).toBe(false);
    expect(feedbackRows().length).toBe(before);
  });

  it('needs a key when there is a store', async () => {
    const res = await request(app()).post('/v1alpha1/comments:suggestscore').send(fixture('coral-suggestscore').request).expect(401);
    expect(googleError(res.body, 401, 'UNAUTHENTICATED')).toBe('MOD_ERR_UNAUTHORIZED');
  });

  it('answers 503 without a store rather than pretending to keep the feedback', async () => {
    const noStore = () => app({ store: undefined });
    const res = await request(noStore()).post('/v1alpha1/comments:suggestscore').send(fixture('coral-suggestscore').request).expect(503);
    expect(googleError(res.body, 503, 'UNAVAILABLE')).toBe('MOD_ERR_FEEDBACK_UNAVAILABLE');
    const skip = await request(noStore())
      .post('/v1alpha1/comments:suggestscore')
      .send({ ...fixture('coral-suggestscore').request, doNotStore: true })
      .expect(200);
    expect(skip.body.stored).toBe(false);
  });

  it('answers 400 naming an unknown attribute', async () => {
    const res = await request(app())
      .post(`/v1alpha1/comments:suggestscore?key=${key}`)
      .send({ comment: { text: 'buy cheap pills' }, attributeScores: { SPAM: { summaryScore: { value: 1 } } } })
      .expect(400);
    expect(googleError(res.body, 400, 'INVALID_ARGUMENT')).toBe('MOD_ERR_UNKNOWN_ATTRIBUTE');
    expect(res.body.error.message).toContain('SPAM');
  });
});

describe('clients over real HTTP, as they build their URLs', () => {
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let base: string;
  beforeAll(async () => {
    server = app().listen(0);
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('works for a client built the way Coral Talk calls Perspective (endpoint + /comments:analyze, ?key=)', async () => {
    // Coral: url = new URL(endpoint); url.pathname = path.join(url.pathname, `/${operation}`); url.searchParams.set("key", key).
    const endpoint = `${base}/v1alpha1`; // what the README tells a Coral admin to enter as "Custom endpoint"
    const url = new URL(endpoint);
    url.pathname = path.posix.join(url.pathname, '/comments:analyze');
    url.searchParams.set('key', key);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: { text: 'You are a stupid idiot.' }, doNotStore: true, requestedAttributes: { TOXICITY: {} }, languages: ['en'] }),
    });
    expect(res.ok).toBe(true);
    const data = (await res.json()) as any;
    expect(typeof data.attributeScores.TOXICITY.summaryScore.value).toBe('number');
  });

  it('serves a discovery document whose rootUrl leads back here (Moderator, googleapis, googleapiclient)', async () => {
    const doc = (await (await fetch(`${base}/$discovery/rest?version=v1alpha1&key=${key}`)).json()) as any;
    expect(doc.rootUrl).toBe(`${base}/`);
    const analyze = doc.resources.comments.methods.analyze;
    // googleapis builds rootUrl + servicePath + method.path and adds the key as a query parameter.
    const res = await fetch(`${doc.rootUrl}${doc.servicePath}${analyze.path}?key=${key}`, {
      method: analyze.httpMethod,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fixture('moderator-analyze').request),
    });
    expect(res.status).toBe(200);
    const data = (await res.json()) as any;
    expect(data.attributeScores.TOXICITY.spanScores.length).toBeGreaterThan(0);
    const other = await fetch(`${base}/$discovery/rest?version=v2`);
    expect(other.status).toBe(404);
  });
});

describe('regression: Perspective accepts 20,480 characters, so Moderato does', () => {
  it('scores a 20,480-character comment in full, with spans exact up to its end, and answers 400 beyond', async () => {
    const filler = 'The council approved the footbridge over the harbour. ';
    const tail = 'You are a stupid idiot.';
    const text = (filler.repeat(400).slice(0, 20_480 - tail.length) + tail);
    expect(text.length).toBe(20_480);
    const res = await request(app()).post('/v1alpha1/comments:analyze').send({ comment: { text }, requestedAttributes: { INSULT: {} }, spanAnnotations: true }).expect(200);
    const spans = res.body.attributeScores.INSULT.spanScores as { begin: number; end: number }[];
    expect(spans.map((s) => text.slice(s.begin, s.end))).toEqual(expect.arrayContaining(['idiot']));
    expect(Math.max(...spans.map((s) => s.end))).toBeGreaterThan(20_400);
    const over = await request(app()).post('/v1alpha1/comments:analyze').send({ comment: { text: text + 'x' }, requestedAttributes: { INSULT: {} } }).expect(400);
    expect(over.body.error.status).toBe('INVALID_ARGUMENT');
  });

  it('regression: OPTIONS on comments:analyze is 204 with Allow (was 405)', async () => {
    const res = await request(app()).options('/v1alpha1/comments:analyze').expect(204);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });
});
