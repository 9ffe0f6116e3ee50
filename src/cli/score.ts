import * as fs from 'fs';
import * as os from 'os';
import { parseArgs } from 'util';
import { once } from 'events';
import type { Writable } from 'stream';
import { ModeratoError } from '../errors';
import { createScorerPool, type ScorerPool } from '../scorer/pool';
import { SCORER_MODES, type ScorerMode } from '../scorer/modes';
import { PRIMER_COMMENTS } from '../scorer/warmup';
import type { Scorer } from '../scorer';
// The batch modules this command always uses, one by one: the package index would also load
// --ingest's queue stores (pg, better-sqlite3), which, like --site's adapter code, load only when
// asked for. A plain `moderato score` then reaches its scorer threads sooner (issue 29); the input
// readers (../batch/archive: zod, htmlparser2) load once the threads have started.
import type { Archive } from '../batch/archive';
import { ARCHIVE_FORMATS, type ArchiveFormat } from '../batch/formats';
import { inProcessJsonl, scoreUnits, type JsonlScorer } from '../batch/pipeline';
import { checkNotInput, openOutput, type SafeOutput } from '../batch/output';
import { UNIT_COMMENTS, toUnits, type Problem } from '../batch/units';
import type { IngestCounts } from '../batch/ingest';
import type { QueueStore } from '../queue';
import { Progress } from './progress';
import { printable } from '../util/excerpt';
import { LIMITS } from '../limits';

/** Standard streams of a command (injectable for tests). */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

/** `moderato score --help`. */
export const SCORE_HELP = `Usage: moderato score [FILE|DIR|-] [--output FILE [--resume]] [--workers N] [--mode fast|accurate|cascade] [--format F] [--strict] [--backend NAME]

Scores comments and writes one JSON result per comment (the HTTP result object, plus threadId,
threadTitle and createdAt when the input has them) to stdout or --output, in input order.
FILE (default: stdin) is
  .jsonl  one comment {"id","text",...} or one thread {"article":{...},"comments":[...]} per line
  .json   one thread {"article":{...},"comments":[...]} (or an array of comments)
  .csv    a header row with a "text" column (and optionally id, parentId, threadId, author, createdAt)
  .xml    a Disqus export or a WordPress export (WXR): each article a thread
  any of these gzip-compressed (.gz); DIR: every such file in it, in name order
stdin is read as JSONL unless --format (jsonl, json, csv, disqus, wxr) says otherwise.
--ingest      store every comment in the moderation queue as POST /v1/comments does (--db or
              --queue URL, default DATABASE_URL, else the SQLite file of moderato serve): the
              policy's held comments and its audit sample are queued, each comment is scored with
              its site's active adapter (a line's "siteId", else --site, else the default site),
              and in the accurate mode (implied when a site has an active adapter) its features
              are stored, so decisions on it train the site's next adapter; results add the
              queue "status" and "audit"; ids already stored are answered as stored
--site SITE   score with the site's active adapter (moderato adapt; --db URL, default DATABASE_URL);
              needs the accurate scorer (--model DIR, default the shipped heads)
--workers N   scoring threads (default: the number of cores, here ${os.availableParallelism()})
--mode M      fast: the convolutional model alone (default); accurate: with the heads on the
              sentence encoder (better scores, about one encoder pass per comment more; --site needs it);
              cascade: the heads only where the fast score is unsure (models/README.md "Cascade")
--output FILE results go to FILE.partial, renamed to FILE when the run completes; the output may
              not be the input; --resume continues an interrupted run from what FILE.partial
              (or FILE) holds: nothing skipped, nothing doubled
A malformed line (not JSON, not UTF-8 text, over the HTTP API's per-comment limits, or longer
than ${LIMITS.maxLineBytes / 1024 / 1024} MiB) is reported on stderr with its line number and skipped; --strict stops at it
(exit code 1). Lines of single comments are scored independently (offTopic null); threads are
scored in context (offTopic against the article and the thread).`;

/** Problems reported line by line before the rest are only counted. */
const MAX_REPORTED = 100;

/** `--mode`: undefined when not given (the model decides), else a valid mode or MOD_ERR_INPUT. */
export function parseMode(raw: string | undefined): ScorerMode | undefined {
  if (raw === undefined) return undefined;
  if (!SCORER_MODES.includes(raw as ScorerMode)) throw new ModeratoError('MOD_ERR_INPUT', `--mode must be one of ${SCORER_MODES.join(', ')}, got "${raw}"`);
  return raw as ScorerMode;
}

function parseWorkers(raw: string | undefined): number {
  if (raw === undefined) return os.availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ModeratoError('MOD_ERR_INPUT', `--workers must be a whole number from 1 to 256, got "${raw}"`);
  return n;
}

/** Where results go: a safe output file, or stdout (with back-pressure). */
function stdoutSink(out: Writable): (text: string) => Promise<void> {
  return async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
}

