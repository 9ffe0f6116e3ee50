import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ModeratoError } from '../../errors';
import { analyzeComment, discoveryDocument, toFeedbackInput, toGoogleError } from '../../perspective';
import { AnalyzeCommentRequestSchema, SuggestCommentScoreRequestSchema } from '../../perspective/schema';
import type { QueueStore } from '../../queue/types';
import { requireScorer, type AppDeps } from '../context';
import { requireRole, scoreAuth } from '../auth';
import { setErrorHeaders, toModeratoError } from '../errors';
import { scorerForSite } from '../site-scorer';
import { validate } from '../validate';

/**
 * Perspective API compatibility routes (see docs/perspective.md):
 * `POST /v1alpha1/comments:analyze`, `POST /v1alpha1/comments:suggestscore` and the discovery
 * document `GET /$discovery/rest?version=v1alpha1` that Google's client libraries load first.
 * Errors on these paths use Google's error shape (src/perspective/google-error.ts).
 */

// The colon is literal in Perspective's paths; a RegExp also takes the percent-encoded form some
// URL builders produce (`comments%3Aanalyze`), which a path-to-regexp string would not match.
const ANALYZE = /^\/v1alpha1\/comments(?::|%3[aA])analyze$/;
const SUGGEST = /^\/v1alpha1\/comments(?::|%3[aA])suggestscore$/;

/** True for the paths whose errors answer in Google's shape. */
function isPerspectivePath(path: string): boolean {
  return path.startsWith('/v1alpha1/') || path === '/$discovery/rest';
}

/**
 * Perspective clients send their key as `?key=` (Coral Talk, Google's client libraries);
 * Moderato's auth (src/server/auth.ts) reads `Authorization: Bearer`. Copying the query key
 * into that header keeps one place that checks keys and roles. A sent header wins.
 */
function keyFromQuery(req: Request, _res: Response, next: NextFunction): void {
  const q = req.query.key;
  const key = Array.isArray(q) ? q[0] : q;
  if (typeof key === 'string' && key !== '' && req.headers.authorization === undefined) req.headers.authorization = `Bearer ${key}`;
  next();
}

function storeOf(deps: AppDeps): QueueStore | undefined {
  return deps.store;
}

/**
 * suggestscore needs a live key of any role when there is a store: a site has one Perspective
 * key for both methods, and Coral sends feedback with the key it scores with. Without a store
 * there are no keys to check and nothing will be written (the handler answers 503 or, for
 * `doNotStore`, 200 with `stored: false`).
 */
function feedbackAuth(deps: AppDeps): RequestHandler {
  const check = requireRole(deps, 'ingest', 'moderator', 'admin');
  return (req, res, next) => {
    if (!storeOf(deps)) {
      next();
      return;
    }
    check(req, res, next);
  };
}

/** The public root URL for the discovery document: MODERATO_PUBLIC_URL, else this request's host. */
function rootUrlOf(req: Request): string {
  const configured = process.env.MODERATO_PUBLIC_URL;
  if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/`;
}

/** Router factory for the Perspective-compatible endpoints. */
export function perspectiveRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    ANALYZE,
    keyFromQuery,
    // The same rule as POST /v1/score: a key (any role) only when MODERATO_SCORE_REQUIRES_KEY.
    scoreAuth(deps),
    async (req, res) => {
      const body = validate(AnalyzeCommentRequestSchema, req.body);
      // The community is the site: its moderators' adapter scores it.
      let adapter: { siteId: string; version: number } | null = null;
      const site = await scorerForSite(deps, requireScorer(deps), body.communityId || null);
      const scorer = { ...site, score: async (r: Parameters<typeof site.score>[0]) => {
        const rs = await site.score(r);
        adapter = rs[0]?.adapter ?? null;
        return rs;
      } };
      // doNotStore needs no action: analyze never stores the comment or its context.
      res.json({ ...(await analyzeComment(scorer, body)), adapter });
    },
  );

  router.post(
    SUGGEST,
    keyFromQuery,
    feedbackAuth(deps),
    async (req, res) => {
      const body = validate(SuggestCommentScoreRequestSchema, req.body);
      const input = toFeedbackInput(body);
      const token = body.clientToken !== undefined ? { clientToken: body.clientToken } : {};
      if (body.doNotStore) {
        res.json({ ...token, stored: false });
        return;
      }
      const store = storeOf(deps);
      if (!store) {
        // Answering 200 would tell the client its feedback was kept when it was dropped.
        throw new ModeratoError('MOD_ERR_FEEDBACK_UNAVAILABLE', 'This server has no queue store, so suggested scores cannot be kept; configure DATABASE_URL or stop sending feedback');
      }
      await store.recordFeedback(input);
      res.json({ ...token, stored: true });
    },
  );

  router.get('/\\$discovery/rest', (req, res, next) => {
    const version = req.query.version;
    if (version !== undefined && version !== 'v1alpha1') {
      next(new ModeratoError('MOD_ERR_NOT_FOUND', `No discovery document for version ${String(version)}; Moderato serves v1alpha1`));
      return;
    }
    res.json(discoveryDocument(rootUrlOf(req)));
  });

  router.all([ANALYZE, SUGGEST], (req, _res, next) => {
    next(new ModeratoError('MOD_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use POST`));
  });
  router.all('/v1alpha1/*splat', (req, _res, next) => {
    next(new ModeratoError('MOD_ERR_NOT_FOUND', `No Perspective method at ${req.path}; Moderato answers comments:analyze and comments:suggestscore`));
  });
  return router;
}

/**
 * Error middleware for the Perspective paths: answers Google's error shape, which Perspective
 * clients parse (numeric `error.code`, `error.status`), with Moderato's code in the details.
 * Other paths pass through to the app's own error handler.
 */
export function perspectiveErrorHandler() {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (!isPerspectivePath(req.path)) {
      next(err);
      return;
    }
    const me = toModeratoError(err);
    if (me.code === 'MOD_ERR_INTERNAL') req.log?.error({ err }, 'internal error');
    if (res.headersSent) {
      res.end();
      return;
    }
    setErrorHeaders(res, me);
    res.status(me.status).json(toGoogleError(me));
  };
}
