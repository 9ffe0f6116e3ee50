/**
 * `npm run bench:batch`: whole-process batch scoring (`moderato score FILE --output F`) of posts
 * from ../shared/datasets (C3 news comments, OLID tweets, SemEval toxic-spans posts; one comment
 * per JSONL line), measured in the same run:
 *
 * - fast path, `--posts` posts: `--workers 1` and `--workers N` (N = the cores), and the baseline,
 *   the `obscenity` word filter as a whole process on the same file (one core);
 * - accurate path (`--mode accurate --model DIR`, when `--heads DIR` names a heads model or the
 *   shipped models/heads exists), `--accurate-posts` posts, 1 and N workers;
 * - a large file (`--large` comments, posts recycled under fresh ids), fast path, N workers, once.
 *
 * Each run reports wall time, the scoring rate the CLI prints (threads ready to last line
 * written), that rate per worker, the CPU the process used (all threads) and so the cores it
 * had (CPU / wall: on a shared machine a run gets fewer cores than it asks for, and a speed-up
 * can only show when it gets them), and its peak RSS (VmHWM; for the large file also the peak
 * over each half of the run, to show memory flat). CPU and RSS are read from /proc (Linux).
 * Rounds alternate the runs so a change in the machine's load hits them alike.
 *
 *   npm run bench:batch [-- --rounds 3 --posts 20000 --accurate-posts 1000 --large 1000000 --heads DIR --datasets PATH]
 */
import { spawn } from 'child_process';
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
  /** CPU seconds of the whole process (every thread), NaN off Linux. */
  cpu: number;
  /** Peak RSS, MB (NaN off Linux); and the peak over the first and the second half of the run. */
  rssMb: number;
  halves: [number, number];
}

const CLK_TCK = 100;

