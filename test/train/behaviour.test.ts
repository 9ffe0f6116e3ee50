/**
 * The behaviour suite as a regression test (issue 11): the shipped model must not fall below the
 * floors at the top of this file. The floors are the figures the shipped model passes when they
 * were last set (`npm run eval:behaviour` prints them); raise them with each better model, never
 * lower them without saying why in the model card. The pass/fail rule itself is tested below on
 * hand-made score results, so it can fail whatever the model does.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer, type Scorer } from '../../src/scorer';
import type { ScoreResult, ScoreRequest } from '../../src/types';
import {
  judgeCase, loadSuite, runBehaviour, southfrontCheck, SHORT_FUNCTIONALITIES,
  type BehaviourCase, type BehaviourReport, type SouthfrontReport,
} from '../../src/train/behaviour';
import { describeWithSouthfront } from '../datasets';

// ---- Floors: the shipped model's figures (Model v2, 2.5.0, seed 2, measured 2026-12-03). Issue 11 targets in comments.
// 2.5.0 (OLID level B as insult / profanity labels, insult and profanity heads; models/README.md, "2.5.0"): raised
// thanks_praise 17 -> 18, identity_friendly 18 -> 19, news_violence 13 -> 14, public_figure_criticism 12 -> 15,
// spam_offtopic 13 -> 14, profanity_targeted 4 -> 12, insult_long 12 -> 15, insult_obfuscated 12 -> 13,
// short_informal 38 -> 39, threat_veiled 5 -> 6, threat_lookalike 11 -> 12, profanity_untargeted 13 -> 14,
// overall 0.79 -> 0.82. Lowered, each
// measured on three seeds in the card: greeting 17 -> 16 ("hey folks" gets a span), reclaimed 11 -> 9,
// dehumanisation 13 -> 11, slur_obfuscated 10 -> 8, identity_attack_no_slur 12 -> 10, greetings and short replies flagged 3 -> 4 of 88.
// 2.4.0 (the threat head and the category gate; models/README.md, "2.4.0"): identity_friendly 17 -> 18,
// counter_speech 9 -> 10; new functionalities short_informal (38 of 45), threat_veiled (5 of 12) and
// threat_lookalike (11 of 12) (2.3.0 passes 36, 4 and 11 of them); greetings and short replies now count 88
// cases (43 + short_informal), of which 3 are flagged (2.3.0: 9). Lowered from the threat head alone (commit
// 5fb02e2): threat_direct 14 -> 13, threat_veiled 6 -> 5, the category gate's cost (the card gives it).
// Lowered from 2.2.0 (see models/README.md, "2.3.0"): spam_offtopic 14 -> 13.
// Lowered from 2.1.0 (see models/README.md, "2.2.0"): thanks_praise 18 -> 17, public_figure_criticism 14 -> 12,
// profanity_untargeted 14 -> 13, profanity_targeted 7 -> 4, slur_obfuscated 11 -> 10;
// raised: greeting, short_reply, identity_friendly, negated_hate, insult_direct, insult_long,
// identity_attack_no_slur, and greetings and short replies flagged 4 -> 1.
/** Share of all cases passed (target >= 0.90; model 1.0.0: 0.55; 2.1.0: 0.787). */
const OVERALL_MIN = 0.82;
/** Pass rate of the worst functionality (target >= 0.70; 1.0.0: 0; 2.1.0: 0.133). */
const WORST_MIN = 0.2;
/** Greetings and short replies flagged, of 88 since 2.4.0, of 43 before (target 0; 1.0.0: 10 of 43; 2.0.0: 3; 2.1.0: 4; 2.3.0: 1 of 43, 9 of 88; 2.4.0: 3 of 88). */
const GREETINGS_FLAGGED_MAX = 4;
/** Cases passed per functionality. */
const FUNCTIONALITY_MIN: Record<string, number> = {
  greeting: 16, short_reply: 25, thanks_praise: 18, question: 18, identity_friendly: 19, news_violence: 14,
  disagreement: 16, public_figure_criticism: 15, spam_offtopic: 14, emoji_punct: 14, long_clean: 12, negated_hate: 3,
  counter_speech: 10, reclaimed: 9, dehumanisation: 11, threat_direct: 13, threat_indirect: 6,
  profanity_untargeted: 14, profanity_targeted: 12, insult_direct: 17, insult_long: 15, insult_obfuscated: 13,
  slur_obfuscated: 8, identity_attack_no_slur: 10, short_informal: 39, threat_veiled: 6, threat_lookalike: 12,
};
/** SouthFront phrases that must be covered by spans (target: all five of SOUTHFRONT_SPAN_PHRASES). */
const SOUTHFRONT_MUST_COVER: string[] = ['Muslim terrorists'];
/** SouthFront comments that must stay unflagged and span-free (the c01, c18-c21: all five now). */
const SOUTHFRONT_MUST_BE_CLEAN = ['c01', 'c18', 'c19', 'c20', 'c21'];

