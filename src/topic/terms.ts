/**
 * Topic terms: the content words of a text, stemmed so that `crossings` meets `crossing`.
 * Topic scoring needs no offsets, so this is a plain word splitter rather than the span-preserving
 * tokenizer of `src/text` (which also rewrites leetspeak — useless for topic overlap).
 */
import { BoundedCache } from '../util/bounded-cache';

// Subpath imports on purpose: `require('natural')` loads its storage layer, whose dotenv prints to
// stdout and would corrupt the CLI's JSONL (see ml-runtime notes).
const porter: { stem(word: string): string } = require('natural/lib/natural/stemmers/porter_stemmer');
const naturalStop: { words: string[] } = require('natural/lib/natural/util/stopwords');

/**
 * natural's list plus the chat words and contractions that carry no topic in comment threads.
 * Kept small on purpose: pronouns and "thanks" are counted as style features, not topic terms.
 */
const EXTRA_STOP = [
  'also', 'just', 'like', 'get', 'got', 'can', 'could', 'would', 'should', 'will', 'one', 'know',
  'think', 'really', 'much', 'many', 'even', 'still', 'well', 'yes', 'yeah', 'ok', 'okay', 'lol',
  'haha', 'hahaha', 'dont', 'don', 'doesn', 'didn', 'isn', 'aren', 'wasn', 'won', 'can', 'cant',
  'im', 've', 'll', 're', 'thanks', 'thank', 'thx', 'pls', 'please', 'hi', 'hello', 'u', 'ur',
  'said', 'say', 'says', 'make', 'go', 'going', 'want', 'see', 'way', 'thing', 'things', 'us',
  'may', 'might', 'must', 'let', 'anyone', 'anything', 'something', 'everyone', 'every', 'any',
  'new', 'good', 'bad', 'right', 'now', 'yet', 'though', 'since', 'etc', 'doesnt', 'didnt', 'isnt',
  'youre', 'thats', 'theyre', 'whats', 'there', 'here', 'ever', 'never', 'always', 'sure', 'lot',
  'not', 'no', 'nor', 'back', 'else', 'really', 'quite', 'rather', 'whether', 'without', 'within',
];

/** Words that carry no topic. Lower case, apostrophes removed. */
export const STOPWORDS: ReadonlySet<string> = new Set([...naturalStop.words, ...EXTRA_STOP]);

/** A topic term: its stem (the matching key) and the first surface form seen (for display). */
export interface TopicTerm {
  stem: string;
  surface: string;
}

// Letters and digits of any script; apostrophes are dropped so that "don't" -> "dont" (a stopword).
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
/** Porter stem of a lower-case word (`topicTerms` memoises it with the rest of a word's term). */
export function stem(word: string): string {
  return porter.stem(word);
}

/**
 * The content terms of `text`, in order, with repeats.
 * @example topicTerms("The crossings in Idlib") // [{stem:'cross',surface:'crossings'},{stem:'idlib',surface:'idlib'}]
 */
export function topicTerms(text: string): TopicTerm[] {
  const out: TopicTerm[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const t = termOf(m[0]);
    if (t) out.push({ stem: t.stem, surface: t.surface });
  }
  return out;
}

/** What one matched word contributes: its term, or null for no topic. Memoised because threads repeat their vocabulary. */
const termCache = new BoundedCache<TopicTerm | null>(50_000);

function termOf(word: string): TopicTerm | null {
  let t = termCache.get(word);
  if (t !== undefined) return t;
  t = null;
  const w = word.replace(/['’]/g, '');
  // Pure numbers and one-letter words almost never name a topic; URLs fall apart into their
  // host words, which is what we want ("youtube", "wikipedia").
  if (!(w.length < 2 || /^\p{N}+$/u.test(w) || STOPWORDS.has(w))) {
    const s = stem(w);
    if (!(s.length < 2 || STOPWORDS.has(s))) t = { stem: s, surface: w };
  }
  termCache.set(word, t);
  return t;
}
