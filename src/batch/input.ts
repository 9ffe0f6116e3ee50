import { parse as parseCsv } from 'csv-parse';
import { z } from 'zod';
import { pipeline, type Readable } from 'stream';
import { ModeratoError } from '../errors';
import { LIMITS } from '../limits';
import type { Article, CommentInput } from '../types';
import { excerpt, printable } from '../util/excerpt';
import { hasLoneSurrogate } from '../util/unicode';
import { SiteIdSchema } from '../queue/types';
import { readLines } from './lines';

import type { InputFormat } from './formats';

export type { InputFormat } from './formats';

/** One unit of work read from the input, or a problem with one line. */
export type InputItem =
  | { kind: 'comment'; line: number; comment: CommentInput }
  | { kind: 'thread'; line: number; article?: Article; comments: CommentInput[] }
  | { kind: 'error'; line: number; message: string; source?: string };

const IdSchema = z.union([z.string().min(1), z.number()]).transform(String);

const LineCommentSchema = z.object({
  id: IdSchema.optional(),
  text: z.string(),
  parentId: IdSchema.nullish(),
  threadId: IdSchema.optional(),
  author: z.string().optional(),
  createdAt: z.string().optional(),
  siteId: SiteIdSchema.optional(),
});

const ThreadSchema = z.object({
  article: z.object({ id: IdSchema.optional(), title: z.string().optional(), body: z.string().optional(), author: z.string().optional() }).optional(),
  comments: z.array(LineCommentSchema),
});

function describe(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

function toComment(c: z.infer<typeof LineCommentSchema>, fallbackId: string): CommentInput {
  return { id: c.id ?? fallbackId, text: c.text, parentId: c.parentId ?? undefined, threadId: c.threadId, author: c.author, ...(c.createdAt ? { createdAt: c.createdAt } : {}), ...(c.siteId ? { siteId: c.siteId } : {}) };
}

/** Parses one thread object (`{"article":..., "comments":[...]}`) or reports why it is not one. */
export function parseThread(value: unknown, line: number, idPrefix = ''): InputItem {
  const r = ThreadSchema.safeParse(value);
  if (!r.success) return { kind: 'error', line, message: `not a thread: ${describe(r.error)}` };
  const comments = r.data.comments.map((c, k) => toComment(c, `${idPrefix}${line}.${k + 1}`));
  const ids = new Set<string>();
  for (const c of comments) {
    if (ids.has(c.id)) return { kind: 'error', line, message: `duplicate comment id "${c.id}" in thread` };
    ids.add(c.id);
  }
  return { kind: 'thread', line, article: r.data.article, comments };
}

/** Parses one JSONL line: a comment or a whole thread. */
export function parseJsonLine(raw: string, line: number, idPrefix = ''): InputItem | null {
  if (raw.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { kind: 'error', line, message: `malformed JSON: ${jsonError(e as Error)}; the line starts ${excerpt(raw.trimStart(), 40)}` };
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && 'comments' in value) return parseThread(value, line, idPrefix);
  const r = LineCommentSchema.safeParse(value);
  if (!r.success) return { kind: 'error', line, message: `not a comment: ${describe(r.error)}` };
  return { kind: 'comment', line, comment: toComment(r.data, idPrefix + String(line)) };
}

/**
 * V8's JSON.parse message without the copy of the input it quotes (a binary line came back whole
 * on stderr); the caller adds a bounded excerpt.
 */
function jsonError(e: Error): string {
  const msg = e.message;
  const quoted = msg.indexOf(', "');
  return printable(quoted === -1 ? msg : msg.slice(0, quoted));
}

/** Reads JSONL line by line, in bounded memory (see ./lines.ts). */
async function* readJsonl(stream: Readable, idPrefix: string): AsyncGenerator<InputItem> {
  for await (const raw of readLines(stream)) {
    if ('problem' in raw) {
      yield { kind: 'error', line: raw.line, message: raw.problem };
      continue;
    }
    const item = parseJsonLine(raw.text, raw.line, idPrefix);
    if (item) yield item;
  }
}

/** Reads one `.json` document: a thread object, or an array of comments (a flat thread). */
async function* readJson(stream: Readable, idPrefix: string): AsyncGenerator<InputItem> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    // Stop reading (the stream is closed on return): the document would be held whole to parse it.
    if (bytes > LIMITS.maxLineBytes) {
      yield { kind: 'error', line: 1, message: `the JSON document is over the ${LIMITS.maxLineBytes / 1024 / 1024} MiB a .json file may hold; skipped (write a large thread as JSONL, one comment per line)` };
      return;
    }
    chunks.push(chunk as Buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    yield { kind: 'error', line: 1, message: 'not UTF-8 text (binary data?); skipped' };
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    yield { kind: 'error', line: 1, message: `malformed JSON document: ${jsonError(e as Error)}; it starts ${excerpt(text.trimStart(), 40)}` };
    return;
  }
  yield parseThread(Array.isArray(value) ? { comments: value } : value, 1, idPrefix);
}

