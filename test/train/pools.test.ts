import { uccHeldOut } from '../../src/data';
import { uccPool } from '../../src/train/pools';
import { describeWithDatasets } from '../datasets';

describeWithDatasets('extra training pools', () => {
  it('the ucc pool holds UCC validation\'s trainable half only, each comment repeated, toxicity = the crowd share', () => {
    const pool = uccPool(2, 0.1);
    expect(pool.length % 2).toBe(0);
    expect(pool.length).toBeGreaterThan(2000);
    expect(pool.filter((e) => uccHeldOut(e.text))).toEqual([]);
    // Each example object appears twice (featurised once), in adjacent places.
    for (let i = 0; i < pool.length; i += 2) expect(pool[i]).toBe(pool[i + 1]);
    const targets = pool.map((e) => e.comY[0]);
    expect(targets.every((t) => t >= 0 && t <= 1)).toBe(true);
    expect(targets.some((t) => t > 0 && t < 1)).toBe(true);
    // Categories are unknown (masked), toxicity is always trained.
    expect(pool.every((e) => e.comM[0] === 1 && e.comM[1] === 0)).toBe(true);
  });

  it('repeat 0 gives no pool', () => {
    expect(uccPool(0, 0.1)).toEqual([]);
  });
});
