/** Helpers shared by the written sentence generators (`threats.ts`, `contrast.ts`). */

/** The text with its first letter upper-cased. */
export const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** A growing list of sentences that keeps only the first of each text; `add` says whether it was new. */
export function distinctSentences<T extends { text: string }>(): { out: T[]; add: (s: T) => boolean } {
  const out: T[] = [];
  const seen = new Set<string>();
  return {
    out,
    add: (s: T): boolean => {
      if (seen.has(s.text)) return false;
      seen.add(s.text);
      out.push(s);
      return true;
    },
  };
}
