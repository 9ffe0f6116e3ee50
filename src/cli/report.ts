import * as fs from 'fs';
import { parseArgs } from 'util';
import { ModeratoError } from '../errors';
import { checkNotInput, openOutput } from '../batch';
import { aggregate, renderHtml, renderSummary } from '../report';
import type { CliIO } from './score';

/** `moderato report --help`. */
export const REPORT_HELP = `Usage: moderato report SCORED.jsonl [--html report.html]

Reads the results of moderato score or batch export (stdin for -) and prints a plain summary on
stderr; --html writes one self-contained HTML file (no network) with charts: toxicity and category
distributions, flagged share per thread and over time (needs createdAt), the most toxic threads,
off-topic drift along threads.`;

/** `moderato report`. Returns the exit code. */
export async function reportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { html: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    io.stdout.write(REPORT_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new ModeratoError('MOD_ERR_INPUT', `report takes one scored JSONL file, got ${positionals.length}`);
  const [file] = positionals;
  let stream: NodeJS.ReadableStream;
  if (file === '-') stream = process.stdin;
  else {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (fs.statSync(file).isDirectory()) throw new Error('it is a folder');
    } catch (e) {
      throw new ModeratoError('MOD_ERR_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    stream = fs.createReadStream(file);
  }
  const out = values.html ? (checkNotInput(values.html, [file]), await openOutput(values.html)) : undefined;
  try {
    const stats = await aggregate(stream as import('stream').Readable);
    if (stats.comments === 0) throw new ModeratoError('MOD_ERR_INPUT', `${file} holds no scored results${stats.badLines ? ` (${stats.badLines} line(s) were not results)` : ''}`);
    io.stderr.write(renderSummary(stats) + '\n');
    if (out) {
      await out.write(renderHtml(stats, { source: file }));
      await out.commit();
      io.stderr.write(`moderato: report written to ${values.html}\n`);
    }
    return 0;
  } catch (e) {
    await out?.discard();
    throw e;
  }
}
