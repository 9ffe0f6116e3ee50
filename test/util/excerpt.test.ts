/** Bounded, escaped excerpts of untrusted text for messages. */
import { excerpt, printable } from '../../src/util/excerpt';

describe('excerpt', () => {
  it.each([
    ['plain text, quoted', 'hello', 80, '"hello"'],
    ['cut at max, marked', 'abcdef', 3, '"abc"...'],
    ['control characters escaped', '\u0000\u001b[31m', 80, '"\\u0000\\u001b[31m"'],
    ['DEL, C1 and bidi overrides escaped', 'a\u007f\u0085\u202eb', 80, '"a\\u007f\\u0085\\u202eb"'],
    ['a pair cut in half becomes an escape, not a lone surrogate', '😀', 1, '"\\ud83d"...'],
  ])('%s', (_what, s, max, want) => {
    expect(excerpt(s, max)).toBe(want);
  });

  it('printable escapes controls, invisibles and lone surrogates, and leaves quotes alone', () => {
    expect(printable('a"\nb\u202e\ud800', 80)).toBe('a"\\u000ab\\u202e\\ud800');
    expect(printable('x'.repeat(100), 10)).toBe('x'.repeat(10) + '...');
  });
});
