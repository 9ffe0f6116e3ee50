/**
 * The formats an archive may be in, apart from their readers (./input.ts, ./xml.ts: zod,
 * csv-parse, htmlparser2), so that `moderato score` checks `--format` before it starts its scorer
 * threads and loads the readers while they start (issue 29).
 */

/** Input formats of one file (a whole archive may also be gzip-compressed or a folder: see ./archive.ts). */
export type InputFormat = 'jsonl' | 'json' | 'csv';

/** Every format an archive file may be in. */
export type ArchiveFormat = InputFormat | 'disqus' | 'wxr';

/** The format names `--format` accepts. */
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['jsonl', 'json', 'csv', 'disqus', 'wxr'];
