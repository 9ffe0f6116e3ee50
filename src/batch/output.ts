/**
 * Safe output files for batch scoring. Results go to `OUTPUT.partial` beside the output and
 * are renamed over OUTPUT only when the run completes, so an interrupted run never leaves a
 * truncated OUTPUT and the input can never be clobbered. `resume` reads the partial file (or a
 * finished OUTPUT) and reports how many results it already holds; it changes nothing on disk (the
 * rename to `.partial`, dropping a torn last line) until the first result is written or the run
 * commits, so a resume refused because the input does not match leaves every file as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModeratoError } from '../errors';
import type { ResumePoint } from './pipeline';

/** An output being written. */
export interface SafeOutput {
  /** The final path. */
  readonly path: string;
  /** The temporary file written until {@link commit}. */
  readonly partialPath: string;
  /** What the file held when opened with `resume` (count 0 for a fresh file). */
  readonly resumed: ResumePoint;
  write(text: string): Promise<void>;
  /** Flushes to disk and renames the partial file over the output. */
  commit(): Promise<void>;
  /** Closes without renaming: the partial file stays for `--resume`. */
  close(): Promise<void>;
  /** Closes and deletes the partial file, if this run opened it (nothing worth keeping was written). */
  discard(): Promise<void>;
  /** The file holding the results now, and whether this run has changed anything on disk. */
  holder(): { path: string; touched: boolean };
}

const real = (p: string): string => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/** Rejects an output that is, or lies inside, one of the inputs (a file or a directory). */
export function checkNotInput(output: string, inputs: string[]): void {
  const out = path.join(real(path.dirname(output)), path.basename(output));
  for (const input of inputs) {
    if (input === '-') continue;
    const inp = real(input);
    if (out === inp || out === inp + '.partial' || out.startsWith(inp + path.sep)) {
      throw new ModeratoError('MOD_ERR_INPUT', `--output ${output} is the input ${input} (or inside it): choose another file`);
    }
  }
}

/** Counts complete JSONL lines of `file` and returns the last id and the bytes up to it (a torn last line is not counted). */
async function scanExisting(file: string): Promise<{ point: ResumePoint; bytes: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    let count = 0;
    let lastNl = -1;
    let prevNl = -1;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(10); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) {
        count++;
        prevNl = lastNl;
        lastNl = pos + i;
      }
      pos += bytesRead;
    }
    if (count === 0) return { point: { count: 0 }, bytes: 0 };
    const len = lastNl - prevNl - 1;
    const line = Buffer.alloc(len);
    await fh.read(line, 0, len, prevNl + 1);
    let lastId: string | undefined;
    try {
      lastId = String((JSON.parse(line.toString('utf8')) as { id: unknown }).id);
    } catch {
      throw new ModeratoError('MOD_ERR_INPUT', `cannot resume from ${file}: its last line is not a result`);
    }
    return { point: { count, lastId }, bytes: lastNl + 1 };
  } finally {
    await fh.close();
  }
}

function statIfAny(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** An output that is not a regular file: written directly, nothing to resume or rename. */
async function openInPlace(file: string, opts: { resume?: boolean }): Promise<SafeOutput> {
  if (opts.resume) throw new ModeratoError('MOD_ERR_INPUT', `cannot resume into --output ${file}: it is not a regular file`);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'w');
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: ${(e as Error).message}`);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  return {
    path: file,
    partialPath: file,
    resumed: { count: 0 },
    async write(text) {
      await fh.write(text);
    },
    commit: close,
    close,
    discard: close,
    holder: () => ({ path: file, touched: true }),
  };
}

/**
 * Opens `file` for results. Fails with `MOD_ERR_INPUT` when its folder is missing or not
 * writable. With `resume`, continues `file.partial` (or `file` itself, when a run finished).
 */
export async function openOutput(file: string, opts: { resume?: boolean } = {}): Promise<SafeOutput> {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: ${dir} is not a folder`);
  const existing = statIfAny(file);
  if (existing?.isDirectory()) throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: it is a folder`);
  // A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a partial
  // file over it would replace the device with a regular file (as root, /dev/null itself).
  if (existing && !existing.isFile()) return openInPlace(file, opts);
  // A symlink stays a symlink: the partial file goes beside its target and replaces the target.
  const target = existing ? fs.realpathSync(file) : file;
  const partialPath = target + '.partial';
  let resumed: ResumePoint = { count: 0 };
  // Where an earlier run's results are (resume only), and how many of its bytes are whole lines.
  let source: string | undefined;
  let keep = 0;
  if (opts.resume) {
    source = fs.existsSync(partialPath) ? partialPath : fs.existsSync(file) ? file : undefined;
    if (source) ({ point: resumed, bytes: keep } = await scanExisting(source));
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: the folder ${dir} is not writable`);
    }
  }
  let fh: fs.promises.FileHandle | undefined;
  let closed = false;
  const open = async (): Promise<fs.promises.FileHandle> => {
    if (fh) return fh;
    try {
      if (source === file) await fs.promises.rename(target, partialPath);
      // A run killed mid-write can leave half a line: drop it, it is scored again.
      if (source) await fs.promises.truncate(partialPath, keep);
      fh = await fs.promises.open(partialPath, source ? 'a' : 'w');
    } catch (e) {
      throw new ModeratoError('MOD_ERR_INPUT', `cannot write --output ${file}: ${(e as Error).message}`);
    }
    return fh;
  };
  // A fresh run opens at once, so an unwritable output fails before any scoring.
  if (!opts.resume) await open();
  const close = async (): Promise<void> => {
    if (closed || !fh) return;
    closed = true;
    await fh.close();
  };
  return {
    path: file,
    partialPath,
    resumed,
    async write(text) {
      await (await open()).write(text);
    },
    async commit() {
      // Resuming a finished output that the input matches to the end: it stands as it is.
      if (!fh && source === file) return;
      await (await open()).sync();
      await close();
      await fs.promises.rename(partialPath, target);
    },
    close,
    async discard() {
      if (!fh) return;
      await close();
      await fs.promises.rm(partialPath, { force: true });
    },
    holder() {
      return fh ? { path: partialPath, touched: true } : { path: source ?? partialPath, touched: false };
    },
  };
}
