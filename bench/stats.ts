/** Small timing helpers shared by the benchmarks. */

/** Summary of a list of durations (ms). */
export interface Summary {
  min: number;
  median: number;
  p99: number;
  n: number;
}

/** Quantile by nearest rank on a sorted copy. */
export function summarize(ms: number[]): Summary {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { min: s[0], median: q(0.5), p99: q(0.99), n: s.length };
}

/** Milliseconds since an hrtime start. */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Prints rows as an aligned text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(line)].join('\n');
}

/** Formats a number with sensible precision. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en');
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toFixed(3);
}
