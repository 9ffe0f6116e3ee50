import { claimSize, Heartbeat, type HeldJob } from '../../src/batch/jobs';

describe('claimSize', () => {
  it.each([
    ['one chunk before the speed is known', { rate: undefined, chunkComments: 250, waiting: 1000 }, 1],
    ['15 s of work at 500 comments/s in chunks of 250', { rate: 500, chunkComments: 250, waiting: 1000 }, 30],
    ['a slow path: one chunk, never none', { rate: 5, chunkComments: 250, waiting: 1000 }, 1],
    ['a quarter of what waits, so a small batch spreads over workers', { rate: 5000, chunkComments: 250, waiting: 24 }, 6],
    ['capped', { rate: 1e6, chunkComments: 250, waiting: 1e6 }, 200],
  ])('%s', (_, c, want) => {
    expect(claimSize({ ...c, targetSeconds: 15, max: 200 })).toBe(want);
  });
});

describe('Heartbeat', () => {
  it('renews a held lease at a third of its length, marks a lease the database no longer holds as lost, and forgets released ones', async () => {
    const calls: Array<{ ids: string[]; seconds: number }> = [];
    let keep = new Set(['a', 'b']);
    const hb = new Heartbeat(async (jobs: HeldJob[], seconds) => (calls.push({ ids: jobs.map((j) => j.id), seconds }), new Set(jobs.map((j) => j.id).filter((id) => keep.has(id)))), () => undefined, 20);
    try {
      const a = hb.hold({ id: 'a', retryCount: 0 }, 0.3);
      const b = hb.hold({ id: 'b', retryCount: 0 }, 0.3);
      const c = hb.hold({ id: 'c', retryCount: 1 }, 30);
      await new Promise((r) => setTimeout(r, 250));
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.every((x) => x.seconds === 0.3 && x.ids.join() === 'a,b')).toBe(true);
      keep = new Set(['a']);
      hb.release('a');
      await new Promise((r) => setTimeout(r, 250));
      expect(calls.at(-1)!.ids).toEqual(['b']);
      expect([a.lost, b.lost, c.lost]).toEqual([false, true, false]);
      const n = calls.length;
      await new Promise((r) => setTimeout(r, 150));
      expect(calls.length).toBe(n);
    } finally {
      hb.stop();
    }
  });
});

describe('Heartbeat when the database is away', () => {
  it('keeps retrying every tick, logs the outage once and its end once, and does not count the lease as lost', async () => {
    let failures = 3;
    const logs: string[] = [];
    const hb = new Heartbeat(async (jobs: HeldJob[]) => {
      if (failures-- > 0) throw new Error('connection refused');
      return new Set(jobs.map((j) => j.id));
    }, (l) => logs.push(l), 20);
    try {
      const a = hb.hold({ id: 'a', retryCount: 0 }, 0.03);
      await new Promise((r) => setTimeout(r, 300));
      expect(logs).toEqual(['lease renewal failed (retried every second): connection refused', 'lease renewal works again']);
      expect(a.lost).toBe(false);
    } finally {
      hb.stop();
    }
  });
});
