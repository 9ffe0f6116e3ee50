/**
 * The adapter's learning core on synthetic decisions: it recovers a rule the base misses, gives
 * the base back with too few labels, refuses (the gate) what does not beat the base, and is
 * deterministic for a seed.
 */
import { adapterApplies, applyAdapter, auc, fitAdapter, quantize, rowLength, strengthFor, type BaseModels, type LabelledExample, type SiteAdapter } from '../../src/adapt';
import { ENCODER_DIM } from '../../src/encoder/types';
import { mulberry32 } from '../../src/util/prng';
import { CATEGORIES } from '../../src/types';
import { synthetic } from './synthetic';

const train = synthetic(600, 1);
const fresh = synthetic(1000, 2);
const adapter = fitAdapter('site', train, { seed: 1, createdAt: 'test' });

function scores(a: SiteAdapter, xs: LabelledExample[]): number[] {
  return xs.map((e) => applyAdapter(a, e.features).toxicity);
}

describe('fitAdapter', () => {
  it('learns a rule the base misses, and the gate activates it', () => {
    const r = adapter.report;
    expect(r.decisions).toBe(600);
    expect(r.activated).toBe(true);
    expect(r.auc.toxicity!.adapted).toBeGreaterThan(r.auc.toxicity!.base + 0.1);
    const base = auc(fresh.map((e) => e.features.base.toxicity!), fresh.map((e) => e.label));
    const adapted = auc(scores(adapter, fresh), fresh.map((e) => e.label));
    expect(adapted).toBeGreaterThan(base + 0.1);
    expect(adapted).toBeGreaterThan(0.85);
  });

  it('puts the learned weight on the vector direction of the rule', () => {
    const w = adapter.heads.toxicity!.w;
    const vec = w.slice(1 + CATEGORIES.length).map(Math.abs);
    expect(vec.indexOf(Math.max(...vec))).toBe(0);
    expect(w[0]).toBeGreaterThan(0);
  });

  it('reports a learning curve ending at all decisions and a threshold for the target precision', () => {
    const r = adapter.report;
    expect(r.curve.map((p) => p.n)).toEqual([250, 500, 600]);
    expect(r.curve[2].adapted).toBe(r.auc.toxicity!.adapted);
    expect(r.suggestedThreshold).not.toBeNull();
    expect(r.suggestedThreshold!.precision).toBeGreaterThanOrEqual(0.9);
  });

  it.each([0, 10, 30])('with %p decisions (too few positives) gives the base back', (n) => {
    const a = fitAdapter('site', train.slice(0, n), { seed: 1 });
    expect(a.heads).toEqual({});
    expect(a.report.activated).toBe(false);
    for (const e of fresh.slice(0, 20)) {
      const s = applyAdapter(a, e.features);
      expect(s.toxicity).toBe(e.features.base.toxicity);
      for (const c of CATEGORIES) expect(s.categories[c]).toBe(e.features.base[c]);
    }
  });

  it('shrinks toward the base: a huge penalty reproduces the base scores', () => {
    const a = fitAdapter('site', train, { seed: 1, lambdas: [1e7] });
    for (const e of fresh.slice(0, 50)) {
      // The head itself, past its gate (which refuses it: it adds nothing).
      const open = { ...a.report, activated: true, auc: { toxicity: { ...a.report.auc.toxicity!, strength: 1 } } };
      const head = applyAdapter({ ...a, report: open }, e.features).toxicity;
      expect(head).not.toBe(e.features.base.toxicity);
      expect(head).toBeCloseTo(e.features.base.toxicity!, 2);
    }
  });

  it('refuses (the gate) an adapter on a site that decides exactly as the base scores', () => {
    const a = fitAdapter('site', synthetic(600, 3, { vectorWeight: 0 }), { seed: 1 });
    expect(a.heads.toxicity).toBeDefined();
    expect(a.report.activated).toBe(false);
    expect(a.report.auc.toxicity!.adapted).toBeLessThan(a.report.auc.toxicity!.base + a.report.margin);
    const e = fresh[0];
    expect(applyAdapter(a, e.features).toxicity).toBe(e.features.base.toxicity);
  });

  it('keeps each fold from seeing its held-out rows: pure noise with almost no penalty is not learned out of fold', () => {
    // 200 decisions whose labels nothing predicts, 512 noise dimensions: a fit on all of them
    // separates them perfectly. Folds warm-started from that fit scored AUC 1 out of fold.
    const rand = mulberry32(5);
    const noise: LabelledExample[] = Array.from({ length: 200 }, (_, i) => {
      const v = Float32Array.from({ length: ENCODER_DIM }, () => rand() * 2 - 1);
      const norm = Math.hypot(...v);
      return { features: { base: { toxicity: rand() }, vector: quantize(v.map((x) => x / norm)) }, label: (i % 2) as 0 | 1 };
    });
    for (const lambdas of [[0.01], [1000, 0.01]]) {
      const a = fitAdapter('site', noise, { seed: 1, lambdas, curvePoints: [] });
      expect(a.report.auc.toxicity!.adapted).toBeLessThan(0.7);
    }
  });

  it('applies the adapter in full only with strong evidence, half way from the base with weaker, not at all without', () => {
    const o = { margin: 0.01, minZ: 1, fullZ: 2.5 };
    expect(strengthFor(0.05, 0.99, o)).toBe(0);
    expect(strengthFor(0.009, 9, o)).toBe(0);
    expect(strengthFor(0.05, 1, o)).toBe(0.5);
    expect(strengthFor(0.05, 2.49, o)).toBe(0.5);
    expect(strengthFor(0.05, 2.5, o)).toBe(1);
    expect(adapter.report.strength).toBe(1);
  });

  it('at half strength scores the midpoint of the base and the full head in logits, and says so', () => {
    const full = fitAdapter('site', train, { seed: 1, fullZ: 0, curvePoints: [] });
    const half = fitAdapter('site', train, { seed: 1, fullZ: 1e9, curvePoints: [] });
    expect(full.report.strength).toBe(1);
    expect(half.report.strength).toBe(0.5);
    expect(half.report.activated).toBe(true);
    const lg = (p: number): number => Math.log(p / (1 - p));
    for (const e of fresh.slice(0, 50)) {
      const mid = 0.5 * lg(applyAdapter(full, e.features).toxicity) + 0.5 * lg(e.features.base.toxicity!);
      expect(lg(applyAdapter(half, e.features).toxicity)).toBeCloseTo(mid, 6);
    }
    // Its threshold is for the half-strength scores: another cut than the full head's.
    expect(half.report.suggestedThreshold!.threshold).not.toBeCloseTo(full.report.suggestedThreshold!.threshold, 3);
  });

  it('is deterministic for a seed', () => {
    const again = fitAdapter('site', train, { seed: 1, createdAt: 'test' });
    expect(again).toEqual(adapter);
  });

  it('survives a JSON round trip (how stores keep it) with the same scores', () => {
    const back = JSON.parse(JSON.stringify(adapter)) as SiteAdapter;
    expect(back.report.significance!.z).toBeGreaterThan(back.report.significance!.minZ);
    for (const e of fresh.slice(0, 20)) expect(applyAdapter(back, e.features)).toEqual(applyAdapter(adapter, e.features));
  });

  it.each([{ folds: 1 }, { lambdas: [] }, { lambdas: [0] }])('refuses options %p (MOD_ERR_CONFIG)', (opts) => {
    expect(() => fitAdapter('site', train, opts)).toThrow(expect.objectContaining({ code: 'MOD_ERR_CONFIG' }));
  });

  it('versions after the previous one', () => {
    expect(fitAdapter('site', train.slice(0, 5), { previousVersion: 4 }).version).toBe(5);
  });

  it('fits a category head from the moderators\' reasons', () => {
    const a = fitAdapter('site', synthetic(600, 4, { category: 'insult' }), { seed: 1 });
    expect(a.report.auc.insult).toBeDefined();
    expect(a.heads.insult).toBeDefined();
    expect(a.report.auc.threat).toBeUndefined();
  });

  it('caps a category without a head by the adapted toxicity, as the base model does', () => {
    let capped = 0;
    for (const e of fresh) {
      const s = applyAdapter(adapter, e.features);
      const cap = 1 / (1 + Math.exp(-(Math.log(s.toxicity / (1 - s.toxicity)) - Math.log(0.25 / 0.75))));
      const p = e.features.base.profanity!;
      expect(s.categories.profanity).toBeCloseTo(Math.min(p, cap), 6);
      if (cap < p) capped++;
    }
    expect(capped).toBeGreaterThan(20);
  });
});