/** `moderato score`: streams an archive to JSONL results. Returns the exit code. */
export async function scoreCommand(argv: string[], io: CliIO, opts: { scorer?: Scorer } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      strict: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      workers: { type: 'string', short: 'w' },
      ingest: { type: 'boolean', default: false },
      queue: { type: 'string' },
      backend: { type: 'string' },
      site: { type: 'string' },
      db: { type: 'string' },
      model: { type: 'string' },
      mode: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(SCORE_HELP + '\n');
    return 0;
  }
  if (positionals.length > 1) throw new ModeratoError('MOD_ERR_INPUT', `score takes one input file or folder, got ${positionals.length}`);
  const file = positionals[0] ?? '-';
  if (values.format !== undefined && !ARCHIVE_FORMATS.includes(values.format as ArchiveFormat)) {
    throw new ModeratoError('MOD_ERR_INPUT', `--format must be one of ${ARCHIVE_FORMATS.join(', ')}, got "${values.format}"`);
  }
  if (values.resume && !values.output) throw new ModeratoError('MOD_ERR_INPUT', '--resume needs --output FILE (stdout cannot be resumed)');
  const workers = parseWorkers(values.workers);
  let mode = parseMode(values.mode) ?? (values.site !== undefined ? 'accurate' : undefined);
  if (values.site !== undefined && mode !== 'accurate') throw new ModeratoError('MOD_ERR_INPUT', '--site needs --mode accurate (a site adapter reads the sentence vector)');
  const adapt = values.site !== undefined ? await import('./adapt') : undefined;
  const site = values.site === undefined ? undefined : adapt!.siteOf(values.site);
  if (values.ingest && values.queue !== undefined && values.db !== undefined && values.queue !== values.db) {
    throw new ModeratoError('MOD_ERR_INPUT', '--queue and --db name the same database with --ingest: give one');
  }

  let loading = Date.now();
  const startPool = (): ScorerPool => {
    loading = Date.now();
    // Two tasks per thread: a thread never waits for the main thread to hand it the next one.
    // The primer (../scorer/warmup.ts), not the warm-up batch: a run's own first comments compile
    // the code, and the whole run is what counts here (issue 29: 20,000 posts, 2 workers, 3.70 ->
    // 3.55 s wall without the warm-up; the printed scoring rate then includes that compilation).
    return createScorerPool({ threads: workers, tasksPerThread: 2, warmUp: PRIMER_COMMENTS, scorer: { backend: values.backend, modelDir: values.model, ...(mode ? { mode } : {}) } });
  };
  let output: SafeOutput | undefined;
  // The threads start first, their load outlasting the input readers' (issue 29); with --ingest
  // once the queue has said which mode to score in, and after the input's error if it is missing.
  let pool: ScorerPool | undefined = opts.scorer || values.ingest || (file !== '-' && !fs.existsSync(file)) ? undefined : startPool();
  let scorer: JsonlScorer;
  let store: QueueStore | undefined;
  let ingested: IngestCounts | undefined;
  let onSigint: (() => void) | undefined;
  try {
    const { openArchive } = await import('../batch/archive');
    const archive: Archive = openArchive(file, { format: values.format as ArchiveFormat | undefined });
    if (values.output) {
      checkNotInput(values.output, [file]);
      if (!values.resume && fs.existsSync(values.output + '.partial')) {
        io.stderr.write(`moderato: starting afresh over ${values.output}.partial, left by an interrupted run (--resume continues it instead)\n`);
      }
      output = await openOutput(values.output, { resume: values.resume });
      if (values.resume) io.stderr.write(`moderato: resuming ${output.holder().path}: ${output.resumed.count} results already there\n`);
    }
    const queue = values.ingest ? await import('../queue') : undefined;
    if (queue) {
      const { DEFAULT_DATABASE_URL, openStore } = queue;
      store = await openStore(values.queue ?? values.db ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
      // A site with an active adapter wants its comments adapted and their features stored: accurate unless told otherwise.
      if (mode === undefined && (await store.adaptSites()).some((s) => s.activeVersion !== null)) {
        mode = 'accurate';
        io.stderr.write('moderato: a site has an active adapter: scoring in the accurate mode (--mode fast to refuse)\n');
      }
    }
    if (opts.scorer) {
      scorer = inProcessJsonl(opts.scorer);
    } else {
      pool ??= startPool();
      // Every thread loads its own models, at the same time; the scoring rate is timed from here.
      await pool.ready();
      io.stderr.write(`moderato: ${pool.threads} scoring thread(s) loaded the models in ${((Date.now() - loading) / 1000).toFixed(1)} s\n`);
      scorer = pool;
    }
    if (store) {
      const { poolAsScorer, withIngest } = await import('../batch/ingest');
      // Ingest scores through the queue's own call (adapter per comment's site), not the batch's JSONL path.
      const inner = opts.scorer ?? poolAsScorer(pool!, await pool!.ready());
      if (mode === 'accurate' && inner.info.mode !== 'accurate') throw new ModeratoError('MOD_ERR_CONFIG', 'the accurate mode needs an accurate scorer (the heads model); this one is fast');
      if (inner.info.mode !== 'accurate') io.stderr.write(`moderato: ${inner.info.mode ?? 'fast'} mode: no site adapter scores and no features are stored for refits (--mode accurate for both)\n`);
      ({ scorer, counts: ingested } = withIngest(inner, store, { siteId: site, adapters: new queue!.SiteAdaptation(store, { refitEvery: 0 }) }));
    } else if (site !== undefined) scorer = await adapt!.withSiteAdapter(scorer, site, values.db, io);
    if (output) {
      const out = output;
      onSigint = () => {
        io.stderr.write(`\nmoderato: interrupted; the results so far are in ${out.partialPath}: run again with --resume to continue\n`);
        process.exit(130);
      };
      process.once('SIGINT', onSigint);
    }
    const resumed = output?.resumed.count ?? 0;
    const progress = new Progress(io.stderr, archive.size);
    const started = Date.now();
    let reported = 0;
    const summary = await scoreUnits(toUnits(archive.items), {
      scorer,
      write: output ? (t) => output!.write(t) : stdoutSink(io.stdout),
      // Two running or waiting in each thread, as many read ahead: the oldest being slow never idles a thread.
      inFlight: (pool?.threads ?? 1) * 4,
      // The pipeline's 256 comments per task are ~0.1 s of a thread on the fast path; with the
      // sentence encoder (about 12 fast comments each) they were 1.5-2.5 s, and the last such task
      // left the other threads idle that long: one unit per task there.
      taskComments: ((opts.scorer?.info ?? (await pool?.ready()))?.mode ?? 'fast') === 'fast' ? undefined : UNIT_COMMENTS,
      resume: output?.resumed,
      strict: values.strict,
      onProblem: (p: Problem) => {
        // A binary file is hundreds of bad "lines": the first ones tell the story, the summary counts them all.
        if (++reported > MAX_REPORTED) return;
        const more = reported === MAX_REPORTED ? `\nmoderato: further problems are counted, not shown (--strict stops at the first)` : '';
        io.stderr.write(`${io.stderr.isTTY ? '\n' : ''}${p.source ? printable(p.source, 200) + ' ' : ''}line ${p.line}: ${printable(p.message, 300)}${more}\n`);
      },
      onProgress: (n) => progress.update(resumed + n, archive.bytesRead()),
    });
    progress.done(resumed + summary.written, archive.bytesRead());
    const total = resumed + summary.written;
    if (summary.stoppedAt) {
      await output?.close();
      const at = summary.stoppedAt;
      io.stderr.write(`moderato: stopped at ${at.source ? printable(at.source, 200) + ' ' : ''}line ${at.line} (--strict); ${total} comments scored before it${output ? `, in ${output.holder().path}` : ''}\n`);
      return 1;
    }
    if (total === 0) {
      await output?.discard();
      output = undefined;
      throw new ModeratoError('MOD_ERR_INPUT', `nothing could be scored in ${file === '-' ? 'stdin' : file}${summary.problems ? `: all ${summary.problems} line(s) were malformed (reported above)` : ': it holds no comments'}`);
    }
    await output?.commit();
    const secs = (Date.now() - started) / 1000;
    io.stderr.write(
      `moderato: scored ${summary.written} comments${resumed ? ` (${resumed} already in the output)` : ''} in ${secs.toFixed(1)} s, ${Math.round(summary.written / Math.max(secs, 0.001))}/s on ${pool?.threads ?? 1} worker(s)` +
        `${summary.problems ? `; skipped ${summary.problems} malformed line(s) (reported above)` : ''}\n`,
    );
    if (ingested) {
      const { held, audit, published, known } = ingested;
      io.stderr.write(`moderato: ${held} held comment(s) and ${audit} audit sample(s) put into the moderation queue, ${published} stored as published${known ? ` (${known} were there already)` : ''}\n`);
    }
    return 0;
  } catch (err) {
    // Keep what was written for --resume; a run that wrote nothing leaves no file behind.
    if (output) {
      const held = output.holder();
      if (!held.touched) {
        if (output.resumed.count > 0) io.stderr.write(`moderato: ${held.path} is left as it was\n`);
      } else if (output.resumed.count === 0 && (await isEmpty(output.partialPath))) await output.discard();
      else {
        await output.close();
        io.stderr.write(`moderato: the results so far are kept in ${output.partialPath} (--resume continues)\n`);
      }
    }
    throw err;
  } finally {
    if (onSigint) process.removeListener('SIGINT', onSigint);
    await pool?.close();
    await store?.close();
  }
}

async function isEmpty(file: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(file)).size === 0;
  } catch {
    return true;
  }
}
