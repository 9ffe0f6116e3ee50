#!/usr/bin/env node
/**
 * `npm run eval`: evaluates a trained toxicity model on the held-out dev sets and prints tables
 * (markdown) to stdout. `--json FILE` also writes the figures as JSON.
 *
 *   npm run eval -- [--model DIR]... [--cascade LOW,HIGH|default]... [--datasets DIR] [--json FILE]
 *
 * With several `--model` folders (e.g. one per seed) it adds a mean / sd / min / max summary.
 * `--cascade` (heads models only) evaluates the model as a cascade with that band (`default`: the
 * heads file's) and adds the share of each dev set's comments sent to the encoder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultModelDir, loadModel } from '../model';
import { FEATURE_VERSION } from '../model/features';
import type { ToxicityModel, CommentPrediction } from '../model/types';
import { assembleSpans, spanOptionsFromThresholds } from '../spans';
import type { LabelledComment, SpanPost } from '../data';
import { CATEGORIES } from '../types';
import { buildCorpus } from './examples';
import {
  calibrationFigures, commentAuc, commentMacroF1, crossDomainFigures, decisionThresholds, hatexplainFigures, loadExtraDevSets,
  perTypeF1, predictAll, spanF1, spanF1Reweighted, uccFigures,
  type AucFigure, type CrossDomainFigures, type DecisionThresholds, type ExtraDevSets, type HatexplainFigures, type UccFigures,
} from './evaluate';
import type { SpanOptions } from '../spans';
import { perturbPost, PERTURBATIONS } from './perturb';
import { identityCheck } from './identity';
import { mulberry32 } from '../util/prng';
import { NET_CONFIG } from './cli';
import { renderBehaviour, renderSouthfront, runBehaviour, southfrontCheck, southfrontPath, type BehaviourReport, type SouthfrontReport } from './behaviour';
import { createScorer } from '../scorer';
import { defaultTopicDir } from '../topic';
import { HEADS_FORMAT } from '../model/heads';
import { cachedEncoder } from './heads/cached-encoder';
import { CascadeToxicityModel, checkBand, type CascadeBand } from '../model/cascade';

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/**
 * All figures `npm run eval` reports. To add a figure: a field here, a section function over
 * an {@link EvalContext} (predictions come from `ctx.predict`), a call in `evaluateModel`, a
 * block in `renderReport` and its headline entries.
 */
export interface EvalReport {
  trialF1: number;
  /** tsd_trial span F1 with the empty-gold posts re-weighted to 20% of the weight. */
  trialF1Reweighted: number;
  /**
   * News comments: UCC validation's held-out half and C3 dev, AUC and calibration; `uccOther`
   * is UCC's other half, held out too unless `uccTrained` (the model's `ucc` pool trained on it).
   */
  news: { ucc: UccFigures; uccOther: UccFigures; uccTrained: boolean; c3: AucFigure & { ece: number } };
  hatexplain: HatexplainFigures;
  /** Comment sets from other sources, held out (GHC test, EDOS dev, ...). */
  crossDomain: Record<string, CrossDomainFigures>;
  /** The decision thresholds every decision-level figure used (from `model.info.thresholds`). */
  thresholds: DecisionThresholds;
  obfuscation: Record<string, number>;
  perType: Record<string, { f1: number; posts: number }>;
  auc: Record<string, { auc: number; n: number; positives: number }>;
  olidTest: { macroF1At05: number; macroF1AtDevBest: number; devBestThreshold: number; auc: number; n: number };
  cleanMix: { posts: number; cleanShare: number; f1: number; falseAlarmRate: number; toxicF1: number };
  identity: { worstTerm: string; worstFriendlyMean: number; meanFriendly: number; meanHostile: number; friendlySpanRate: number; rows: Awaited<ReturnType<typeof identityCheck>> };
  /** The behaviour suite (test/fixtures/behaviour), through the product's scorer. */
  behaviour?: BehaviourReport;
  /** Issue 11's SouthFront expectations (absent when ../shared/examples is not there). */
  southfront?: SouthfrontReport;
  /** A cascade model's band (`--cascade`), and per dev set the comments scored and sent to the encoder. */
  cascade?: CascadeBand;
  encoderUse?: Record<string, { comments: number; encoded: number }>;
}

