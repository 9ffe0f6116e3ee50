import { CATEGORIES, type Category } from '../../src/types';
import type { CommentPrediction } from '../../src/model/types';
import { tokenize } from '../../src/text';
import { hatexplainPost, type LabelledComment } from '../../src/data';
import { crossDomainFigures, decisionThresholds, hatexplainFigures, predictedWords } from '../../src/train/evaluate';

/** A prediction built by hand: per-token toxic scores by word, comment scores given. */
function pred(text: string, toxicWords: string[], toxicity: number, cats: Partial<Record<Category, number>> = {}): CommentPrediction {
  const tokens = tokenize(text);
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, cats[c] ?? 0])) as Record<Category, number>;
  return {
    tokens,
    tokenToxic: Float32Array.from(tokens.map((t) => (toxicWords.includes(text.slice(t.start, t.end)) ? 0.9 : 0.01))),
    tokenType: new Uint8Array(tokens.length),
    toxicity,
    categories,
  };
}

describe('decisionThresholds', () => {
  it('reads toxicity and category thresholds from model.info.thresholds, per category where given', () => {
    const th = decisionThresholds({ toxicity: 0.6, category: 0.4, 'category.threat': 0.3 });
    expect(th.toxicity).toBe(0.6);
    expect(th.category.threat).toBe(0.3);
    expect(th.category.insult).toBe(0.4);
    expect(decisionThresholds(undefined).category.identity_attack).toBe(0.5);
  });
});

describe('predictedWords', () => {
  it('counts a word as predicted when any of its characters is in a span', () => {
    const words = [{ start: 0, end: 3 }, { start: 4, end: 9 }, { start: 10, end: 12 }];
    expect(predictedWords(words, [{ start: 6, end: 7 }])).toEqual([1]);
    expect(predictedWords(words, [{ start: 3, end: 4 }])).toEqual([]);
    expect(predictedWords(words, [{ start: 2, end: 11 }])).toEqual([0, 1, 2]);
  });
});

describe('hatexplainFigures', () => {
  const base = { official_split: 'val', rationale_source: 'per_annotator(hf_format)' };
  const posts = [
    hatexplainPost({ ...base, post_id: 'a', tokens: ['those', 'vermin', 'go'], labels: ['hatespeech', 'hatespeech', 'normal'], targets_per_annotator: [['Islam'], ['Islam'], ['None']], rationale_token_idx: [[1], [1]] }),
    hatexplainPost({ ...base, post_id: 'b', tokens: ['you', 'idiot', 'lol'], labels: ['offensive', 'offensive', 'offensive'], targets_per_annotator: [['None'], ['None'], ['None']], rationale_token_idx: [[1], [1, 2], [1]] }),
    hatexplainPost({ ...base, post_id: 'c', tokens: ['nice', 'day'], labels: ['normal', 'normal', 'normal'], targets_per_annotator: [['None'], ['None'], ['None']], rationale_token_idx: [] }),
  ];
  const preds = [
    pred(posts[0].text, ['vermin'], 0.9, { identity_attack: 0.8 }),
    pred(posts[1].text, ['idiot', 'lol'], 0.7, { identity_attack: 0.1 }),
    pred(posts[2].text, [], 0.1),
  ];
  const opts = { threshold: 0.5, fallbackToxicity: 2 };

  it('token F1 over posts with a majority rationale; AUCs; identity firing at the threshold', () => {
    const f = hatexplainFigures(posts, preds, opts, decisionThresholds({}));
    expect(f.tokenPosts).toBe(2);
    // Post a: {vermin} vs {vermin} = 1; post b: {idiot, lol} vs {idiot} = 2/3.
    expect(f.tokenF1).toBeCloseTo((1 + 2 / 3) / 2, 10);
    expect(f.toxic.auc).toBe(1);
    expect(f.identityAttack).toEqual({ auc: 1, n: 3, positives: 1 });
    expect(f.identityFiresOnHate).toBe(1);
    expect(hatexplainFigures(posts, preds, opts, decisionThresholds({ category: 0.85 })).identityFiresOnHate).toBe(0);
  });
});

describe('crossDomainFigures', () => {
  const row = (text: string, y: number, threat: number): LabelledComment => ({
    id: text, text, domain: 'ghc', toxicity: y, toxicBinary: y, categories: CATEGORIES.map((c) => (c === 'threat' ? threat : NaN)),
  });
  const rows = [row('i will hurt you', 1, 1), row('you are dumb', 1, 0), row('hello', 0, 0), row('thanks', 0, 0)];
  const preds = [pred(rows[0].text, [], 0.8, { threat: 0.7 }), pred(rows[1].text, [], 0.4, { threat: 0.2 }), pred(rows[2].text, [], 0.45), pred(rows[3].text, [], 0.1)];

  it('AUC, flag rates at the model threshold, category AUC where the gold has both classes, firing on positives', () => {
    const f = crossDomainFigures(rows, preds, decisionThresholds({ toxicity: 0.5 }));
    expect(f.toxic).toEqual({ auc: 0.75, n: 4, positives: 2 });
    expect(f.flaggedPositives).toBe(0.5);
    expect(f.flaggedNegatives).toBe(0);
    expect(Object.keys(f.categoryAuc)).toEqual(['threat']);
    expect(f.categoryAuc.threat?.auc).toBe(1);
    expect(f.firesOnPositives.threat).toBe(0.5);
    expect(f.firesOnPositives.insult).toBe(0);
    expect(f.firesOnNegatives.threat).toBe(0);
    expect(crossDomainFigures(rows, [...preds.slice(0, 2), pred(rows[2].text, [], 0.45, { threat: 0.6 }), preds[3]], decisionThresholds({})).firesOnNegatives.threat).toBe(0.5);
    // A lower toxicity threshold flags more: decisions follow the model's thresholds.
    expect(crossDomainFigures(rows, preds, decisionThresholds({ toxicity: 0.4 })).flaggedNegatives).toBe(0.5);
  });
});
