import fc from 'fast-check';
import { ATTRIBUTES, attributeSpans, isAttribute, summaryScore } from '../../src/perspective/attributes';
import { CATEGORIES, type Category, type ScoreResult } from '../../src/types';

/** A ScoreResult as the scorer answers it (data, not behaviour). */
function result(toxicity: number, cats: Partial<Record<Category, number>>, spans: ScoreResult['spans'] = [], offTopic: number | null = null): ScoreResult {
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, cats[c] ?? 0])) as Record<Category, number>;
  return { id: 'c', toxicity, categories, offTopic, flagged: false, reasons: [], spans };
}

describe('attribute mapping', () => {
  const r = result(0.9, { insult: 0.8, threat: 0.1, identity_attack: 0.2, profanity: 0.6 }, [
    { start: 0, end: 5, text: 'idiot', type: 'insult', score: 0.85 },
    { start: 6, end: 10, text: 'shit', type: 'profanity', score: 0.7 },
  ], 0.3);

  it.each([
    ['TOXICITY', 0.9],
    ['INSULT', 0.8],
    ['THREAT', 0.1],
    ['IDENTITY_ATTACK', 0.2],
    ['PROFANITY', 0.6],
    ['OFF_TOPIC', 0.3],
  ] as const)('%s reads its score', (attr, value) => {
    expect(summaryScore(attr, r)).toBe(value);
  });

  it('derives SEVERE_TOXICITY as toxicity x max(insult, threat, identity_attack)', () => {
    expect(summaryScore('SEVERE_TOXICITY', r)).toBeCloseTo(0.9 * 0.8, 10);
  });

  it('keeps SEVERE_TOXICITY low for profanity alone', () => {
    const swearing = result(0.8, { profanity: 0.95 });
    expect(summaryScore('SEVERE_TOXICITY', swearing)).toBe(0);
  });

  it('never puts SEVERE_TOXICITY above TOXICITY (property)', () => {
    const p = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(p, p, p, p, p, (t, i, th, ia, pr) => {
        const s = summaryScore('SEVERE_TOXICITY', result(t, { insult: i, threat: th, identity_attack: ia, profanity: pr }))!;
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(t);
      }),
    );
  });

  it('answers OFF_TOPIC null without context', () => {
    expect(summaryScore('OFF_TOPIC', result(0.1, {}))).toBeNull();
  });

  it.each([
    ['TOXICITY', [[0, 5, 0.85], [6, 10, 0.7]]],
    ['INSULT', [[0, 5, 0.85]]],
    ['PROFANITY', [[6, 10, 0.7]]],
    ['THREAT', []],
  ] as const)('%s takes the spans of its type', (attr, expected) => {
    expect(attributeSpans(attr, r)!.map((s) => [s.start, s.end, s.score])).toEqual(expected);
  });

  it('weighs SEVERE_TOXICITY spans by the toxicity and leaves OFF_TOPIC without spans', () => {
    expect(attributeSpans('SEVERE_TOXICITY', r)!.map((s) => [s.start, s.end, +s.score.toFixed(6)])).toEqual([[0, 5, +(0.85 * 0.9).toFixed(6)]]);
    expect(attributeSpans('OFF_TOPIC', r)).toBeNull();
  });

  it('knows exactly the documented names, case-sensitively', () => {
    expect(ATTRIBUTES.every(isAttribute)).toBe(true);
    expect(isAttribute('toxicity')).toBe(false);
    expect(isAttribute('SPAM')).toBe(false);
    expect(isAttribute('TOXICITY@6')).toBe(false);
  });
});
