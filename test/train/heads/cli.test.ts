import * as path from 'path';
import { parseArgs } from '../../../src/train/heads/cli';

describe('train:heads arguments', () => {
  it('--encoder-weights names a tuned checkpoint (absolute); by default the package encoder', () => {
    expect(parseArgs([]).encoderWeights).toBeUndefined();
    expect(parseArgs(['--encoder-weights', 'ckpt.f32', '--exclude', 'c3']).encoderWeights).toBe(path.resolve('ckpt.f32'));
  });
});
