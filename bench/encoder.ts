/**
 * `npm run bench:encoder`: comments per second of the sentence encoder's runtimes on the same
 * comments in the same run, against the baseline, the package's own tfjs graph model (wasm, one
 * comment per call, its fastest setting per ../shared/notes/encoder.md).
 *
 * One core each: the wasm backend has no threads here and the ONNX session gets one intra-op
 * thread (as in a scoring worker). The runtimes take turns within every round, so a machine busy
 * with other work slows them alike; the ratio is taken per round, then its median. All are fed the
 * same piece ids (tokenising is the same code for all; its own speed is printed apart). Each
 * runtime's vectors are compared with the graph's: the largest absolute difference is printed.
 *
 * Comments: tsd_trial (SemEval-2021 toxic spans) when the datasets folder is here, else the
 * shipped fixture test/fixtures/comments.jsonl.
 *
 *   npm run bench:encoder [-- --rounds 3 --limit 300 --datasets DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadTsd } from '../src/data';
import { loadTokenizer } from '../src/encoder';
import { loadGraphEncoder, type IdEncoder } from '../src/encoder/graph';
import { loadOnnxEncoder } from '../src/encoder/onnx';
import { isModeratoError, ModeratoError } from '../src/errors';
import { packageRoot } from '../src/util/paths';
import { fmt, since, summarize, table } from './stats';

const USAGE = 'usage: npm run bench:encoder [-- --rounds 3 --limit 300 --datasets DIR]';

function options() {
  try {
    return parseArgs({ options: { rounds: { type: 'string', default: '3' }, limit: { type: 'string', default: '300' }, datasets: { type: 'string' } } }).values;
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `${(e as Error).message}; ${USAGE}`);
  }
}

/** tsd_trial's texts, or the fixture's when the datasets are not on this machine. */
function comments(datasets?: string): { source: string; texts: string[] } {
  try {
    return { source: 'tsd_trial', texts: loadTsd('tsd_trial', datasets).map((p) => p.text) };
  } catch (e) {
    if (!isModeratoError(e) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const file = path.join(packageRoot(), 'test', 'fixtures', 'comments.jsonl');
    const texts = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          const r = JSON.parse(line) as { text?: unknown; comments?: Array<{ text?: unknown }> };
          return [r.text, ...(r.comments ?? []).map((c) => c.text)].filter((t): t is string => typeof t === 'string');
        } catch {
          return [];
        }
      });
    return { source: `${path.relative(packageRoot(), file)} (no datasets: ${e instanceof Error ? e.message : String(e)})`, texts };
  }
}

interface Runner {
  name: string;
  enc: IdEncoder;
  /** Comments per embedIds call: 1 as a live stream, 64 as embedCached or batch scoring. */
  call: number;
}

async function main(): Promise<void> {
  const o = options();
  const rounds = Number(o.rounds);
  const limit = Number(o.limit);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(limit) || limit < 1) throw new ModeratoError('MOD_ERR_INPUT', `--rounds and --limit must be whole numbers >= 1; ${USAGE}`);
  const { source, texts: all } = comments(o.datasets);
  const texts = all.slice(0, limit);
  const tok = loadTokenizer();
  let start = process.hrtime.bigint();
  const ids = texts.map((t) => tok.ids(t));
  const tokMs = since(start);
  const pieces = ids.reduce((s, x) => s + Math.min(x.length, 128), 0) / ids.length;

  start = process.hrtime.bigint();
  const graph = await loadGraphEncoder();
  const graphLoad = since(start);
  start = process.hrtime.bigint();
  const onnx1 = await loadOnnxEncoder({ threads: 1, maxBatch: 1 });
  const onnxLoad = since(start);
  const onnx16 = await loadOnnxEncoder({ threads: 1, maxBatch: 16 });
  const runners: Runner[] = [
    { name: `package graph model, ${graph.runtime}, 1 comment per call (baseline)`, enc: graph, call: 1 },
    { name: 'onnx, 1 thread, 1 comment per call', enc: onnx1, call: 1 },
    { name: 'onnx, 1 thread, 64 per call, run in length-sorted batches of 16', enc: onnx16, call: 64 },
  ];
  process.stderr.write(`${texts.length} comments from ${source}, ${fmt(pieces)} pieces on average; ${rounds} rounds; load: graph ${fmt(graphLoad)} ms, onnx ${fmt(onnxLoad)} ms (model built from the package's weights)\n`);

  // Warm-up (first calls allocate), and the reference vectors for the equivalence column.
  const reference = await graph.embedIds(ids);
  const diffs = await Promise.all(
    runners.map(async (r) => {
      const v = await r.enc.embedIds(ids);
      let d = 0;
      v.forEach((x, i) => x.forEach((y, k) => (d = Math.max(d, Math.abs(y - reference[i][k])))));
      return d;
    }),
  );

  const perComment: number[][] = runners.map(() => []);
  const rates: number[][] = runners.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [k, r] of runners.entries()) {
      const roundStart = process.hrtime.bigint();
      for (let i = 0; i < ids.length; i += r.call) {
        const part = ids.slice(i, i + r.call);
        const t = process.hrtime.bigint();
        await r.enc.embedIds(part);
        const ms = since(t);
        for (let j = 0; j < part.length; j++) perComment[k].push(ms / part.length);
      }
      rates[k].push(ids.length / (since(roundStart) / 1000));
    }
    process.stderr.write(`round ${round + 1}/${rounds}: ${runners.map((r, k) => `${fmt(rates[k][round])}/s`).join(', ')}\n`);
  }

  const ratio = (k: number): number => summarize(rates[k].map((x, r) => x / rates[0][r])).median;
  const rows = runners.map((r, k) => {
    const s = summarize(perComment[k]);
    return [r.name, summarize(rates[k]).median, s.min, s.median, s.p99, `x${fmt(ratio(k))}`, diffs[k].toExponential(1)];
  });
  console.log(`Sentence encoder: ${texts.length} comments (${source}), ${fmt(pieces)} pieces each on average, ${rounds} rounds, one thread each`);
  console.log(table(['runtime', 'comments/s (median round)', 'ms/comment min', 'median', 'p99', 'vs graph (median of per-round ratios)', 'max |diff| vs graph'], rows));
  console.log(`(for calls of several comments, ms/comment is the call's time shared by its comments) tokenizer alone: ${fmt(texts.length / (tokMs / 1000))} comments/s`);
  await Promise.all(runners.map((r) => r.enc.dispose()));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(isModeratoError(e) ? `${e.code}: ${e.message}\n` : `${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