/**
 * Off-topic decisions of a site: comments in `threads` threads, each thread's comments near its
 * own random topic direction. `rule`: 'vector' rejects as off_topic the comments along vector
 * component 0 (a criterion that carries to new threads, invisible to the base's off_topic);
 * 'thread' rejects every comment of half the threads (nothing that carries to a new thread).
 * With `toxic`, the site also rejects (no category) the comments whose base toxicity says so,
 * exactly as the base scores them (nothing for a toxicity head to learn).
 */
function offTopicSite(n: number, seed: number, rule: 'vector' | 'thread', opts: { threads?: number; toxic?: boolean } = {}): LabelledExample[] {
  const rand = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const threads = opts.threads ?? 40;
  const topics = Array.from({ length: threads }, () => Float32Array.from({ length: ENCODER_DIM }, gauss));
  const offThread = topics.map(() => rand() < 0.5);
  return Array.from({ length: n }, (_, i) => {
    const t = i % threads;
    const v = Float32Array.from({ length: ENCODER_DIM }, (_, j) => topics[t][j] + 0.7 * gauss());
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (v[j] = x / norm));
    const tox = 1 / (1 + Math.exp(-(1.5 * gauss() - 2)));
    const base = { toxicity: tox, ...Object.fromEntries(CATEGORIES.map((c) => [c, tox / 2])), off_topic: 0.2 + 0.6 * rand() };
    const off = rule === 'thread' ? offThread[t] : v[0] * Math.sqrt(ENCODER_DIM) + 0.3 * gauss() > 0.8;
    const toxic = opts.toxic === true && rand() < tox;
    const label = off || toxic ? 1 : 0;
    return { features: { base, vector: quantize(v) }, label, category: off && !toxic ? 'off_topic' : null, group: `thread-${t}` } as LabelledExample;
  });
}

