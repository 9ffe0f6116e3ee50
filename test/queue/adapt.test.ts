/**
 * Site adaptation in the queue, on SQLite and PostgreSQL: decisions become their site's labels
 * (with the stored features), imports, versioned adapters with one active, rollback, refits after
 * every N labels in a worker thread, and a fit stopped midway that leaves the previous version.
 */
import { SiteAdaptation, inAuditSample, type Actor, type NewComment, type QueueStore } from '../../src/queue';
import { mulberry32 } from '../../src/util/prng';
import { KINDS, importSimulated, eachTestStore, newComment, siteFeatures } from './helpers';

const mod: Actor = { id: 'key_mod', name: 'mod' };

/** `n` decided comments of `site` with features; every third is rejected. */
async function decided(store: QueueStore, n: number, site: string | null, from = 0, seed = 1): Promise<void> {
  const rand = mulberry32(seed + from);
  const comments: NewComment[] = [];
  for (let i = from; i < from + n; i++) comments.push(newComment(`${site ?? 'none'}-${i}`, { siteId: site, features: siteFeatures(rand, i % 3 === 0) }));
  await store.ingest(comments);
  for (let i = from; i < from + n; i++) await store.decide({ commentId: `${site ?? 'none'}-${i}`, action: i % 3 === 0 ? 'reject' : 'approve', moderator: mod });
}

