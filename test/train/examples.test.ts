import { buildCorpus, mentionsIdentity, swapIdentity } from '../../src/train/examples';
import { mulberry32 } from '../../src/util/prng';
import { describeWithDatasets } from '../datasets';

describe('identity augmentation', () => {
  it('swaps the first identity word for another identity term, keeping case and the rest', () => {
    const r = mulberry32(7);
    const t = swapIdentity('Our Muslim neighbours brought soup.', r)!;
    expect(t).toMatch(/^Our [A-Z][a-z]+ neighbours brought soup\.$/);
    expect(mentionsIdentity(t)).toBe(true);
    expect(swapIdentity('The bridge opens on Monday.', r)).toBeNull();
  });
});

describeWithDatasets('corpus weights (small corpus)', () => {
  const cfg = { buckets: 4096, version: 1 };
  const friendlyIdentity = (c: ReturnType<typeof buildCorpus>) =>
    Object.values(c.commentPools).flat().filter((e) => e.spanY && mentionsIdentity(e.text));
  const otherClean = (c: ReturnType<typeof buildCorpus>) =>
    Object.values(c.commentPools).flat().filter((e) => e.spanY && !mentionsIdentity(e.text));

  it('gives clean identity-mentioning comments (and their swaps) their own span weight', () => {
    const c = buildCorpus(cfg, { limit: 400, cleanSpanW: 0.1, identitySpanW: 0.7 });
    expect(friendlyIdentity(c).length).toBeGreaterThan(10);
    for (const e of friendlyIdentity(c)) expect(e.spanW).toBe(0.7);
    for (const e of otherClean(c)) expect(e.spanW).toBe(0.1);
  }, 120000);

  it('adds a disguised copy of tsd posts at obfuscateShare, gold following the disguised words', () => {
    const c = buildCorpus(cfg, { limit: 300, obfuscateShare: 1 });
    const tsd = c.train.filter((e) => e.source === 'tsd');
    const obf = c.train.filter((e) => e.source === 'tsd-obf');
    expect(obf).toHaveLength(tsd.length);
    expect(obf.filter((e, i) => e.text !== tsd[i].text).length).toBeGreaterThan(obf.length * 0.8);
    const positives = (es: typeof obf) => es.reduce((a, e) => a + e.spanY!.reduce((x, y) => x + y, 0), 0);
    expect(positives(obf)).toBeGreaterThan(positives(tsd) * 0.8);
    expect(buildCorpus(cfg, { limit: 300 }).train.some((e) => e.source === 'tsd-obf')).toBe(false);
  }, 120000);

  it('defaults that weight to 1 (ten times the other clean comments)', () => {
    const c = buildCorpus(cfg, { limit: 400 });
    expect(new Set(friendlyIdentity(c).map((e) => e.spanW))).toEqual(new Set([1]));
    expect(new Set(otherClean(c).map((e) => e.spanW))).toEqual(new Set([0.1]));
  }, 120000);
});
