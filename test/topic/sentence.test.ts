/**
 * The off-topic sentence stage (src/topic/sentence.ts): its inputs measured on small hand-made
 * vectors where each cosine is known, the article text it embeds, and the model's use of it
 * (vectors change the scores only when given; a wrong vector count is refused).
 */
import { articleText, ARTICLE_CHARS, combineStage, sentenceInputs, stageScores, SENTENCE_INPUTS, type SentenceStage } from '../../src/topic/sentence';
import { loadOffTopicModel, OffTopicModel } from '../../src/topic';
import { isModeratoError } from '../../src/errors';

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};
const head = { weights: [1, 0, 0, 0], bias: -0.5 };
// Reads the first two coordinates of q ⊙ c · sqrt(4).
const relevance = { weights: [1, 1, 0, 0], bias: 0 };

describe('sentenceInputs', () => {
  const a = unit(1, 0, 0, 0);
  const b = unit(0, 1, 0, 0);
  const c = unit(1, 1, 0, 0);

  it('measures each input against the article, the followed comment and the rest of the thread', () => {
    const rows = sentenceInputs({ comment: head, relevance }, [0.5, -1, 2], [-1, 0, 0], { article: a, comments: [a, b, c] }, [0, 0, 0]);
    const [r0, r1, r2] = rows as number[][];
    const at = (name: string) => SENTENCE_INPUTS.indexOf(name === 'base' ? name : `${name}@forum`);
    expect(r0[at('base')]).toBe(0.5);
    expect(r0[at('comment')]).toBeCloseTo(0.5); // 1 * a[0] - 0.5
    // Under a forum question (s = 0) the news copies are 0.
    expect(r0.slice(SENTENCE_INPUTS.indexOf('comment@news')).every((x) => x === 0)).toBe(true);
    expect(r1[at('cosArticle')]).toBeCloseTo(0);
    expect(r2[at('cosArticle')]).toBeCloseTo(Math.SQRT1_2);
    // A top-level comment's parent input is its article cosine; a reply's, its parent's vector.
    expect(r0[at('cosParent')]).toBeCloseTo(1);
    expect(r1[at('cosParent')]).toBeCloseTo(0);
    expect(r2[at('cosParent')]).toBeCloseTo(Math.SQRT1_2);
    // Leave-one-out centroid: for a, the sum of b and c is (1, 2) / ..., cosine 1/sqrt(5) with a.
    const rest = [a[0] * 0 + b[0] + c[0], b[1] + c[1]];
    expect(r0[at('cosThread')]).toBeCloseTo(rest[0] / Math.hypot(rest[0], rest[1]));
    // Standardised within the thread: the three z values sum to zero.
    expect(r0[at('zArticle')] + r1[at('zArticle')] + r2[at('zArticle')]).toBeCloseTo(0);
    // The relevance head on q ⊙ c · 2 under the article a: a itself 2, b 0, c 2 / sqrt(2).
    expect(r0[at('relevance')]).toBeCloseTo(2);
    expect(r1[at('relevance')]).toBeCloseTo(0);
    expect(r2[at('relevance')]).toBeCloseTo(Math.SQRT2);
  });

  it('without an article vector the thread centroid stands in; a comment without a vector gets no row', () => {
    const rows = sentenceInputs({ comment: head, relevance }, [0, 0, 0], [-1, -1, -1], { article: null, comments: [a, null, c] }, [1, 1, 1]);
    expect(rows[1]).toBeNull();
    const i = SENTENCE_INPUTS.indexOf('cosArticle@news');
    expect(rows[0]![i]).toBeCloseTo(Math.SQRT1_2); // a against c alone (b has no vector)
    expect(rows[0]![i]).toBeCloseTo(rows[0]![SENTENCE_INPUTS.indexOf('cosThread@news')]);
    expect(rows[0]![SENTENCE_INPUTS.indexOf('cosArticle@forum')]).toBe(0);
    // The relevance head's question is then that centroid too: c for a, so a ⊙ c · 2 = (sqrt(2), 0, ...).
    expect(rows[0]![SENTENCE_INPUTS.indexOf('relevance@news')]).toBeCloseTo(Math.SQRT2);
  });

  it('stageScores keeps the base score of a comment without a vector', () => {
    const stage: SentenceStage = {
      encoder: { name: 't', version: '0', dim: 4 },
      inputs: [...SENTENCE_INPUTS],
      comment: head,
      relevance,
      stack: { mean: SENTENCE_INPUTS.map(() => 0), std: SENTENCE_INPUTS.map(() => 1), weights: SENTENCE_INPUTS.map((n) => (n === 'base' || n === 'comment@forum' ? 1 : n === 'cosArticle@forum' ? -1 : 0)), bias: 0 },
      // The identity context pass: the stack's score stands.
      context: { mean: [0, 0, 0], std: [1, 1, 1], weights: [1, 0, 0], bias: 0 },
    };
    const s = stageScores(stage, [0.3, 0.4], [-1, 0], { article: a, comments: [b, null] }, [0, 0]);
    expect(s[1]).toBe(0.4);
    // logit(0.3) + (0 - 0.5) - 0 (b is orthogonal to the article)
    expect(s[0]).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(0.3 / 0.7) - 0.5))));
  });
});

