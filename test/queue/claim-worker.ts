/**
 * One moderator process of the concurrency test (run from dist/ by concurrency.test.ts): opens
 * its own connection to the store and claims and decides until no pending item is left, printing
 * one JSON line per claim and decision. `abandon` mode claims once and dies without deciding,
 * as a moderator whose browser crashed: its leases must expire and go back to the queue.
 */
import { openStore, type QueueStore } from '../../src/queue';

async function run(url: string, name: string, mode: string, leaseSeconds: number, batch: number): Promise<void> {
  const store: QueueStore = await openStore(url, { migrate: false });
  const me = { id: `key_${name}`, name };
  const out = (o: unknown): boolean => process.stdout.write(JSON.stringify(o) + '\n');
  if (mode === 'abandon') {
    const items = await store.claim({ moderator: me, limit: batch, leaseSeconds });
    out({ type: 'claim', ids: items.map((c) => c.id) });
    process.exit(0); // no close, no release: like a crash
  }
  // Start barrier: say ready, then wait for the test's "go" so that all moderators really run at
  // once (process start-up otherwise lets the first ones drain a fast store alone).
  out({ type: 'ready' });
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy();
  let n = 0;
  for (;;) {
    const items = await store.claim({ moderator: me, limit: batch, leaseSeconds });
    if (items.length === 0) {
      // Nothing claimable: done only when nothing is pending at all (abandoned leases come back later).
      if ((await store.listQueue({ status: 'pending', limit: 1 })).items.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    out({ type: 'claim', ids: items.map((c) => c.id) });
    for (const c of items) {
      const action = (n++ + name.length) % 3 === 0 ? 'reject' : 'approve';
      const key = `${name}-${c.id}`;
      const d = await store.decide({ commentId: c.id, action, moderator: me, idempotencyKey: key });
      out({ type: 'decision', id: c.id, action, decisionId: d.decision.id, replayed: d.replayed });
      // Every fifth decision is sent twice, as a client retrying after a lost response would.
      if (n % 5 === 0) {
        const again = await store.decide({ commentId: c.id, action, moderator: me, idempotencyKey: key });
        out({ type: 'retry', id: c.id, decisionId: again.decision.id, replayed: again.replayed });
      }
    }
  }
  await store.close();
}

const [url, name, mode, lease, batch] = process.argv.slice(2);
run(url!, name!, mode!, Number(lease), Number(batch)).catch((e: unknown) => {
  process.stderr.write(`worker ${name}: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
