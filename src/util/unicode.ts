/** Unicode well-formedness helpers shared by the HTTP edge and the CLI. */

// With the `u` flag a surrogate pair is one code point, so `\p{Cs}` matches only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** True when `s` holds an unpaired UTF-16 surrogate (`String.prototype.isWellFormed` is ES2024). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** `s` with every unpaired surrogate replaced by U+FFFD, as a UTF-8 encoder would store it. */
export function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATES, '\uFFFD');
}
