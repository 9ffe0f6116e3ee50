/**
 * Lines of a byte stream, each at most `maxBytes` long and strictly UTF-8. readline would hold a
 * whole line in memory however long it is (a 50 MB line took the scorer to 5.9 GB) and turns
 * undecodable bytes into U+FFFD silently; here a line over the cap is counted and dropped as it
 * streams past, and a line that is not UTF-8 is reported as such, never passed on as text.
 */
import type { Readable } from 'stream';
import { LIMITS } from '../limits';

/** One line (1-based number, without its `\n` or `\r\n`), or why it cannot be read. */
export type RawLine = { line: number; text: string } | { line: number; problem: string };

const MIB = 1024 * 1024;

function size(bytes: number): string {
  return bytes >= MIB ? `${+(bytes / MIB).toFixed(1)} MiB` : `${bytes.toLocaleString('en')} bytes`;
}

/**
 * Splits `stream` into lines. Memory stays below `maxBytes` plus two chunks whatever the input.
 * A byte-order mark at the start of a line is dropped (JSON.parse refuses it).
 */
export async function* readLines(stream: Readable, maxBytes: number = LIMITS.maxLineBytes): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let bytes = 0;
  let over = false;
  let line = 0;
  const finish = (): RawLine => {
    line++;
    const kept = parts;
    const length = bytes;
    const dropped = over;
    parts = [];
    bytes = 0;
    over = false;
    if (dropped) return { line, problem: `${size(length)} long, over the ${size(maxBytes)} a line may hold (a comment's text is limited to ${LIMITS.maxTextLength.toLocaleString('en')} characters); skipped unread` };
    let buf = kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    if (buf.length > 0 && buf[buf.length - 1] === 13) buf = buf.subarray(0, buf.length - 1);
    try {
      return { line, text: decoder.decode(buf) };
    } catch {
      return { line, problem: 'not UTF-8 text (binary data?); skipped' };
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let at = 0;
    while (at <= buf.length) {
      const nl = buf.indexOf(10, at);
      const end = nl === -1 ? buf.length : nl;
      if (end > at) {
        if (!over && bytes + end - at > maxBytes) {
          over = true;
          parts = [];
        }
        // A view, not a copy: it keeps its chunk alive only until the line ends, still within the cap.
        if (!over) parts.push(buf.subarray(at, end));
        bytes += end - at;
      }
      if (nl === -1) break;
      yield finish();
      at = nl + 1;
    }
  }
  if (bytes > 0 || over) yield finish();
}
