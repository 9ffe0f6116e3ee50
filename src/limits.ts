/**
 * Limits on what one comment, article and request may hold. The HTTP API (zod schemas) and the
 * CLI (archive reading) import them from here, so a comment the API refuses is also a line
 * `moderato score` skips. Documented in README.md ("Limits").
 */
export const LIMITS = {
  /** Largest accepted JSON body. */
  maxBodyBytes: 1_000_000,
  /** Most comments in one `POST /v1/score` or `POST /v1/comments`. */
  maxComments: 100,
  /** Longest comment text, in UTF-16 code units. */
  maxTextLength: 10_000,
  /** Longest article body, in UTF-16 code units. */
  maxArticleLength: 100_000,
  /** Longest article title, in UTF-16 code units. */
  maxTitleLength: 1_000,
  /** Longest comment id (also parent, thread and article ids), in UTF-16 code units. */
  maxIdLength: 200,
  /** Longest author name, in UTF-16 code units. */
  maxAuthorLength: 200,
  /** Longest comment text on the Perspective-compatible routes (Perspective's own limit). */
  maxPerspectiveTextLength: 20_480,
  /** Deepest JSON nesting accepted anywhere in a body (free-form metadata included). */
  maxJsonDepth: 16,
  /**
   * Longest line of a JSONL archive (and largest `.json` document) the CLI reads, in bytes. A
   * longer line is skipped without being held in memory: a whole thread fits far below it (its
   * comments are themselves limited), a runaway line does not exhaust memory.
   */
  maxLineBytes: 16 * 1024 * 1024,
} as const;
