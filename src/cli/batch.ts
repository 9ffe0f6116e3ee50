import { parseArgs } from 'util';
import { once } from 'events';
import { ModeratoError } from '../errors';
import { checkNotInput, openArchive, openOutput, type ArchiveFormat } from '../batch';
import {
  BatchStore, DEFAULT_CHECK_SECONDS, DEFAULT_CHUNK_COMMENTS, DEFAULT_CLAIM_SECONDS, DEFAULT_LEASE_SECONDS, exportBatch, parseBatchDb, runWorker, submitBatch,
  type BatchStatus,
} from '../batch/jobs';
import { parseMode, type CliIO } from './score';

/** `moderato batch --help` (also `moderato worker --help`). */
export const BATCH_HELP = `Usage:
  moderato batch submit FILE|DIR [--db URL] [--mode fast|accurate|cascade] [--chunk N] [--lease SECONDS] [--format F]
      split an archive (any format moderato score reads) into chunk jobs; threads stay whole;
      prints the batch id alone on the last line of stdout; --mode (default fast): the scorer
      its chunks are scored with, by workers started with the same --mode
  moderato batch status ID [--db URL] [--json]
      chunks and comments done/total, comments/s, ETA, retries and failures
  moderato batch export ID [--db URL] [--output FILE] [--format jsonl|csv]
      the results in input order (the lines moderato score writes for the same archive)
  moderato worker [--db URL] [--mode fast|accurate|cascade] [--model DIR] [--workers N] [--lease-check SECONDS] [--claim SECONDS] [--drain]
      take chunks and score them on N threads (default: all cores) until stopped (SIGINT/SIGTERM);
      --drain: stop once no chunk is waiting or running

--db defaults to DATABASE_URL; it must be postgres://... (add ?schema=NAME, default moderato_batch).
--chunk: comments per chunk (default ${DEFAULT_CHUNK_COMMENTS}). --lease: seconds a chunk stays with a worker that
stopped renewing its lease, i.e. died (default ${DEFAULT_LEASE_SECONDS}; a live worker renews it while it scores, however
long that takes). --lease-check: how often workers look for expired leases (default ${DEFAULT_CHECK_SECONDS}).
--claim: seconds of work a worker claims at once at its measured speed (default ${DEFAULT_CLAIM_SECONDS}).`;

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ModeratoError('MOD_ERR_INPUT', `--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

const duration = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s)} s`);

/** The human-readable `batch status`. */
export function formatStatus(st: BatchStatus): string {
  const pct = st.comments.total ? Math.floor((100 * st.comments.done) / st.comments.total) : 0;
  const state = !st.submitted ? 'submitting' : st.chunks.done === st.chunks.total ? 'done' : st.failures.chunksGivenUp ? 'failing' : 'running';
  return [
    `batch ${st.id} (${st.source}, ${st.mode} mode): ${state}`,
    `chunks:   ${st.chunks.done}/${st.chunks.total}`,
    `comments: ${st.comments.done}/${st.comments.total} (${pct}%)`,
    `speed:    ${st.rate === null ? 'n/a' : `${Math.round(st.rate)} comments/s`} on ${st.workers} worker(s)`,
    `ETA:      ${state === 'done' ? '-' : st.etaSeconds === null ? 'n/a' : duration(st.etaSeconds)}`,
    `failures: ${st.failures.retries} retried attempt(s), ${st.failures.errors} error(s), ${st.failures.chunksGivenUp} chunk(s) given up${st.failures.lastError ? `; last error: ${st.failures.lastError}` : ''}`,
    ...(st.problems ? [`skipped at submit: ${st.problems} malformed line(s)`] : []),
  ].join('\n');
}

/** `moderato batch submit|status|export`. Returns the exit code. */
export async function batchCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      chunk: { type: 'string' },
      lease: { type: 'string' },
      mode: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(BATCH_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new ModeratoError('MOD_ERR_INPUT', `batch ${sub} takes one ${sub === 'submit' ? 'file or folder' : 'batch id'}, got ${positionals.length}`);
  const db = parseBatchDb(values.db ?? process.env.DATABASE_URL);
  const [arg] = positionals;
  if (sub === 'submit') {
    const mode = parseMode(values.mode);
    const archive = openArchive(arg, { format: values.format as ArchiveFormat | undefined });
    const summary = await submitBatch(archive, {
      db,
      source: arg,
      mode,
      chunkComments: intOption('chunk', values.chunk, 1, 1_000_000),
      leaseSeconds: intOption('lease', values.lease, 1, 86_400),
      onProblem: (p) => io.stderr.write(`${p.source ? p.source + ' ' : ''}line ${p.line}: ${p.message}\n`),
    });
    io.stderr.write(`moderato: submitted ${summary.comments} comments in ${summary.chunks} chunk(s), ${values.mode ?? 'fast'} mode${summary.problems ? `; skipped ${summary.problems} malformed line(s)` : ''}\n`);
    io.stdout.write(`${summary.id}\n`);
    return 0;
  }
  const store = new BatchStore(db);
  try {
    await store.migrate();
    if (sub === 'status') {
      const st = await store.status(arg);
      io.stdout.write((values.json ? JSON.stringify(st) : formatStatus(st)) + '\n');
      return 0;
    }
    if (sub === 'export') {
      const format = values.format ?? (values.output && /\.csv$/i.test(values.output) ? 'csv' : 'jsonl');
      if (format !== 'jsonl' && format !== 'csv') throw new ModeratoError('MOD_ERR_INPUT', `--format must be jsonl or csv, got "${format}"`);
      if (!values.output) {
        await exportBatch(store, arg, async (t) => void (io.stdout.write(t) || (await once(io.stdout, 'drain'))), format);
        return 0;
      }
      checkNotInput(values.output, []);
      const out = await openOutput(values.output);
      try {
        const n = await exportBatch(store, arg, (t) => out.write(t), format);
        await out.commit();
        io.stderr.write(`moderato: exported ${n} results to ${values.output}\n`);
      } catch (e) {
        await out.discard();
        throw e;
      }
      return 0;
    }
    throw new ModeratoError('MOD_ERR_INPUT', `unknown batch command "${sub}" (submit, status, export)`);
  } finally {
    await store.close();
  }
}

/** `moderato worker`: runs until SIGINT/SIGTERM (or, with --drain, until no work is left). */
export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      workers: { type: 'string', short: 'w' },
      'lease-check': { type: 'string' },
      claim: { type: 'string' },
      mode: { type: 'string' },
      model: { type: 'string' },
      drain: { type: 'boolean', default: false },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(BATCH_HELP + '\n');
    return 0;
  }
  const db = parseBatchDb(values.db ?? process.env.DATABASE_URL);
  const stop = new AbortController();
  const onSignal = (): void => {
    io.stderr.write('moderato: stopping: finishing the chunks in hand\n');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const s = await runWorker({
      db,
      threads: intOption('workers', values.workers, 1, 256),
      checkSeconds: intOption('lease-check', values['lease-check'], 1, 3600),
      claimSeconds: intOption('claim', values.claim, 1, 3600),
      drain: values.drain,
      mode: parseMode(values.mode),
      scorer: { backend: values.backend, modelDir: values.model },
      signal: stop.signal,
      log: (line) => io.stderr.write(`moderato worker: ${line}\n`),
    });
    io.stderr.write(`moderato worker: ${s.name} stored ${s.chunks} chunk(s), ${s.comments} comments\n`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
