import { CATEGORIES } from '../../src/types';
import { hatexplainPost, loadHatexplain, majorityRanges, type HatexplainRow } from '../../src/data';
import { describeWithDatasets } from '../datasets';

const IA = CATEGORIES.indexOf('identity_attack');

describe('hatexplainPost', () => {
  const row: HatexplainRow = {
    post_id: 'x_gab',
    official_split: 'val',
    tokens: ['<user>', 'those', '😀', 'vermin', 'must', 'go'],
    labels: ['hatespeech', 'hatespeech', 'normal'],
    targets_per_annotator: [['Islam'], ['None'], ['None']],
    rationale_source: 'per_annotator(hf_format)',
    rationale_token_idx: [[3, 4], [2, 3]],
  };

  it('joins tokens with single spaces and gives exact UTF-16 word offsets (emoji included)', () => {
    const p = hatexplainPost(row);
    expect(p.text).toBe('<user> those 😀 vermin must go');
    for (const w of p.words) expect(p.text.slice(w.start, w.end)).toBe(w.token);
  });

  it('rationale shares over 3 annotators, majority = marked by >= 2', () => {
    const p = hatexplainPost(row);
    expect(p.words.map((w) => w.rationaleShare)).toEqual([0, 0, 1 / 3, 2 / 3, 1 / 3, 0]);
    expect(p.words.map((w) => w.majority)).toEqual([false, false, false, true, false, false]);
    expect(majorityRanges(p).map(([s, e]) => p.text.slice(s, e))).toEqual(['vermin']);
  });

  it('labels: soft toxicity share, majority label, identity_attack = hatespeech votes with a target', () => {
    const p = hatexplainPost(row);
    expect(p.toxicity).toBeCloseTo(2 / 3, 10);
    expect(p.label).toBe('hatespeech');
    expect(p.toxicBinary).toBe(1);
    expect(p.categories[IA]).toBeCloseTo(1 / 3, 10);
    expect(p.split).toBe('dev');
    const undecided = hatexplainPost({ ...row, labels: ['hatespeech', 'offensive', 'normal'] });
    expect(undecided.label).toBeNull();
    expect(undecided.toxicBinary).toBeNaN();
  });
});

describeWithDatasets('HateXplain loader', () => {
  let all: ReturnType<typeof loadHatexplain> = [];
  beforeAll(() => {
    all = loadHatexplain('all');
  });

  it('has the counts of SOURCE.md, val kept as dev', () => {
    expect(all).toHaveLength(10336);
    const dev = all.filter((p) => p.split === 'dev');
    expect(dev).toHaveLength(1922);
    expect(loadHatexplain('dev')).toHaveLength(1922);
    expect(all.filter((p) => p.rationaleSource === 'majority')).toHaveLength(2724);
    expect(all.filter((p) => p.label === null)).toHaveLength(919);
    // val majorities: normal 781, hatespeech 593, offensive 548.
    expect(dev.filter((p) => p.toxicBinary === 0)).toHaveLength(781);
    expect(dev.filter((p) => p.label === 'hatespeech')).toHaveLength(593);
  });

  it('word offsets slice back exactly on every post', () => {
    const bad: string[] = [];
    for (const p of all) {
      for (const w of p.words) if (p.text.slice(w.start, w.end) !== w.token) bad.push(`${p.id} ${w.token}`);
      for (const [s, e] of majorityRanges(p)) if (p.text[s] === ' ' || p.text[e - 1] === ' ') bad.push(`${p.id} range ${s}-${e}`);
    }
    expect(bad).toEqual([]);
  });

  it('majority rationales sit on toxic posts and identity_attack mostly on hatespeech', () => {
    const dev = all.filter((p) => p.split === 'dev');
    const withRat = dev.filter((p) => p.hasMajorityRationale);
    expect(withRat.length).toBeGreaterThan(900);
    expect(withRat.every((p) => p.toxicBinary === 1)).toBe(true);
    const hs = dev.filter((p) => p.label === 'hatespeech');
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(hs.map((p) => p.categories[IA]))).toBeGreaterThan(0.6);
    expect(mean(dev.filter((p) => p.label === 'normal').map((p) => p.categories[IA]))).toBeLessThan(0.1);
  });
});
