/** The QueueStore contract, run unchanged against SQLite and PostgreSQL. */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPolicyFile, hashApiKey, type Actor, type QueueStore } from '../../src/queue';
import { isModeratoError } from '../../src/errors';
import { KINDS, makeTestDb, newComment, result, type TestDb } from './helpers';

const alice: Actor = { id: 'key_alice', name: 'alice' };
const bob: Actor = { id: 'key_bob', name: 'bob' };

/** Awaits `p` and answers the ModeratoError code it rejected with. */
async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isModeratoError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.each(KINDS)('QueueStore on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore;

  beforeEach(async () => {
    db = makeTestDb(kind);
    store = await db.open();
  });
  afterEach(async () => {
    await store.close();
    await db.destroy();
  });

  it('migrates idempotently (a second open of the same database is a no-op)', async () => {
    await store.migrate();
    const again = await db.open();
    await again.close();
    expect((await store.stats()).total).toBe(0);
  });

  it('ingests once per id: a retry answers the stored comment and never duplicates', async () => {
    const c = newComment('c1', { article: { title: 'T' }, metadata: { url: 'https://x/1' }, siteId: 's1' });
    const [first] = await store.ingest([c]);
    expect(first!.created).toBe(true);
    expect(first!.comment).toMatchObject({ id: 'c1', status: 'pending', category: 'insult', siteId: 's1', article: { title: 'T' }, metadata: { url: 'https://x/1' }, lease: null });
    expect(first!.comment.spans).toEqual(c.result.spans);
    const [retry] = await store.ingest([{ ...c, text: 'changed', status: 'published' }]);
    expect(retry!.created).toBe(false);
    expect(retry!.comment.text).toBe('text of c1');
    expect(retry!.comment.status).toBe('pending');
    expect((await store.stats()).total).toBe(1);
  });

  it('creates each id once when the same comments race in concurrently', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => newComment(`r${i}`));
    const outs = await Promise.all([1, 2, 3, 4].map(() => store.ingest(batch)));
    for (let i = 0; i < 20; i++) expect(outs.filter((o) => o[i]!.created)).toHaveLength(1);
    expect((await store.stats()).total).toBe(20);
  });

  it('lets exactly one of two racing, conflicting decisions through', async () => {
    await store.ingest(Array.from({ length: 10 }, (_, i) => newComment(`d${i}`)));
    for (let i = 0; i < 10; i++) {
      const results = await Promise.allSettled([
        store.decide({ commentId: `d${i}`, action: 'approve', moderator: alice }),
        store.decide({ commentId: `d${i}`, action: 'reject', moderator: bob }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.code).toBe('MOD_ERR_CONFLICT');
      expect((await store.getComment(`d${i}`))!.decisions).toHaveLength(1);
    }
  });

  it('answers a comment with scores, spans and an empty history; null for an unknown id', async () => {
    await store.ingest([newComment('c1')]);
    const got = await store.getComment('c1');
    expect(got).toMatchObject({ id: 'c1', status: 'pending', scores: { toxicity: 0.8, offTopic: null }, decisions: [] });
    expect(got!.spans[0]).toMatchObject({ start: 0, end: 4 });
    expect(await store.getComment('nope')).toBeNull();
  });

  it('answers the latest comments of a thread, oldest first', async () => {
    await store.ingest(['a', 'b', 'c', 'd'].map((id, i) => newComment(id, { threadId: i === 2 ? 'other' : 't1' })));
    expect((await store.threadComments('t1', 2)).map((c) => c.id)).toEqual(['b', 'd']);
    expect((await store.threadComments('t1', 10)).map((c) => c.id)).toEqual(['a', 'b', 'd']);
    expect(await store.threadComments('none', 10)).toEqual([]);
  });

  it('lists the queue with filters, both sorts, and cursors that visit each item exactly once', async () => {
    const scores = [0.9, 0.7, 0.7, 0.7, 0.6, 0.95, 0.7];
    await store.ingest(scores.map((s, i) => newComment(`q${i}`, { result: result(`q${i}`, { threat: s }), category: 'threat', threadId: i % 2 ? 'odd' : 'even' })));
    await store.ingest([newComment('pub', { status: 'published', category: null, result: result('pub', { insult: 0.1 }) })]);

    const byAge = await store.listQueue({ limit: 100 });
    expect(byAge.items.map((c) => c.id)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
    expect(byAge.nextCursor).toBeNull();

    // Pages of 2 by score: ties (0.7 x4) break by age, and no item repeats or goes missing.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listQueue({ sort: 'score', limit: 2, cursor });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['q5', 'q0', 'q1', 'q2', 'q3', 'q6', 'q4']);

    expect((await store.listQueue({ limit: 100, threadId: 'odd' })).items.map((c) => c.id)).toEqual(['q1', 'q3', 'q5']);
    expect((await store.listQueue({ limit: 100, minScore: 0.9 })).items.map((c) => c.id)).toEqual(['q0', 'q5']);
    expect((await store.listQueue({ limit: 100, category: 'insult' })).items).toEqual([]);
    expect((await store.listQueue({ limit: 100, status: 'published' })).items.map((c) => c.id)).toEqual(['pub']);
    expect((await store.listQueue({ limit: 100, status: 'all' })).items).toHaveLength(8);
    expect(await errorCode(store.listQueue({ limit: 2, sort: 'age', cursor: 'garbage' }))).toBe('MOD_ERR_VALIDATION');
    const scoreCursor = (await store.listQueue({ sort: 'score', limit: 1 })).nextCursor!;
    expect(await errorCode(store.listQueue({ limit: 2, sort: 'age', cursor: scoreCursor }))).toBe('MOD_ERR_VALIDATION');
  });

  it('claims disjoint leases, oldest first, and hands expired leases out again', async () => {
    await store.ingest(Array.from({ length: 5 }, (_, i) => newComment(`c${i}`)));
    const a = await store.claim({ moderator: alice, limit: 3, leaseSeconds: 0.6 });
    expect(a.map((c) => c.id)).toEqual(['c0', 'c1', 'c2']);
    expect(a[0]!.lease).toMatchObject({ moderatorId: 'key_alice', moderator: 'alice' });
    const b = await store.claim({ moderator: bob, limit: 10, leaseSeconds: 60 });
    expect(b.map((c) => c.id)).toEqual(['c3', 'c4']);
    expect(await store.claim({ moderator: bob, limit: 10, leaseSeconds: 60 })).toEqual([]);
    await new Promise((r) => setTimeout(r, 800));
    // Alice's leases ran out: they read as unleased and bob can take them.
    expect((await store.getComment('c0'))!.lease).toBeNull();
    const again = await store.claim({ moderator: bob, limit: 10, leaseSeconds: 60 });
    expect(again.map((c) => c.id)).toEqual(['c0', 'c1', 'c2']);
    // Only pending items are claimable unless asked for escalated ones.
    expect(await store.claim({ moderator: alice, limit: 10, leaseSeconds: 60, status: 'escalated' })).toEqual([]);
  });

  it('releases a moderator’s leases', async () => {
    await store.ingest([newComment('c1'), newComment('c2')]);
    await store.claim({ moderator: alice, limit: 2, leaseSeconds: 60 });
    expect(await store.release(bob)).toBe(0);
    expect(await store.release(alice, ['c1'])).toBe(1);
    expect((await store.claim({ moderator: bob, limit: 5, leaseSeconds: 60 })).map((c) => c.id)).toEqual(['c1']);
  });

  it('applies decisions by the rules: final once, escalate then decide, 409 on conflicts, 404 on unknown', async () => {
    await store.ingest([newComment('c1'), newComment('c2'), newComment('c3')]);
    const ok = await store.decide({ commentId: 'c1', action: 'approve', note: 'fine', redactedText: '**** of c1', moderator: alice });
    expect(ok.replayed).toBe(false);
    expect(ok.decision).toMatchObject({ commentId: 'c1', action: 'approve', note: 'fine', moderatorId: 'key_alice', moderator: 'alice', fromStatus: 'pending', toStatus: 'approved' });
    expect(ok.comment).toMatchObject({ status: 'approved', redactedText: '**** of c1' });

    // The same final decision again is answered with the stored one; a different one conflicts.
    const same = await store.decide({ commentId: 'c1', action: 'approve', moderator: bob });
    expect(same.replayed).toBe(true);
    expect(same.decision.id).toBe(ok.decision.id);
    expect(await errorCode(store.decide({ commentId: 'c1', action: 'reject', moderator: bob }))).toBe('MOD_ERR_CONFLICT');
    expect(await errorCode(store.decide({ commentId: 'c1', action: 'escalate', moderator: bob }))).toBe('MOD_ERR_CONFLICT');

    const esc = await store.decide({ commentId: 'c2', action: 'escalate', note: 'unsure', moderator: alice });
    expect(esc.comment.status).toBe('escalated');
    expect((await store.decide({ commentId: 'c2', action: 'escalate', moderator: bob })).replayed).toBe(true);
    const rej = await store.decide({ commentId: 'c2', action: 'reject', moderator: bob });
    expect(rej.decision).toMatchObject({ fromStatus: 'escalated', toStatus: 'rejected' });
    const hist = await store.getComment('c2');
    expect(hist!.decisions.map((d) => [d.action, d.moderator])).toEqual([['escalate', 'alice'], ['reject', 'bob']]);
    expect(hist!.status).toBe('rejected');

    expect(await errorCode(store.decide({ commentId: 'nope', action: 'approve', moderator: alice }))).toBe('MOD_ERR_NOT_FOUND');
    expect((await store.getComment('c3'))!.decisions).toEqual([]);
  });

  it('refuses a decision on an item leased to another moderator, and lets the holder decide', async () => {
    await store.ingest([newComment('c1')]);
    await store.claim({ moderator: alice, limit: 1, leaseSeconds: 60 });
    expect(await errorCode(store.decide({ commentId: 'c1', action: 'reject', moderator: bob }))).toBe('MOD_ERR_CONFLICT');
    const d = await store.decide({ commentId: 'c1', action: 'reject', moderator: alice });
    expect(d.comment.lease).toBeNull();
    expect(d.comment.status).toBe('rejected');
  });

  it('replays an Idempotency-Key per moderator and refuses its reuse for another request', async () => {
    await store.ingest([newComment('c1'), newComment('c2')]);
    const first = await store.decide({ commentId: 'c1', action: 'escalate', note: 'n', moderator: alice, idempotencyKey: 'k1' });
    // Even after the comment moved on, the key answers its original decision.
    await store.decide({ commentId: 'c1', action: 'approve', moderator: bob });
    const replay = await store.decide({ commentId: 'c1', action: 'escalate', note: 'n', moderator: alice, idempotencyKey: 'k1' });
    expect(replay).toMatchObject({ replayed: true, decision: { id: first.decision.id, action: 'escalate' } });
    expect(await errorCode(store.decide({ commentId: 'c2', action: 'approve', moderator: alice, idempotencyKey: 'k1' }))).toBe('MOD_ERR_CONFLICT');
    // Keys are scoped per moderator: bob may use "k1" too.
    expect((await store.decide({ commentId: 'c2', action: 'approve', moderator: bob, idempotencyKey: 'k1' })).replayed).toBe(false);
    expect((await store.getComment('c1'))!.decisions).toHaveLength(2);
  });

  it('counts by status and category', async () => {
    await store.ingest([
      newComment('a'), newComment('b', { category: 'threat' }), newComment('c', { status: 'published', category: null }), newComment('d'),
    ]);
    await store.decide({ commentId: 'a', action: 'reject', moderator: alice });
    const s = await store.stats();
    expect(s.total).toBe(4);
    expect(s.byStatus).toEqual({ published: 1, pending: 2, approved: 0, rejected: 1, escalated: 0 });
    expect(s.byCategory.insult).toMatchObject({ total: 2, pending: 1, rejected: 1 });
    expect(s.byCategory.threat).toMatchObject({ total: 1, pending: 1 });
  });

  it('stores API keys hashed: the key finds its record by hash only, and revoked keys stop working', async () => {
    const k = await store.createApiKey({ role: 'moderator', name: 'mo' });
    expect(k.key).toMatch(/^mod_[A-Za-z0-9_-]{43}$/);
    expect(await store.findApiKey(hashApiKey(k.key))).toMatchObject({ id: k.id, role: 'moderator', name: 'mo', revokedAt: null });
    expect(await store.findApiKey(k.key)).toBeNull();
    const listed = await store.listApiKeys();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(k.key);
    expect(await store.revokeApiKey(k.id)).toBe(true);
    expect(await store.revokeApiKey(k.id)).toBe(false);
    expect(await store.findApiKey(hashApiKey(k.key))).toBeNull();
  });

  it('versions the policy with who and when, and applies a policy file only when its content changed', async () => {
    expect(await store.getPolicy()).toBeNull();
    const v1 = await store.setPolicy({ thresholds: { insult: 0.7 } }, { changedBy: 'key_admin', source: 'api' });
    expect(v1).toMatchObject({ changedBy: 'key_admin', source: 'api', policy: { thresholds: { insult: 0.7 } } });
    expect(Date.parse(v1.changedAt)).toBeGreaterThan(Date.now() - 60_000);
    const dir = mkdtempSync(join(tmpdir(), 'moderato-pol-'));
    try {
      const file = join(dir, 'policy.json');
      writeFileSync(file, JSON.stringify({ thresholds: { threat: 0.2 }, threads: { t9: { thresholds: { toxicity: null } } } }));
      const v2 = await applyPolicyFile(store, file);
      expect(v2).toMatchObject({ source: `file:${file}`, policy: { thresholds: { threat: 0.2 } } });
      await store.setPolicy({ thresholds: { threat: 0.3 } }, { changedBy: 'key_admin', source: 'api' });
      // Unchanged file at the next start: the admin's run-time change stands.
      expect(await applyPolicyFile(store, file)).toBeNull();
      expect((await store.getPolicy())!.policy.thresholds.threat).toBe(0.3);
      writeFileSync(file, JSON.stringify({ thresholds: { threat: 0.4 } }));
      expect((await applyPolicyFile(store, file))!.policy.thresholds.threat).toBe(0.4);
      writeFileSync(file, JSON.stringify({ thresholds: { threat: 4 } }));
      expect(() => require('../../src/queue').loadPolicyFile(file)).toThrow(/threat/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const hist = await store.policyHistory();
    expect(hist.map((h) => h.version)).toEqual([...hist.map((h) => h.version)].sort((a, b) => b - a));
    expect(hist).toHaveLength(4);
  });

  it('records feedback (suggested scores) with its source and time', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const f = await store.recordFeedback({ commentText: 'you fool', attributeScores: { TOXICITY: 0.9 }, clientToken: 'tok', languages: ['en'], source: 'perspective:suggestscore', receivedAt: at, context: { entries: [] } });
    expect(f).toMatchObject({ commentText: 'you fool', attributeScores: { TOXICITY: 0.9 }, clientToken: 'tok', languages: ['en'], source: 'perspective:suggestscore', receivedAt: at.toISOString() });
    expect(f.id).toBeGreaterThan(0);
    const g = await store.recordFeedback({ commentText: 'x', attributeScores: {}, source: 's' });
    expect(g.id).toBeGreaterThan(f.id);
    expect(g.clientToken).toBeNull();
  });

  it('keeps everything across a close and reopen', async () => {
    await store.ingest([newComment('c1'), newComment('c2')]);
    await store.decide({ commentId: 'c1', action: 'approve', moderator: alice, idempotencyKey: 'k' });
    const key = await store.createApiKey({ role: 'admin' });
    await store.close();
    store = await db.open();
    expect((await store.getComment('c1'))!.decisions).toHaveLength(1);
    expect((await store.getComment('c2'))!.status).toBe('pending');
    expect(await store.findApiKey(hashApiKey(key.key))).not.toBeNull();
  });
});
