/**
 * `npm run bench:batch`: whole-process batch scoring of the same 20,000 posts (C3 news comments,
 * OLID tweets and SemEval toxic-spans posts from ../shared/datasets, one comment per JSONL line),
 * measured in the same run:
 *
 * - `moderato score FILE --workers 1` and `--workers 2`: wall time of the whole process (start-up,
 *   model loading in each thread, scoring, writing) and the scoring rate the CLI reports (from
 *   the threads being ready to the last line written);
 * - the baseline: the `obscenity` word filter as a whole process on the same file (one core).
 *
 * Ratios: 2 workers / 1 worker (scoring rate and wall time), and obscenity's wall time over
 * Moderato's (>= 1.0 means Moderato finishes first). Rounds alternate the three runs so a change
 * in the machine's load hits them alike; the load average is printed with the table.
 *
 *   npm run bench:batch [-- --rounds 3 --posts 20000 --datasets PATH]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { posts } from './posts';
import { packageRoot } from '../src/util/paths';
import { fmt, summarize, table } from './stats';

interface RunResult {
  wallMs: number;
  /** Scoring rate the CLI printed (comments/s), if any. */
  rate?: number;
}

function timed(args: string[]): RunResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const m = /scored (\d+) comments in ([\d.]+) s/.exec(r.stderr);
  return { wallMs, rate: m ? Number(m[1]) / Number(m[2]) : undefined };
}

function main(): void {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, posts: { type: 'string', default: '20000' }, datasets: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const n = Number(values.posts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-bench-batch-'));
  const input = path.join(dir, 'posts.jsonl');
  const texts = posts(n, values.datasets);
  fs.writeFileSync(input, texts.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join('\n') + '\n');
  const chars = texts.reduce((a, t) => a + t.length, 0);
  const bin = path.join(packageRoot(), 'bin', 'moderato.js');
  const baseline = path.join(packageRoot(), 'dist', 'bench', 'obscenity-score.js');
  process.stderr.write(`bench:batch: ${n} posts (mean ${Math.round(chars / n)} chars), ${rounds} rounds, ${os.availableParallelism()} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);

  const runs: Record<'obscenity' | 'w1' | 'w2', RunResult[]> = { obscenity: [], w1: [], w2: [] };
  for (let r = 0; r < rounds; r++) {
    runs.obscenity.push(timed([baseline, input, path.join(dir, 'obscenity.jsonl')]));
    runs.w1.push(timed([bin, 'score', input, '--workers', '1', '--output', path.join(dir, 'w1.jsonl')]));
    runs.w2.push(timed([bin, 'score', input, '--workers', '2', '--output', path.join(dir, 'w2.jsonl')]));
    process.stderr.write(`bench:batch: round ${r + 1}/${rounds} done, load ${os.loadavg()[0].toFixed(2)}\n`);
  }
  const same = fs.readFileSync(path.join(dir, 'w1.jsonl'), 'utf8') === fs.readFileSync(path.join(dir, 'w2.jsonl'), 'utf8');
  const wall = (k: keyof typeof runs) => summarize(runs[k].map((x) => x.wallMs));
  const rate = (k: 'w1' | 'w2') => summarize(runs[k].map((x) => x.rate ?? NaN));
  const rows = (['obscenity', 'w1', 'w2'] as const).map((k) => {
    const w = wall(k);
    const label = k === 'obscenity' ? 'obscenity (whole process, 1 core)' : `moderato score --workers ${k.slice(1)}`;
    const sr = k === 'obscenity' ? '-' : `${fmt(rate(k).min)} / ${fmt(rate(k).median)}`;
    return [label, w.min / 1000, w.median / 1000, (n / w.median) * 1000, sr];
  });
  process.stdout.write(table(['process', 'wall s (min)', 'wall s (median)', 'posts/s (whole process, median)', 'scoring posts/s (min / median)'], rows) + '\n\n');
  const speedup = rate('w2').median / rate('w1').median;
  const wallSpeedup = wall('w1').median / wall('w2').median;
  const vs = (k: 'w1' | 'w2') => wall('obscenity').median / wall(k).median;
  process.stdout.write(
    table(
      ['ratio (medians)', 'value', 'target'],
      [
        ['scoring rate, 2 workers / 1 worker', speedup, '>= 1.7'],
        ['whole process, 1 worker wall / 2 workers wall', wallSpeedup, ''],
        ['obscenity wall / moderato --workers 2 wall', vs('w2'), '>= 1.0'],
        ['obscenity wall / moderato --workers 1 wall', vs('w1'), ''],
      ],
    ) + '\n',
  );
  process.stdout.write(`\noutputs with 1 and 2 workers identical: ${same}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