/** Reads CSV with a header row; needs a `text` column (else `MOD_ERR_INPUT`), uses `id` when present. */
async function* readCsv(stream: Readable, idPrefix: string, source: string): AsyncGenerator<InputItem> {
  const errors: InputItem[] = [];
  const parser = parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, skip_records_with_error: true, info: true });
  // pipeline, not pipe: a read error (a corrupt .gz) must reach the loop below, not hang it or go unhandled.
  pipeline(stream, parser, () => undefined);
  parser.on('skip', (err: Error & { lines?: number }) => {
    errors.push({ kind: 'error', line: err.lines ?? 0, message: `malformed CSV record: ${printable(err.message, 120)}` });
  });
  for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (errors.length) yield errors.shift()!;
    const { record, info } = rec;
    if (typeof record.text !== 'string') {
      throw new ModeratoError('MOD_ERR_INPUT', `${source} has no "text" column (its columns: ${Object.keys(record).map((k) => JSON.stringify(k)).join(', ')})`);
    }
    const id = record.id && record.id !== '' ? record.id : idPrefix + String(info.lines);
    const site = record.siteId ? SiteIdSchema.safeParse(record.siteId) : undefined;
    if (site && !site.success) {
      yield { kind: 'error', line: info.lines, message: `siteId: ${site.error.issues[0]?.message ?? 'invalid'}` };
      continue;
    }
    yield { kind: 'comment', line: info.lines, comment: { id, text: record.text, parentId: record.parentId || undefined, threadId: record.threadId || undefined, author: record.author || undefined, ...(record.createdAt ? { createdAt: record.createdAt } : {}), ...(record.siteId ? { siteId: record.siteId } : {}) } };
  }
  while (errors.length) yield errors.shift()!;
}

/** How {@link readItems} names things: fallback ids get `idPrefix`, messages name `source`. */
export interface ReadOptions {
  idPrefix?: string;
  source?: string;
}

const n = (x: number): string => x.toLocaleString('en');

function tooLong(field: string, value: string | null | undefined, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value.length > max) return `${field} is ${n(value.length)} characters, over the ${n(max)} allowed`;
  if (hasLoneSurrogate(value)) return `${field} holds a lone UTF-16 surrogate (not well-formed Unicode)`;
  return undefined;
}

function commentProblem(c: CommentInput): string | undefined {
  const why =
    tooLong('text', c.text, LIMITS.maxTextLength) ??
    tooLong('id', c.id, LIMITS.maxIdLength) ??
    tooLong('parentId', c.parentId, LIMITS.maxIdLength) ??
    tooLong('threadId', c.threadId, LIMITS.maxIdLength) ??
    tooLong('author', c.author, LIMITS.maxAuthorLength);
  return why && `comment ${excerpt(c.id, 40)}: ${why}`;
}

function articleProblem(a: Article | undefined): string | undefined {
  if (!a) return undefined;
  const why = tooLong('id', a.id, LIMITS.maxIdLength) ?? tooLong('title', a.title, LIMITS.maxTitleLength) ?? tooLong('body', a.body, LIMITS.maxArticleLength) ?? tooLong('author', a.author, LIMITS.maxAuthorLength);
  return why && `article: ${why}`;
}

/**
 * Passes items on, turning a comment or thread that breaks the HTTP API's per-comment limits
 * (src/limits.ts) into a problem on its line, for every input format: the CLI scores what the API
 * would accept and skips the rest, as the API answers 400.
 */
export async function* withinLimits(items: AsyncIterable<InputItem>): AsyncGenerator<InputItem> {
  for await (const item of items) {
    const why = item.kind === 'comment' ? commentProblem(item.comment) : item.kind === 'thread' ? (articleProblem(item.article) ?? item.comments.map(commentProblem).find(Boolean)) : undefined;
    yield why ? { kind: 'error', line: item.line, message: `${why} (the limit of the HTTP API); skipped` } : item;
  }
}

/** Reads items from a stream in the given format. */
export function readItems(stream: Readable, format: InputFormat, opts: ReadOptions = {}): AsyncGenerator<InputItem> {
  const prefix = opts.idPrefix ?? '';
  if (format === 'json') return readJson(stream, prefix);
  if (format === 'csv') return readCsv(stream, prefix, opts.source ?? 'the CSV');
  return readJsonl(stream, prefix);
}
