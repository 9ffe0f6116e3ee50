import { ModeratoError } from '../errors';

/**
 * Language handling. Moderato's models are trained on English only, so `en` (and any `en-*`
 * BCP-47 tag) is the one supported language; anything else answers 400 naming it, the way
 * Perspective answers "Attribute X does not support request languages: xx".
 *
 * Moderato has no statistical language detector. `detectedLanguages` reports the dominant script
 * of the text instead: `en` for Latin script (or no letters at all), `und-<Script>` otherwise
 * (`und-Cyrl`, `und-Hani`, ...). It cannot tell English from Spanish; it can tell that Russian
 * is not English, which is the case that would otherwise be scored as gibberish.
 */

/** Language tags Moderato scores (primary subtags). */
export const SUPPORTED_LANGUAGES = ['en'] as const;

const SCRIPTS: [string, RegExp][] = [
  ['Latn', /\p{Script=Latin}/u],
  ['Cyrl', /\p{Script=Cyrillic}/u],
  ['Grek', /\p{Script=Greek}/u],
  ['Arab', /\p{Script=Arabic}/u],
  ['Hebr', /\p{Script=Hebrew}/u],
  ['Deva', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Hang', /\p{Script=Hangul}/u],
  ['Jpan', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hani', /\p{Script=Han}/u],
];

/** True when `tag` is a language Moderato scores (`en`, `en-US`, `EN-gb`, ...). */
export function isSupportedLanguage(tag: string): boolean {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(primary ?? '');
}

/**
 * The dominant script of `text` as a language tag: `en` for Latin (or letter-free) text,
 * `und-<Script>` for others, `und` for letters of a script not listed here.
 * @example detectLanguage('привет всем') // 'und-Cyrl'
 */
export function detectLanguage(text: string): string {
  const counts = new Map<string, number>();
  let letters = 0;
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    letters++;
    const script = SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? 'Zyyy';
    counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  if (letters === 0) return 'en';
  let best = 'Latn';
  let bestCount = -1;
  for (const [script, n] of counts) {
    if (n > bestCount) {
      best = script;
      bestCount = n;
    }
  }
  if (best === 'Latn') return 'en';
  return best === 'Zyyy' ? 'und' : `und-${best}`;
}

/** The effective and detected languages of one request. */
export interface Languages {
  /** Perspective's `languages`: the request's, or the detected one when it named none. */
  languages: string[];
  detectedLanguages: string[];
}

/**
 * Checks the request's languages (or, when it named none, the detected one) and throws
 * MOD_ERR_UNSUPPORTED_LANGUAGE naming the first unsupported tag.
 */
export function resolveLanguages(requested: string[] | undefined, text: string, attributes: string[]): Languages {
  const detected = detectLanguage(text);
  const effective = requested && requested.length > 0 ? requested : [detected];
  const bad = effective.find((tag) => !isSupportedLanguage(tag));
  if (bad !== undefined) {
    const attr = attributes[0] ?? 'TOXICITY';
    throw new ModeratoError(
      'MOD_ERR_UNSUPPORTED_LANGUAGE',
      `Attribute ${attr} does not support request languages: ${bad}. Moderato scores English (en) only.`,
      { language: bad, supported: [...SUPPORTED_LANGUAGES], detectedLanguages: [detected] },
    );
  }
  return { languages: effective, detectedLanguages: [detected] };
}