describe('articleText', () => {
  it('joins title and body and cuts long texts on a code point', () => {
    expect(articleText({ title: 'Bridge', body: 'Council votes ' })).toBe('Bridge\nCouncil votes');
    expect(articleText({ body: '  ' })).toBe('');
    expect(articleText(undefined)).toBe('');
    const long = 'a'.repeat(ARTICLE_CHARS - 1) + '😀' + 'b';
    const cut = articleText({ body: long });
    expect(cut).toBe('a'.repeat(ARTICLE_CHARS - 1));
    expect(articleText({ body: 'c'.repeat(ARTICLE_CHARS + 5) })).toHaveLength(ARTICLE_CHARS);
  });
});

describe('OffTopicModel with a sentence stage', () => {
  const base = loadOffTopicModel();
  const dim = 512;
  const w = new Array(dim).fill(0);
  w[0] = 4;
  const model = new OffTopicModel({
    ...base.file,
    sentence: {
      encoder: { name: 'test', version: '0', dim },
      inputs: [...SENTENCE_INPUTS],
      comment: { weights: w, bias: 0 },
      relevance: { weights: new Array(dim).fill(0), bias: 0 },
      stack: { mean: SENTENCE_INPUTS.map(() => 0), std: SENTENCE_INPUTS.map(() => 1), weights: SENTENCE_INPUTS.map((n) => (n === 'base' || n.startsWith('comment@') ? 1 : 0)), bias: 0 },
      // The identity context pass: the stack's score stands.
      context: { mean: [0, 0, 0], std: [1, 1, 1], weights: [1, 0, 0], bias: 0 },
    },
  });
  const article = { title: 'City council approves new bridge over the river' };
  const comments = [
    { id: 'a', text: 'The bridge is too expensive for the city.' },
    { id: 'b', text: 'Thanks, see you all at the match tonight!' },
  ];
  const v = (x: number) => {
    const out = new Float32Array(dim);
    out[0] = x;
    out[1] = Math.sqrt(1 - x * x);
    return out;
  };

  it('scores as the base model without vectors, and through the stage with them', () => {
    expect(model.usesVectors).toBe(true);
    expect(base.usesVectors).toBe(base.file.sentence !== undefined);
    const plain = model.score(article, comments);
    expect(plain).toEqual(base.score(article, comments));
    const staged = model.score(article, comments, { article: v(0), comments: [v(0), v(1)] });
    // The head reads the vector's first coordinate: 0 for a (logit unchanged), 4 for b (pushed up).
    expect(staged[0].offTopic!).toBeCloseTo(plain[0].offTopic!, 3);
    expect(staged[1].offTopic!).toBeGreaterThan(plain[1].offTopic!);
  });

  it('refuses a vector count that does not match the comments', () => {
    let err: unknown;
    try {
      model.score(article, comments, { article: null, comments: [v(0)] });
    } catch (e) {
      err = e;
    }
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_INTERNAL');
  });

  it('with combine max, takes the larger of the base score and the stage score', () => {
    // The head pushes b up and, with a negative weight, a down: max keeps a at its base score.
    const down = [...w];
    down[0] = -4;
    const st = model.file.sentence!;
    const staged = new OffTopicModel({ ...model.file, sentence: { ...st, comment: { weights: down, bias: 0 } } });
    const maxed = new OffTopicModel({ ...model.file, sentence: { ...st, comment: { weights: down, bias: 0 }, combine: 'max' } });
    const vectors = { article: v(0), comments: [v(1), v(0)] };
    const plain = base.score(article, comments);
    const lowered = staged.score(article, comments, vectors);
    expect(lowered[0].offTopic!).toBeLessThan(plain[0].offTopic! - 0.05);
    const out = maxed.score(article, comments, vectors);
    expect(out[0].offTopic!).toBeCloseTo(plain[0].offTopic!, 4);
    expect(out[1].offTopic!).toBeCloseTo(Math.max(plain[1].offTopic!, lowered[1].offTopic!), 4);
  });

  it('with combine gate or either, flags what max flags but keeps the stage score below the base threshold', () => {
    const down = [...w];
    down[0] = -4;
    const st = model.file.sentence!;
    const file = (combine?: 'max' | 'gate' | 'either') => new OffTopicModel({ ...model.file, sentence: { ...st, comment: { weights: down, bias: 0 }, ...(combine ? { combine } : {}) } });
    const vectors = { article: v(0), comments: [v(1), v(0)] };
    const plain = base.score(article, comments);
    const stage = file().score(article, comments, vectors);
    const maxed = file('max').score(article, comments, vectors);
    const gated = file('gate').score(article, comments, vectors);
    const either = file('either').score(article, comments, vectors);
    const t = model.threshold;
    plain.forEach((p, i) => {
      const b = p.offTopic!;
      const s = stage[i].offTopic!;
      expect(gated[i].offTopic!).toBeCloseTo(b >= t ? Math.max(b, s) : s, 4);
      expect(either[i].offTopic!).toBeCloseTo(b >= t ? 1 - (1 - b) * (1 - s) : s, 4);
      expect(gated[i].offTopic! >= t).toBe(maxed[i].offTopic! >= t);
      expect(either[i].offTopic! >= t).toBe(maxed[i].offTopic! >= t);
    });
    expect(combineStage('gate', 0.2, 0.1, 0.3)).toBe(0.1);
    expect(combineStage('gate', 0.4, 0.1, 0.3)).toBe(0.4);
    expect(combineStage('max', 0.2, 0.1, 0.3)).toBe(0.2);
    expect(combineStage('either', 0.2, 0.1, 0.3)).toBe(0.1);
    // Above the base's threshold both add: 1 - 0.6 * 0.9.
    expect(combineStage('either', 0.4, 0.1, 0.3)).toBeCloseTo(0.46, 10);
    // The same flags as max wherever either score decides.
    for (const [b, s] of [[0.29, 0.31], [0.31, 0.01], [0.1, 0.2], [0.9, 0.9]]) expect(combineStage('either', b, s, 0.3) >= 0.3).toBe(Math.max(b, s) >= 0.3);
  });

  it('with a veto, lets a stage score under it overrule a base flag, and nothing else', () => {
    // Base flags (0.4 >= 0.3), the stage reads it as clearly on topic (0.1 < veto 0.15): the stage's score stands.
    expect(combineStage('either', 0.4, 0.1, 0.3, 0.15)).toBe(0.1);
    expect(combineStage('gate', 0.4, 0.1, 0.3, 0.15)).toBe(0.1);
    // At or above the veto the base's flag stays (noisy-or), and below the base's threshold nothing changes.
    expect(combineStage('either', 0.4, 0.2, 0.3, 0.15)).toBeCloseTo(1 - 0.6 * 0.8, 10);
    expect(combineStage('either', 0.2, 0.1, 0.3, 0.15)).toBe(0.1);
    expect(combineStage('max', 0.4, 0.1, 0.3, 0.15)).toBe(0.4);
    // In a model whose head pushes b (the base flags it) down: a veto just under the threshold
    // unflags what the base alone flagged.
    const down = [...w];
    down[0] = -4;
    const st = { ...model.file.sentence!, comment: { weights: down, bias: 0 } };
    const t = model.threshold;
    const file = (veto?: number) => new OffTopicModel({ ...model.file, sentence: { ...st, combine: 'either', ...(veto !== undefined ? { veto } : {}) } });
    const vectors = { article: v(0), comments: [v(0), v(1)] };
    const plain = base.score(article, comments);
    const stage = new OffTopicModel({ ...model.file, sentence: st }).score(article, comments, vectors);
    expect(plain[1].offTopic!).toBeGreaterThanOrEqual(t);
    expect(stage[1].offTopic!).toBeLessThan(t);
    const vetoed = file(t - 1e-9).score(article, comments, vectors);
    const kept = file(0).score(article, comments, vectors);
    plain.forEach((p, i) => {
      const s = stage[i].offTopic!;
      expect(vetoed[i].offTopic!).toBeCloseTo(p.offTopic! >= t && s >= t - 1e-9 ? 1 - (1 - p.offTopic!) * (1 - s) : s, 4);
      expect(kept[i].offTopic!).toBeCloseTo(file().score(article, comments, vectors)[i].offTopic!, 10);
    });
    expect(kept[1].offTopic!).toBeGreaterThanOrEqual(t);
    expect(vetoed[1].offTopic!).toBeLessThan(t);
  });

  it('refuses a veto at or above the threshold, negative, or without gate or either', () => {
    const st = model.file.sentence!;
    const load = (sentence: object) => () => new OffTopicModel({ ...model.file, sentence: { ...st, ...sentence } });
    expect(load({ combine: 'either', veto: model.threshold })).toThrow(/veto/);
    expect(load({ combine: 'either', veto: -0.1 })).toThrow(/veto/);
    expect(load({ combine: 'either', veto: 'x' as never })).toThrow(/veto/);
    expect(load({ combine: 'max', veto: 0.1 })).toThrow(/veto/);
    expect(load({ veto: 0.1 })).toThrow(/veto/);
    expect(load({ combine: 'gate', veto: 0.1 })).not.toThrow();
  });

  it('refuses an unknown combine rule', () => {
    expect(() => new OffTopicModel({ ...model.file, sentence: { ...model.file.sentence!, combine: 'mean' as never } })).toThrow(/combine/);
  });

  it('refuses a stage without its relevance head', () => {
    const { relevance: _dropped, ...old } = model.file.sentence!;
    expect(() => new OffTopicModel({ ...model.file, sentence: old as SentenceStage })).toThrow(/sentence stage/);
  });

  it('refuses a stage whose inputs differ from the code', () => {
    expect(() => new OffTopicModel({ ...model.file, sentence: { ...model.file.sentence!, inputs: ['base'] } })).toThrow(/sentence stage inputs/);
  });
});
