/**
 * The ordered, bounded batch pipeline: units go to a scorer (a thread pool or the in-process
 * scorer) several tasks at a time; results are written strictly in input order. At most
 * `inFlight` tasks are being scored at once, and at most `inFlight * BUFFERED` finished ones wait
 * for an older one to be written, so memory stays bounded however large the archive. A slow
 * oldest task (a thread still warming up) does not stop the others: reading goes on while
 * finished results wait their turn, and no thread idles behind it.
 */
import { ModeratoError } from '../errors';
import type { Scorer } from '../scorer';
import type { Article, CommentInput, ScoreRequest } from '../types';
import { isProblem, type Problem, type Unit } from './units';

/** What the pipeline needs from a scorer: JSONL text per request (see `ScorerPool.scoreJsonl`). */
export interface JsonlScorer {
  scoreJsonl(reqs: ScoreRequest[]): Promise<string[]>;
}

/** Wraps an in-process scorer (the main thread does the work). */
export function inProcessJsonl(scorer: Scorer): JsonlScorer {
  return {
    async scoreJsonl(reqs) {
      const out: string[] = [];
      for (const req of reqs) out.push((await scorer.score(req)).map((r) => JSON.stringify(r) + '\n').join(''));
      return out;
    },
  };
}

/** Where an earlier run stopped: how many results its output holds, and the last one's id. */
export interface ResumePoint {
  count: number;
  lastId?: string;
}

/** Options for {@link scoreUnits}. */
export interface PipelineOptions {
  scorer: JsonlScorer;
  /** Appends result text (whole JSONL lines); awaited before more is read. */
  write(text: string): Promise<void>;
  /** Tasks out at once (default 4): a pool of N threads wants about 2N. */
  inFlight?: number;
  /** Comments per task sent to the scorer (default 256): fewer messages, same results. */
  taskComments?: number;
  /** Skip the first `count` comments, already in the output (checked against `lastId`). */
  resume?: ResumePoint;
  /** Stop at the first problem (after writing everything before it). */
  strict?: boolean;
  onProblem?(p: Problem): void;
  /** Called after each write with the number of results written so far in this run. */
  onProgress?(written: number): void;
}

/** What a run did. */
export interface PipelineSummary {
  /** Results written by this run. */
  written: number;
  /** Comments skipped because the output already held them (`--resume`). */
  resumed: number;
  problems: number;
  /** The problem `strict` stopped at, if any. */
  stoppedAt?: Problem;
}

/** Finished tasks that may wait behind a slow older one, per task in flight. */
const BUFFERED = 8;

interface Task {
  units: Unit[];
  /** Result lines to drop from the front of each unit (already in the output). */
  drop: number[];
  comments: number;
}

/** The fields batch output adds after `id`: thread id and title, and the time when known. */
function extras(c: CommentInput, article?: Article): string {
  let s = '';
  const thread = c.threadId ?? article?.id;
  if (thread !== undefined) s += ',"threadId":' + JSON.stringify(thread);
  if (article?.title) s += ',"threadTitle":' + JSON.stringify(article.title);
  if (c.createdAt) s += ',"createdAt":' + JSON.stringify(c.createdAt);
  return s;
}

/**
 * Adds {@link extras} to each result line of `unit` (`{"id":...,` stays first), so a report can
 * group by thread and time. Results are the scorer's objects otherwise untouched.
 */
export function annotate(unit: Unit, text: string): string {
  const { comments, article } = unit.req;
  if (!article?.id && !article?.title && !comments.some((c) => c.threadId !== undefined || c.createdAt)) return text;
  let out = '';
  let at = 0;
  for (const c of comments) {
    const end = text.indexOf('\n', at) + 1;
    const line = text.slice(at, end);
    const cut = 6 + JSON.stringify(c.id).length; // after {"id":"..."
    out += line.slice(0, cut) + extras(c, article) + line.slice(cut);
    at = end;
  }
  return out;
}

function dropLines(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at) + 1;
  return text.slice(at);
}

/** Scores `units` in order through `opts.scorer`, writing each task's results as soon as it is its turn. */
export async function scoreUnits(units: AsyncIterable<Unit | Problem>, opts: PipelineOptions): Promise<PipelineSummary> {
  const inFlight = Math.max(1, opts.inFlight ?? 4);
  const taskComments = Math.max(1, opts.taskComments ?? 256);
  const skip = opts.resume?.count ?? 0;
  const summary: PipelineSummary = { written: 0, resumed: 0, problems: 0 };
  const queue: Array<{ p: Promise<string>; settled: boolean }> = [];
  let running = 0;
  let task: Task = { units: [], drop: [], comments: 0 };

  const submit = (): void => {
    if (task.units.length === 0) return;
    const t = task;
    task = { units: [], drop: [], comments: 0 };
    const p = opts.scorer.scoreJsonl(t.units.map((u) => u.req)).then((texts) => texts.map((s, i) => dropLines(annotate(t.units[i], s), t.drop[i])).join(''));
    const entry = { p, settled: false };
    running++;
    const done = (): void => {
      entry.settled = true;
      running--;
    };
    // First reaction on p, so `settled` is true before anything awaiting p resumes; it also keeps a
    // rejection from being "unhandled" until this task's turn comes, when it surfaces.
    p.then(done, done);
    queue.push(entry);
  };
  const writeOldest = async (): Promise<void> => {
    const text = await queue.shift()!.p;
    if (text === '') return;
    await opts.write(text);
    summary.written += countLines(text);
    opts.onProgress?.(summary.written);
  };

  let seen = 0;
  for await (const u of units) {
    if (isProblem(u)) {
      summary.problems++;
      opts.onProblem?.(u);
      if (opts.strict) {
        summary.stoppedAt = u;
        break;
      }
      continue;
    }
    const n = u.req.comments.length;
    seen = u.first + n;
    let drop = 0;
    if (u.first < skip) {
      drop = Math.min(n, skip - u.first);
      // The output's last result must be this input's comment at the same place, else the output is another run's.
      if (u.first + drop === skip) checkResume(u.req.comments[drop - 1].id, opts.resume!);
      summary.resumed += drop;
      if (drop === n) continue;
    }
    task.units.push(u);
    task.drop.push(drop);
    task.comments += n;
    if (task.comments >= taskComments) {
      submit();
      for (;;) {
        while (queue.length > 0 && queue[0].settled) await writeOldest();
        if (running < inFlight && queue.length < inFlight * BUFFERED) break;
        // Any task finishing frees a slot; the oldest one finishing lets results out.
        await Promise.race(queue.filter((e) => !e.settled).map((e) => e.p.then(() => undefined, () => undefined)));
      }
    }
  }
  submit();
  while (queue.length > 0) await writeOldest();
  if (seen < skip && !summary.stoppedAt) {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot resume: the output holds ${skip} results but the input has only ${seen} comments`);
  }
  return summary;
}

function checkResume(id: string, resume: ResumePoint): void {
  if (resume.lastId !== undefined && resume.lastId !== id) {
    throw new ModeratoError(
      'MOD_ERR_INPUT',
      `cannot resume: result ${resume.count} of the output is for comment "${resume.lastId}" but comment ${resume.count} of the input is "${id}" (is the output from another input?)`,
    );
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