/** What every evaluation section gets: the model's span options and decision thresholds, and its predictions. */
export interface EvalContext {
  model: ToxicityModel;
  /** Span assembly options from `model.info.thresholds`. */
  opts: SpanOptions;
  /** Decision thresholds from `model.info.thresholds`. */
  th: DecisionThresholds;
  datasets?: string;
  log: (m: string) => void;
  /** Predictions of `texts`; `set` names a dev set (a cascade's encoder use is counted per set). */
  predict(texts: string[], set?: string): Promise<CommentPrediction[]>;
}

/** News comments: UCC validation (hostile, antagonize, toxic gold with ECE) and C3 dev (AUC, ECE). */
async function newsSection(ctx: EvalContext, sets: ExtraDevSets, c3Dev: LabelledComment[], c3Preds: CommentPrediction[], uccTrained: boolean): Promise<EvalReport['news']> {
  const uccPreds = await ctx.predict(sets.ucc.map((r) => r.text), 'ucc_heldout');
  const otherPreds = await ctx.predict(sets.uccOther.map((r) => r.text), 'ucc_other');
  return { ucc: uccFigures(sets.ucc, uccPreds), uccOther: uccFigures(sets.uccOther, otherPreds), uccTrained, c3: calibrationFigures(c3Dev, c3Preds) };
}

/** HateXplain validation: comment AUROC, token F1 vs the majority rationale, identity_attack. */
async function hatexplainSection(ctx: EvalContext, sets: ExtraDevSets): Promise<HatexplainFigures> {
  const preds = await ctx.predict(sets.hatexplain.map((p) => p.text), 'hatexplain_val');
  return hatexplainFigures(sets.hatexplain, preds, ctx.opts, ctx.th);
}

/** Every held-out comment set from another source: AUCs and firing rates. */
async function crossDomainSection(ctx: EvalContext, sets: ExtraDevSets): Promise<Record<string, CrossDomainFigures>> {
  const out: Record<string, CrossDomainFigures> = {};
  for (const [name, rows] of Object.entries(sets.cross)) out[name] = crossDomainFigures(rows, await ctx.predict(rows.map((r) => r.text), name), ctx.th);
  return out;
}

/**
 * True when the model in `dir` trained on UCC validation's other half (`model.json`'s
 * `training.uccRepeat`, recorded since model 2.2.0), so that half is no dev set for it.
 */
export function trainedOnUcc(dir: string): boolean {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { training?: { uccRepeat?: number } };
  return (meta.training?.uccRepeat ?? 0) > 0;
}

/** The base model's folder when `dir` holds encoder heads (a `moderato-heads` model.json), else null. */
export function headsBaseDir(dir: string): string | null {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format?: string; base?: { dir: string } };
  return meta.format === HEADS_FORMAT && meta.base ? path.resolve(dir, meta.base.dir) : null;
}