describe('fitAdapter, each attribute gated on its own', () => {
  it('gives a site that rejects only off-topic comments its off_topic head, toxicity left to the base', () => {
    const train = offTopicSite(600, 11, 'vector');
    const a = fitAdapter('site', train, { seed: 1, curvePoints: [] });
    expect(a.heads.toxicity).toBeUndefined();
    expect(a.report.auc.toxicity).toBeUndefined();
    expect(a.report.auc.off_topic!.strength).toBeGreaterThan(0);
    expect(a.report.activated).toBe(true);
    const test = offTopicSite(600, 12, 'vector');
    const y = test.map((e) => (e.category === 'off_topic' ? 1 : 0));
    const adapted = test.map((e) => applyAdapter(a, e.features));
    expect(auc(adapted.map((s) => s.off_topic!), y)).toBeGreaterThan(auc(test.map((e) => e.features.base.off_topic!), y) + 0.2);
    test.forEach((e, i) => {
      expect(adapted[i].toxicity).toBe(e.features.base.toxicity);
      for (const c of CATEGORIES) expect(adapted[i].categories[c]).toBe(e.features.base[c]);
    });
  });

  it('applies the off_topic head while the toxicity head is held back, and says so per attribute', () => {
    const a = fitAdapter('site', offTopicSite(900, 13, 'vector', { toxic: true }), { seed: 1, curvePoints: [] });
    expect(a.heads.toxicity).toBeDefined();
    expect(a.report.auc.toxicity!.strength).toBe(0);
    expect(a.report.strength).toBeUndefined();
    expect(a.report.auc.off_topic!.strength).toBeGreaterThan(0);
    expect(a.report.activated).toBe(true);
    for (const e of offTopicSite(20, 14, 'vector')) {
      const s = applyAdapter(a, e.features);
      expect(s.toxicity).toBe(e.features.base.toxicity);
      expect(s.off_topic).not.toBe(e.features.base.off_topic);
    }
  });

  it('applies the toxicity head with the off_topic one held back', () => {
    // The main synthetic site (toxicity learned from the vector), with off-topic rejections the
    // base's off_topic score already ranks perfectly: nothing for an off_topic head to add.
    const rand = mulberry32(21);
    const ex = synthetic(600, 1).map((e): LabelledExample => {
      const off = e.label === 0 && rand() < 0.2;
      return { ...e, features: { ...e.features, base: { ...e.features.base, off_topic: off ? 0.9 : 0.1 } }, label: off ? 1 : e.label, category: off ? 'off_topic' : e.category };
    });
    const a = fitAdapter('site', ex, { seed: 1, curvePoints: [] });
    expect(a.report.auc.toxicity!.strength).toBe(1);
    expect(a.report.auc.off_topic!.strength).toBe(0);
    expect(a.heads.off_topic).toBeUndefined();
    for (const e of ex.slice(0, 20)) expect(applyAdapter(a, e.features).off_topic).toBe(e.features.base.off_topic);
  });

  it('reads an adapter fitted before per-attribute gates as it was applied: every stored head when activated', () => {
    const { toxicity } = adapter.report.auc;
    const old: SiteAdapter = { ...adapter, report: { ...adapter.report, auc: { toxicity: { base: toxicity!.base, adapted: toxicity!.adapted } } } };
    const e = fresh[0];
    expect(applyAdapter(old, e.features)).toEqual(applyAdapter(adapter, e.features));
    expect(applyAdapter({ ...old, report: { ...old.report, activated: false } }, e.features).toxicity).toBe(e.features.base.toxicity);
  });

  it('cross-validates off_topic by thread: a thread\'s topic learned from its other rows is not a gain', () => {
    // Every comment of half the threads rejected as off-topic: rows of one thread in the training
    // and held-out folds let a head recognise the thread. Grouped by thread, nothing carries.
    const ex = offTopicSite(600, 15, 'thread', { threads: 150 });
    const grouped = fitAdapter('site', ex, { seed: 1, curvePoints: [] });
    const leaky = fitAdapter('site', ex.map(({ group, ...e }) => e), { seed: 1, curvePoints: [] });
    expect(leaky.report.auc.off_topic!.adapted).toBeGreaterThan(0.9);
    expect(grouped.report.auc.off_topic!.adapted).toBeLessThan(0.7);
    expect(grouped.report.auc.off_topic!.strength).toBe(0);
    expect(grouped.heads.off_topic).toBeUndefined();
  });
});

