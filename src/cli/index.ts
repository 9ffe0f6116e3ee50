import { parseArgs } from 'util';
import { isModeratoError, ModeratoError } from '../errors';
import { scoreCommand, SCORE_HELP, type CliIO } from './score';
import { SCORER_MODES, type ScorerMode } from '../scorer/modes';
import { excerpt, printable } from '../util/excerpt';

const HELP = `moderato: comment moderation (toxicity, typed toxic spans, off-topic) as a library, HTTP service and CLI

Usage:
  moderato score [FILE|DIR|-] [--output FILE [--resume]] [--workers N] [--format F] [--strict]
                             score comments or threads to JSONL on all cores (see: moderato score --help)
  moderato batch submit|status|export ...   an archive scored by many machines (PostgreSQL, pg-boss)
  moderato worker [--db URL] [--workers N]  take and score batch chunks (see: moderato batch --help)
  moderato report SCORED.jsonl [--html FILE]  summary on stderr; a self-contained HTML report with charts
  moderato serve [--port N] [--host ADDRESS]
                             serve the HTTP API (PORT, HOST env; DATABASE_URL for the queue)
  moderato keys create --role ingest|moderator|admin [--name NAME]
                             create an API key (printed alone on the last line of stdout)
  moderato keys list         list the API keys (id, role, name, created, revoked), never a secret
  moderato keys revoke ID    revoke an API key at once
  moderato adapt import --site SITE [--db URL] FILE
                             store a site's past moderation decisions (JSONL) for its adapter
  moderato adapt train|status --site SITE [--db URL]
                             fit the site's adapter now (base vs adapted AUC) / list its versions
  moderato adapt activate --site SITE --version N|none [--db URL]
                             roll a site's adapter back or forward (see: moderato adapt --help)
  moderato COMMAND --help    a command's options
  moderato --help            this help

Docs: README.md`;

const SERVE_HELP = 'Usage: moderato serve [--port N] [--host ADDRESS] [--mode fast|accurate|cascade] [--model DIR] [--backend tfjs-node|wasm|cpu]\n  --mode accurate (or MODERATO_MODE) runs the sentence-encoder heads: site adaptation needs it;\n  --mode cascade runs them only where the fast score is unsure (fewer encoder passes)';

async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', short: 'p' }, host: { type: 'string' }, model: { type: 'string' }, backend: { type: 'string' }, mode: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.stdout.write(SERVE_HELP + '\n');
    return 0;
  }
  const overrides: { port?: number; host?: string } = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ModeratoError('MOD_ERR_INPUT', `--port must be 0..65535, got "${values.port}"`);
    overrides.port = port;
  }
  if (values.host !== undefined) overrides.host = values.host;
  if (values.mode !== undefined && !SCORER_MODES.includes(values.mode as ScorerMode)) throw new ModeratoError('MOD_ERR_INPUT', `--mode must be one of ${SCORER_MODES.join(', ')}, got "${values.mode}"`);
  // The server's modules (express, pino, prom-client...) load only for this command: `moderato score` starts faster without them.
  const { startServer } = await import('../server/serve');
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(overrides, { backend: values.backend, modelDir: values.model, ...(values.mode !== undefined ? { mode: values.mode as ScorerMode } : {}) });
  } catch (e) {
    // Start-up fails in one clear line: an error we did not foresee is still a configuration problem to the operator.
    throw isModeratoError(e) ? e : new ModeratoError('MOD_ERR_CONFIG', `Cannot start the server: ${(e as Error).message}`);
  }
  const failed = await new Promise<Error | null>((resolve) => {
    const stop = (): void => {
      running.close().then(() => resolve(null), resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A model that cannot load must stop the process: a live server that answers 500 to every score would pass liveness probes.
    running.ready.catch((err: Error) => running.close().then(() => resolve(err), () => resolve(err)));
  });
  if (failed) throw isModeratoError(failed) ? failed : new ModeratoError('MOD_ERR_MODEL', `The model failed to load: ${failed.message}`);
  return 0;
}

/** The usage to show with a refused option: the command's own where it has one, else the overview. */
async function usageOf(cmd: string | undefined): Promise<string> {
  switch (cmd) {
    case 'score':
      return SCORE_HELP;
    case 'serve':
      return SERVE_HELP;
    case 'batch':
    case 'worker':
      return (await import('./batch')).BATCH_HELP;
    case 'report':
      return (await import('./report')).REPORT_HELP;
    case 'keys':
      return (await import('./keys')).KEYS_HELP;
    case 'adapt':
      return (await import('./adapt')).ADAPT_HELP;
    default:
      return HELP;
  }
}

/**
 * parseArgs's error in the CLI's words. Its own message suggests `--` tricks, and its error used to
 * leave with exit code 2 outside the error registry; the option is echoed escaped and cut short.
 */
function argsMessage(e: { code: string; message: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1]?.replace(/ <value>$/, '');
  const what = quoted === undefined ? 'an argument' : printable(quoted, 60);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${what}`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${what}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /argument missing/.test(e.message) ? `option ${what} needs a value` : `option ${what} takes no value`;
  return `invalid arguments: ${printable(e.message, 120)}`;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(HELP + '\n');
        return 0;
      case 'score':
        return await scoreCommand(rest, io);
      case 'serve':
        return await serveCommand(rest, io);
      case 'batch': {
        const { batchCommand } = await import('./batch');
        return await batchCommand(rest, io);
      }
      case 'worker': {
        const { workerCommand } = await import('./batch');
        return await workerCommand(rest, io);
      }
      case 'report': {
        const { reportCommand } = await import('./report');
        return await reportCommand(rest, io);
      }
      case 'keys': {
        const { keysCommand } = await import('./keys');
        return await keysCommand(rest, io);
      }
      case 'adapt': {
        const { adaptCommand } = await import('./adapt');
        return await adaptCommand(rest, io);
      }
      default:
        io.stderr.write(`moderato: MOD_ERR_INPUT: unknown command ${excerpt(cmd, 60)}\n\n${HELP}\n`);
        return 1;
    }
  } catch (err) {
    if (isModeratoError(err)) {
      io.stderr.write(`moderato: ${err.code}: ${err.message}\n`);
      return 1;
    }
    const e = err as { code?: string; message?: string };
    if (e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`moderato: MOD_ERR_INPUT: ${argsMessage(e as { code: string; message: string })}\n\n${await usageOf(cmd)}\n`);
      return 1;
    }
    throw err;
  }
}

export { SCORE_HELP };
