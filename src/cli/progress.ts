/** A one-line progress bar on a TTY stream (stderr); silent elsewhere so logs stay clean. */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  constructor(
    private readonly out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown },
    private readonly totalBytes?: number,
  ) {}

  /** Redraws at most 10 times a second. */
  update(comments: number, bytes: number, force = false): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = Math.round(comments / secs);
    let bar = '';
    if (this.totalBytes) {
      const frac = Math.min(1, bytes / this.totalBytes);
      const width = 30;
      const filled = Math.round(frac * width);
      bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    }
    this.out.write(`\r${bar}${comments.toLocaleString('en')} comments, ${rate.toLocaleString('en')}/s   `);
  }

  /** Ends the bar's line. */
  done(comments: number, bytes: number): void {
    if (!this.out.isTTY) return;
    this.update(comments, bytes, true);
    this.out.write('\n');
  }
}
