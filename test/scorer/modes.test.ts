/**
 * The scorer built from model objects: fast and accurate modes, the sentence-encoder heads behind
 * the model interface, stored features and site adapters (issue 27 parts 2 and 4's scorer side).
 * One conv model and one encoder for the whole file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer, createScorerPool, SCORER_MODES, type Scorer } from '../../src/scorer';
import { defaultHeadsDir, HeadedToxicityModel, HEAD_OUTPUTS, loadModel, parseHeadsFile, type HeadsFile, type ToxicityModel } from '../../src/model';
import { loadEncoder } from '../../src/encoder';
import { dequantize } from '../../src/adapt/features';
import type { SentenceEncoder } from '../../src/encoder/types';
import type { SiteAdapter } from '../../src/adapt/types';
import { CATEGORIES } from '../../src/types';
import { articleText } from '../../src/topic';
import { isModeratoError } from '../../src/errors';

const DIM = 512;
const comments = [
  { id: 'a', text: 'You are a stupid idiot and nobody likes you.' },
  { id: 'b', text: 'Thanks for the clear article about the new footbridge.' },
  { id: 'c', text: '' },
];

/** Heads that reproduce the base outputs (weight 1 on each output's own logit), plus `extra` on the vector. */
function identityHeads(base: ToxicityModel, extra: Partial<Record<'toxicity', { vector: number[]; b: number }>> = {}): HeadsFile {
  const nb = HEAD_OUTPUTS.length;
  const heads: HeadsFile['heads'] = {};
  HEAD_OUTPUTS.forEach((k, i) => {
    const w = new Array(nb + DIM).fill(0);
    w[i] = 1;
    const e = extra[k as 'toxicity'];
    if (e) e.vector.forEach((v, j) => (w[nb + j] = v));
    heads[k] = { w, b: e?.b ?? 0 };
  });
  return parseHeadsFile({
    format: 'moderato-heads',
    name: 'test-heads',
    version: '0.0.1',
    base: { dir: '../toxicity', version: base.info.version },
    encoder: { name: 'any', dim: DIM },
    inputs: { base: [...HEAD_OUTPUTS], shift: new Array(nb + DIM).fill(0), scale: new Array(nb + DIM).fill(1) },
    heads,
    thresholds: {},
  });
}

function adapter(b: number): SiteAdapter {
  const w = new Array(HEAD_OUTPUTS.length + DIM).fill(0);
  w[0] = 1;
  return {
    siteId: 'harbour-news',
    version: 3,
    createdAt: '2026-12-07T00:00:00Z',
    heads: { toxicity: { w, b } },
    report: { decisions: 0, positives: 0, auc: {}, activated: true, margin: 0, suggestedThreshold: null, curve: [] },
  };
}

async function error(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => null, (e: unknown) => e);
}

let base: ToxicityModel;
let encoder: SentenceEncoder;
let fast: Scorer;
let accurate: Scorer;
beforeAll(async () => {
  base = await loadModel();
  encoder = await loadEncoder();
  fast = await createScorer({ model: base });
  accurate = await createScorer({ model: new HeadedToxicityModel(base, encoder, identityHeads(base), { base: false, encoder: false }) });
}, 120_000);
afterAll(async () => {
  fast.dispose();
  accurate.dispose();
  base.dispose();
  await encoder.dispose();
});

