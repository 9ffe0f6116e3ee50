/**
 * Property: whatever JSON (or not-JSON) a client sends to any route, with any key, the answer is
 * never a 5xx and the server keeps answering. Bodies are random JSON values, and near-valid bodies
 * of each route with random strings (lone surrogates included), numbers, nesting and extra fields.
 */
import fc from 'fast-check';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { ROUTES } from '../../src/server/routes-table';
import { createScorer, type Scorer } from '../../src/scorer';
import { openStore, type QueueStore } from '../../src/queue';

let scorer: Scorer;
let store: QueueStore;
let deps: AppDeps;
const keys: Record<string, string> = {};
beforeAll(async () => {
  scorer = await createScorer();
  store = await openStore('sqlite::memory:');
  for (const role of ['ingest', 'moderator', 'admin'] as const) keys[role] = (await store.createApiKey({ role, name: role })).key;
  deps = { scorer: { current: scorer }, config: { ...configFromEnv({}), rateLimitPerClient: 0, rateLimitPerKey: 0 }, store };
}, 120_000);
afterAll(async () => {
  scorer?.dispose();
  await store?.close();
});

const text = fc.oneof(
  { weight: 30, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\ud800', 'a\udc00b', '😀', 'e\u0301', 'you idiot', 'x'.repeat(10_001), 'y'.repeat(20_481), 'Ǆ\u200b') },
);
const loose = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;
const comment = fc.record({ id: text, text, parentId: fc.option(text), threadId: fc.option(text, { nil: undefined }), author: fc.option(text, { nil: undefined }), extra: fc.option(loose, { nil: undefined }) }, { requiredKeys: ['id', 'text'] });
const article = fc.record({ title: text, body: text, id: text }, { requiredKeys: [] });

/** Bodies shaped like each route's, so validation passes often enough to reach scoring and storage. */
const batch = fc.record({ comments: fc.array(comment, { minLength: 1, maxLength: 5 }), article: fc.option(article, { nil: undefined }), siteId: fc.option(text, { nil: undefined }) }, { requiredKeys: ['comments'] });
const analyze = fc.record({ comment: fc.record({ text }), requestedAttributes: fc.dictionary(fc.constantFrom('TOXICITY', 'INSULT', 'OFF_TOPIC', 'SPAM', ''), fc.option(fc.record({ scoreThreshold: fc.double() }, { requiredKeys: [] })), { minKeys: 1 }), spanAnnotations: fc.boolean(), languages: fc.option(fc.array(fc.constantFrom('en', 'fr', 'xx', ''), { maxLength: 3 }), { nil: undefined }), context: fc.option(fc.record({ entries: fc.array(fc.record({ text })) }), { nil: undefined }), dropUnsupportedAttributes: fc.boolean() }, { requiredKeys: ['comment', 'requestedAttributes'] });
const suggest = fc.record({ comment: fc.record({ text }), attributeScores: fc.dictionary(fc.constantFrom('TOXICITY', 'X'), fc.record({ summaryScore: fc.record({ value: fc.double() }) }), { minKeys: 1 }), doNotStore: fc.boolean() }, { requiredKeys: ['comment', 'attributeScores'] });
const decision = fc.record({ action: fc.constantFrom('approve', 'reject', 'escalate', 'nope'), note: text, redactedText: text }, { requiredKeys: ['action'] });
const claim = fc.record({ limit: fc.oneof(fc.integer({ min: -1, max: 101 }), fc.double(), text), ids: fc.array(text, { maxLength: 3 }), status: fc.constantFrom('pending', 'escalated', 'x') }, { requiredKeys: [] });
const policy = fc.record({ thresholds: fc.dictionary(fc.constantFrom('toxicity', 'insult', 'offTopic', 'bogus'), fc.oneof(fc.double({ min: -0.5, max: 1.5 }), fc.constant(null))), threads: fc.dictionary(text, fc.record({ thresholds: fc.constant({}) })) }, { requiredKeys: [] });
const activate = fc.record({ version: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 3 }), text) });
const SHAPES: Record<string, fc.Arbitrary<unknown>> = {
  '/v1/score': batch, '/v1/comments': fc.oneof(batch, comment), '/v1/comments/{id}/decision': decision, '/v1/queue/claim': claim, '/v1/queue/release': claim,
  '/v1/policy': policy, '/v1alpha1/comments:analyze': analyze, '/v1alpha1/comments:suggestscore': suggest,
  '/v1/adapt/sites/{siteId}/activate': activate,
};
const anyShape = fc.oneof(...Object.values(SHAPES));

/** A body for `path`: mostly its own shape, sometimes another route's, random JSON or not JSON at all. */
const bodyFor = (path: string) => fc.oneof(
  { weight: 6, arbitrary: (SHAPES[path] ?? anyShape).map((v) => ({ json: v })) },
  { weight: 1, arbitrary: anyShape.map((v) => ({ json: v })) },
  { weight: 1, arbitrary: loose.map((v) => ({ json: v })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((raw) => ({ raw })) },
);

const call = fc.constantFrom(...ROUTES.map((r) => ({ method: r.method, path: r.path }))).chain((route) => fc.record({
  route: fc.constant(route),
  id: text,
  // Mostly admin (it passes every role check), so bodies reach validation, scoring and storage.
  key: fc.constantFrom('admin', 'admin', 'admin', 'admin', 'ingest', 'moderator', 'none', 'bogus'),
  query: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('status', 'sort', 'limit', 'minScore', 'cursor', 'category', 'key', 'x'), text, { maxKeys: 3 }) }),
  body: bodyFor(route.path),
  idem: fc.option(text, { nil: undefined }),
}));

it('no request gets a 5xx, and /healthz still answers', async () => {
  const app = createApp(deps);
  const statuses = new Map<number, number>();
  let n = 0;
  let scoredOrStored = 0;
  await fc.assert(
    fc.asyncProperty(call, async (c) => {
      const path = c.route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(c.id.replace(/\p{Cs}/gu, '')) || 'x');
      const method = c.route.method;
      let req = request(app)[method](path).query(c.query);
      if (c.key !== 'none') req = req.set('Authorization', `Bearer ${keys[c.key] ?? 'mod_bogus'}`);
      if (c.idem !== undefined) req = req.set('Idempotency-Key', encodeURIComponent(c.idem.replace(/\p{Cs}/gu, '')));
      if (method !== 'get') req = req.set('Content-Type', 'application/json').send('raw' in c.body ? c.body.raw : JSON.stringify(c.body.json) ?? 'null');
      const res = await req;
      if (res.status >= 500 && !(res.status === 503 && /FEEDBACK_UNAVAILABLE|NOT_READY/.test(res.text))) {
        throw new Error(`${method.toUpperCase()} ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status < 300 && method === 'post') scoredOrStored++;
      if (++n % 50 === 0) await request(app).get('/healthz').expect(200);
    }),
    // 600 runs: with the adapter routes (issue 27) in the table, 400 drew too few scoring and ingest calls to pass the check below.
    { numRuns: 600, seed: Number(process.env.FUZZ_SEED ?? 20261201) },
  );
  await request(app).get('/healthz').expect(200);
  // The bodies must get past validation often enough to exercise scoring and storage.
  if (process.env.FUZZ_DEBUG) console.log(scoredOrStored, [...statuses]);
  expect(scoredOrStored).toBeGreaterThan(15);
  expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
}, 300_000);