/** Runs every evaluation on a loaded model (`uccTrained`: see {@link trainedOnUcc}). */
export async function evaluateModel(model: ToxicityModel, datasets?: string, log: (m: string) => void = () => undefined, uccTrained = false): Promise<EvalReport> {
  const opts = spanOptionsFromThresholds(model.info.thresholds);
  const th = decisionThresholds(model.info.thresholds);
  // A cascade: how many of each dev set's comments reach the encoder (its counts before and after).
  const cascade = model instanceof CascadeToxicityModel ? model : undefined;
  const encoderUse: NonNullable<EvalReport['encoderUse']> = {};
  const predict = async (texts: string[], set?: string): Promise<CommentPrediction[]> => {
    const before = cascade?.counts.encoded ?? 0;
    const preds = await predictAll(model, texts);
    if (cascade && set) encoderUse[set] = { comments: texts.length, encoded: cascade.counts.encoded - before };
    return preds;
  };
  const ctx: EvalContext = { model, opts, th, datasets, log, predict };
  const c = buildCorpus({ buckets: NET_CONFIG.buckets, version: FEATURE_VERSION }, { datasets });
  const sets = loadExtraDevSets(datasets);
  log('corpus built');
  const trialPreds = await predict(c.trial.map((p) => p.text), 'tsd_trial');
  const trialF1 = spanF1(c.trial, trialPreds, opts);
  const trialF1Reweighted = spanF1Reweighted(c.trial, trialPreds, opts, 0.2);
  // Obfuscation: one perturbed copy per kind, plus a mixed copy, each with the same seed.
  const obfuscation: Record<string, number> = { clean: trialF1 };
  for (const kind of [...PERTURBATIONS, undefined]) {
    const r = mulberry32(1234);
    const posts = c.trial.map((p) => perturbPost(p, r, kind));
    obfuscation[kind ?? 'mixed'] = spanF1(posts, await predictAll(model, posts.map((p) => p.text)), opts);
  }
  log('spans done');
  const aclPreds = await predict(c.aclDev.map((p) => p.text), 'civil_acl_dev');
  const perType = perTypeF1(c.aclDev, aclPreds, opts);
  // Comment-level ROC-AUC per domain.
  const auc: EvalReport['auc'] = {};
  const devPreds: Record<string, CommentPrediction[]> = {};
  for (const [name, rows] of Object.entries(c.commentDev)) {
    devPreds[name] = await predict(rows.map((r) => r.text), `${name}_dev`);
    auc[name] = { auc: commentAuc(rows, devPreds[name]), n: rows.length, positives: rows.filter((r) => r.toxicBinary === 1).length };
  }
  // ACL / Civil Comments: toxic when most annotators marked a span.
  const aclRows: LabelledComment[] = c.aclDev.map((a) => {
    const shareOf = (marked: (spans: (typeof a.annotations)[number]) => boolean): number => a.annotations.filter(marked).length / Math.max(1, a.annotations.length);
    const share = shareOf((x) => x.length > 0);
    // A category is 1 where most annotators marked a span of that type, 0 where none did, else unknown.
    const categories = CATEGORIES.map((cat) => {
      const s = shareOf((x) => x.some((r) => r.type === cat));
      return s > 0.5 ? 1 : s === 0 ? 0 : NaN;
    });
    return { id: a.id, text: a.text, domain: 'acl', toxicity: share, toxicBinary: share > 0.5 ? 1 : 0, categories };
  });
  auc.civil_acl = { auc: commentAuc(aclRows, aclPreds), n: aclRows.length, positives: aclRows.filter((r) => r.toxicBinary === 1).length };
  // OLID public test: macro-F1 at 0.5 and at the threshold best on the OLID dev split.
  const olidPreds = await predict(c.olidTest.map((r) => r.text), 'olid_test');
  let devBest = { t: 0.5, f: -1 };
  for (let t = 0.05; t < 0.951; t += 0.025) {
    const f = commentMacroF1(c.commentDev.olid, devPreds.olid, t);
    if (f > devBest.f) devBest = { t: Number(t.toFixed(3)), f };
  }
  const olidTest = {
    macroF1At05: commentMacroF1(c.olidTest, olidPreds, 0.5),
    macroF1AtDevBest: commentMacroF1(c.olidTest, olidPreds, devBest.t),
    devBestThreshold: devBest.t,
    auc: commentAuc(c.olidTest, olidPreds),
    n: c.olidTest.length,
  };
  log('comments done');
  // Clean mix: tsd_trial plus more clean dev comments (C3 level 1, OLID NOT) than trial posts.
  // The clean half not used to tune the fallback rule in training.
  const cleanPosts: SpanPost[] = c.cleanEval.map((r) => ({ id: r.id, text: r.text, goldCp: [], ranges: [] }));
  const cleanPreds = await predict(cleanPosts.map((p) => p.text), 'clean_mix');
  const mixPosts = [...c.trial, ...cleanPosts];
  const mixF1 = spanF1(mixPosts, [...trialPreds, ...cleanPreds], opts);
  const alarms = cleanPosts.filter((p, i) => assembleSpans(p.text, cleanPreds[i], opts).length > 0).length;
  const cleanMix = { posts: mixPosts.length, cleanShare: cleanPosts.length / mixPosts.length, f1: mixF1, falseAlarmRate: alarms / cleanPosts.length, toxicF1: trialF1 };
  const rows = await identityCheck(model, opts);
  const worst = rows.reduce((a, b) => (b.friendlyMean > a.friendlyMean ? b : a));
  const identity = {
    worstTerm: worst.term,
    worstFriendlyMean: worst.friendlyMean,
    meanFriendly: rows.reduce((a, r) => a + r.friendlyMean, 0) / rows.length,
    meanHostile: rows.reduce((a, r) => a + r.hostileMean, 0) / rows.length,
    friendlySpanRate: rows.reduce((a, r) => a + r.friendlySpanRate, 0) / rows.length,
    rows,
  };
  const news = await newsSection(ctx, sets, c.commentDev.c3 ?? [], devPreds.c3 ?? [], uccTrained);
  const hatexplain = await hatexplainSection(ctx, sets);
  // ACL dev and OLID test are scored above already: their figures reuse those predictions.
  const crossDomain = { civil_acl_dev: crossDomainFigures(aclRows, aclPreds, th), olid_test: crossDomainFigures(c.olidTest, olidPreds, th), ...(await crossDomainSection(ctx, sets)) };
  log('news, HateXplain and cross-domain sets done');
  return { trialF1, trialF1Reweighted, obfuscation, perType, auc, olidTest, cleanMix, identity, news, hatexplain, crossDomain, thresholds: th, ...(cascade ? { cascade: cascade.band, encoderUse } : {}) };
}

