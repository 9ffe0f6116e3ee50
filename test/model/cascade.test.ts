/**
 * The cascade (issue 29): the encoder sees only the comments whose base toxicity lies in the band;
 * inside it the scores are the heads', outside the base's mapped onto the heads' scale. The real
 * shipped base, heads and sentence encoder, the encoder wrapped to record what it is asked
 * (loaded once for the file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CascadeToxicityModel, checkBand, DEFAULT_CASCADE_BAND, defaultHeadsDir, defaultModelDir, HeadedToxicityModel, loadModel, parseHeadsFile, type CommentPrediction, type HeadsFile, type ToxicityModel } from '../../src/model';
import { loadEncoder } from '../../src/encoder';
import type { SentenceEncoder } from '../../src/encoder/types';
import { isModeratoError } from '../../src/errors';
import { logit, sigmoid } from '../../src/util/math';

const TEXTS = [
  'You are a stupid idiot and nobody likes you.',
  'Thanks for the clear article about the new footbridge.',
  '',
  'This council is a joke, they never listen to anyone.',
  'What a load of rubbish, typical of this paper.',
  'I disagree with the mayor but the plan has some merit.',
  'Shut up, you ignorant fool.',
  'Great photos, thank you!',
  '   ',
  'People like you should not be allowed to vote.',
];

let base: ToxicityModel;
let encoder: SentenceEncoder;
let file: HeadsFile;
/** Every text the encoder was asked to embed, in order. */
const asked: string[] = [];
let calls = 0;
/** The real encoder, recording its inputs. */
const counted: SentenceEncoder = {
  get info() {
    return encoder.info;
  },
  embed: (texts) => {
    calls++;
    asked.push(...texts);
    return encoder.embed(texts);
  },
  dispose: async () => undefined,
};
let heads: HeadedToxicityModel;
let basePreds: CommentPrediction[];
let headPreds: CommentPrediction[];

beforeAll(async () => {
  base = await loadModel();
  encoder = await loadEncoder();
  file = parseHeadsFile(JSON.parse(fs.readFileSync(path.join(defaultHeadsDir(), 'model.json'), 'utf8')));
  heads = new HeadedToxicityModel(base, counted, file, { base: false, encoder: false });
  basePreds = await base.predict(TEXTS);
  headPreds = await heads.predict(TEXTS);
}, 120_000);
afterAll(async () => {
  base.dispose();
  await encoder.dispose();
});
beforeEach(() => {
  asked.length = 0;
  calls = 0;
});

/** What the cascade answers outside the band: the base's toxicity on the heads' scale (the file's map). */
function outsideToxicity(b: number): number {
  const c = file.cascade;
  return c ? sigmoid(c.shift + c.slope * logit(Math.min(1 - 1e-4, Math.max(1e-4, b)))) : b;
}

/** A band that holds some of the texts' base scores and leaves others out on both sides. */
function middleBand(): { low: number; high: number } {
  const s = basePreds.filter((p) => p.tokens.length).map((p) => p.toxicity).sort((a, b) => a - b);
  const k = Math.floor(s.length / 4);
  // Midpoints between neighbours, so no score sits on an edge.
  return { low: (s[k - 1]! + s[k]!) / 2, high: (s[s.length - k - 1]! + s[s.length - k]!) / 2 };
}

describe('CascadeToxicityModel', () => {
  it('sends only the in-band texts to the encoder; inside the heads\' scores, outside the base\'s on the heads\' scale', async () => {
    const band = middleBand();
    const cascade = new CascadeToxicityModel(heads, band, false);
    const preds = await cascade.predict(TEXTS);
    const inside = TEXTS.filter((t, i) => basePreds[i]!.tokens.length && basePreds[i]!.toxicity >= band.low && basePreds[i]!.toxicity <= band.high);
    const outside = TEXTS.filter((t) => !inside.includes(t) && t.trim());
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.length).toBeGreaterThan(0);
    expect(asked).toEqual(inside);
    expect(calls).toBe(1);
    expect(cascade.counts).toEqual({ comments: TEXTS.length, encoded: inside.length });
    preds.forEach((p, i) => {
      const b = basePreds[i]!;
      const isIn = inside.includes(TEXTS[i]!);
      const expected = isIn ? headPreds[i]! : b;
      expect(p.toxicity).toBeCloseTo(isIn ? headPreds[i]!.toxicity : b.tokens.length ? outsideToxicity(b.toxicity) : 0, 6);
      for (const [c, v] of Object.entries(expected.categories)) expect(p.categories[c as keyof typeof p.categories]).toBeCloseTo(v, 6);
      // Spans stay the tagger's: same tokens, same token scores, gated on the base's own toxicity.
      expect(Array.from(p.tokenToxic)).toEqual(Array.from(b.tokenToxic));
      expect(p.spanToxicity ?? p.toxicity).toBeCloseTo(b.toxicity, 6);
      expect(p.vector).toBeUndefined();
    });
    expect(cascade.embeds).toBe(false);
    expect(cascade.band).toEqual(band);
  });

  it('calls no encoder at all when no comment is in the band, and none for empty comments', async () => {
    const none = new CascadeToxicityModel(heads, { low: 1, high: 1 }, false);
    const preds = await none.predict(TEXTS);
    expect(calls).toBe(0);
    preds.forEach((p, i) => expect(p.toxicity).toBeCloseTo(basePreds[i]!.tokens.length ? outsideToxicity(basePreds[i]!.toxicity) : 0, 6));
    // The map is monotone: out of the band, the base's order stands.
    const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);
    expect(order(preds.map((p) => p.toxicity))).toEqual(order(basePreds.map((p) => p.toxicity)));
    const all = new CascadeToxicityModel(heads, { low: 0, high: 1 }, false);
    const everyPred = await all.predict(TEXTS);
    expect(asked).toEqual(TEXTS.filter((t) => t.trim()));
    // The whole range: the heads' model exactly.
    everyPred.forEach((p, i) => expect(p.toxicity).toBeCloseTo(headPreds[i]!.toxicity, 6));
  });

  it.each([
    ['low above high', { low: 0.6, high: 0.4 }],
    ['an edge outside 0..1', { low: -0.1, high: 0.5 }],
    ['NaN', { low: NaN, high: 0.5 }],
  ])('refuses a band with %s (MOD_ERR_CONFIG)', (_w, band) => {
    let e: unknown;
    try {
      checkBand(band);
    } catch (x) {
      e = x;
    }
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
  });

  it('loadModel: a heads folder as a cascade with the file\'s band; never the convolutional model', async () => {
    const m = await loadModel(defaultHeadsDir(), { encoder: counted, cascade: true });
    try {
      expect(m).toBeInstanceOf(CascadeToxicityModel);
      const c = file.cascade;
      expect(m.band).toEqual(c ? { low: c.low, high: c.high } : DEFAULT_CASCADE_BAND);
      expect((m as CascadeToxicityModel).scale).toEqual(c ? { shift: c.shift, slope: c.slope } : undefined);
      expect(m.info.name).toBe(`${file.name}-cascade`);
      expect(m.embeds).toBe(false);
    } finally {
      m.dispose();
    }
    let e: unknown;
    await loadModel(defaultModelDir(), { cascade: true }).catch((x: unknown) => (e = x));
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_CONFIG');
  });

  it('a heads file whose cascade band is upside down is MOD_ERR_MODEL', () => {
    let e: unknown;
    try {
      parseHeadsFile({ ...file, cascade: { low: 0.8, high: 0.2 } });
    } catch (x) {
      e = x;
    }
    expect(isModeratoError(e) && e.code).toBe('MOD_ERR_MODEL');
  });
});
