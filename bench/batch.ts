/**
 * `npm run bench:batch`: whole-process batch scoring (`moderato score FILE --output F`) of posts
 * from ../shared/datasets (C3 news comments, OLID tweets, SemEval toxic-spans posts; one comment
 * per JSONL line), measured in the same run:
 *
 * - fast path, `--posts` posts: `--workers 1` and `--workers N` (N = the cores), and the baseline,
 *   the `obscenity` word filter as a whole process on the same file (one core);
 * - accurate path (`--mode accurate --model DIR`, when `--heads DIR` names a heads model or the
 *   shipped models/heads exists), `--accurate-posts` posts, 1 and N workers; on the same posts,
 *   one worker each, the fast path and the cascade (`--mode cascade`, the heads' band) with the
 *   share of those posts the cascade sends to the encoder;
 * - a large file (`--large` comments, posts recycled under fresh ids), fast path, N workers, once;
 *   and one for the accurate path (`--large-accurate` comments), N workers, once.
 *
 * Each run reports wall time (the summary gives the 1 / N ratio of whole-process wall time beside the scoring rate's N / 1, and each section the ratios of every round), the threads' model load the CLI prints, the scoring rate it prints
 * (every thread loaded to last line written), that rate per worker, the CPU the process used (all threads) and so the cores it
 * had (CPU / wall: on a shared machine a run gets fewer cores than it asks for, and a speed-up
 * can only show when it gets them), and its peak RSS (VmHWM; for the large file also the peak
 * over each half of the run and the RSS when 10%, 50% and 100% of the results were written, to show
 * memory flat). CPU and RSS are read from /proc (Linux). The machine's load and busiest processes
 * are printed before and after (a speed-up needs the cores free), and a summary table at the end.
 * Rounds alternate the runs so a change in the machine's load hits them alike.
 *
 *   npm run bench:batch [-- --rounds 3 --posts 20000 --accurate-posts 1000 --large 1000000 --heads DIR --datasets PATH]
 *
 * `--posts 0` skips the fast section, `--large 0` the large file.
 */
import { execSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { posts } from './posts';
import { packageRoot } from '../src/util/paths';
import { fmt, summarize, table } from './stats';
import { CascadeToxicityModel, loadModel } from '../src/model';
import { ENCODER_NAME, type SentenceEncoder } from '../src/encoder/types';

interface RunResult {
  wallMs: number;
  /** Scoring rate the CLI printed (comments/s), if any. */
  rate?: number;
  /** CPU seconds of the whole process (every thread), NaN off Linux. */
  cpu: number;
  /** Peak RSS, MB (NaN off Linux); and the peak over the first and the second half of the run. */
  rssMb: number;
  halves: [number, number];
  /** Model load of the threads the CLI printed, s. */
  loadS?: number;
  /** RSS (MB) at the first sample with 10%, 50% and 100% of the output written (with `progress`). */
  rssAt?: [number, number, number];
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

/**
 * Runs node with `args`, sampling /proc every 100 ms (the last sample is within 100 ms of the end);
 * with `output`, also the size of `output.partial`, the CLI's file while it runs, as its progress.
 */
function timed(args: string[], output?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const rss: Array<[number, number]> = [];
    const written: Array<[number, number]> = [];
    let last = { cpu: NaN, rss: NaN, hwm: NaN };
    const timer = setInterval(() => {
      const s = sample(child.pid!);
      // A process that has exited but not been reaped still has a stat, without memory lines.
      if (!s || !Number.isFinite(s.hwm)) return;
      last = s;
      rss.push([Number(process.hrtime.bigint() - t0) / 1e6, s.rss]);
      if (output) written.push([s.rss, fs.existsSync(output + '.partial') ? fs.statSync(output + '.partial').size : 0]);
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${args.join(' ')} failed (${code}):\n${stderr}`));
      const m = /scored (\d+) comments in ([\d.]+) s/.exec(stderr);
      const loaded = /loaded the models in ([\d.]+) s/.exec(stderr);
      const peak = (from: number, to: number) => Math.max(...rss.filter(([t]) => t >= from && t < to).map(([, r]) => r));
      const size = output && fs.existsSync(output) ? fs.statSync(output).size : NaN;
      // 100%: the partial file's last sample (it is renamed when the run commits, then the threads close).
      const at = (f: number) => written.find(([, b]) => b >= f * size)?.[0] ?? written.filter(([, b]) => b > 0).pop()?.[0] ?? NaN;
      resolve({
        wallMs, rate: m ? Number(m[1]) / Number(m[2]) : undefined, cpu: last.cpu, rssMb: last.hwm, halves: [peak(0, wallMs / 2), peak(wallMs / 2, Infinity)],
        loadS: loaded ? Number(loaded[1]) : undefined, rssAt: output ? [at(0.1), at(0.5), at(1)] : undefined,
      });
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
    const loadS = summarize(results.map((x) => x.loadS ?? NaN)).median;
    return [label, wall / 1000, Number.isNaN(loadS) ? '-' : loadS, (n / wall) * 1000, Number.isNaN(rate) ? '-' : rate, Number.isNaN(rate) ? '-' : rate / workers, cpu, (cpu / wall) * 1000, summarize(results.map((x) => x.rssMb)).median];
  });
}

const HEADER = ['process', 'wall s', 'load s', 'posts/s whole process', 'scoring posts/s', 'per worker', 'CPU s', 'cores had', 'peak RSS MB'];

const HELP = `npm run bench:batch -- [options]: moderato score as whole processes, 1 and N workers (N = the cores)
  --rounds R            alternating rounds per comparison (default 3; medians reported)
  --posts N             fast path posts (default 20000; 0 skips)
  --accurate-posts N    accurate path posts (default 1000; 0 skips; needs --heads DIR or models/heads);
                        the fast and cascade paths run on the same posts too, one worker each
  --large N             one fast run with N workers on N comments (default 1000000; 0 skips)
  --large-accurate N    one accurate run with N workers on N comments (default 0), RSS over the run
  --heads DIR           the heads model for the accurate path (default models/heads)
  --datasets PATH       the datasets folder (default ../shared/datasets)
The scoring rate is the CLI's: from every thread loaded to the last result written; model load apart.`;

/**
 * Each round's ratios (the runs alternate, so a round's pair saw the same machine): the spread
 * the medians hide, scoring rate N / 1 and whole-process wall time 1 / N, and each run's wall.
 */
function perRoundRatios(one: RunResult[], many: RunResult[]): string {
  const list = (xs: number[]) => xs.map((x) => fmt(x)).join(', ');
  const r = one.map((a, i) => ({ rate: (many[i].rate ?? NaN) / (a.rate ?? NaN), wall: a.wallMs / many[i].wallMs }));
  return (
    `per round: scoring rate N / 1 ${list(r.map((x) => x.rate))}; wall 1 / N ${list(r.map((x) => x.wall))}\n` +
    `wall s, 1 worker: ${list(one.map((x) => x.wallMs / 1000))}; N workers: ${list(many.map((x) => x.wallMs / 1000))}\n`
  );
}

/** The machine's load and its busiest processes: a speed-up only shows when the cores are free. */
function machine(when: string): string {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trimEnd();
    } catch {
      return `(${cmd} failed)`;
    }
  };
  return `${when}: ${sh('uptime')}\n${sh('ps -eo pcpu,pid,etime,args --sort=-pcpu | head -6 | cut -c1-150')}\n`;
}

/** Writes `count` comments, posts recycled under fresh ids. */
async function writeLarge(file: string, texts: string[], count: number): Promise<void> {
  const stream = fs.createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!stream.write(JSON.stringify({ id: `l${i}`, text: texts[i % texts.length] }) + '\n')) await new Promise<void>((r) => stream.once('drain', () => r()));
  }
  await new Promise<void>((r) => stream.end(() => r()));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      posts: { type: 'string', default: '20000' },
      'accurate-posts': { type: 'string', default: '1000' },
      large: { type: 'string', default: '1000000' },
      'large-accurate': { type: 'string', default: '0' },
      heads: { type: 'string' },
      datasets: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const rounds = Number(values.rounds);
  const n = Number(values.posts);
  const nAcc = Number(values['accurate-posts']);
  const large = Number(values.large);
  const largeAcc = Number(values['large-accurate']);
  const cores = os.availableParallelism();
  const root = packageRoot();
  const heads = values.heads ?? (fs.existsSync(path.join(root, 'models', 'heads', 'model.json')) ? path.join(root, 'models', 'heads') : undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-bench-batch-'));
  const bin = path.join(root, 'bin', 'moderato.js');
  const baseline = path.join(root, 'dist', 'bench', 'obscenity-score.js');
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  try {
    process.stderr.write(machine('bench:batch: start'));
    const texts = posts(Math.max(n, nAcc, largeAcc, large > 0 ? 1 : 0), values.datasets, true);
    // path, posts, scoring rate with 1 worker and with N, their ratio, the target: printed last.
    const summary: (string | number)[][] = [];
    const out = (name: string) => path.join(dir, `${name}.jsonl`);
    let fastW1Rate = NaN;
    if (n > 0) {
      const input = path.join(dir, 'posts.jsonl');
      writePosts(input, texts.slice(0, n));
      const chars = texts.slice(0, n).reduce((a, t) => a + t.length, 0);
      process.stderr.write(`bench:batch: ${n} posts (mean ${Math.round(chars / n)} chars), ${rounds} rounds, ${cores} cores, load ${load()}\n`);

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
      const perRound = perRoundRatios(fast.w1.results, fast.wn.results);
      process.stdout.write(`## fast path, ${n} posts (medians of ${rounds})\n\n` + table(HEADER, rows(fast, n)) + '\n\n');
      process.stdout.write(
        table(
          ['ratio (medians)', 'value', 'target'],
          [
            [`scoring rate, ${cores} workers / 1 worker`, rate('wn') / rate('w1'), '>= 1.6'],
            [`whole process, 1 worker wall / ${cores} workers wall`, wall('w1') / wall('wn'), ''],
            [`obscenity wall / moderato --workers ${cores} wall`, wall('obscenity') / wall('wn'), '>= 1.0'],
          ],
        ) + `\n\n${perRound}\noutputs with 1 and ${cores} workers identical: ${same}\n\n`,
      );
      fastW1Rate = rate('w1');
      summary.push(['fast', n, rate('w1'), rate('wn'), rate('wn') / rate('w1'), wall('w1') / wall('wn'), '>= 1.6']);
    }

    if (heads && nAcc > 0) {
      const accInput = path.join(dir, 'accurate.jsonl');
      writePosts(accInput, texts.slice(0, nAcc));
      const acc = {
        f1: { label: 'fast, --workers 1 (same posts)', workers: 1, results: [] as RunResult[] },
        c1: { label: 'cascade, --workers 1', workers: 1, results: [] as RunResult[] },
        w1: { label: 'accurate, --workers 1', workers: 1, results: [] as RunResult[] },
        wn: { label: `accurate, --workers ${cores}`, workers: cores, results: [] as RunResult[] },
      };
      for (let r = 0; r < rounds; r++) {
        acc.f1.results.push(await timed([bin, 'score', accInput, '--workers', '1', '--mode', 'fast', '--output', out('f1')]));
        acc.c1.results.push(await timed([bin, 'score', accInput, '--workers', '1', '--mode', 'cascade', '--model', heads, '--output', out('c1')]));
        acc.w1.results.push(await timed([bin, 'score', accInput, '--workers', '1', '--mode', 'accurate', '--model', heads, '--output', out('a1')]));
        acc.wn.results.push(await timed([bin, 'score', accInput, '--workers', String(cores), '--mode', 'accurate', '--model', heads, '--output', out('an')]));
        process.stderr.write(`bench:batch: accurate round ${r + 1}/${rounds} done, load ${load()}\n`);
      }
      const arate = (k: keyof typeof acc) => summarize(acc[k].results.map((x) => x.rate ?? NaN)).median;
      const share = await cascadeShare(heads, texts.slice(0, nAcc));
      const awall = (k: keyof typeof acc) => summarize(acc[k].results.map((x) => x.wallMs)).median;
      summary.push(['accurate', nAcc, arate('w1'), arate('wn'), arate('wn') / arate('w1'), awall('w1') / awall('wn'), '>= 1.8']);
      process.stdout.write(
        `## accurate path (${heads}), ${nAcc} posts (medians of ${rounds})\n\n` + table(HEADER, rows(acc, nAcc)) + '\n\n' +
          table(['ratio (medians)', 'value', 'target'], [
            [`scoring rate, ${cores} workers / 1 worker`, arate('wn') / arate('w1'), '>= 1.8'],
            [`whole process, 1 worker wall / ${cores} workers wall`, awall('w1') / awall('wn'), ''],
            ['fast / accurate scoring rate per worker, 1 worker', (Number.isNaN(fastW1Rate) ? arate('f1') : fastW1Rate) / arate('w1'), ''],
            ['fast / accurate, 1 worker, same posts', arate('f1') / arate('w1'), ''],
            ['cascade / accurate, 1 worker, same posts', arate('c1') / arate('w1'), ''],
            ['fast / cascade, 1 worker, same posts', arate('f1') / arate('c1'), ''],
          ]) + `\n\n${perRoundRatios(acc.w1.results, acc.wn.results)}\ncascade band [${share.low}, ${share.high}]: ${(100 * share.share).toFixed(1)}% of these posts sent to the encoder\n\n`,
      );
    } else {
      process.stdout.write(`## accurate path: skipped (${heads ? '--accurate-posts 0' : 'no heads model: models/heads is missing; pass --heads DIR'})\n\n`);
    }

    const largeRun = async (count: number, mode: 'fast' | 'accurate'): Promise<void> => {
      const bigInput = path.join(dir, `large-${mode}-input.jsonl`);
      await writeLarge(bigInput, texts, count);
      process.stderr.write(`bench:batch: large file of ${count} comments (${Math.round(fs.statSync(bigInput).size / 2 ** 20)} MB), ${mode} path, load ${load()}\n`);
      const model = mode === 'accurate' ? ['--model', heads!] : [];
      const result = await timed([bin, 'score', bigInput, '--workers', String(cores), '--mode', mode, ...model, '--output', out(`large-${mode}`)], out(`large-${mode}`));
      const big = { wn: { label: `${mode}, --workers ${cores}`, workers: cores, results: [result] } };
      const [first, second] = result.halves;
      const [p10, p50, p100] = result.rssAt!;
      process.stdout.write(
        `## large file, ${count} comments, ${mode} path (one run)\n\n` + table(HEADER, rows(big, count)) +
          `\n\npeak RSS over the first half of the run ${fmt(first)} MB, over the second half ${fmt(second)} MB; ` +
          `RSS with 10% of the results written ${fmt(p10)} MB, 50% ${fmt(p50)} MB, 100% ${fmt(p100)} MB\n\n`,
      );
      summary.push([`${mode}, large file (RSS at 10/50/100% written: ${fmt(p10)}/${fmt(p50)}/${fmt(p100)} MB, peak ${fmt(result.rssMb)} MB)`, count, '-', result.rate ?? NaN, '-', '-', mode === 'accurate' ? 'peak RSS <= 1.5 GB, flat' : '']);
    };
    if (large > 0) await largeRun(large, 'fast');
    if (largeAcc > 0) {
      if (heads) await largeRun(largeAcc, 'accurate');
      else process.stdout.write('## large file, accurate path: skipped (no heads model: pass --heads DIR)\n\n');
    }
    process.stdout.write(
      `## summary: scoring rate (posts/s, every thread loaded to last result written; medians of ${rounds} rounds) and whole-process wall time, ${cores} cores\n\n` +
        table(['path', 'posts', '--workers 1', `--workers ${cores}`, `${cores} / 1 scoring rate`, `1 / ${cores} wall time`, 'target'], summary) + '\n\n',
    );
    process.stdout.write(machine('end'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The cascade's band and the share of `texts` it sends to the encoder (the base model alone decides it). */
async function cascadeShare(heads: string, texts: string[]): Promise<{ low: number; high: number; share: number }> {
  // An encoder that refuses: only the base's scores are read here, never a vector.
  const none: SentenceEncoder = { info: { name: ENCODER_NAME, version: '', runtime: 'none' }, embed: () => Promise.reject(new Error('not used')), dispose: async () => undefined };
  const m = await loadModel(heads, { cascade: true, encoder: none });
  if (!(m instanceof CascadeToxicityModel)) throw new Error(`${heads} did not load as a cascade`);
  try {
    const preds = await m.heads.base.predict(texts);
    const sent = preds.filter((p) => p.tokens.length && p.toxicity >= m.band.low && p.toxicity <= m.band.high).length;
    return { ...m.band, share: sent / texts.length };
  } finally {
    m.dispose();
  }
}

void main();
