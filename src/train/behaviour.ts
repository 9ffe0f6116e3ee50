#!/usr/bin/env node
/**
 * The behaviour suite (issue 11's dev protocol): short sentences written for this project, one
 * expectation each, grouped by functionality (greetings, threats, negated hate...), run through
 * the product's own scorer so a pass here means a pass in `moderato score` and the API. Also the
 * SouthFront thread check: the hateful phrases of issue 11 get spans, the plain comments stay clean.
 *
 *   npm run eval:behaviour -- [--model DIR] [--suite FILE] [--json FILE]
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { CATEGORIES, type ScoreResult, type Span } from '../types';
import { createScorer, type Scorer } from '../scorer';
import { packageRoot } from '../util/paths';
import { ModeratoError } from '../errors';

const CaseSchema = z.object({
  id: z.string().min(1),
  functionality: z.string().min(1),
  text: z.string(),
  expect: z.enum(['toxic', 'clean']),
  /** The category that must reach its threshold (toxic cases only). */
  category: z.enum(CATEGORIES).optional(),
  /** A substring of `text` that predicted spans must cover. */
  span: z.string().min(1).optional(),
  /** A substring of `text` that no predicted span may touch. */
  noSpanOn: z.string().min(1).optional(),
});

const SuiteSchema = z.object({
  version: z.literal(1),
  functionalities: z.record(z.string(), z.string()),
  cases: z.array(CaseSchema).min(1),
});

/** One sentence of the suite and what a news-site moderator expects of it. */
export type BehaviourCase = z.infer<typeof CaseSchema>;
/** The suite file: functionality descriptions and the cases. */
export type BehaviourSuite = z.infer<typeof SuiteSchema>;

/** The shipped suite, `test/fixtures/behaviour/suite.json`. */
export function defaultSuitePath(): string {
  return path.join(packageRoot(), 'test', 'fixtures', 'behaviour', 'suite.json');
}

/** Reads and validates a suite file; every `span`/`noSpanOn` must occur in its case's text. */
export function loadSuite(file: string = defaultSuitePath()): BehaviourSuite {
  const parsed = SuiteSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new ModeratoError('MOD_ERR_INPUT', `invalid behaviour suite ${file}`, parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })));
  }
  const suite = parsed.data;
  const seen = new Set<string>();
  for (const c of suite.cases) {
    const problem = seen.has(c.id) ? 'duplicate id'
      : !(c.functionality in suite.functionalities) ? `undescribed functionality ${c.functionality}`
      : c.span !== undefined && !c.text.includes(c.span) ? `span "${c.span}" not in text`
      : c.noSpanOn !== undefined && !c.text.includes(c.noSpanOn) ? `noSpanOn "${c.noSpanOn}" not in text`
      : c.expect === 'clean' && (c.category || c.span) ? 'a clean case cannot require a category or span'
      : null;
    if (problem) throw new ModeratoError('MOD_ERR_INPUT', `behaviour suite ${file}, case ${c.id}: ${problem}`);
    seen.add(c.id);
  }
  return suite;
}

/** Whether every non-space character of `text.slice(start, end)` lies inside some span. */
function covered(text: string, start: number, end: number, spans: Span[]): boolean {
  for (let i = start; i < end; i++) {
    if (/\s/.test(text[i])) continue;
    if (!spans.some((s) => s.start <= i && i < s.end)) return false;
  }
  return true;
}

/** Whether any span overlaps `[start, end)`. */
function touched(start: number, end: number, spans: Span[]): boolean {
  return spans.some((s) => s.start < end && start < s.end);
}

/**
 * Judges one scored case, returning the reasons it fails (empty: it passes). Toxic: flagged, the
 * category (if any) among the flag's reasons, the `span` substring covered. Clean: not flagged
 * and no span at all. `noSpanOn`: no span touches that substring. The flag and category come
 * from the scorer's own `flagged` and `reasons`, so the rule follows the product's thresholds.
 */
export function judgeCase(c: BehaviourCase, r: ScoreResult): string[] {
  const why: string[] = [];
  if (c.expect === 'toxic') {
    if (!r.flagged) why.push(`not flagged (toxicity ${r.toxicity.toFixed(2)})`);
    if (c.category && !r.reasons.some((x) => x.code === 'category' && x.category === c.category)) {
      why.push(`${c.category} ${r.categories[c.category].toFixed(2)} below its threshold`);
    }
    if (c.span !== undefined) {
      const at = c.text.indexOf(c.span);
      if (!covered(c.text, at, at + c.span.length, r.spans)) why.push(`"${c.span}" not covered by a span`);
    }
  } else {
    if (r.flagged) why.push(`flagged (${r.reasons.map((x) => x.category ?? x.code).join(', ')}; toxicity ${r.toxicity.toFixed(2)})`);
    if (r.spans.length) why.push(`has spans`);
  }
  if (c.noSpanOn !== undefined) {
    const at = c.text.indexOf(c.noSpanOn);
    if (touched(at, at + c.noSpanOn.length, r.spans)) why.push(`a span touches "${c.noSpanOn}"`);
  }
  return why;
}