const result = (over: Partial<ScoreResult> = {}): ScoreResult => ({
  id: 'x', toxicity: 0.1, categories: { insult: 0, threat: 0, identity_attack: 0, profanity: 0, other: 0 }, offTopic: null,
  flagged: false, reasons: [], spans: [], ...over,
});
const flaggedAs = (category: 'threat' | 'insult', spans: ScoreResult['spans'] = []): ScoreResult => result({
  toxicity: 0.9, flagged: true, spans,
  reasons: [{ code: 'toxicity', score: 0.9, message: '' }, { code: 'category', category, score: 0.8, message: '' }],
});
const threat: BehaviourCase = { id: 't', functionality: 'threat_direct', text: 'I will hurt you', expect: 'toxic', category: 'threat', span: 'hurt you' };
const hurtSpan = { start: 7, end: 15, text: 'hurt you', type: 'threat' as const, score: 0.9 };

describe('judgeCase: the pass/fail rule', () => {
  it('passes a toxic case flagged with its category and a span covering the substring', () => {
    expect(judgeCase(threat, flaggedAs('threat', [hurtSpan]))).toEqual([]);
  });

  it('counts spans that cover the substring together, across the space between them', () => {
    const two = [{ ...hurtSpan, end: 11, text: 'hurt' }, { ...hurtSpan, start: 12, text: 'you' }];
    expect(judgeCase(threat, flaggedAs('threat', two))).toEqual([]);
  });

  it.each([
    ['not flagged', result({ spans: [hurtSpan] }), /not flagged/],
    ['flagged under another category', flaggedAs('insult', [hurtSpan]), /threat .* below its threshold/],
    ['a span on part of the substring', flaggedAs('threat', [{ ...hurtSpan, end: 11, text: 'hurt' }]), /not covered/],
    ['no span', flaggedAs('threat'), /not covered/],
  ])('fails a toxic case %s', (_name, r, why) => {
    expect(judgeCase(threat, r).join('; ')).toMatch(why);
  });

  it('fails a clean case that is flagged or has any span, passes it otherwise', () => {
    const hi: BehaviourCase = { id: 'g', functionality: 'greeting', text: 'hi', expect: 'clean' };
    const span = { start: 0, end: 2, text: 'hi', type: 'insult' as const, score: 0.4 };
    expect(judgeCase(hi, result())).toEqual([]);
    expect(judgeCase(hi, result({ spans: [span] }))).toEqual(['has spans']);
    expect(judgeCase(hi, flaggedAs('insult')).join()).toMatch(/flagged/);
  });

  it('fails a case whose noSpanOn substring a span touches', () => {
    const c: BehaviourCase = { ...threat, span: undefined, text: 'I will hurt you after the match', noSpanOn: 'match' };
    expect(judgeCase(c, flaggedAs('threat', [hurtSpan]))).toEqual([]);
    expect(judgeCase(c, flaggedAs('threat', [{ ...hurtSpan, end: 31 }]))).toEqual(['a span touches "match"']);
  });
});

