#!/usr/bin/env node
/**
 * `npm run eval`: evaluates a trained toxicity model on the held-out dev sets and prints tables
 * (markdown) to stdout. `--json FILE` also writes the figures as JSON.
 *
 *   npm run eval -- [--model DIR]... [--datasets DIR] [--json FILE]
 *
 * With several `--model` folders (e.g. one per seed) it adds a mean / sd / min / max summary.
 */
import * as fs from 'fs';
import { defaultModelDir, loadModel } from '../model';
import { FEATURE_VERSION } from '../model/features';
import type { ToxicityModel, CommentPrediction } from '../model/types';
import { assembleSpans, spanOptionsFromThresholds } from '../spans';
import type { LabelledComment, SpanPost } from '../data';
import { buildCorpus } from './examples';
import { commentAuc, commentMacroF1, perTypeF1, predictAll, spanF1 } from './evaluate';
import { perturbPost, PERTURBATIONS } from './perturb';
import { identityCheck } from './identity';
import { rng } from './trainer';
import { NET_CONFIG } from './cli';

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** All figures `npm run eval` reports. */
export interface EvalReport {
  trialF1: number;
  obfuscation: Record<string, number>;
  perType: Record<string, { f1: number; posts: number }>;
  auc: Record<string, { auc: number; n: number; positives: number }>;
  olidTest: { macroF1At05: number; macroF1AtDevBest: number; devBestThreshold: number; auc: number; n: number };
  cleanMix: { posts: number; cleanShare: number; f1: number; falseAlarmRate: number; toxicF1: number };
  identity: { worstTerm: string; worstFriendlyMean: number; meanFriendly: number; meanHostile: number; friendlySpanRate: number; rows: Awaited<ReturnType<typeof identityCheck>> };
}

/** Runs every evaluation on a loaded model. */
export async function evaluateModel(model: ToxicityModel, datasets?: string, log: (m: string) => void = () => undefined): Promise<EvalReport> {
  const opts = spanOptionsFromThresholds(model.info.thresholds);
  const c = buildCorpus({ buckets: NET_CONFIG.buckets, version: FEATURE_VERSION }, { datasets });
  log('corpus built');
  const trialPreds = await predictAll(model, c.trial.map((p) => p.text));
  const trialF1 = spanF1(c.trial, trialPreds, opts);
  // Obfuscation: one perturbed copy per kind, plus a mixed copy, each with the same seed.
  const obfuscation: Record<string, number> = { clean: trialF1 };
  for (const kind of [...PERTURBATIONS, undefined]) {
    const r = rng(1234);
    const posts = c.trial.map((p) => perturbPost(p, r, kind));
    obfuscation[kind ?? 'mixed'] = spanF1(posts, await predictAll(model, posts.map((p) => p.text)), opts);
  }
  log('spans done');
  const aclPreds = await predictAll(model, c.aclDev.map((p) => p.text));
  const perType = perTypeF1(c.aclDev, aclPreds, opts);
  // Comment-level ROC-AUC per domain.
  const auc: EvalReport['auc'] = {};
  const devPreds: Record<string, CommentPrediction[]> = {};
  for (const [name, rows] of Object.entries(c.commentDev)) {
    devPreds[name] = await predictAll(model, rows.map((r) => r.text));
    auc[name] = { auc: commentAuc(rows, devPreds[name]), n: rows.length, positives: rows.filter((r) => r.toxicBinary === 1).length };
  }
  // ACL / Civil Comments: toxic when most annotators marked a span.
  const aclRows: LabelledComment[] = c.aclDev.map((a) => {
    const share = a.annotations.filter((x) => x.length > 0).length / Math.max(1, a.annotations.length);
    return { id: a.id, text: a.text, domain: 'acl', toxicity: share, toxicBinary: share > 0.5 ? 1 : 0, categories: [] };
  });
  auc.civil_acl = { auc: commentAuc(aclRows, aclPreds), n: aclRows.length, positives: aclRows.filter((r) => r.toxicBinary === 1).length };
  // OLID public test: macro-F1 at 0.5 and at the threshold best on the OLID dev split.
  const olidPreds = await predictAll(model, c.olidTest.map((r) => r.text));
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
  const cleanPreds = await predictAll(model, cleanPosts.map((p) => p.text));
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
  return { trialF1, obfuscation, perType, auc, olidTest, cleanMix, identity };
}