/** A failing case with what the model said. */
export interface BehaviourFailure {
  id: string;
  functionality: string;
  text: string;
  expect: 'toxic' | 'clean';
  why: string[];
  toxicity: number;
  spans: string[];
}

/** Pass rates of one model on the suite. */
export interface BehaviourReport {
  /**
   * Per functionality, in suite order: cases, passed, pass rate, and `flagRight`, the share whose
   * flag alone is right (category and span ignored), to tell a missed flag from a missed type.
   */
  functionalities: Array<{ name: string; cases: number; passed: number; rate: number; flagRight: number }>;
  /** Share of all cases passed. */
  overall: number;
  /** Share of all cases whose flag alone is right. */
  overallFlagRight: number;
  /** The functionality with the lowest pass rate. */
  worst: { name: string; rate: number };
  /** Greetings and short replies that are flagged (the issue's target is 0) and that get a span. */
  shortFlagged: number;
  shortWithSpan: number;
  shortCases: number;
  failures: BehaviourFailure[];
}

/** The functionalities that count as greetings and short replies. */
export const SHORT_FUNCTIONALITIES = ['greeting', 'short_reply', 'short_informal'];

/** Any scorer-shaped object: the product's {@link Scorer}, or a test's fake. */
export type ScoreFn = Pick<Scorer, 'score'>;

/** Scores every case as an independent comment with no article (toxicity alone decides). */
async function scoreCases(scorer: ScoreFn, cases: Array<{ id: string; text: string }>): Promise<ScoreResult[]> {
  const out: ScoreResult[] = [];
  for (let i = 0; i < cases.length; i += 64) {
    out.push(...(await scorer.score({ comments: cases.slice(i, i + 64), independent: true })));
  }
  return out;
}

