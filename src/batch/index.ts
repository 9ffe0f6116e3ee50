/**
 * Batch scoring of archives: read an archive (JSONL, CSV, thread JSON, Disqus or WordPress XML,
 * gzip-compressed or a folder of them) into scoring units, score them in order on a thread pool
 * with bounded memory, and write results safely (temporary file, resumable). The CLI's
 * `score` command and the distributed batch workers are thin layers over this.
 */
export type { InputFormat, InputItem } from './input';
export { parseJsonLine, parseThread, readItems } from './input';
export type { Archive, ArchiveFormat } from './archive';
export { ARCHIVE_FORMATS, detectFormat, openArchive } from './archive';
export { htmlToText, readXmlExport, sniffXml } from './xml';
export type { Unit, Problem } from './units';
export { UNIT_COMMENTS, isProblem, toUnits } from './units';
export type { JsonlScorer, PipelineOptions, PipelineSummary, ResumePoint } from './pipeline';
export { annotate, inProcessJsonl, scoreUnits } from './pipeline';
export type { SafeOutput } from './output';
export { checkNotInput, openOutput } from './output';
export type { IngestCounts, IngestOptions } from './ingest';
export { poolAsScorer, withIngest } from './ingest';
