import { postF1, meanF1, rocAuc, macroF1, rangesToCodePoints } from '../../src/train/metrics';
import { perturbPost, perturbWord, PERTURBATIONS } from '../../src/train/perturb';
import { rng } from '../../src/train/trainer';
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

  it('macro-F1 averages both classes', () => {
    expect(macroF1([1, 0, 1, 0], [1, 0, 1, 0])).toBe(1);
    // class 1: tp 1, fp 1, fn 0 -> 2/3; class 0: tp 2, fp 0, fn 1 -> 4/5
    expect(macroF1([1, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });
});

describe('obfuscation perturbations', () => {
  it.each(PERTURBATIONS.map((k) => [k]))('%s changes the word and keeps it one gold stretch', (kind) => {
    const text = 'you are a stupid person';
    const post = { id: 't', text, goldCp: [10, 11, 12, 13, 14, 15], ranges: offsetsToRanges(text, [10, 11, 12, 13, 14, 15]) };
    const out = perturbPost(post, rng(3), kind);
    expect(out.text).not.toBe(text);
    expect(out.ranges).toHaveLength(1);
    const [s, e] = out.ranges[0];
    expect(out.text.slice(0, s)).toBe('you are a ');
    expect(out.text.slice(e)).toBe(' person');
  });

  it('the tokenizer recovers masked and leet words', () => {
    const masked = perturbWord('idiot', 'mask', rng(1)).join('');
    expect(masked).toContain('*');
    const leet = perturbWord('stupid', 'leet', rng(1)).join('');
    expect(leet).not.toBe('stupid');
    expect(tokenize(leet)[0].norm).toBe('stupid');
  });
});