describe('createScorer from model objects', () => {
  it('says its mode, and the heads that reproduce the base outputs score as the fast mode does', async () => {
    expect(fast.info.mode).toBe('fast');
    expect(accurate.info.mode).toBe('accurate');
    const [f, a] = [await fast.score({ comments }), await accurate.score({ comments })];
    f.forEach((r, i) => {
      expect(a[i]!.toxicity).toBeCloseTo(r.toxicity, 3);
      for (const c of CATEGORIES) expect(a[i]!.categories[c]).toBeCloseTo(r.categories[c], 3);
      expect(a[i]!.spans).toEqual(r.spans);
      expect(r.adapter).toBeNull();
      expect(r.features).toBeUndefined();
    });
  });

  it('shares a model between scorers with other thresholds, and leaves it loaded when disposed', async () => {
    const strict = await createScorer({ model: base, thresholds: { toxicity: 0.01 } });
    const [r] = await strict.score({ comments: [comments[1]!] });
    expect(r!.flagged).toBe(true);
    strict.dispose();
    expect((await fast.score({ comments: [comments[1]!] }))[0]!.flagged).toBe(false);
  });

  it('heads read the sentence vector: a weight on it moves toxicity', async () => {
    const [v] = await encoder.embed([comments[1]!.text]);
    // Toward the thank-you's own direction: its toxicity must rise, the insult's much less.
    const heads = identityHeads(base, { toxicity: { vector: Array.from(v!, (x) => 40 * x), b: -20 } });
    const m = new HeadedToxicityModel(base, encoder, heads, { base: false, encoder: false });
    const [bad, good] = await m.predict([comments[0]!.text, comments[1]!.text]);
    const [fb, fg] = await base.predict([comments[0]!.text, comments[1]!.text]);
    expect(good!.toxicity).toBeGreaterThan(fg!.toxicity + 0.2);
    expect(bad!.toxicity).toBeLessThan(fb!.toxicity);
    expect(good!.vector).toHaveLength(DIM);
  });

  it('loadModel reads a moderato-heads file into the headed model, over the base it names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-heads-'));
    try {
      const heads = { ...identityHeads(base), base: { dir: path.join(__dirname, '..', '..', 'models', 'toxicity'), version: base.info.version }, encoder: { name: encoder.info.name, dim: DIM } };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(heads));
      const m = await loadModel(dir, { encoder });
      const s = await createScorer({ model: m, mode: 'accurate' });
      expect(m.embeds).toBe(true);
      expect(s.info.name).toBe('test-heads');
      expect((await s.score({ comments }))[0]!.toxicity).toBeCloseTo((await fast.score({ comments }))[0]!.toxicity, 3);
      s.dispose();
      m.dispose();
      // The encoder was given, so the model left it loaded.
      expect(await encoder.embed(['still here'])).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['accurate asked of the convolutional model', { mode: 'accurate' as const }],
    ['an unknown mode', { mode: 'turbo' as never }],
  ])('refuses %s with MOD_ERR_CONFIG', async (_w, opts) => {
    const e = await error(createScorer({ model: base, ...opts }));
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
  });
});

