/**
 * Text stage: tokenization with exact UTF-16 offsets and an obfuscation-robust matching form.
 * See src/types.ts for the offset convention.
 */
export type { Token, TokenKind } from './types';
export { tokenize } from './tokenize';
export { normalizeWord, clearTextCaches } from './normalize';
export { normalize } from './normalized-text';
export type { NormalizedText } from './normalized-text';