/**
 * A site whose off-topic rule is relative to the article: threads `from`..`from + threads - 1`,
 * each with its own article vector; a native comment lies near its article, an intruder (a
 * third, rejected as off_topic) near another article of the same threads. The base's off_topic
 * score knows it only weakly. With `article`, the features carry the article's vector, as the
 * scorer stores it.
 */
function articleSite(n: number, seed: number, from: number, article: boolean): LabelledExample[] {
  const rand = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const unit = (v: Float32Array): Float32Array => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const threads = 40;
  const topic = (t: number): Float32Array => unit(Float32Array.from({ length: ENCODER_DIM }, (_, j) => Math.sin((t + from + 1) * (j + 1) * 0.61) + Math.cos((t + from + 1) * 1.37 + j * 0.29 * (t + from + 2))));
  const topics = Array.from({ length: threads }, (_, t) => topic(t));
  return Array.from({ length: n }, (_, i) => {
    const t = i % threads;
    const off = rand() < 1 / 3;
    const about = off ? (t + 1 + Math.floor(rand() * (threads - 1))) % threads : t;
    const v = unit(Float32Array.from({ length: ENCODER_DIM }, (_, j) => topics[about][j] + 0.06 * gauss()));
    const tox = 0.05 + 0.1 * rand();
    const base = { toxicity: tox, ...Object.fromEntries(CATEGORIES.map((c) => [c, tox / 2])), off_topic: 1 / (1 + Math.exp(-(0.3 * (off ? 1 : -1) + gauss()))) };
    const features = article ? { base, vector: quantize(v), article: quantize(topics[t]) } : { base, vector: quantize(v) };
    return { features, label: off ? 1 : 0, category: off ? 'off_topic' : null, group: `thread-${from + t}` } as LabelledExample;
  });
}

describe('fitAdapter, the off_topic head reading the article', () => {
  const y = (xs: LabelledExample[]) => xs.map((e) => e.label);
  const offAuc = (a: SiteAdapter, xs: LabelledExample[]) => auc(xs.map((e) => applyAdapter(a, e.features).off_topic!), y(xs));

  it('learns how far a comment lies from its own article, which carries to new articles', () => {
    const withArticle = fitAdapter('site', articleSite(600, 31, 0, true), { seed: 1, curvePoints: [] });
    const without = fitAdapter('site', articleSite(600, 31, 0, false), { seed: 1, curvePoints: [] });
    const head = withArticle.heads.off_topic!;
    expect(head.article).toBe(true);
    expect(head.w.length).toBe(rowLength('off_topic'));
    expect(without.heads.off_topic?.article).toBeUndefined();
    // New threads, new articles: the comment's vector alone says what a comment is about, not
    // whether that is its article's topic.
    const fresh = articleSite(600, 32, 100, true);
    const base = auc(fresh.map((e) => e.features.base.off_topic!), y(fresh));
    expect(offAuc(withArticle, fresh)).toBeGreaterThan(base + 0.15);
    expect(offAuc(withArticle, fresh)).toBeGreaterThan(offAuc(without, fresh) + 0.1);
  });

  it('scores a stored comment without the article\'s vector (older rows) with the same head, and a head fitted without them on rows that have one', () => {
    const withArticle = fitAdapter('site', articleSite(600, 31, 0, true), { seed: 1, curvePoints: [] });
    const without = fitAdapter('site', articleSite(600, 31, 0, false), { seed: 1, curvePoints: [] });
    const [e] = articleSite(1, 33, 200, true);
    const { article: _a, ...old } = e.features;
    expect(applyAdapter(withArticle, old).off_topic).toBeGreaterThan(0);
    expect(applyAdapter(without, e.features).off_topic).toBe(applyAdapter(without, old).off_topic);
    const back = JSON.parse(JSON.stringify(withArticle)) as SiteAdapter;
    expect(applyAdapter(back, e.features).off_topic).toBeCloseTo(applyAdapter(withArticle, e.features).off_topic!, 12);
  });
});