describe('runBehaviour with a scorer that flags every text containing "hurt"', () => {
  const fake = {
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      return req.comments.map((c) => (c.text.includes('hurt') ? flaggedAs('threat', [{ ...hurtSpan, start: 0, end: c.text.length, text: c.text }]) : result()));
    },
  };
  it('tallies per functionality, the worst one and the short replies flagged', async () => {
    const suite = {
      version: 1 as const,
      functionalities: { greeting: '', threat_direct: '' },
      cases: [
        { id: 'g1', functionality: 'greeting', text: 'hi', expect: 'clean' as const },
        { id: 'g2', functionality: 'greeting', text: 'hurt hello', expect: 'clean' as const },
        threat,
        { ...threat, id: 't2', text: 'I will kill you', span: 'kill' },
      ],
    };
    const r = await runBehaviour(fake, suite);
    expect(r.functionalities).toEqual([
      { name: 'greeting', cases: 2, passed: 1, rate: 0.5, flagRight: 0.5 },
      { name: 'threat_direct', cases: 2, passed: 1, rate: 0.5, flagRight: 0.5 },
    ]);
    expect(r.overall).toBe(0.5);
    expect(r.shortFlagged).toBe(1);
    expect(r.failures.map((f) => f.id)).toEqual(['g2', 't2']);
  });
});

describe('the suite file', () => {
  const suite = loadSuite();
  it('has at least 360 cases over at least 22 functionalities, each with at least 12 cases', () => {
    expect(suite.cases.length).toBeGreaterThanOrEqual(360);
    const counts = new Map<string, number>();
    for (const c of suite.cases) counts.set(c.functionality, (counts.get(c.functionality) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(22);
    expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(12);
    expect(Object.keys(FUNCTIONALITY_MIN).sort()).toEqual([...counts.keys()].sort());
    for (const f of SHORT_FUNCTIONALITIES) expect(counts.get(f)).toBeGreaterThan(0);
  });

  it('rejects a suite whose span is not in the text', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'behaviour-')), 'suite.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, functionalities: { x: '' }, cases: [{ ...threat, functionality: 'x', span: 'kill' }] }));
    expect(() => loadSuite(file)).toThrow(/span "kill" not in text/);
  });
});

describe('the shipped model on the behaviour suite', () => {
  let scorer: Scorer;
  let report: BehaviourReport;
  beforeAll(async () => {
    scorer = await createScorer();
    report = await runBehaviour(scorer);
  });
  afterAll(() => scorer.dispose());

  it('holds the overall, worst-functionality and short-reply floors', () => {
    expect(report.overall).toBeGreaterThanOrEqual(OVERALL_MIN - 1e-9);
    expect(report.worst.rate).toBeGreaterThanOrEqual(WORST_MIN);
    expect(report.shortFlagged).toBeLessThanOrEqual(GREETINGS_FLAGGED_MAX);
  });

  it('passes at least the floor of each functionality', () => {
    const below = report.functionalities.filter((f) => f.passed < FUNCTIONALITY_MIN[f.name]).map((f) => `${f.name} ${f.passed} < ${FUNCTIONALITY_MIN[f.name]}`);
    expect(below).toEqual([]);
  });

  describeWithSouthfront('the SouthFront thread (../shared/examples)', () => {
    let sf: SouthfrontReport;
    beforeAll(async () => {
      sf = await southfrontCheck(scorer);
    });
    it('covers the pinned phrases with spans', () => {
      expect(sf.phrases.filter((p) => SOUTHFRONT_MUST_COVER.includes(p.phrase) && !p.covered)).toEqual([]);
    });
    it('leaves the pinned comments unflagged and without spans', () => {
      expect(sf.clean.filter((c) => SOUTHFRONT_MUST_BE_CLEAN.includes(c.id) && !c.clean)).toEqual([]);
    });
  });
});
