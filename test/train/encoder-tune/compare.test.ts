import { pairedDelta } from '../../../src/train/encoder-tune/compare';
import { heldOutSet } from '../../../src/train/encoder-tune/run';

describe('paired delta of tuned against frozen vectors', () => {
  // 200 comments, label on coordinate 0; `signal` sets how cleanly the vectors carry it.
  const s = heldOutSet('x', Array.from({ length: 200 }, (_, i) => ({ text: `c${i}`, y: i % 2 })), 200);
  const vectors = (signal: number, seed: number): Float32Array[] => {
    let r = seed;
    const rnd = () => ((r = (r * 16807) % 2147483647) / 2147483647) - 0.5;
    return s.y.map((y) => {
      const v = Float32Array.from({ length: 512 }, () => rnd() * 0.1);
      v[0] += (y ? 1 : -1) * signal;
      return v;
    });
  };

  it('is zero for the same vectors', () => {
    const v = vectors(0.05, 7);
    expect(pairedDelta(v, v, s)).toEqual({ delta: 0, lo: 0, hi: 0 });
  });

  it('is positive, with an interval above zero, when the tuned vectors separate the labels better', () => {
    const d = pairedDelta(vectors(0.2, 7), vectors(0.02, 7), s);
    expect(d.delta).toBeGreaterThan(0.1);
    expect(d.lo).toBeGreaterThan(0);
    expect(d.hi).toBeGreaterThanOrEqual(d.delta);
  });
});