/** Renders the report as markdown tables. */
export function renderReport(r: EvalReport): string {
  const L: string[] = [];
  L.push('## Toxic spans (SemEval-2021 Task 5 F1, tsd_trial)', '', '| set | F1 |', '| --- | --- |');
  for (const [k, v] of Object.entries(r.obfuscation)) L.push(`| ${k === 'clean' ? 'tsd_trial (clean)' : `tsd_trial, toxic words perturbed: ${k}`} | ${f3(v)} |`);
  L.push('', '## Typed spans (ACL 2022 dev, majority-vote gold; per type over posts whose gold has that type)', '', '| type | F1 | posts |', '| --- | --- | --- |');
  for (const [k, v] of Object.entries(r.perType)) L.push(`| ${k} | ${f3(v.f1)} | ${v.posts} |`);
  L.push('', '## Comment toxicity ROC-AUC (dev splits)', '', '| domain | ROC-AUC | comments | toxic |', '| --- | --- | --- | --- |');
  for (const [k, v] of Object.entries(r.auc)) L.push(`| ${k} | ${f3(v.auc)} | ${v.n} | ${v.positives} |`);
  L.push('', '## OLID level A public test set', '', '| threshold | macro-F1 |', '| --- | --- |');
  L.push(`| 0.5 | ${f3(r.olidTest.macroF1At05)} |`, `| ${r.olidTest.devBestThreshold} (best on OLID dev) | ${f3(r.olidTest.macroF1AtDevBest)} |`, '', `ROC-AUC ${f3(r.olidTest.auc)} on ${r.olidTest.n} tweets.`);
  L.push('', '## Clean-comment mix', '', '| posts | clean share | span F1 | clean comments with any span |', '| --- | --- | --- | --- |');
  L.push(`| ${r.cleanMix.posts} | ${f3(r.cleanMix.cleanShare)} | ${f3(r.cleanMix.f1)} | ${f3(r.cleanMix.falseAlarmRate)} |`);
  L.push('', '## Identity-term templates', '', `Worst term on friendly sentences: **${r.identity.worstTerm}** (mean toxicity ${f3(r.identity.worstFriendlyMean)}); mean friendly ${f3(r.identity.meanFriendly)}, mean hostile ${f3(r.identity.meanHostile)}, friendly sentences with a span ${f3(r.identity.friendlySpanRate)}.`, '');
  L.push('| group | term | friendly mean | friendly max | hostile mean |', '| --- | --- | --- | --- | --- |');
  for (const row of [...r.identity.rows].sort((a, b) => b.friendlyMean - a.friendlyMean)) L.push(`| ${row.group} | ${row.term} | ${f3(row.friendlyMean)} | ${f3(row.friendlyMax)} | ${f3(row.hostileMean)} |`);
  return L.join('\n') + '\n';
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
  for (const [k, v] of Object.entries(r.auc)) h[`ROC-AUC ${k}`] = v.auc;
  for (const [k, v] of Object.entries(r.perType)) h[`ACL dev span F1 ${k}`] = v.f1;
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dirs: string[] = [];
  let datasets: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') dirs.push(argv[++i]);
    else if (argv[i] === '--datasets') datasets = argv[++i];
    else if (argv[i] === '--json') json = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!dirs.length) dirs.push(defaultModelDir());
  const reports: EvalReport[] = [];
  for (const dir of dirs) {
    const model = await loadModel(dir);
    const report = await evaluateModel(model, datasets, (m) => process.stderr.write(m + '\n'));
    model.dispose();
    reports.push(report);
    process.stdout.write(`# ${dir}\n\n` + renderReport(report) + '\n');
  }
  if (reports.length > 1) process.stdout.write(renderSummary(dirs, reports));
  if (json) fs.writeFileSync(json, JSON.stringify(reports.length > 1 ? reports : reports[0], null, 1));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
