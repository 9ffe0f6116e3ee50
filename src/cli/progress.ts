/**
 * A one-line progress bar on a TTY stream (stderr): comments done, comments/s and, when the
 * input's size is known, percent and ETA. Silent elsewhere so logs stay clean.
 */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private startComments: number | undefined;
  constructor(
    private readonly out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown },
    private readonly totalBytes?: number,
  ) {}

  /** Redraws at most 10 times a second. `comments` counts all done, also by an earlier run. */
  update(comments: number, bytes: number, force = false): void {
    if (!this.out.isTTY) return;
    this.startComments ??= comments;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.out.write(`\r${formatProgress({ comments, rateComments: comments - this.startComments, secs: (now - this.started) / 1000, bytes, totalBytes: this.totalBytes })}   `);
  }

  /** Ends the bar's line. */
  done(comments: number, bytes: number): void {
    if (!this.out.isTTY) return;
    this.update(comments, bytes, true);
    this.out.write('\n');
  }
}

/** Seconds as `1h02m`, `3m05s` or `42s`. */
function duration(secs: number): string {
  const s = Math.round(secs);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The progress line: `[====    ]  45% 1,234 comments, 5,678/s, ETA 2m10s`. */
export function formatProgress(p: { comments: number; rateComments: number; secs: number; bytes: number; totalBytes?: number }): string {
  const secs = Math.max(0.001, p.secs);
  const rate = Math.round(p.rateComments / secs);
  let bar = '';
  let eta = '';
  if (p.totalBytes) {
    const frac = Math.min(1, p.bytes / p.totalBytes);
    const width = 30;
    const filled = Math.round(frac * width);
    bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    if (frac > 0 && frac < 1 && p.secs > 1) eta = `, ETA ${duration((secs * (1 - frac)) / frac)}`;
  }
  return `${bar}${p.comments.toLocaleString('en')} comments, ${rate.toLocaleString('en')}/s${eta}`;
}
