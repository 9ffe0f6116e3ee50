/**
 * Reports on scored archives: streaming statistics over result JSONL and one self-contained
 * HTML file (inline SVG charts, no network) plus a plain-text summary.
 */
export type { ReportStats, ThreadStats } from './aggregate';
export { aggregate, addResult, emptyStats, BINS, POSITION_BUCKETS } from './aggregate';
export { renderHtml, renderSummary, topThreads } from './html';
