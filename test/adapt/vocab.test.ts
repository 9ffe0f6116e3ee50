/**
 * The site-vocabulary experiment (eval:adapt --vocab): heads with hashed-word columns beside
 * their row learn a word the base and the vector miss, choose the vocabulary's penalty in the
 * cross-validation, and refuse features without the comment's words.
 */
import { applyAdapter, auc, fitAdapter, type LabelledExample } from '../../src/adapt';
import { mulberry32 } from '../../src/util/prng';
import { synthetic } from './synthetic';

const WORD = 100;

/** Decisions as the base scores, plus: every comment with WORD (a third of them) is rejected. */
function withWord(n: number, seed: number): LabelledExample[] {
  const rand = mulberry32(seed + 99);
  return synthetic(n, seed, { vectorWeight: 0 }).map((e) => {
    const ids = new Set<number>([Math.floor(rand() * 64), Math.floor(rand() * 64), Math.floor(rand() * 64)]);
    const has = rand() < 1 / 3;
    if (has) ids.add(WORD);
    return { ...e, features: { ...e.features, vocab: Int32Array.from(ids) }, label: has ? 1 : e.label };
  });
}

const train = withWord(400, 1);
const fresh = withWord(1000, 2);
const labels = fresh.map((e) => e.label);
const vocab = { buckets: 128, factors: [0.03, 1] };

describe('fitAdapter with a site vocabulary', () => {
  it('learns a word the base misses, which the head without a vocabulary cannot', () => {
    const a = fitAdapter('site', train, { seed: 1, createdAt: 'test', curvePoints: [], vocab });
    const plain = fitAdapter('site', train, { seed: 1, createdAt: 'test', curvePoints: [] });
    expect(a.report.activated).toBe(true);
    expect(a.heads.toxicity!.vocab![WORD]).toBeGreaterThan(1);
    const base = auc(fresh.map((e) => e.features.base.toxicity!), labels);
    const adapted = auc(fresh.map((e) => applyAdapter(a, e.features).toxicity), labels);
    const without = auc(fresh.map((e) => applyAdapter(plain, e.features).toxicity), labels);
    expect(adapted).toBeGreaterThan(base + 0.05);
    expect(adapted).toBeGreaterThan(without + 0.05);
  });

  it('survives a JSON round trip with the same scores', () => {
    const a = fitAdapter('site', train, { seed: 1, createdAt: 'test', curvePoints: [], vocab });
    const back = JSON.parse(JSON.stringify(a));
    expect(fresh.slice(0, 20).map((e) => applyAdapter(back, e.features).toxicity)).toEqual(fresh.slice(0, 20).map((e) => applyAdapter(a, e.features).toxicity));
  });

  it('refuses to score features without the comment\'s words with a vocabulary head (MOD_ERR_MODEL)', () => {
    const a = fitAdapter('site', train, { seed: 1, createdAt: 'test', curvePoints: [], vocab });
    const { vocab: _, ...bare } = fresh[0].features;
    expect(() => applyAdapter(a, bare)).toThrow(expect.objectContaining({ code: 'MOD_ERR_MODEL' }));
  });

  it.each([{ buckets: 0, factors: [1] }, { buckets: 128, factors: [] }, { buckets: 128, factors: [0] }])('refuses vocab %p (MOD_ERR_CONFIG)', (v) => {
    expect(() => fitAdapter('site', train, { vocab: v })).toThrow(expect.objectContaining({ code: 'MOD_ERR_CONFIG' }));
  });
});
