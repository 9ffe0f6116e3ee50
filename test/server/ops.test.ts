/**
 * Operations: request ids and one JSON log line per request, Prometheus metrics, CORS and OPTIONS,
 * rate limits (429 + Retry-After), and back-pressure from a full scoring pool (503 + Retry-After).
 */
import { Writable } from 'stream';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv, type ServerConfig } from '../../src/server/config';
import { createScorer, createScorerPool, type Scorer, type ScorerPool } from '../../src/scorer';
import { poolScorer } from '../../src/server/scoring';
import { createMetrics } from '../../src/server/metrics';
import { openStore, type QueueStore } from '../../src/queue';

let scorer: Scorer;
beforeAll(async () => {
  scorer = await createScorer();
}, 120_000);
afterAll(() => scorer?.dispose());

function deps(config: Partial<ServerConfig> = {}, over: Partial<AppDeps> = {}): AppDeps {
  return { scorer: { current: scorer }, config: { ...configFromEnv({}), ...config }, ...over };
}

/** A pino logger that keeps its lines. */
function capture(): { logger: pino.Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).trim().split('\n').map((l) => JSON.parse(l))); cb(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('request log', () => {
  it('writes one JSON line per request with its id, level by status, and never the key', async () => {
    const { logger, lines } = capture();
    const app = createApp(deps({}, { logger }));
    const ok = await request(app).get('/healthz').expect(200);
    const id = ok.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await request(app).get('/nope').expect(404);
    const mine = await request(app).post('/v1alpha1/comments:analyze?key=secret-key-123').set('X-Request-Id', 'client-abc.1').send({}).expect(400);
    expect(mine.headers['x-request-id']).toBe('client-abc.1');
    await new Promise((r) => setImmediate(r));
    const reqLines = lines.filter((l) => l.req);
    expect(reqLines).toHaveLength(3);
    expect(reqLines[0]).toMatchObject({ level: 30, req: { id, method: 'GET', url: '/healthz' }, res: { statusCode: 200 } });
    expect(reqLines[1]).toMatchObject({ level: 40, res: { statusCode: 404 } });
    expect(reqLines[2].req.id).toBe('client-abc.1');
    expect(JSON.stringify(lines)).not.toContain('secret-key-123');
    expect(typeof reqLines[0].responseTime).toBe('number');
  });
});

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, times them, and reports scoring, model and queue items', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const metrics = createMetrics({ store });
      metrics.modelInfo.set({ name: scorer.info.name, version: scorer.info.version, backend: scorer.info.backend }, 1);
      const d = deps({}, { store, metrics });
      d.scorer.current = (await import('../../src/server/scoring')).instrumentScorer(scorer, metrics);
      const app = createApp(d);
      await request(app).post('/v1/score').send({ comments: [{ id: 'a', text: 'hi' }, { id: 'b', text: 'you idiot' }] }).expect(200);
      await request(app).get('/v1/comments/some-id').expect(401);
      const res = await request(app).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/moderato_http_requests_total\{method="POST",route="\/v1\/score",status="200"\} 1/);
      // The pattern, not the raw path: ids never become labels.
      expect(res.text).toMatch(/moderato_http_requests_total\{method="GET",route="unmatched",status="401"\} 1|route="\/v1\/comments\/:id",status="401"/);
      expect(res.text).not.toContain('some-id');
      expect(res.text).toMatch(/moderato_http_request_duration_seconds_bucket\{le="0.5",method="POST",route="\/v1\/score"\} 1/);
      expect(res.text).toMatch(/moderato_scoring_batch_size_sum 2/);
      expect(res.text).toMatch(/moderato_scoring_duration_seconds_count 1/);
      expect(res.text).toMatch(/moderato_pool_queue_depth 0/);
      expect(res.text).toMatch(/moderato_queue_items\{status="pending"\} 0/);
      expect(res.text).toMatch(/moderato_model_info\{name="moderato-toxicity",version="[^"]+",backend="[^"]+"\} 1/);
      expect(res.text).toContain('moderato_rejected_requests_total');
    } finally {
      await store.close();
    }
  });
});