describe('stored features and site adapters', () => {
  it('withFeatures: the base outputs and the int8 sentence vector, once per comment', async () => {
    const rs = await accurate.score({ comments, withFeatures: true });
    const vectors = await encoder.embed(comments.map((c) => c.text));
    rs.forEach((r, i) => {
      const f = r.features!;
      expect(f.base.toxicity).toBeCloseTo(r.toxicity, 3);
      expect(f.base.off_topic).toBeCloseTo(r.offTopic!, 3);
      expect(f.vector).toBeInstanceOf(Int8Array);
      const d = dequantize(f.vector);
      let dot = 0;
      for (let k = 0; k < DIM; k++) dot += d[k]! * vectors[i]![k]!;
      expect(dot).toBeGreaterThan(0.98);
    });
  });

  it('withFeatures and an article: the article\'s int8 vector beside each comment\'s (the off_topic head reads both); none without an article', async () => {
    const article = { title: 'Council approves the new footbridge', body: 'The harbour footbridge opens in May after a vote.' };
    const rs = await accurate.score({ comments: comments.slice(0, 2), article, withFeatures: true });
    const [expected] = await encoder.embed([articleText(article)]);
    for (const r of rs) {
      const a = dequantize(r.features!.article!);
      let dot = 0;
      for (let k = 0; k < DIM; k++) dot += a[k]! * expected![k]!;
      expect(dot).toBeGreaterThan(0.98);
    }
    const plain = await accurate.score({ comments: comments.slice(0, 2), withFeatures: true });
    expect(plain.every((r) => r.features!.article === undefined)).toBe(true);
  });

  it('an adapter rescored toxicity and is named in every result; without one, adapter is null', async () => {
    // Independent comments: no off-topic reasons, so only toxicity can flag.
    const plain = await accurate.score({ comments, independent: true });
    const same = await accurate.score({ comments, independent: true, adapter: adapter(0) });
    const harsh = await accurate.score({ comments, independent: true, adapter: adapter(8) });
    same.forEach((r, i) => {
      expect(r.adapter).toEqual({ siteId: 'harbour-news', version: 3 });
      expect(r.toxicity).toBeCloseTo(plain[i]!.toxicity, 3);
      expect(r.features).toBeUndefined();
    });
    expect(harsh[1]!.toxicity).toBeGreaterThan(0.9);
    expect(harsh[1]!.flagged).toBe(true);
    expect(plain[1]!.flagged).toBe(false);
    expect(plain.every((r) => r.adapter === null)).toBe(true);
  });

  it('an adapter that did not pass its gate scores nothing and is not named', async () => {
    const off = { ...adapter(8), report: { ...adapter(8).report, activated: false } };
    const plain = await accurate.score({ comments, independent: true });
    const rs = await accurate.score({ comments, independent: true, adapter: off });
    expect(rs.map((r) => r.toxicity)).toEqual(plain.map((r) => r.toxicity));
    expect(rs.every((r) => r.adapter === null)).toBe(true);
  });

  it('features name the base models that scored them; an adapter fitted over another base applies nothing and is not named', async () => {
    const toxicity = `${accurate.info.name} ${accurate.info.version}`;
    const [inThread] = await accurate.score({ comments: comments.slice(0, 2), withFeatures: true });
    expect(toxicity).toBe('test-heads 0.0.1');
    expect(inThread!.features!.models).toEqual({ toxicity, off_topic: expect.stringMatching(/^offtopic \d+\.\d+\.\d+$/) });
    const [alone] = await accurate.score({ comments: comments.slice(0, 1), independent: true, withFeatures: true });
    expect(alone!.features!.models).toEqual({ toxicity });
    const plain = await accurate.score({ comments, independent: true });
    const over = (t: string): SiteAdapter => ({ ...adapter(8), report: { ...adapter(8).report, base: { toxicity: t } } });
    const stale = await accurate.score({ comments, independent: true, adapter: over('test-heads 0.0.0') });
    expect(stale.map((r) => r.toxicity)).toEqual(plain.map((r) => r.toxicity));
    expect(stale.every((r) => r.adapter === null)).toBe(true);
    const same = await accurate.score({ comments, independent: true, adapter: over(toxicity) });
    expect(same[1]!.toxicity).toBeGreaterThan(0.9);
    expect(same.every((r) => r.adapter !== null)).toBe(true);
  });

  it.each([
    ['an adapter', { adapter: adapter(0) }],
    ['stored features', { withFeatures: true }],
  ])('%s in fast mode is MOD_ERR_CONFIG', async (_w, extra) => {
    const e = await error(fast.score({ comments, ...extra }));
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
  });
});

