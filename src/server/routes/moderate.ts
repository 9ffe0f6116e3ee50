/**
 * What the moderator's page asks beyond the queue API: an item's context (the comment it replies
 * to, the author's other comments in the thread), activity over time, and a preview of a policy
 * before it is saved. Thin: the counting lives in src/queue.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ModeratoError } from '../../errors';
import { parsePolicy, previewPolicy } from '../../queue';
import { requireScorer, requireStore, type AppDeps } from '../context';
import { requireRole } from '../auth';
import { validate } from '../validate';

/** How far back in the thread the author's other comments are looked for. */
export const THREAD_LOOKBACK = 200;

export const ActivityQuerySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(24 * 90).default(24),
  bucketMinutes: z.coerce.number().int().min(1).max(24 * 60).default(60),
});

/** Mounts the page's extra routes. */
export function moderateRouter(deps: AppDeps): Router {
  const router = Router();
  const moderator = requireRole(deps, 'moderator');
  const admin = requireRole(deps, 'admin');

  router.get('/v1/comments/:id/context', moderator, async (req, res) => {
    const store = requireStore(deps);
    const id = String(req.params.id);
    const c = await store.getComment(id);
    if (!c) throw new ModeratoError('MOD_ERR_NOT_FOUND', `No comment with id "${id}"`);
    const parent = c.parentId ? ((await store.getComments([c.parentId]))[0] ?? null) : null;
    const thread = c.threadId ? await store.threadComments(c.threadId, THREAD_LOOKBACK) : [];
    const authorComments = c.author ? thread.filter((t) => t.author === c.author && t.id !== c.id).reverse().slice(0, 20) : [];
    res.json({ parent, authorComments, threadLookback: THREAD_LOOKBACK });
  });

  router.get('/v1/stats/activity', moderator, async (req, res) => {
    const q = validate(ActivityQuerySchema, req.query, 'query');
    if ((q.hours * 60) / q.bucketMinutes > 2000) throw new ModeratoError('MOD_ERR_VALIDATION', 'Too many buckets: at most 2000 (raise bucketMinutes or lower hours)', [{ path: ['bucketMinutes'], code: 'too_small', message: 'at most 2000 buckets' }]);
    res.json(await requireStore(deps).activity({ since: new Date(Date.now() - q.hours * 3600_000), bucketSeconds: q.bucketMinutes * 60 }));
  });

  router.post('/v1/policy/preview', admin, async (req, res) => {
    const policy = parsePolicy(req.body);
    res.json(await previewPolicy(requireStore(deps), policy, requireScorer(deps).thresholds));
  });

  return router;
}
