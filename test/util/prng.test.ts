/**
 * The two seeded generators keep their sequences: off-topic training replays lcg32's and toxicity
 * training mulberry32's, so a changed constant would silently change what retraining produces.
 */
import { lcg32 } from '../../src/util/lcg32';
import { mulberry32 } from '../../src/util/prng';

it.each([
  ['lcg32', lcg32, 2015, [0.016986113507300615, 0.04665371240116656]],
  ['mulberry32', mulberry32, 7, [0.011704753153026104, 0.06195825757458806]],
] as const)('%s(%d) starts with its recorded values', (_name, make, seed, first) => {
  const r = make(seed);
  expect([r(), r()]).toEqual(first);
});

it('the two generators give different sequences for the same seed', () => {
  const a = lcg32(1);
  const b = mulberry32(1);
  expect(a()).not.toBe(b());
});