describe.each(KINDS)('site adaptation on %s', (kind) => {
  const t = eachTestStore(kind);

  it('makes approve/reject (with the category) its site\'s labels; escalations and comments without features are not; no site is "default"', async () => {
    const f = siteFeatures(mulberry32(3), true);
    await t.store.ingest([
      newComment('a', { siteId: 's1', features: f }),
      newComment('b', { siteId: 's1', features: siteFeatures(mulberry32(4), false) }),
      newComment('c', { siteId: 's1', features: f }),
      newComment('d', { siteId: 's1' }),
      newComment('e', { siteId: null, features: f, audit: true, status: 'pending', category: null }),
    ]);
    await t.store.decide({ commentId: 'a', action: 'reject', category: 'threat', moderator: mod });
    await t.store.decide({ commentId: 'b', action: 'escalate', moderator: mod });
    await t.store.decide({ commentId: 'b', action: 'approve', moderator: mod });
    await t.store.decide({ commentId: 'c', action: 'escalate', moderator: mod });
    await t.store.decide({ commentId: 'd', action: 'reject', moderator: mod });
    await t.store.decide({ commentId: 'e', action: 'approve', moderator: mod });
    const s1 = await t.store.siteExamples('s1');
    expect(s1.map((e) => [e.label, e.category])).toEqual([[1, 'threat'], [0, null]]);
    expect(Array.from(s1[0]!.features.vector)).toEqual(Array.from(f.vector));
    expect(s1[0]!.features.base.toxicity).toBeCloseTo(f.base.toxicity!, 10);
    expect(await t.store.siteLabelCount('s1')).toBe(2);
    const def = await t.store.siteExamples('default');
    expect(def).toHaveLength(1);
    expect(def[0]).toMatchObject({ label: 0, audit: true });
    expect((await t.store.getComment('e'))!.audit).toBe(true);
    expect((await t.store.getComment('a'))!.decisions[0]!.category).toBe('threat');
    expect(await t.store.adaptSites()).toEqual([
      { siteId: 'default', labels: 1, activeVersion: null, versions: 0 },
      { siteId: 's1', labels: 2, activeVersion: null, versions: 0 },
    ]);
  });

  it('labels each decision with its thread (else its article) so the fit can keep a thread in one fold; imports have none', async () => {
    const rand = mulberry32(5);
    await t.store.ingest([
      newComment('t', { siteId: 'g', threadId: 'th9', features: siteFeatures(rand, true) }),
      newComment('u', { siteId: 'g', threadId: null, article: { id: 'a7', title: 'A' }, features: siteFeatures(rand, false) }),
      newComment('v', { siteId: 'g', threadId: null, article: { title: 'Only a title' }, features: siteFeatures(rand, false) }),
      newComment('w', { siteId: 'g', threadId: null, features: siteFeatures(rand, false) }),
    ]);
    for (const id of ['t', 'u', 'v', 'w']) await t.store.decide({ commentId: id, action: id === 't' ? 'reject' : 'approve', category: id === 't' ? 'off_topic' : null, moderator: mod });
    await t.store.importLabels('g', [{ id: 'h', text: 'old', label: 0, features: siteFeatures(rand, false) }]);
    expect((await t.store.siteExamples('g')).map((e) => e.group)).toEqual([undefined, 'th9', 'article:a7', 'article:Only a title', undefined]);
  });

  it('keeps the article\'s int8 vector beside the comment\'s (decisions and imports); rows without one read back without it', async () => {
    const rand = mulberry32(6);
    const withArticle = { ...siteFeatures(rand, true), article: Int8Array.from({ length: 512 }, (_, i) => ((i * 37) % 255) - 127) };
    await t.store.ingest([newComment('x', { siteId: 'art', features: withArticle }), newComment('y', { siteId: 'art', features: siteFeatures(rand, false) })]);
    await t.store.decide({ commentId: 'x', action: 'reject', category: 'off_topic', moderator: mod });
    await t.store.decide({ commentId: 'y', action: 'approve', moderator: mod });
    await t.store.importLabels('art', [{ id: 'h', text: 'old', label: 1, category: 'off_topic', features: withArticle }]);
    const ex = await t.store.siteExamples('art');
    expect(ex.map((e) => e.features.article === undefined)).toEqual([false, false, true]);
    for (const e of ex.slice(0, 2)) expect(Array.from(e.features.article!)).toEqual(Array.from(withArticle.article));
    expect(Object.prototype.hasOwnProperty.call(ex[2]!.features, 'article')).toBe(false);
  });

  it('keeps the base models that scored each row (decisions and imports); rows stored without them read back without them', async () => {
    const rand = mulberry32(7);
    const both = { ...siteFeatures(rand, true), models: { toxicity: 'moderato-heads 1.2.0', off_topic: 'offtopic 3.4.0' } };
    const tox = { ...siteFeatures(rand, false), models: { toxicity: 'moderato-heads 1.1.0' } };
    await t.store.ingest([newComment('m1', { siteId: 'mod', features: both }), newComment('m2', { siteId: 'mod', features: tox }), newComment('m3', { siteId: 'mod', features: siteFeatures(rand, false) })]);
    for (const id of ['m1', 'm2', 'm3']) await t.store.decide({ commentId: id, action: id === 'm1' ? 'reject' : 'approve', moderator: mod });
    await t.store.importLabels('mod', [{ id: 'h', text: 'old', label: 0, features: tox }]);
    const ex = await t.store.siteExamples('mod');
    expect(ex.map((e) => e.features.models)).toEqual([tox.models, both.models, tox.models, undefined]);
    expect(Object.prototype.hasOwnProperty.call(ex[3]!.features, 'models')).toBe(false);
  });

  it('imports past decisions once per id, before the queue\'s own labels', async () => {
    await decided(t.store, 2, 'news');
    const rand = mulberry32(9);
    const rows = [0, 1, 2].map((i) => ({ id: `h${i}`, text: `old ${i}`, label: (i === 0 ? 1 : 0) as 0 | 1, category: i === 0 ? ('insult' as const) : null, features: siteFeatures(rand, i === 0) }));
    expect(await t.store.importLabels('news', rows)).toBe(3);
    expect(await t.store.importLabels('news', rows.slice(0, 2))).toBe(0);
    expect((await t.store.importedIds('news', ['h0', 'h2', 'zz'])).sort()).toEqual(['h0', 'h2']);
    expect(await t.store.importedIds('other', ['h0'])).toEqual([]);
    const ex = await t.store.siteExamples('news');
    expect(ex.map((e) => e.label)).toEqual([1, 0, 0, 1, 0]);
    expect((await t.store.siteExamples('news', { limit: 2 })).map((e) => e.label)).toEqual([1, 0]);
    expect(await t.store.siteLabelCount('news')).toBe(5);
  });

  it('versions adapters per site with at most one active, and rolls back to any version', async () => {
    const report = (activated: boolean, decisions: number) => ({ decisions, positives: 1, auc: {}, activated, margin: 0.01, suggestedThreshold: null, curve: [] });
    const v1 = await t.store.saveAdapter({ siteId: 's', heads: { toxicity: { w: [1, 2], b: 0 } }, report: report(true, 10) }, { activate: true, createdBy: 'cli' });
    const v2 = await t.store.saveAdapter({ siteId: 's', heads: {}, report: report(false, 20) }, { activate: false });
    const v3 = await t.store.saveAdapter({ siteId: 's', heads: { toxicity: { w: [3], b: 1 } }, report: report(true, 30) }, { activate: true });
    await t.store.saveAdapter({ siteId: 'other', heads: {}, report: report(true, 5) }, { activate: true });
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    expect(v1).toMatchObject({ siteId: 's', active: true, createdBy: 'cli' });
    expect((await t.store.adapterVersions('s')).map((v) => [v.version, v.active])).toEqual([[3, true], [2, false], [1, false]]);
    expect((await t.store.getAdapter('s'))!.heads).toEqual({ toxicity: { w: [3], b: 1 } });
    const back = await t.store.activateAdapter('s', 1);
    expect(back).toMatchObject({ version: 1, active: true });
    expect((await t.store.getAdapter('s'))!.version).toBe(1);
    expect((await t.store.getAdapter('s', 3))!.report.decisions).toBe(30);
    expect((await t.store.adapterVersions('s')).filter((v) => v.active).map((v) => v.version)).toEqual([1]);
    expect((await t.store.getAdapter('other'))!.version).toBe(1);
    await expect(t.store.activateAdapter('s', 9)).rejects.toMatchObject({ code: 'MOD_ERR_NOT_FOUND' });
    expect((await t.store.getAdapter('s'))!.version).toBe(1);
    expect(await t.store.activateAdapter('s', null)).toBeNull();
    expect(await t.store.getAdapter('s')).toBeNull();
  });

  it('keeps one active version when activations race', async () => {
    const report = { decisions: 1, positives: 1, auc: {}, activated: true, margin: 0.01, suggestedThreshold: null, curve: [] };
    await Promise.all([1, 2, 3, 4].map(() => t.store.saveAdapter({ siteId: 'r', heads: {}, report }, { activate: true })));
    await Promise.all([1, 2, 3, 4].map((v) => t.store.activateAdapter('r', v)));
    const versions = await t.store.adapterVersions('r');
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    expect(versions.filter((v) => v.active)).toHaveLength(1);
  });

  it('refits in a worker after every N new labels, activates only what beats the base, and serves the active one', async () => {
    const fits: string[] = [];
    const activations: string[] = [];
    const adapt = new SiteAdaptation(t.store, { refitEvery: 60, onFit: (o) => fits.push(o), onActivate: (r) => activations.push(r) });
    await decided(t.store, 59, 'news');
    expect(await adapt.afterDecision('news')).toBe(false);
    await decided(t.store, 1, 'news', 59);
    expect(await adapt.afterDecision('news')).toBe(true);
    await adapt.idle();
    let versions = await t.store.adapterVersions('news');
    expect(versions).toHaveLength(1);
    expect(versions[0]!.report.decisions).toBe(60);
    // Not due again until 60 more labels.
    await decided(t.store, 30, 'news', 60);
    expect(await adapt.afterDecision('news')).toBe(false);
    await decided(t.store, 90, 'news', 90);
    expect(await adapt.afterDecision('news')).toBe(true);
    await adapt.idle();
    versions = await t.store.adapterVersions('news');
    expect(versions.map((v) => v.report.decisions)).toEqual([180, 60]);
    const v2 = versions[0]!;
    expect(v2.report.auc.toxicity!.adapted).toBeGreaterThan(v2.report.auc.toxicity!.base);
    expect(v2.active).toBe(v2.report.activated);
    expect(v2.report.activated).toBe(true);
    expect(fits).toHaveLength(2);
    expect(activations.length).toBe(fits.filter((f) => f === 'activated').length);
    expect((await adapt.adapterFor('news'))!.version).toBe(2);
    expect(await adapt.adapterFor('elsewhere')).toBeNull();
  });

  it('keeps the base when the fit cannot beat it (the base already ranks every decision right)', async () => {
    const rand = mulberry32(5);
    const comments = Array.from({ length: 120 }, (_, i) => newComment(`n${i}`, { siteId: 'agree', features: siteFeatures(rand, rand() < 0.5) }));
    await t.store.ingest(comments);
    for (const c of comments) await t.store.decide({ commentId: c.id, action: c.features!.base.toxicity! > 0.35 ? 'reject' : 'approve', moderator: mod });
    const adapt = new SiteAdaptation(t.store, { refitEvery: 0 });
    const out = await adapt.fit('agree');
    expect(out.version.report.auc.toxicity!.base).toBe(1);
    expect(out.activated).toBe(false);
    expect(out.version.active).toBe(false);
    expect(await t.store.getAdapter('agree')).toBeNull();
  });

  it('leaves the previous version active when a fit is stopped midway (its thread is killed; nothing is written)', async () => {
    await decided(t.store, 90, 'k');
    const adapt = new SiteAdaptation(t.store, { refitEvery: 0 });
    const first = await adapt.fit('k');
    // Active whatever the gate said: the point is what a stopped fit leaves.
    if (!first.activated) await adapt.activate('k', first.version.version);
    // Many more labels, imported in one go (deciding them one by one is slow), so the next fit runs for seconds and the stop lands inside it.
    await importSimulated(t.store, 'k', 4000);
    const stop = new AbortController();
    const fit = adapt.fit('k', { signal: stop.signal });
    setTimeout(() => stop.abort(), 150);
    await expect(fit).rejects.toMatchObject({ code: 'MOD_ERR_INTERNAL' });
    expect((await t.store.adapterVersions('k')).map((v) => [v.version, v.active])).toEqual([[1, true]]);
    expect((await adapt.adapterFor('k'))!.version).toBe(1);
  });

  it('refuses to fit on too few labels or one class only', async () => {
    await decided(t.store, 5, 'tiny');
    await expect(new SiteAdaptation(t.store).fit('tiny')).rejects.toMatchObject({ code: 'MOD_ERR_VALIDATION' });
  });
});

describe('audit sample', () => {
  it('draws the same comments every time, about the configured share', () => {
    const ids = Array.from({ length: 20000 }, (_, i) => `c${i}`);
    const drawn = ids.filter((id) => inAuditSample(id, 0.02));
    expect(drawn.length / ids.length).toBeGreaterThan(0.015);
    expect(drawn.length / ids.length).toBeLessThan(0.025);
    expect(ids.filter((id) => inAuditSample(id, 0.02))).toEqual(drawn);
    expect(ids.some((id) => inAuditSample(id, 0))).toBe(false);
    expect(ids.every((id) => inAuditSample(id, 1))).toBe(true);
  });
});
