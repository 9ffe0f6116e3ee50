import { Router } from 'express';
import { requireScorer, type AppDeps } from '../context';
import { scoreAuth } from '../auth';
import { ScoreRequestSchema } from '../schemas';
import { scorerForSite } from '../site-scorer';
import { scorerForMode } from '../scoring';
import { validate } from '../validate';
import type { ScoreRequest } from '../../types';

/**
 * `POST /v1/score`: scores comments (with optional article) and answers results in input order,
 * each scored with the `siteId`'s active adapter (the default site's without one) and naming it,
 * in the request's `mode` (default: the server's), which `model` names with the model it used.
 * An adapter reads the sentence vector, so a request for `fast` gets none (`adapter: null`).
 */
export function scoreRouter(deps: AppDeps): Router {
  const router = Router();
  router.post(
    '/v1/score',
    scoreAuth(deps),
    async (req, res) => {
      const body = validate(ScoreRequestSchema, req.body);
      const scorer = await scorerForSite(deps, scorerForMode(requireScorer(deps), body.mode), body.siteId);
      const request: ScoreRequest = {
        comments: body.comments.map((c) => ({ id: c.id, text: c.text, parentId: c.parentId ?? undefined, threadId: c.threadId, author: c.author })),
        article: body.article,
      };
      const results = await scorer.score(request);
      res.json({ model: scorer.info, results });
    },
  );
  return router;
}
