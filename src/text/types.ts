/** Token kinds the tokenizer emits. Whitespace is not a token. */
export type TokenKind = 'word' | 'number' | 'punct' | 'emoji' | 'url' | 'mention' | 'hashtag';

/**
 * One token of a comment. `[start, end)` are UTF-16 code units into the ORIGINAL text
 * (see src/types.ts), so `text.slice(start, end) === token.text` always holds.
 */
export interface Token {
  start: number;
  end: number;
  /** The original text of the token (`text.slice(start, end)`). */
  text: string;
  kind: TokenKind;
  /**
   * Matching form: NFKC, lower case, zero-width and look-alike characters folded, leetspeak
   * decoded inside words (`1d10t` -> `idiot`), masked letters restored where a known word fits
   * (`f*ck` -> `fuck`), letters stretched 3+ times collapsed (`stuuupid` -> `stupid`).
   */
  norm: string;
}