describe('CORS and OPTIONS', () => {
  it('answers OPTIONS with 204 and the methods of the path, 404 JSON for an unknown path; no CORS headers by default', async () => {
    const app = createApp(deps());
    const res = await request(app).options('/v1alpha1/comments:analyze').set('Origin', 'https://site.example').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(res.headers.allow).toBe('POST, OPTIONS');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(app).options('/v1/comments/abc').expect(204)).headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await request(app).options('/v1alpha1/comments%3Aanalyze').expect(204)).headers.allow).toBe('POST, OPTIONS');
    const missing = await request(app).options('/v1/nothing').expect(404);
    expect(missing.body.error.code).toBe('MOD_ERR_NOT_FOUND');
  });

  it('lets an allowed origin call the Perspective routes from a browser (preflight, then the call)', async () => {
    const app = createApp(deps({ corsOrigins: ['https://site.example'] }));
    const pre = await request(app).options('/v1alpha1/comments:analyze').set('Origin', 'https://site.example')
      .set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type').expect(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://site.example');
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    expect(pre.headers['access-control-allow-headers']).toMatch(/content-type/i);
    const call = await request(app).post('/v1alpha1/comments:analyze').set('Origin', 'https://site.example')
      .send({ comment: { text: 'you idiot' }, requestedAttributes: { TOXICITY: {} } }).expect(200);
    expect(call.headers['access-control-allow-origin']).toBe('https://site.example');
    const other = await request(app).post('/v1alpha1/comments:analyze').set('Origin', 'https://evil.example')
      .send({ comment: { text: 'hi' }, requestedAttributes: { TOXICITY: {} } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects a malformed MODERATO_CORS_ORIGINS at start', () => {
    expect(() => configFromEnv({ MODERATO_CORS_ORIGINS: 'site.example/path' })).toThrow(/MODERATO_CORS_ORIGINS/);
    expect(configFromEnv({ MODERATO_CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  });
});

describe('rate limits', () => {
  it('answers 429 MOD_ERR_RATE_LIMITED with Retry-After past the per-client budget; probes are never limited', async () => {
    const app = createApp(deps({ rateLimitPerClient: 3, rateLimitPerKey: 0 }));
    for (let i = 0; i < 3; i++) await request(app).post('/v1/score').send({ comments: [{ id: 'a', text: 'hi' }] }).expect(200);
    const res = await request(app).post('/v1/score').send({ comments: [{ id: 'a', text: 'hi' }] }).expect(429);
    expect(res.body.error.code).toBe('MOD_ERR_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
  });

  it('keeps one budget per API key, across addresses, in Google\'s shape on the Perspective routes', async () => {
    const app = createApp(deps({ rateLimitPerClient: 0, rateLimitPerKey: 2 }));
    const body = { comment: { text: 'hi' }, requestedAttributes: { TOXICITY: {} } };
    await request(app).post('/v1alpha1/comments:analyze?key=k1').send(body).expect(200);
    await request(app).post('/v1alpha1/comments:analyze').set('Authorization', 'Bearer k1').send(body).expect(200);
    const res = await request(app).post('/v1alpha1/comments:analyze?key=k1').send(body).expect(429);
    expect(res.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(res.headers['retry-after']).toBeDefined();
    // Another key, and no key, have their own budgets.
    await request(app).post('/v1alpha1/comments:analyze?key=k2').send(body).expect(200);
    await request(app).post('/v1alpha1/comments:analyze').send(body).expect(200);
  });

  it('reads its limits from the environment', () => {
    expect(configFromEnv({ MODERATO_RATE_LIMIT_PER_CLIENT: '10', MODERATO_RATE_LIMIT_PER_KEY: '0' })).toMatchObject({ rateLimitPerClient: 10, rateLimitPerKey: 0 });
    expect(() => configFromEnv({ MODERATO_RATE_LIMIT_PER_CLIENT: 'lots' })).toThrow(/MODERATO_RATE_LIMIT_PER_CLIENT/);
  });
});

describe('back-pressure from the scoring pool', () => {
  let pool: ScorerPool;
  afterAll(() => pool?.close());

  it('answers 503 MOD_ERR_OVERLOADED with Retry-After when every worker is busy and the queue is full, and /healthz meanwhile', async () => {
    pool = createScorerPool({ threads: 1, maxQueue: 1 });
    const metrics = createMetrics({ poolDepth: () => pool.queueSize });
    const d = deps({ rateLimitPerClient: 0 }, { metrics });
    d.scorer.current = poolScorer(pool, await pool.ready(), metrics, 1);
    const app = createApp(d);
    const heavy = { comments: Array.from({ length: 40 }, (_, i) => ({ id: `c${i}`, text: `${'a long comment about the harbour footbridge and the council vote '.repeat(40)} ${i}` })) };
    const scoring = Promise.all(Array.from({ length: 6 }, () => request(app).post('/v1/score').send(heavy)));
    await request(app).get('/healthz').expect(200);
    // Saturated: the next scoring request is turned away before its body is even parsed.
    const deadline = Date.now() + 20_000;
    while (pool.queueSize < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const shed = await request(app).post('/v1/score').set('Content-Type', 'application/json').send('{not json');
    expect(shed.status).toBe(503);
    expect(shed.body.error.code).toBe('MOD_ERR_OVERLOADED');
    const answers = await scoring;
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.body.error.code).toBe('MOD_ERR_OVERLOADED');
    expect(busy.headers['retry-after']).toBe('1');
    expect((await request(app).get('/metrics')).text).toMatch(/moderato_rejected_requests_total\{reason="overloaded"\} [1-9]/);
  }, 60_000);
});
