/**
 * Opens an archive to score: a file (`.jsonl`, `.json`, `.csv`, a Disqus or WordPress XML
 * export), the same gzip-compressed (`.gz`), a folder of such files (read in name order), or
 * stdin. It yields {@link InputItem}s in input order and tells how far through the bytes it is.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { pipeline, type Readable } from 'stream';
import { isModeratoError, ModeratoError } from '../errors';
import { readItems, withinLimits, type InputItem } from './input';
import { readXmlExport, sniffXml } from './xml';

import type { ArchiveFormat } from './formats';

export { ARCHIVE_FORMATS, type ArchiveFormat } from './formats';

/** An open archive. */
export interface Archive {
  items: AsyncGenerator<InputItem>;
  /** Total bytes on disk (compressed, for `.gz`), when known. */
  size?: number;
  /** Bytes consumed so far, comparable with `size` (for progress and ETA). */
  bytesRead(): number;
  /** The files read, in order (empty for stdin). */
  files: string[];
}

const EXT: Array<[RegExp, ArchiveFormat | 'xml']> = [
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.json$/i, 'json'],
  [/\.csv$/i, 'csv'],
  [/\.(xml|wxr)$/i, 'xml'],
];

function extFormat(name: string): ArchiveFormat | 'xml' | undefined {
  const base = name.replace(/\.gz$/i, '');
  return EXT.find(([re]) => re.test(base))?.[1];
}

/** Reads the first bytes of a file (decompressed for `.gz`) to tell Disqus from WordPress. */
function head(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16384);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const raw = buf.subarray(0, n);
    if (!/\.gz$/i.test(file)) return raw.toString('utf8');
    try {
      return zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    } catch (e) {
      throw new ModeratoError('MOD_ERR_INPUT', `${file} is not valid gzip: ${(e as Error).message}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The format of `file`: `--format` if given, else from its name (and, for XML, its root element). */
export function detectFormat(file: string, explicit?: ArchiveFormat): ArchiveFormat {
  if (explicit) return explicit;
  const f = extFormat(file);
  if (f === undefined) return 'jsonl';
  if (f !== 'xml') return f;
  const kind = sniffXml(head(file));
  if (!kind) throw new ModeratoError('MOD_ERR_INPUT', `${file} is XML but neither a Disqus export (<disqus>) nor a WordPress export (WXR: <rss> with wp: elements)`);
  return kind;
}

function decode(file: string, raw: Readable): Readable {
  if (!/\.gz$/i.test(file)) return raw;
  // pipeline, not pipe: gunzip fails while the scorer is still loading, before anyone reads; pipeline
  // listens from the start and leaves the error on the stream, so the reader's loop throws it.
  return pipeline(raw, zlib.createGunzip(), () => undefined);
}

/**
 * Reads `items` from `file` within the per-comment limits; a read error (corrupt or truncated
 * gzip, a disk error) becomes `MOD_ERR_INPUT` naming the file instead of a stack trace.
 */
async function* guarded(file: string, items: AsyncGenerator<InputItem>): AsyncGenerator<InputItem> {
  try {
    yield* withinLimits(items);
  } catch (e) {
    if (isModeratoError(e)) throw e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new ModeratoError('MOD_ERR_INPUT', `${file}: the gzip data is corrupt or cut short (${(e as Error).message})`);
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new ModeratoError('MOD_ERR_INPUT', `cannot read ${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** Counts the bytes read from disk: whole files done, plus the one being read. */
class ByteCounter {
  private done = 0;
  private current: fs.ReadStream | undefined;
  open(file: string): fs.ReadStream {
    if (this.current) this.done += this.current.bytesRead;
    return (this.current = fs.createReadStream(file));
  }
  read(): number {
    return this.done + (this.current?.bytesRead ?? 0);
  }
}

function readFile(file: string, format: ArchiveFormat, opts: { idPrefix: string; source: string }, bytes: ByteCounter): AsyncGenerator<InputItem> {
  const raw = bytes.open(file);
  const stream = decode(file, raw);
  const items = format === 'disqus' || format === 'wxr' ? readXmlExport(stream, format) : readItems(stream, format, opts);
  return guarded(file, items);
}

/** Files of a folder (recursively) that hold a known format, in name order. */
function listFolder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && extFormat(e.name) !== undefined) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Opens `input` (a file, a folder, or `-` for stdin as JSONL unless `format` says otherwise).
 * Fails with `MOD_ERR_INPUT` when it cannot be read. In a folder every file gets its own format
 * from its name, and comments without an id get `relative/path:line` so ids stay unique.
 */
export function openArchive(input: string, opts: { format?: ArchiveFormat } = {}): Archive {
  const bytes = new ByteCounter();
  if (input === '-') {
    const format = opts.format ?? 'jsonl';
    const stream = process.stdin;
    const items = format === 'disqus' || format === 'wxr' ? readXmlExport(stream, format) : readItems(stream, format, { source: 'stdin' });
    return { items: guarded('stdin', items), bytesRead: () => 0, files: [] };
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot read ${input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
  }
  try {
    fs.accessSync(input, fs.constants.R_OK);
  } catch {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot read ${input}: permission denied`);
  }
  if (st.isDirectory()) {
    const files = listFolder(input);
    if (files.length === 0) throw new ModeratoError('MOD_ERR_INPUT', `the folder ${input} holds no .jsonl, .json, .csv or .xml files (also .gz)`);
    const formats = files.map((f) => detectFormat(f, opts.format));
    const size = files.reduce((s, f) => s + fs.statSync(f).size, 0);
    async function* all(): AsyncGenerator<InputItem> {
      for (let i = 0; i < files.length; i++) {
        const rel = path.relative(input, files[i]).split(path.sep).join('/');
        for await (const item of readFile(files[i], formats[i], { idPrefix: `${rel}:`, source: rel }, bytes)) {
          yield item.kind === 'error' ? { ...item, source: rel } : item;
        }
      }
    }
    return { items: all(), size, bytesRead: () => bytes.read(), files };
  }
  const format = detectFormat(input, opts.format);
  return { items: readFile(input, format, { idPrefix: '', source: input }, bytes), size: st.size, bytesRead: () => bytes.read(), files: [input] };
}
