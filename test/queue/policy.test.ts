/** The policy: threshold resolution by scope and the publish/hold classification. */
import { classify, heldReasons, parsePolicy, resolveThresholds, resolveWithScopes, type Policy } from '../../src/queue';
import { result } from './helpers';

const base = { toxicity: 0.5, category: 0.5, offTopic: 0.7 };
const policy: Policy = {
  thresholds: { insult: 0.8, offTopic: null },
  sites: { kids: { thresholds: { profanity: 0.1, insult: 0.3 } } },
  threads: { t9: { thresholds: { insult: 0.95, offTopic: 0.2 } } },
};

describe('resolveThresholds', () => {
  it.each([
    ['no policy', null, {}, { toxicity: 0.5, insult: 0.5, profanity: 0.5, offTopic: 0.7 }],
    ['policy defaults', policy, {}, { toxicity: 0.5, insult: 0.8, profanity: 0.5, offTopic: null }],
    ['site over defaults', policy, { siteId: 'kids' }, { insult: 0.3, profanity: 0.1, offTopic: null }],
    ['thread over site', policy, { siteId: 'kids', threadId: 't9' }, { insult: 0.95, profanity: 0.1, offTopic: 0.2 }],
    ['unknown scopes fall through', policy, { siteId: 'x', threadId: 'y' }, { insult: 0.8, offTopic: null }],
  ] as const)('%s', (_name, p, where, expected) => {
    expect(resolveThresholds(p as Policy | null, base, where)).toMatchObject(expected);
  });
});

describe('classify', () => {
  const t = resolveThresholds(null, base);
  it.each([
    ['clean', result('a', { insult: 0.1 }), 'published', null],
    ['the highest category over its threshold', result('b', { insult: 0.6, threat: 0.9, toxicity: 0.9 }), 'pending', 'threat'],
    ['toxicity alone', result('c', { toxicity: 0.55, insult: 0.2 }), 'pending', 'toxicity'],
    ['off-topic alone', result('d', { insult: 0.1 }, 0.8), 'pending', 'off_topic'],
    ['off-topic below threshold', result('e', { insult: 0.1 }, 0.6), 'published', null],
  ] as const)('%s', (_name, r, status, category) => {
    expect(classify(r, t)).toMatchObject({ status, category });
  });

  it('answers score = max(toxicity, categories), and null thresholds never hold', () => {
    const r = result('f', { toxicity: 0.2, profanity: 0.97 });
    expect(classify(r, t).score).toBe(0.97);
    const off = resolveThresholds({ thresholds: { toxicity: null, insult: null, threat: null, identity_attack: null, profanity: null, other: null, offTopic: null } }, base);
    expect(classify(result('g', { toxicity: 1, profanity: 1 }, 1), off)).toMatchObject({ status: 'published', category: null });
  });
});

describe('regression: "Why it was held" names the threshold the policy applied, with its scope, not the scorer default', () => {
  const r = result('h', { toxicity: 0.4, insult: 0.78, profanity: 0.2 }, 0.3);
  it('quotes the policy threshold of each scope, and the model default only where no scope sets one', () => {
    const all = heldReasons(r, resolveWithScopes({ thresholds: { insult: 0.6 } }, base));
    expect(all.map((x) => x.message)).toEqual(['insult 0.78 is at or above the insult threshold 0.6 set by the policy for all sites.']);
    const site = heldReasons(r, resolveWithScopes(policy, base, { siteId: 'kids' }));
    expect(site.map((x) => x.message)).toEqual(['insult 0.78 is at or above the insult threshold 0.3 set by the policy for site "kids".', 'profanity 0.20 is at or above the profanity threshold 0.1 set by the policy for site "kids".']);
    const thread = heldReasons(r, resolveWithScopes(policy, base, { siteId: 'kids', threadId: 't9' }));
    expect(thread.map((x) => x.message)).toEqual([
      'profanity 0.20 is at or above the profanity threshold 0.1 set by the policy for site "kids".',
      'Off topic 0.30 is at or above the off-topic threshold 0.2 set by the policy for thread "t9".',
    ]);
    const none = heldReasons(r, resolveWithScopes(null, base));
    expect(none.map((x) => x.message)).toEqual(["insult 0.78 is at or above the insult threshold 0.5 set by the model's default (the policy does not set it)."]);
    // Held exactly when classify holds; a published comment has no reason.
    expect(heldReasons(r, resolveWithScopes({ thresholds: { insult: 0.9 } }, base))).toEqual([]);
    expect(classify(r, resolveThresholds({ thresholds: { insult: 0.9 } }, base)).status).toBe('published');
  });

  it("keeps the off-topic model's terms, after the threshold it was held at", () => {
    const withTerms = { ...result('o', { insult: 0.1 }, 0.9), reasons: [{ code: 'off_topic' as const, score: 0.9, message: 'Off topic (0.90): about "cup", while the article is about "bridge".', terms: ['cup'], contextTerms: ['bridge'] }] };
    const [reason] = heldReasons(withTerms, resolveWithScopes({ thresholds: { offTopic: 0.8 } }, base));
    expect(reason).toMatchObject({ code: 'off_topic', terms: ['cup'], contextTerms: ['bridge'] });
    expect(reason!.message).toBe('Off topic 0.90 is at or above the off-topic threshold 0.8 set by the policy for all sites. Off topic (0.90): about "cup", while the article is about "bridge".');
  });
});

describe('parsePolicy', () => {
  it.each([
    [{ thresholds: { insult: 1.5 } }, ['thresholds', 'insult']],
    [{ thresholds: { rudeness: 0.5 } }, ['thresholds']],
    [{ threads: { t: { thresholds: { threat: 'high' } } } }, ['threads', 't', 'thresholds', 'threat']],
  ])('rejects %j at its path', (doc, path) => {
    try {
      parsePolicy(doc);
      throw new Error('accepted');
    } catch (e) {
      expect((e as { code: string }).code).toBe('MOD_ERR_VALIDATION');
      expect((e as { details: { path: unknown[] }[] }).details[0]!.path).toEqual(path);
    }
  });
  it('fills in empty default thresholds', () => {
    expect(parsePolicy({})).toEqual({ thresholds: {} });
  });
});

describe('regression: the policy schema derives its categories from CATEGORIES', () => {
  it('has a threshold for every category and toxicity/offTopic, nothing else', async () => {
    const { PolicyThresholdsSchema } = await import('../../src/queue/policy');
    const { CATEGORIES } = await import('../../src/types');
    expect(Object.keys(PolicyThresholdsSchema.shape).sort()).toEqual(['offTopic', 'toxicity', ...CATEGORIES].sort());
  });
});
