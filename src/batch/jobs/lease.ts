/**
 * What a worker does so that leases follow the work: it renews the lease of every chunk in hand
 * while it works (a {@link Heartbeat}), and it claims as many chunks at once as it scores in
 * about {@link DEFAULT_CLAIM_SECONDS} at its measured speed ({@link claimSize}), so a claim lasts
 * about as long on a slow path as on a fast one and a kill costs about that much work again.
 */
import type { HeldJob } from './boss';

/** Seconds of work a worker claims at once, once it has measured its speed. */
export const DEFAULT_CLAIM_SECONDS = 15;

/** Inputs of {@link claimSize}. */
export interface ClaimInput {
  /** The worker's measured speed, comments/s (undefined before its first claim is done). */
  rate?: number;
  /** Mean comments per chunk seen so far. */
  chunkComments: number;
  /** Chunks waiting in the queue (not held by anyone). */
  waiting: number;
  targetSeconds: number;
  /** Most chunks in one claim. */
  max: number;
}

/**
 * Chunks to claim: `targetSeconds` of work at the measured rate; one chunk while the rate is
 * unknown; never more than a quarter of those waiting, so that a batch smaller than one claim
 * still spreads over several workers.
 */
export function claimSize(c: ClaimInput): number {
  if (!c.rate || !(c.chunkComments > 0)) return 1;
  const byRate = Math.floor((c.rate * c.targetSeconds) / c.chunkComments);
  return Math.max(1, Math.min(byRate, Math.floor(c.waiting / 4), c.max));
}

/** A chunk in hand: `lost` turns true when its lease was found taken back. */
export interface Lease {
  readonly lost: boolean;
}

interface Held extends Lease {
  job: HeldJob;
  seconds: number;
  renewedAt: number;
  lost: boolean;
}

/**
 * Renews the leases of the chunks a worker holds, each at a third of its lease, so two renewals
 * can fail (a database hiccup) before the chunk is given to another worker.
 */
export class Heartbeat {
  private readonly held = new Map<string, Held>();
  private readonly timer: NodeJS.Timeout;
  private beating = false;
  /** A renewal failed and has not succeeded since: logged once, retried every tick. */
  private failing = false;

  constructor(
    private readonly renew: (jobs: HeldJob[], seconds: number) => Promise<Set<string>>,
    private readonly log: (line: string) => void,
    tickMs = 1000,
  ) {
    this.timer = setInterval(() => void this.beat(), tickMs);
    this.timer.unref();
  }

  /** Starts renewing `job`'s lease of `seconds` (from now: pg-boss just started it). */
  hold(job: HeldJob, seconds: number): Lease {
    const h: Held = { job, seconds, renewedAt: Date.now(), lost: false };
    this.held.set(job.id, h);
    return h;
  }

  /** Stops renewing (the chunk is stored, failed or lost). */
  release(id: string): void {
    this.held.delete(id);
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const now = Date.now();
      const due = new Map<number, Held[]>();
      for (const h of this.held.values()) {
        if (now - h.renewedAt < (h.seconds * 1000) / 3) continue;
        due.set(h.seconds, [...(due.get(h.seconds) ?? []), h]);
      }
      for (const [seconds, hs] of due) {
        let kept: Set<string>;
        try {
          kept = await this.renew(hs.map((h) => h.job), seconds);
        } catch (e) {
          if (!this.failing) this.log(`lease renewal failed (retried every second): ${(e as Error).message}`);
          this.failing = true;
          continue;
        }
        if (this.failing) this.log('lease renewal works again');
        this.failing = false;
        for (const h of hs) {
          if (kept.has(h.job.id)) h.renewedAt = now;
          else if (this.held.has(h.job.id)) {
            h.lost = true;
            this.held.delete(h.job.id);
          }
        }
      }
    } finally {
      this.beating = false;
    }
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
  }
}
