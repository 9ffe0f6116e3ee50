/**
 * Policy preview: what a new policy would do to the comments already stored, before an admin
 * saves it. Every pending and published comment is classified again from its stored scores
 * (no model pass), so the answer is exact for what is stored and costs one read of the queue.
 */
import type { ScoreResult } from '../types';
import { classify, resolveThresholds, type BaseThresholds, type Policy } from './policy';
import type { QueueStore, StoredComment } from './types';

/** How many comments of one status the preview reads at most (newest are not favoured: oldest first). */
export const PREVIEW_MAX_SCAN = 50_000;
const PAGE = 500;

/** What a policy would change, per status it can change. */
export interface PolicyPreview {
  /** Pending comments: `hold` stay held under the new policy, `release` would now be published. */
  pending: { scanned: number; hold: number; release: number; byCategory: Record<string, number> };
  /** Published comments: `hold` would now be held, `keep` stay published. */
  published: { scanned: number; hold: number; keep: number; byCategory: Record<string, number> };
  /** True when a status had more than {@link PREVIEW_MAX_SCAN} comments and only that many were read. */
  truncated: boolean;
}

/** The score result a stored comment was classified from. */
function storedResult(c: StoredComment): ScoreResult {
  return { id: c.id, toxicity: c.scores.toxicity, categories: c.scores.categories, offTopic: c.scores.offTopic, flagged: c.scores.flagged, reasons: c.scores.reasons, spans: c.spans };
}

/**
 * Classifies every stored pending and published comment under `policy` (with the scorer's
 * `base` thresholds under it, as at ingest) and counts what would change. `byCategory` counts
 * the comments held under the new policy by the category they would be held for.
 * @example await previewPolicy(store, { thresholds: { insult: 0.9 } }, scorer.thresholds) // { pending: { hold: 3, release: 9, ... }, ... }
 */
export async function previewPolicy(store: QueueStore, policy: Policy, base: BaseThresholds): Promise<PolicyPreview> {
  const out: PolicyPreview = {
    pending: { scanned: 0, hold: 0, release: 0, byCategory: {} },
    published: { scanned: 0, hold: 0, keep: 0, byCategory: {} },
    truncated: false,
  };
  for (const status of ['pending', 'published'] as const) {
    let cursor: string | undefined;
    let scanned = 0;
    do {
      const page = await store.listQueue({ status, sort: 'age', limit: PAGE, cursor });
      for (const c of page.items) {
        const cls = classify(storedResult(c), resolveThresholds(policy, base, { siteId: c.siteId, threadId: c.threadId }));
        const held = cls.status === 'pending';
        const slot = out[status];
        if (held) {
          slot.hold++;
          slot.byCategory[cls.category!] = (slot.byCategory[cls.category!] ?? 0) + 1;
        } else if (status === 'pending') out.pending.release++;
        else out.published.keep++;
      }
      scanned += page.items.length;
      cursor = page.nextCursor ?? undefined;
      if (cursor && scanned >= PREVIEW_MAX_SCAN) {
        out.truncated = true;
        break;
      }
    } while (cursor);
    out[status].scanned = scanned;
  }
  return out;
}