describe('the shipped heads (models/heads)', () => {
  let shipped: Scorer;
  let headed: ToxicityModel;
  beforeAll(async () => {
    // The shipped file over the already-loaded base (loadModel's own reading is tested above).
    const file = parseHeadsFile(JSON.parse(fs.readFileSync(path.join(defaultHeadsDir(), 'model.json'), 'utf8')));
    headed = new HeadedToxicityModel(base, encoder, file, { base: false, encoder: false });
    shipped = await createScorer({ model: headed });
  }, 120_000);
  afterAll(() => {
    shipped.dispose();
    headed.dispose();
  });

  it('load as accurate, pass the load check and keep the tagger\'s spans', async () => {
    expect(shipped.info.mode).toBe('accurate');
    expect(shipped.info.name).toBe('moderato-toxicity-heads');
    const [bad, good] = await shipped.score({ comments: comments.slice(0, 2), independent: true });
    expect(bad!.toxicity).toBeGreaterThan(0.5);
    expect(good!.toxicity).toBeLessThan(0.5);
    const [fb] = await fast.score({ comments: comments.slice(0, 1), independent: true });
    expect(bad!.spans).toEqual(fb!.spans);
  });

  it('score the same in a pool thread (the encoder runs there), features included', async () => {
    const pool = createScorerPool({ threads: 1, scorer: { mode: 'accurate' } });
    try {
      expect((await pool.ready()).mode).toBe('accurate');
      const req = { comments, withFeatures: true, adapter: adapter(1) };
      const [inThread, here] = [await pool.score(req), await shipped.score(req)];
      // The published (4-decimal) results agree; the raw features to float rounding of the encoder runs.
      const strip = (rs: typeof here) => rs.map(({ features: _f, ...r }) => r);
      expect(strip(inThread)).toEqual(strip(here));
      inThread.forEach((r, i) => {
        // Structured clone keeps the typed array (Int8Array of another realm under jest).
        expect(Object.prototype.toString.call(r.features!.vector)).toBe('[object Int8Array]');
        expect(r.features!.base.toxicity).toBeCloseTo(here[i]!.features!.base.toxicity!, 6);
        const off = r.features!.vector.reduce((n, v, k) => n + (v !== here[i]!.features!.vector[k] ? 1 : 0), 0);
        expect(off).toBeLessThanOrEqual(2);
      });
    } finally {
      await pool.close();
    }
  }, 120_000);
});

describe('cascade mode (issue 29)', () => {
  // Heads one logit below the base on toxicity: wherever they score, toxicity differs from fast.
  let headed: HeadedToxicityModel;
  beforeAll(() => {
    headed = new HeadedToxicityModel(base, encoder, identityHeads(base, { toxicity: { vector: new Array(DIM).fill(0), b: -1 } }), { base: false, encoder: false });
  });

  it('is a scorer mode; a heads model given for it scores with the heads only inside the band', async () => {
    expect(SCORER_MODES).toContain('cascade');
    const accurateHeads = await createScorer({ model: headed });
    const all = await createScorer({ model: headed, mode: 'cascade', cascade: { low: 0, high: 1 } });
    const none = await createScorer({ model: headed, cascade: { low: 1, high: 1 } });
    expect([all.info.mode, none.info.mode]).toEqual(['cascade', 'cascade']);
    const [a, c, n, f] = [await accurateHeads.score({ comments }), await all.score({ comments }), await none.score({ comments }), await fast.score({ comments })];
    expect(c.map((r) => r.toxicity)).toEqual(a.map((r) => r.toxicity));
    expect(n.map((r) => r.toxicity)).toEqual(f.map((r) => r.toxicity));
    expect(c[0]!.toxicity).toBeLessThan(f[0]!.toxicity);
    expect(c[0]!.spans).toEqual(f[0]!.spans);
    for (const s of [all, none, accurateHeads]) s.dispose();
    // The cascade was a view: the heads model it wrapped stays usable.
    expect(await headed.predict(['still here'])).toHaveLength(1);
  });

  it.each([
    ['an adapter', { adapter: adapter(0) }],
    ['stored features', { withFeatures: true }],
  ])('%s in cascade mode is MOD_ERR_CONFIG (not every comment has a vector)', async (_w, extra) => {
    const s = await createScorer({ model: headed, mode: 'cascade' });
    try {
      const e = await error(s.score({ comments, ...extra }));
      expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
    } finally {
      s.dispose();
    }
  });

  it.each([
    ['cascade asked of the convolutional model', { model: () => base, mode: 'cascade' as const }],
    ['an upside-down band', { model: () => headed, mode: 'cascade' as const, cascade: { low: 0.9, high: 0.1 } }],
  ])('refuses %s with MOD_ERR_CONFIG', async (_w, { model, ...opts }) => {
    const e = await error(createScorer({ model: model(), ...opts }));
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
  });
});