/** Runs the suite through a scorer and tallies pass rates. */
export async function runBehaviour(scorer: ScoreFn, suite: BehaviourSuite = loadSuite()): Promise<BehaviourReport> {
  const results = await scoreCases(scorer, suite.cases);
  const tally = new Map<string, { cases: number; passed: number; flagOk: number }>();
  const failures: BehaviourFailure[] = [];
  let passed = 0;
  let flagOk = 0;
  let shortFlagged = 0;
  let shortWithSpan = 0;
  let shortCases = 0;
  suite.cases.forEach((c, i) => {
    const r = results[i];
    const why = judgeCase(c, r);
    const t = tally.get(c.functionality) ?? { cases: 0, passed: 0, flagOk: 0 };
    t.cases++;
    if (r.flagged === (c.expect === 'toxic')) {
      t.flagOk++;
      flagOk++;
    }
    if (!why.length) {
      t.passed++;
      passed++;
    } else {
      failures.push({ id: c.id, functionality: c.functionality, text: c.text, expect: c.expect, why, toxicity: r.toxicity, spans: r.spans.map((s) => `${s.text} (${s.type})`) });
    }
    tally.set(c.functionality, t);
    if (SHORT_FUNCTIONALITIES.includes(c.functionality)) {
      shortCases++;
      if (r.flagged) shortFlagged++;
      if (r.spans.length) shortWithSpan++;
    }
  });
  const functionalities = [...tally].map(([name, t]) => ({ name, cases: t.cases, passed: t.passed, rate: t.passed / t.cases, flagRight: t.flagOk / t.cases }));
  const worst = functionalities.reduce((a, b) => (b.rate < a.rate ? b : a));
  return { functionalities, overall: passed / suite.cases.length, overallFlagRight: flagOk / suite.cases.length, worst: { name: worst.name, rate: worst.rate }, shortFlagged, shortWithSpan, shortCases, failures };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The report as markdown: one row per functionality, the headline figures, the failures. */
export function renderBehaviour(r: BehaviourReport, withFailures = true): string {
  const L = ['| functionality | cases | passed | pass rate | flag right |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const f of r.functionalities) L.push(`| ${f.name} | ${f.cases} | ${f.passed} | ${pct(f.rate)} | ${pct(f.flagRight)} |`);
  L.push('', `overall ${pct(r.overall)} (flag right ${pct(r.overallFlagRight)}); worst ${r.worst.name} ${pct(r.worst.rate)}; greetings and short replies flagged ${r.shortFlagged} of ${r.shortCases}, with a span ${r.shortWithSpan}`);
  if (withFailures && r.failures.length) {
    L.push('', '| failing case | text | why | spans |', '| --- | --- | --- | --- |');
    const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    for (const f of r.failures) L.push(`| ${f.id} | ${cell(f.text)} | ${cell(f.why.join('; '))} | ${cell(f.spans.join(', '))} |`);
  }
  return L.join('\n') + '\n';
}

/** The SouthFront thread beside the repository (`../shared/examples`), as the CLI test reads it. */
export function southfrontPath(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'examples', 'southfront-thread.json');
}

/** Issue 11: phrases of the SouthFront thread that must get spans. */
export const SOUTHFRONT_SPAN_PHRASES = ['Muslim infestation', 'Muslim terrorists', 'head choppers', 'slaughter house', 'put to death'];
/** Issue 11: comments of the SouthFront thread that must stay clean (plain on-topic talk). */
export const SOUTHFRONT_CLEAN_IDS = ['c01', 'c18', 'c19', 'c20', 'c21'];

/** What the model does with the SouthFront expectations. */
export interface SouthfrontReport {
  /** Per phrase: the comment holding it and whether its spans cover the phrase. */
  phrases: Array<{ phrase: string; id: string; covered: boolean; spans: string[] }>;
  /** Per clean comment: whether it is flagged or given a span. */
  clean: Array<{ id: string; flagged: boolean; spans: string[]; clean: boolean }>;
}

/**
 * Scores the SouthFront thread's comments (independently, no article: the toxicity model alone)
 * and checks issue 11's expectations. Throws when a phrase or comment id is missing from the file.
 */
export async function southfrontCheck(scorer: ScoreFn, file: string = southfrontPath()): Promise<SouthfrontReport> {
  const thread = JSON.parse(fs.readFileSync(file, 'utf8')) as { comments: Array<{ id: string; text: string }> };
  const comments = thread.comments.map((c) => ({ id: c.id, text: c.text }));
  const results = await scoreCases(scorer, comments);
  const byId = new Map(comments.map((c, i) => [c.id, { text: c.text, r: results[i] }]));
  const phrases = SOUTHFRONT_SPAN_PHRASES.map((phrase) => {
    const i = comments.findIndex((c) => c.text.includes(phrase));
    if (i < 0) throw new ModeratoError('MOD_ERR_INPUT', `SouthFront thread ${file} has no comment with "${phrase}"`);
    const at = comments[i].text.indexOf(phrase);
    const spans = results[i].spans;
    return { phrase, id: comments[i].id, covered: covered(comments[i].text, at, at + phrase.length, spans), spans: spans.map((s) => s.text) };
  });
  const clean = SOUTHFRONT_CLEAN_IDS.map((id) => {
    const c = byId.get(id);
    if (!c) throw new ModeratoError('MOD_ERR_INPUT', `SouthFront thread ${file} has no comment ${id}`);
    return { id, flagged: c.r.flagged, spans: c.r.spans.map((s) => s.text), clean: !c.r.flagged && !c.r.spans.length };
  });
  return { phrases, clean };
}

/** The SouthFront report as markdown. */
export function renderSouthfront(s: SouthfrontReport): string {
  const L = ['| SouthFront phrase | comment | covered | spans |', '| --- | --- | --- | --- |'];
  for (const p of s.phrases) L.push(`| ${p.phrase} | ${p.id} | ${p.covered ? 'yes' : 'no'} | ${p.spans.join(', ')} |`);
  L.push('', '| SouthFront clean comment | flagged | spans | clean |', '| --- | --- | --- | --- |');
  for (const c of s.clean) L.push(`| ${c.id} | ${c.flagged ? 'yes' : 'no'} | ${c.spans.join(', ')} | ${c.clean ? 'yes' : 'no'} |`);
  return L.join('\n') + '\n';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let modelDir: string | undefined;
  let suiteFile: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') modelDir = argv[++i];
    else if (argv[i] === '--suite') suiteFile = argv[++i];
    else if (argv[i] === '--json') json = argv[++i];
    else throw new ModeratoError('MOD_ERR_INPUT', `unknown option ${argv[i]} (valid: --model DIR, --suite FILE, --json FILE)`);
  }
  const scorer = await createScorer({ modelDir });
  try {
    const report = await runBehaviour(scorer, loadSuite(suiteFile));
    process.stdout.write(`# Behaviour suite: ${modelDir ?? 'models/toxicity'}\n\n` + renderBehaviour(report));
    const southfront = fs.existsSync(southfrontPath()) ? await southfrontCheck(scorer) : undefined;
    if (southfront) process.stdout.write('\n' + renderSouthfront(southfront));
    if (json) fs.writeFileSync(json, JSON.stringify({ ...report, southfront }, null, 1));
  } finally {
    scorer.dispose();
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
