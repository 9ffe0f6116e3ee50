/**
 * Bounded, escaped excerpts of untrusted text for messages. Input lines are echoed in error
 * reports; a binary file or a 50 MB line must come out as a short, printable quote, never as raw
 * bytes that flood or take over a terminal (control characters, bidi overrides).
 */

// JSON.stringify escapes C0 controls, quotes and lone surrogates; these it leaves as they are.
const UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function escaped(s: string): string {
  return JSON.stringify(s).slice(1, -1).replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * `s` cut to `max` UTF-16 code units, quoted and escaped as a JSON string (with `...` after the
 * quote when cut).
 * @example excerpt('\u0000\u0001abc', 4) // '"\\u0000\\u0001ab"...'
 */
export function excerpt(s: string, max = 80): string {
  return s.length > max ? `"${escaped(s.slice(0, max))}"...` : `"${escaped(s)}"`;
}

/** As {@link excerpt}, without the quotes: for a message that is itself made from untrusted text. */
export function printable(s: string, max = 80): string {
  return s.length > max ? `${escaped(s.slice(0, max))}...` : escaped(s);
}
