import { postF1, meanF1, rocAuc, macroF1, rangesToCodePoints, reweightedMeanF1, expectedCalibrationError } from '../../src/train/metrics';
import { perturbPost, perturbWord, PERTURBATIONS } from '../../src/train/perturb';
import { mulberry32 } from '../../src/util/prng';
import { offsetsToRanges } from '../../src/data/io';
import { tokenize } from '../../src/text';

describe('SemEval span F1', () => {
  it.each([
    [[], [], 1],
    [[1], [], 0],
    [[], [1], 0],
    [[1, 2, 3, 4], [1, 2, 3, 4], 1],
    [[1, 2], [1, 2, 3, 4], 2 / 3],
    [[5, 6], [1, 2], 0],
  ])('pred %j gold %j -> %d', (p, g, f) => expect(postF1(p, g)).toBeCloseTo(f, 10));

  it('averages per post', () => {
    expect(meanF1([[], [1]], [[], [2]])).toBeCloseTo(0.5, 10);
  });

  it('compares on code points: an emoji before the span counts once', () => {
    const text = '😀 idiot';
    expect(rangesToCodePoints(text, [{ start: 3, end: 8 }])).toEqual([2, 3, 4, 5, 6]);
    expect(rangesToCodePoints(text, [{ start: 0, end: 2 }])).toEqual([0]);
  });
});

describe('ROC-AUC and macro-F1', () => {
  it('AUC is 1 for a perfect ranking, 0.5 for ties, NaN with one class', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('AUC leaves rows with NaN gold out (not counted as negatives)', () => {
    expect(rocAuc([0.1, 0.9, 0.95, 0.99], [0, 1, NaN, NaN])).toBe(1);
  });

  it('macro-F1 averages both classes', () => {
    expect(macroF1([1, 0, 1, 0], [1, 0, 1, 0])).toBe(1);
    // class 1: tp 1, fp 1, fn 0 -> 2/3; class 0: tp 2, fp 0, fn 1 -> 4/5
    expect(macroF1([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });
});

describe('re-weighted span F1', () => {
  it('gives the empty-gold posts 20% of the weight, the rest share 80% equally', () => {
    // Three posts with gold (F1 1, 1, 0) and one empty-gold post with a false span (F1 0).
    const preds = [[1], [2], [], [5]];
    const golds = [[1], [2], [3], []];
    expect(meanF1(preds, golds)).toBeCloseTo(0.5, 10);
    expect(reweightedMeanF1(preds, golds, 0.2)).toBeCloseTo(0.8 * (2 / 3) + 0.2 * 0, 10);
    // The empty-gold post right: it then carries 20% by itself.
    expect(reweightedMeanF1([[1], [2], [], []], golds, 0.2)).toBeCloseTo(0.8 * (2 / 3) + 0.2, 10);
  });

  it('equals the plain mean when one kind of post is missing', () => {
    expect(reweightedMeanF1([[1], []], [[1], [2]])).toBeCloseTo(meanF1([[1], []], [[1], [2]]), 10);
  });
});

describe('expected calibration error', () => {
  it('is 0 when every bin mean matches its positive share', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 10);
  });

  it('weights each bin by its share of rows; a score of 1 falls in the last bin; NaN gold left out', () => {
    // Bin 0: score 0.05, gold 1 -> gap 0.95 (1 row); bin 9: scores 1 and 0.95, gold 1 -> gap 0.025 (2 rows).
    expect(expectedCalibrationError([0.05, 1, 0.95, 0.5], [1, 1, 1, NaN])).toBeCloseTo((0.95 + 2 * 0.025) / 3, 10);
  });
});

describe('obfuscation perturbations', () => {
  it.each(PERTURBATIONS.map((k) => [k]))('%s changes the word and keeps it one gold stretch', (kind) => {
    const text = 'you are a stupid person';
    const post = { id: 't', text, goldCp: [10, 11, 12, 13, 14, 15], ranges: offsetsToRanges(text, [10, 11, 12, 13, 14, 15]) };
    const out = perturbPost(post, mulberry32(3), kind);
    expect(out.text).not.toBe(text);
    expect(out.ranges).toHaveLength(1);
    const [s, e] = out.ranges[0];
    expect(out.text.slice(0, s)).toBe('you are a ');
    expect(out.text.slice(e)).toBe(' person');
  });

  it('the tokenizer recovers masked and leet words', () => {
    const masked = perturbWord('idiot', 'mask', mulberry32(1)).join('');
    expect(masked).toContain('*');
    const leet = perturbWord('stupid', 'leet', mulberry32(1)).join('');
    expect(leet).not.toBe('stupid');
    expect(tokenize(leet)[0].norm).toBe('stupid');
  });
});