/** Reads the process's CPU ticks and RSS figures from /proc; undefined once it is gone. */
function sample(pid: number): { cpu: number; rss: number; hwm: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { cpu: (Number(stat[11]) + Number(stat[12])) / CLK_TCK, rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Runs node with `args`, sampling /proc every 100 ms (the last sample is within 100 ms of the end). */
function timed(args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const rss: Array<[number, number]> = [];
    let last = { cpu: NaN, rss: NaN, hwm: NaN };
    const timer = setInterval(() => {
      const s = sample(child.pid!);
      // A process that has exited but not been reaped still has a stat, without memory lines.
      if (!s || !Number.isFinite(s.hwm)) return;
      last = s;
      rss.push([Number(process.hrtime.bigint() - t0) / 1e6, s.rss]);
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${args.join(' ')} failed (${code}):\n${stderr}`));
      const m = /scored (\d+) comments in ([\d.]+) s/.exec(stderr);
      const peak = (from: number, to: number) => Math.max(...rss.filter(([t]) => t >= from && t < to).map(([, r]) => r));
      resolve({ wallMs, rate: m ? Number(m[1]) / Number(m[2]) : undefined, cpu: last.cpu, rssMb: last.hwm, halves: [peak(0, wallMs / 2), peak(wallMs / 2, Infinity)] });
    });
  });
}

function writePosts(file: string, texts: string[]): void {
  fs.writeFileSync(file, texts.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join('\n') + '\n');
}

/** One table row per kind of run: medians over its rounds. */
function rows(runs: Record<string, { label: string; workers: number; results: RunResult[] }>, n: number): (string | number)[][] {
  return Object.values(runs).map(({ label, workers, results }) => {
    const wall = summarize(results.map((x) => x.wallMs)).median;
    const rate = summarize(results.map((x) => x.rate ?? NaN)).median;
    const cpu = summarize(results.map((x) => x.cpu)).median;
    return [label, wall / 1000, (n / wall) * 1000, Number.isNaN(rate) ? '-' : rate, Number.isNaN(rate) ? '-' : rate / workers, cpu, (cpu / wall) * 1000, summarize(results.map((x) => x.rssMb)).median];
  });
}

const HEADER = ['process', 'wall s', 'posts/s whole process', 'scoring posts/s', 'per worker', 'CPU s', 'cores had', 'peak RSS MB'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      posts: { type: 'string', default: '20000' },
      'accurate-posts': { type: 'string', default: '1000' },
      large: { type: 'string', default: '1000000' },
      heads: { type: 'string' },
      datasets: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const n = Number(values.posts);
  const nAcc = Number(values['accurate-posts']);
  const large = Number(values.large);
  const cores = os.availableParallelism();
  const root = packageRoot();
  const heads = values.heads ?? (fs.existsSync(path.join(root, 'models', 'heads', 'model.json')) ? path.join(root, 'models', 'heads') : undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-bench-batch-'));
  const bin = path.join(root, 'bin', 'moderato.js');
  const baseline = path.join(root, 'dist', 'bench', 'obscenity-score.js');
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  try {
    const texts = posts(Math.max(n, nAcc, large > 0 ? 1 : 0), values.datasets, true);
    const input = path.join(dir, 'posts.jsonl');
    writePosts(input, texts.slice(0, n));
    const chars = texts.slice(0, n).reduce((a, t) => a + t.length, 0);
    process.stderr.write(`bench:batch: ${n} posts (mean ${Math.round(chars / n)} chars), ${rounds} rounds, ${cores} cores, load ${load()}\n`);
    const out = (name: string) => path.join(dir, `${name}.jsonl`);

    const fast = {
      obscenity: { label: 'obscenity (1 core)', workers: 1, results: [] as RunResult[] },
      w1: { label: 'fast, --workers 1', workers: 1, results: [] as RunResult[] },
      wn: { label: `fast, --workers ${cores}`, workers: cores, results: [] as RunResult[] },
    };
    for (let r = 0; r < rounds; r++) {
      fast.obscenity.results.push(await timed([baseline, input, out('obscenity')]));
      fast.w1.results.push(await timed([bin, 'score', input, '--workers', '1', '--mode', 'fast', '--output', out('w1')]));
      fast.wn.results.push(await timed([bin, 'score', input, '--workers', String(cores), '--mode', 'fast', '--output', out('wn')]));
      process.stderr.write(`bench:batch: fast round ${r + 1}/${rounds} done, load ${load()}\n`);
    }
    const same = fs.readFileSync(out('w1'), 'utf8') === fs.readFileSync(out('wn'), 'utf8');
    const rate = (k: 'w1' | 'wn') => summarize(fast[k].results.map((x) => x.rate ?? NaN)).median;
    const wall = (k: keyof typeof fast) => summarize(fast[k].results.map((x) => x.wallMs)).median;
    process.stdout.write(`## fast path, ${n} posts (medians of ${rounds})\n\n` + table(HEADER, rows(fast, n)) + '\n\n');
    process.stdout.write(
      table(
        ['ratio (medians)', 'value', 'target'],
        [
          [`scoring rate, ${cores} workers / 1 worker`, rate('wn') / rate('w1'), '>= 1.6'],
          [`whole process, 1 worker wall / ${cores} workers wall`, wall('w1') / wall('wn'), ''],
          [`obscenity wall / moderato --workers ${cores} wall`, wall('obscenity') / wall('wn'), '>= 1.0'],
        ],
      ) + `\n\noutputs with 1 and ${cores} workers identical: ${same}\n\n`,
    );

    if (heads && nAcc > 0) {
      const accInput = path.join(dir, 'accurate.jsonl');
      writePosts(accInput, texts.slice(0, nAcc));
      const acc = {
        w1: { label: 'accurate, --workers 1', workers: 1, results: [] as RunResult[] },
        wn: { label: `accurate, --workers ${cores}`, workers: cores, results: [] as RunResult[] },
      };
      for (let r = 0; r < rounds; r++) {
        acc.w1.results.push(await timed([bin, 'score', accInput, '--workers', '1', '--mode', 'accurate', '--model', heads, '--output', out('a1')]));
        acc.wn.results.push(await timed([bin, 'score', accInput, '--workers', String(cores), '--mode', 'accurate', '--model', heads, '--output', out('an')]));
        process.stderr.write(`bench:batch: accurate round ${r + 1}/${rounds} done, load ${load()}\n`);
      }
      const arate = (k: 'w1' | 'wn') => summarize(acc[k].results.map((x) => x.rate ?? NaN)).median;
      process.stdout.write(
        `## accurate path (${heads}), ${nAcc} posts (medians of ${rounds})\n\n` + table(HEADER, rows(acc, nAcc)) + '\n\n' +
          table(['ratio (medians)', 'value', 'target'], [[`scoring rate, ${cores} workers / 1 worker`, arate('wn') / arate('w1'), '>= 1.8'], ['fast / accurate scoring rate per worker, 1 worker', rate('w1') / arate('w1'), '']]) + '\n\n',
      );
    } else {
      process.stdout.write(`## accurate path: skipped (${heads ? '--accurate-posts 0' : 'no heads model: models/heads is missing; pass --heads DIR'})\n\n`);
    }

    if (large > 0) {
      const bigInput = path.join(dir, 'large-input.jsonl');
      const stream = fs.createWriteStream(bigInput);
      for (let i = 0; i < large; i++) {
        if (!stream.write(JSON.stringify({ id: `l${i}`, text: texts[i % texts.length] }) + '\n')) await new Promise<void>((r) => stream.once('drain', () => r()));
      }
      await new Promise<void>((r) => stream.end(() => r()));
      process.stderr.write(`bench:batch: large file of ${large} comments (${Math.round(fs.statSync(bigInput).size / 2 ** 20)} MB), load ${load()}\n`);
      const big = { wn: { label: `fast, --workers ${cores}`, workers: cores, results: [await timed([bin, 'score', bigInput, '--workers', String(cores), '--mode', 'fast', '--output', out('large')])] } };
      const [first, second] = big.wn.results[0].halves;
      process.stdout.write(
        `## large file, ${large} comments, fast path (one run)\n\n` + table(HEADER, rows(big, large)) + `\n\npeak RSS over the first half of the run ${fmt(first)} MB, over the second half ${fmt(second)} MB\n\n`,
      );
    }
    process.stdout.write(`load average at the end ${load()}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
