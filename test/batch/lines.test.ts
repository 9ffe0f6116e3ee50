/** The capped, strict-UTF-8 line reader under the CLI's JSONL input. */
import { Readable } from 'stream';
import { readLines, type RawLine } from '../../src/batch/lines';

async function lines(chunks: (string | Buffer)[], max = 16): Promise<RawLine[]> {
  const out: RawLine[] = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), max)) out.push(l);
  return out;
}

describe('readLines', () => {
  it('splits on \\n and \\r\\n across chunk boundaries, numbering every line, without a trailing empty line', async () => {
    expect(await lines(['ab', 'c\r\n', '\nde', 'f'])).toEqual([
      { line: 1, text: 'abc' },
      { line: 2, text: '' },
      { line: 3, text: 'def' },
    ]);
    expect(await lines(['x\n'])).toEqual([{ line: 1, text: 'x' }]);
  });

  it('keeps a character whose UTF-8 bytes straddle two chunks, and drops a byte-order mark', async () => {
    const e = Buffer.from('\ufeffé😀\n');
    expect(await lines([e.subarray(0, 4), e.subarray(4, 6), e.subarray(6)])).toEqual([{ line: 1, text: 'é😀' }]);
  });

  it('reports a line over the cap with its size, without its text, and reads on', async () => {
    const out = await lines(['short\n', 'x'.repeat(10), 'y'.repeat(10), '\nnext\n']);
    expect(out[0]).toEqual({ line: 1, text: 'short' });
    expect(out[1]).toMatchObject({ line: 2, problem: expect.stringMatching(/^20 bytes long, over the 16 bytes a line may hold/) });
    expect(out[2]).toEqual({ line: 3, text: 'next' });
  });

  it('reports bytes that are not UTF-8 instead of turning them into U+FFFD', async () => {
    expect(await lines([Buffer.from([0x7b, 0xff, 0xfe, 0x0a]), 'ok'])).toEqual([
      { line: 1, problem: 'not UTF-8 text (binary data?); skipped' },
      { line: 2, text: 'ok' },
    ]);
  });
});