/** Renders the report as markdown tables. */
export function renderReport(r: EvalReport): string {
  const L: string[] = [];
  L.push('## Toxic spans (SemEval-2021 Task 5 F1, tsd_trial)', '', '| set | F1 |', '| --- | --- |');
  for (const [k, v] of Object.entries(r.obfuscation)) {
    L.push(`| ${k === 'clean' ? 'tsd_trial (clean)' : `tsd_trial, toxic words perturbed: ${k}`} | ${f3(v)} |`);
    if (k === 'clean') L.push(`| tsd_trial, empty-gold posts re-weighted to 20% | ${f3(r.trialF1Reweighted)} |`);
  }
  L.push('', '## Typed spans (ACL 2022 dev, majority-vote gold; per type over posts whose gold has that type)', '', '| type | F1 | posts |', '| --- | --- | --- |');
  for (const [k, v] of Object.entries(r.perType)) L.push(`| ${k} | ${f3(v.f1)} | ${v.posts} |`);
  L.push('', '## Comment toxicity ROC-AUC (dev splits)', '', '| domain | ROC-AUC | comments | toxic |', '| --- | --- | --- | --- |');
  for (const [k, v] of Object.entries(r.auc)) L.push(`| ${k} | ${f3(v.auc)} | ${v.n} | ${v.positives} |`);
  L.push('', '## OLID level A public test set', '', '| threshold | macro-F1 |', '| --- | --- |');
  L.push(`| 0.5 | ${f3(r.olidTest.macroF1At05)} |`, `| ${r.olidTest.devBestThreshold} (best on OLID dev) | ${f3(r.olidTest.macroF1AtDevBest)} |`, '', `ROC-AUC ${f3(r.olidTest.auc)} on ${r.olidTest.n} tweets.`);
  L.push('', '## Clean-comment mix', '', '| posts | clean share | span F1 | clean comments with any span |', '| --- | --- | --- | --- |');
  L.push(`| ${r.cleanMix.posts} | ${f3(r.cleanMix.cleanShare)} | ${f3(r.cleanMix.f1)} | ${f3(r.cleanMix.falseAlarmRate)} |`);
  L.push(...renderNews(r), ...renderHatexplain(r), ...renderCrossDomain(r));
  L.push(...renderCascade(r));
  L.push('', '## Identity-term templates', '', `Worst term on friendly sentences: **${r.identity.worstTerm}** (mean toxicity ${f3(r.identity.worstFriendlyMean)}); mean friendly ${f3(r.identity.meanFriendly)}, mean hostile ${f3(r.identity.meanHostile)}, friendly sentences with a span ${f3(r.identity.friendlySpanRate)}.`, '');
  L.push('| group | term | friendly mean | friendly max | hostile mean |', '| --- | --- | --- | --- | --- |');
  for (const row of [...r.identity.rows].sort((a, b) => b.friendlyMean - a.friendlyMean)) L.push(`| ${row.group} | ${row.term} | ${f3(row.friendlyMean)} | ${f3(row.friendlyMax)} | ${f3(row.hostileMean)} |`);
  return L.join('\n') + '\n';
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const aucCell = (a: AucFigure): string => `${f3(a.auc)} | ${a.n} | ${a.positives}`;

function renderNews(r: EvalReport): string[] {
  const u = r.news.ucc;
  const o = r.news.uccOther;
  const other = r.news.uccTrained ? 'UCC val other half (TRAINED ON: not a dev figure)' : 'UCC val other half (held out too)';
  return [
    '', '## News comments: UCC validation and C3 dev', '',
    'UCC toxic gold = hostile or antagonize by majority; C3 gold = crowd toxicity level >= 2. ECE: 10 equal-width bins of `toxicity`.',
    'UCC validation is split in two halves by text hash: the held-out half is never trained on; the other half trains the `ucc` pool when the model was trained with it.', '',
    '| set | gold | ROC-AUC | comments | positives | ECE |', '| --- | --- | --- | --- | --- | --- |',
    `| UCC val held-out half | hostile | ${aucCell(u.hostile)} | |`,
    `| UCC val held-out half | antagonize | ${aucCell(u.antagonize)} | |`,
    `| UCC val held-out half | hostile or antagonize | ${aucCell(u.toxic)} | ${f3(u.toxic.ece)} |`,
    `| ${other} | hostile / antagonize | ${f3(o.hostile.auc)} / ${f3(o.antagonize.auc)} | ${o.hostile.n} | ${o.hostile.positives} / ${o.antagonize.positives} | ${f3(o.toxic.ece)} |`,
    `| C3 dev | toxicity level >= 2 | ${aucCell(r.news.c3)} | ${f3(r.news.c3.ece)} |`,
  ];
}

function renderHatexplain(r: EvalReport): string[] {
  const h = r.hatexplain;
  return [
    '', '## HateXplain validation', '',
    '| figure | value | posts | positives |', '| --- | --- | --- | --- |',
    `| AUROC toxicity, hatespeech or offensive vs normal (majority) | ${aucCell(h.toxic)} |`,
    `| token F1 of predicted spans vs majority rationale (posts with one) | ${f3(h.tokenF1)} | ${h.tokenPosts} | |`,
    `| AUROC identity_attack, hatespeech vs rest | ${aucCell(h.identityAttack)} |`,
    `| identity_attack >= ${r.thresholds.category.identity_attack} on hatespeech posts | ${pct(h.identityFiresOnHate)} | ${h.identityAttack.positives} | |`,
  ];
}

function renderCrossDomain(r: EvalReport): string[] {
  const cats = CATEGORIES;
  const L = [
    '', '## Comment sets from other sources (held out)', '',
    `Flagged: toxicity >= ${r.thresholds.toxicity}. Category columns: share of the set's positives where the category fires (>= its threshold), then in brackets the share of its negatives.`, '',
    `| set | ROC-AUC | comments | positives | flagged positives | flagged negatives | ${cats.join(' | ')} |`,
    `| --- | --- | --- | --- | --- | --- | ${cats.map(() => '---').join(' | ')} |`,
  ];
  for (const [k, v] of Object.entries(r.crossDomain)) L.push(`| ${k} | ${aucCell(v.toxic)} | ${pct(v.flaggedPositives)} | ${pct(v.flaggedNegatives)} | ${cats.map((c) => `${pct(v.firesOnPositives[c])} (${pct(v.firesOnNegatives[c])})`).join(' | ')} |`);
  L.push('', '| set | category (gold) | ROC-AUC | comments | positives |', '| --- | --- | --- | --- | --- |');
  for (const [k, v] of Object.entries(r.crossDomain)) for (const [c, a] of Object.entries(v.categoryAuc)) L.push(`| ${k} | ${c} | ${aucCell(a)} |`);
  return L;
}

/** Share of comments a cascade sent to the encoder: over all named dev sets, then per set. */
export function encoderShare(r: EvalReport): number {
  const use = Object.values(r.encoderUse ?? {});
  const n = use.reduce((a, u) => a + u.comments, 0);
  return n ? use.reduce((a, u) => a + u.encoded, 0) / n : NaN;
}

function renderCascade(r: EvalReport): string[] {
  if (!r.cascade || !r.encoderUse) return [];
  const L = [
    '', `## Cascade: comments sent to the encoder (fast toxicity in [${r.cascade.low}, ${r.cascade.high}])`, '',
    `All dev sets above: **${pct(encoderShare(r))}**.`, '',
    '| set | comments | sent to the encoder |', '| --- | --- | --- |',
  ];
  for (const [k, u] of Object.entries(r.encoderUse)) L.push(`| ${k} | ${u.comments} | ${pct(u.comments ? u.encoded / u.comments : NaN)} |`);
  return L;
}

/** Headline figures of a report, for the across-seeds summary. */
export function headline(r: EvalReport): Record<string, number> {
  const h: Record<string, number> = {
    'tsd_trial span F1': r.trialF1,
    'tsd_trial span F1, obfuscated (mixed)': r.obfuscation.mixed,
    'clean-mix span F1': r.cleanMix.f1,
    'clean comments with any span': r.cleanMix.falseAlarmRate,
    'OLID test macro-F1 (dev threshold)': r.olidTest.macroF1AtDevBest,
    'identity: worst friendly mean toxicity': r.identity.worstFriendlyMean,
  };
  h['tsd_trial span F1, empty gold re-weighted to 20%'] = r.trialF1Reweighted;
  h['UCC ROC-AUC hostile'] = r.news.ucc.hostile.auc;
  h['UCC ROC-AUC antagonize'] = r.news.ucc.antagonize.auc;
  h['UCC ECE (hostile or antagonize)'] = r.news.ucc.toxic.ece;
  h['C3 dev ECE'] = r.news.c3.ece;
  h['HateXplain val AUROC toxic vs normal'] = r.hatexplain.toxic.auc;
  h['HateXplain val token F1 vs majority rationale'] = r.hatexplain.tokenF1;
  h['HateXplain val identity_attack AUROC vs hatespeech'] = r.hatexplain.identityAttack.auc;
  for (const [k, v] of Object.entries(r.crossDomain)) {
    h[`ROC-AUC ${k}`] = v.toxic.auc;
    for (const [c, a] of Object.entries(v.categoryAuc)) h[`ROC-AUC ${k} ${c}`] = a.auc;
  }
  for (const [k, v] of Object.entries(r.auc)) h[`ROC-AUC ${k}`] = v.auc;
  for (const [k, v] of Object.entries(r.perType)) h[`ACL dev span F1 ${k}`] = v.f1;
  if (r.behaviour) {
    h['behaviour suite: overall pass rate'] = r.behaviour.overall;
    h['behaviour suite: worst functionality pass rate'] = r.behaviour.worst.rate;
    h['behaviour suite: greetings and short replies flagged'] = r.behaviour.shortFlagged;
  }
  if (r.encoderUse) h['cascade: share of dev comments sent to the encoder'] = encoderShare(r);
  if (r.southfront) {
    h['SouthFront phrases with a span'] = r.southfront.phrases.filter((p) => p.covered).length;
    h['SouthFront clean comments clean'] = r.southfront.clean.filter((c) => c.clean).length;
  }
  return h;
}

/** Mean, standard deviation, min and max of each headline figure over several models (seeds). */
export function renderSummary(names: string[], reports: EvalReport[]): string {
  const rows = reports.map(headline);
  const L = [`## Over ${reports.length} models (${names.join(', ')})`, '', '| figure | mean | sd | min | max |', '| --- | --- | --- | --- | --- |'];
  for (const k of Object.keys(rows[0])) {
    const v = rows.map((r) => r[k]).filter((x) => Number.isFinite(x));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    L.push(`| ${k} | ${f3(mean)} | ${f3(sd)} | ${f3(Math.min(...v))} | ${f3(Math.max(...v))} |`);
  }
  return L.join('\n') + '\n';
}

/** `--cascade LOW,HIGH` (or `default`: the band in the heads file): a band, or true for the file's. */
export function parseCascade(raw: string | undefined): CascadeBand | true {
  if (raw === 'default') return true;
  const parts = (raw ?? '').split(',').map(Number);
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x))) throw new Error(`--cascade needs LOW,HIGH (e.g. 0.2,0.8) or default, got ${JSON.stringify(raw)}`);
  return checkBand({ low: parts[0], high: parts[1] });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dirs: string[] = [];
  // Each --cascade evaluates every heads model once more as a cascade with that band.
  const cascades: Array<CascadeBand | true> = [];
  let datasets: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') dirs.push(argv[++i]);
    else if (argv[i] === '--datasets') datasets = argv[++i];
    else if (argv[i] === '--json') json = argv[++i];
    else if (argv[i] === '--cascade') cascades.push(parseCascade(argv[++i]));
    else throw new Error(`unknown option ${argv[i]} (valid: --model DIR, --cascade LOW,HIGH|default, --datasets DIR, --json FILE)`);
  }
  if (!dirs.length) dirs.push(defaultModelDir());
  const reports: EvalReport[] = [];
  const names: string[] = [];
  for (const dir of dirs) {
    // Heads read sentence vectors: from the shared cache, so each text is embedded once across runs.
    const heads = headsBaseDir(dir);
    if (cascades.length && !heads) throw new Error(`--cascade needs a heads model; ${dir} is not one`);
    for (const cascade of cascades.length ? cascades : [undefined]) {
      const model = await loadModel(dir, heads ? { encoder: cachedEncoder(), ...(cascade ? { cascade } : {}) } : {});
      const name = model instanceof CascadeToxicityModel ? `${dir} (cascade [${model.band.low}, ${model.band.high}])` : dir;
      const report = await evaluateModel(model, datasets, (m) => process.stderr.write(m + '\n'), trainedOnUcc(heads ?? dir));
      // Behaviour suite and SouthFront through the product's own scorer (flags, categories, spans).
      // The fast off-topic model in every mode: this evaluates toxicity, so only its model changes.
      const scorer = await createScorer({ model, topicDir: defaultTopicDir(false) });
      report.behaviour = await runBehaviour(scorer);
      if (fs.existsSync(southfrontPath())) report.southfront = await southfrontCheck(scorer);
      scorer.dispose();
      model.dispose();
      reports.push(report);
      names.push(name);
      let extra = report.behaviour ? '\n' + renderBehaviour(report.behaviour, false) : '';
      if (report.southfront) extra += '\n' + renderSouthfront(report.southfront);
      process.stdout.write(`# ${name}\n\n` + renderReport(report) + extra + '\n');
    }
  }
  // Seeds of one model summarise; bands of a cascade are alternatives, not samples.
  if (reports.length > 1 && !cascades.length) process.stdout.write(renderSummary(names, reports));
  if (json) fs.writeFileSync(json, JSON.stringify(reports.length > 1 ? reports : reports[0], null, 1));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
