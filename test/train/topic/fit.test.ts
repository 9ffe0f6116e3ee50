import { jointThreshold } from '../../../src/train/topic/fit';

describe('jointThreshold', () => {
  it('sits between the classes when both sources agree', () => {
    const t = jointThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.15, 0.7], [0, 1]);
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThanOrEqual(0.7);
  });

  it('with news weight 0 follows the CQA scores alone', () => {
    const t = jointThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.95, 0.99], [0, 1], 0);
    expect(t).toBeLessThanOrEqual(0.8);
  });
});
