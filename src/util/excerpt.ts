/**
 * Bounded, escaped excerpts of untrusted text for messages. Input lines are echoed in error
 * reports; a binary file or a 50 MB line must come out as a short, printable quote, never as raw
 * bytes that flood or take over a terminal (control characters, bidi overrides).
 */

// JSON.stringify escapes C0 controls, quotes and lone surrogates; these it leaves as they are.
const UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// What printable() escapes: the same, plus C0 controls and lone surrogates (quotes may stay).
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\p{Cs}/gu;

const hex = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * `s` cut to `max` UTF-16 code units, quoted and escaped as a JSON string (with `...` after the
 * quote when cut).
 * @example excerpt('\u0000\u0001abc', 4) // '"\\u0000\\u0001ab"...'
 */
export function excerpt(s: string, max = 80): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const quoted = JSON.stringify(cut).replace(UNSAFE, hex);
  return cut.length < s.length ? `${quoted}...` : quoted;
}

/**
 * `s` cut to `max` and with every control or invisible character escaped, quotes left alone: for a
 * message that is built from untrusted text or already holds {@link excerpt}s.
 */
export function printable(s: string, max = 80): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const out = cut.replace(UNPRINTABLE, hex);
  return cut.length < s.length ? `${out}...` : out;
}
