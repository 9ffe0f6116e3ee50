/**
 * The deterministic dev-split rule every loader and the trainer share (its own module so the
 * loaders can use it without importing the data index).
 */
import { inDev } from './io';

/** Fixed salt for every dev split: seeds change training, never which posts are held out. */
export const SPLIT_SALT = 'moderato-dev-v1';

/** Whitespace-insensitive key of a text: what every split rule hashes and every dedupe compares. */
export function textKey(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** True when a text belongs to the held-out dev part of its dataset (`fraction` of texts). */
export function isDevText(text: string, fraction = 0.1): boolean {
  return inDev(text, fraction, SPLIT_SALT);
}
