import * as fs from 'fs';
import { parseArgs } from 'util';
import { once } from 'events';
import type { Writable } from 'stream';
import { ModeratoError } from '../errors';
import { createScorer, type Scorer } from '../scorer';
import type { CommentInput } from '../types';
import { formatFromName, openInput, readItems, type InputFormat, type InputItem } from './input';
import { Progress } from './progress';

/** Standard streams of a command (injectable for tests). */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

export const SCORE_HELP = `Usage: moderato score [FILE|-] [--output FILE] [--format jsonl|json|csv] [--strict] [--backend NAME]

Scores comments and writes one JSON result per comment (the HTTP result object) to stdout or
--output, in input order. FILE (default: stdin) is
  .jsonl  one comment {"id","text",...} or one thread {"article":{...},"comments":[...]} per line
  .json   one thread {"article":{...},"comments":[...]} (or an array of comments)
  .csv    a header row with a "text" column (and optionally "id")
stdin is read as JSONL unless --format says otherwise.
A malformed line is reported on stderr with its line number and skipped; --strict stops at it
(exit code 1). Lines of single comments are scored independently (offTopic null); threads are
scored in context (offTopic against the article and the thread).`;

/** Comments scored per model call for comment-per-line input. */
const BATCH = 64;

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `moderato score`: streams input to JSONL results. Returns the exit code. */
export async function scoreCommand(argv: string[], io: CliIO, opts: { scorer?: Scorer } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      strict: { type: 'boolean', default: false },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(SCORE_HELP + '\n');
    return 0;
  }
  if (positionals.length > 1) throw new ModeratoError('MOD_ERR_INPUT', `score takes one input file, got ${positionals.length}`);
  const file = positionals[0] ?? '-';
  if (values.format !== undefined && !['jsonl', 'json', 'csv'].includes(values.format)) {
    throw new ModeratoError('MOD_ERR_INPUT', `--format must be jsonl, json or csv, got "${values.format}"`);
  }
  const format: InputFormat = (values.format as InputFormat | undefined) ?? (file === '-' ? 'jsonl' : formatFromName(file));
  let input: ReturnType<typeof openInput>;
  try {
    input = openInput(file);
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot read ${file}: ${(e as Error).message}`);
  }

  const scorer = opts.scorer ?? (await createScorer({ backend: values.backend }));
  const out: Writable = values.output ? fs.createWriteStream(values.output) : io.stdout;
  const progress = new Progress(io.stderr, input.size);
  let scored = 0;
  let skipped = 0;
  let pending: CommentInput[] = [];

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const results = await scorer.score({ comments: pending, independent: true });
    pending = [];
    await write(out, results.map((r) => JSON.stringify(r)).join('\n') + '\n');
    scored += results.length;
  };

  try {
    for await (const item of readItems(input.stream, format) as AsyncGenerator<InputItem>) {
      if (item.kind === 'error') {
        io.stderr.write(`${io.stderr.isTTY ? '\n' : ''}line ${item.line}: ${item.message}\n`);
        if (values.strict) {
          await flush();
          io.stderr.write(`moderato: stopped at line ${item.line} (--strict); ${scored} comments scored before it\n`);
          return 1;
        }
        skipped++;
        continue;
      }
      if (item.kind === 'comment') {
        pending.push(item.comment);
        if (pending.length >= BATCH) await flush();
      } else {
        await flush();
        if (item.comments.length > 0) {
          const results = await scorer.score({ comments: item.comments, article: item.article });
          await write(out, results.map((r) => JSON.stringify(r)).join('\n') + '\n');
          scored += results.length;
        }
      }
      progress.update(scored + pending.length, input.stream.readableLength !== undefined ? (input.stream as fs.ReadStream).bytesRead ?? 0 : 0);
    }
    await flush();
  } finally {
    if (values.output) {
      (out as fs.WriteStream).end();
      await once(out, 'close');
    }
    if (!opts.scorer) scorer.dispose();
  }
  progress.done(scored, input.size ?? 0);
  io.stderr.write(`moderato: scored ${scored} comments${skipped ? `, skipped ${skipped} malformed line(s) (reported above)` : ''}\n`);
  return 0;
}
