import { wideFeatures, wideLogit } from '../../src/model/wide';
import { fitBlend, trainWide } from '../../src/train/wide';
import { mulberry32 } from '../../src/util/prng';
import { rocAuc } from '../../src/train/metrics';

const rude = ['you idiot', 'shut up moron', 'what a stupid idiot', 'you are a moron', 'stupid troll', 'idiots everywhere'];
const kind = ['thank you', 'good point', 'what a lovely day', 'you are right', 'nice article', 'well said friend'];

describe('wide part training', () => {
  const rows = [...rude.map((text) => ({ text, y: 1, w: 1, source: 'a' })), ...kind.map((text) => ({ text, y: 0, w: 1, source: 'a' }))];
  const o = { bits: 14, charN: [4], epochs: 20, rate: 0.2, l2: 1e-6 };

  it('learns words it saw and carries them to a new sentence; the same seed gives the same weights', () => {
    const a = trainWide(rows, { ...o, rand: mulberry32(1) });
    const b = trainWide(rows, { ...o, rand: mulberry32(1) });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    const z = (t: string): number => wideLogit(a.weights, a.bias, wideFeatures(t, o));
    expect(z('such a stupid moron')).toBeGreaterThan(z('such a lovely friend') + 1);
    expect(a.loss).toBeLessThan(0.3);
  });

  it('the blend weighs the better-ranking input more', () => {
    const r = mulberry32(5);
    const data = Array.from({ length: 400 }, () => {
      const y = r() < 0.3 ? 1 : 0;
      return { y, p: 1 / (1 + Math.exp(-((y ? 1 : -1) * 0.3 + (r() - 0.5) * 4))), z: (y ? 1 : -1) * 1.5 + (r() - 0.5) * 2 };
    });
    const b = fitBlend(data);
    expect(b.wide).toBeGreaterThan(b.cnn);
    const blended = data.map((d) => b.cnn * Math.log(d.p / (1 - d.p)) + b.wide * d.z + b.bias);
    expect(rocAuc(blended, data.map((d) => d.y))).toBeGreaterThanOrEqual(rocAuc(data.map((d) => d.z), data.map((d) => d.y)) - 0.01);
  });
});
