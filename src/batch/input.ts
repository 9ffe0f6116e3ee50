import * as readline from 'readline';
import { parse as parseCsv } from 'csv-parse';
import { z } from 'zod';
import type { Readable } from 'stream';
import { ModeratoError } from '../errors';
import type { Article, CommentInput } from '../types';

/** Input formats of one file (a whole archive may also be gzip-compressed or a folder: see ./archive.ts). */
export type InputFormat = 'jsonl' | 'json' | 'csv';

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
});

const ThreadSchema = z.object({
  article: z.object({ id: IdSchema.optional(), title: z.string().optional(), body: z.string().optional(), author: z.string().optional() }).optional(),
  comments: z.array(LineCommentSchema),
});

function describe(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

function toComment(c: z.infer<typeof LineCommentSchema>, fallbackId: string): CommentInput {
  return { id: c.id ?? fallbackId, text: c.text, parentId: c.parentId ?? undefined, threadId: c.threadId, author: c.author, ...(c.createdAt ? { createdAt: c.createdAt } : {}) };
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
    return { kind: 'error', line, message: `malformed JSON: ${(e as Error).message}` };
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && 'comments' in value) return parseThread(value, line, idPrefix);
  const r = LineCommentSchema.safeParse(value);
  if (!r.success) return { kind: 'error', line, message: `not a comment: ${describe(r.error)}` };
  return { kind: 'comment', line, comment: toComment(r.data, idPrefix + String(line)) };
}

/** Reads JSONL line by line (constant memory: readline pauses the stream while we work). */
async function* readJsonl(stream: Readable, idPrefix: string): AsyncGenerator<InputItem> {
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    const item = parseJsonLine(raw, line, idPrefix);
    if (item) yield item;
  }
}

/** Reads one `.json` document: a thread object, or an array of comments (a flat thread). */
async function* readJson(stream: Readable, idPrefix: string): AsyncGenerator<InputItem> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    yield { kind: 'error', line: 1, message: `malformed JSON document: ${(e as Error).message}` };
    return;
  }
  yield parseThread(Array.isArray(value) ? { comments: value } : value, 1, idPrefix);
}

/** Reads CSV with a header row; needs a `text` column (else `MOD_ERR_INPUT`), uses `id` when present. */
async function* readCsv(stream: Readable, idPrefix: string, source: string): AsyncGenerator<InputItem> {
  const errors: InputItem[] = [];
  const parser = stream.pipe(
    parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, skip_records_with_error: true, info: true }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    errors.push({ kind: 'error', line: err.lines ?? 0, message: `malformed CSV record: ${err.message}` });
  });
  for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (errors.length) yield errors.shift()!;
    const { record, info } = rec;
    if (typeof record.text !== 'string') {
      throw new ModeratoError('MOD_ERR_INPUT', `${source} has no "text" column (its columns: ${Object.keys(record).map((k) => JSON.stringify(k)).join(', ')})`);
    }
    const id = record.id && record.id !== '' ? record.id : idPrefix + String(info.lines);
    yield { kind: 'comment', line: info.lines, comment: { id, text: record.text, parentId: record.parentId || undefined, threadId: record.threadId || undefined, author: record.author || undefined, ...(record.createdAt ? { createdAt: record.createdAt } : {}) } };
  }
  while (errors.length) yield errors.shift()!;
}

/** How {@link readItems} names things: fallback ids get `idPrefix`, messages name `source`. */
export interface ReadOptions {
  idPrefix?: string;
  source?: string;
}

/** Reads items from a stream in the given format. */
export function readItems(stream: Readable, format: InputFormat, opts: ReadOptions = {}): AsyncGenerator<InputItem> {
  const prefix = opts.idPrefix ?? '';
  if (format === 'json') return readJson(stream, prefix);
  if (format === 'csv') return readCsv(stream, prefix, opts.source ?? 'the CSV');
  return readJsonl(stream, prefix);
}
