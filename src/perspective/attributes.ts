import type { Category, ScoreResult, Span } from '../types';

/**
 * Perspective attribute names Moderato answers, and how each maps onto a ScoreResult.
 *
 * SEVERE_TOXICITY has no head of its own. Perspective defines it as the very hateful,
 * aggressive end of toxicity and "much less sensitive to ... positive uses of curse words", so it
 * is derived as `toxicity * max(insult, threat, identity_attack)`: high only when the comment is
 * toxic AND a targeted category is; profanity alone never raises it, and it never exceeds
 * TOXICITY (as Perspective's scores also behave). It is a heuristic, not a calibrated model.
 */
export const ATTRIBUTES = ['TOXICITY', 'SEVERE_TOXICITY', 'IDENTITY_ATTACK', 'INSULT', 'PROFANITY', 'THREAT', 'OFF_TOPIC'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** The categories whose max makes SEVERE_TOXICITY (profanity and `other` left out on purpose). */
const SEVERE_CATEGORIES: Category[] = ['insult', 'threat', 'identity_attack'];

/** True when `name` is an attribute Moderato answers (names are case-sensitive, as in Perspective). */
export function isAttribute(name: string): name is Attribute {
  return (ATTRIBUTES as readonly string[]).includes(name);
}

/** The summary score of `attr` for one result; null for OFF_TOPIC when the comment had no context. */
export function summaryScore(attr: Attribute, r: ScoreResult): number | null {
  switch (attr) {
    case 'TOXICITY':
      return r.toxicity;
    case 'SEVERE_TOXICITY':
      return r.toxicity * Math.max(...SEVERE_CATEGORIES.map((c) => r.categories[c]));
    case 'IDENTITY_ATTACK':
      return r.categories.identity_attack;
    case 'INSULT':
      return r.categories.insult;
    case 'PROFANITY':
      return r.categories.profanity;
    case 'THREAT':
      return r.categories.threat;
    case 'OFF_TOPIC':
      return r.offTopic;
  }
}

/**
 * The flagged spans that count for `attr`, with the score each contributes; null when the
 * attribute has no span scores (OFF_TOPIC judges the whole comment against its context).
 */
export function attributeSpans(attr: Attribute, r: ScoreResult): { start: number; end: number; score: number }[] | null {
  const pick = (types: Category[] | 'all', scale = 1) =>
    r.spans.filter((s: Span) => types === 'all' || types.includes(s.type)).map((s) => ({ start: s.start, end: s.end, score: s.score * scale }));
  switch (attr) {
    case 'TOXICITY':
      return pick('all');
    case 'SEVERE_TOXICITY':
      // Same product as the summary: a targeted span, weighed by how toxic the comment is.
      return pick(SEVERE_CATEGORIES, r.toxicity);
    case 'IDENTITY_ATTACK':
      return pick(['identity_attack']);
    case 'INSULT':
      return pick(['insult']);
    case 'PROFANITY':
      return pick(['profanity']);
    case 'THREAT':
      return pick(['threat']);
    case 'OFF_TOPIC':
      return null;
  }
}