describe('fitAdapter and applyAdapter over one base', () => {
  const H1 = { toxicity: 'moderato-heads 1.1.0' };
  const H2 = { toxicity: 'moderato-heads 1.2.0' };
  const scoredBy = (xs: LabelledExample[], models: BaseModels): LabelledExample[] => xs.map((e) => ({ ...e, features: { ...e.features, models } }));
  // An upgrade: 400 decisions scored by the old base, then the site's 600 scored by the new one.
  const newer = scoredBy(train, H2);
  const mixed = fitAdapter('site', [...scoredBy(synthetic(400, 31), H1), ...newer], { seed: 1, createdAt: 'test' });

  it('fits over the newest decision\'s base and leaves out the decisions another base scored', () => {
    const alone = fitAdapter('site', newer, { seed: 1, createdAt: 'test' });
    expect(mixed.report.base).toEqual(H2);
    expect(mixed.report.otherBase).toEqual({ toxicity: 400, off_topic: 0 });
    expect(mixed.heads).toEqual(alone.heads);
    expect(mixed.report.auc).toEqual(alone.report.auc);
    expect(alone.report.otherBase).toBeUndefined();
  });

  it('counts decisions stored without their base as the newest base\'s', () => {
    const a = fitAdapter('site', [...synthetic(400, 31), ...newer], { seed: 1, createdAt: 'test' });
    const b = fitAdapter('site', [...synthetic(400, 31), ...train], { seed: 1, createdAt: 'test' });
    expect(a.report.base).toEqual(H2);
    expect(a.report.otherBase).toBeUndefined();
    expect(a.heads).toEqual(b.heads);
    expect(b.report.base).toBeUndefined();
  });

  it('applies a head only over the base it was fitted on; unknown bases on either side as before', () => {
    const e = fresh[0];
    const plain = applyAdapter(adapter, e.features).toxicity;
    expect(plain).not.toBeCloseTo(e.features.base.toxicity!, 3);
    expect(applyAdapter(mixed, { ...e.features, models: H2 }).toxicity).toBe(plain);
    expect(applyAdapter(mixed, e.features).toxicity).toBe(plain);
    const over = applyAdapter(mixed, { ...e.features, models: { toxicity: 'moderato-heads 1.3.0' } });
    expect(over.toxicity).toBe(e.features.base.toxicity);
    for (const c of CATEGORIES) expect(over.categories[c]).toBe(e.features.base[c]);
    expect(adapterApplies(mixed, H2)).toBe(true);
    expect(adapterApplies(mixed, undefined)).toBe(true);
    expect(adapterApplies(mixed, { toxicity: 'moderato-heads 1.3.0' })).toBe(false);
    expect(applyAdapter(adapter, { ...e.features, models: { toxicity: 'moderato-heads 1.3.0' } }).toxicity).toBe(plain);
  });

  it('keeps the toxicity rows when only the off-topic model changed, and the off_topic head to its own', () => {
    const site = offTopicSite(900, 11, 'vector');
    const off = (v: string): BaseModels => ({ ...H2, off_topic: `offtopic ${v}` });
    const ex = [...scoredBy(site.slice(0, 300), off('3.2.0')), ...scoredBy(site.slice(300), off('3.4.0'))];
    const a = fitAdapter('site', ex, { seed: 1, curvePoints: [] });
    const alone = fitAdapter('site', ex.slice(300), { seed: 1, curvePoints: [] });
    expect(a.report.base).toEqual(off('3.4.0'));
    expect(a.report.otherBase).toEqual({ toxicity: 0, off_topic: 300 });
    expect(a.report.auc.off_topic).toEqual(alone.report.auc.off_topic);
    expect(a.report.auc.off_topic!.strength).toBeGreaterThan(0);
    const e = offTopicSite(1, 12, 'vector')[0];
    const same = applyAdapter(a, { ...e.features, models: off('3.4.0') });
    expect(same.off_topic).not.toBe(e.features.base.off_topic);
    const other = applyAdapter(a, { ...e.features, models: off('3.5.0') });
    expect(other.off_topic).toBe(e.features.base.off_topic);
    expect(other.toxicity).toBe(same.toxicity);
    expect(adapterApplies(a, off('3.5.0'))).toBe(false);
  });
});
