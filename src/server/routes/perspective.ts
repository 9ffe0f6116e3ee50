import { Router, type NextFunction, type Request, type Response } from 'express';
import { ModeratoError, isModeratoError } from '../../errors';
import { analyzeComment, discoveryDocument, toFeedbackInput, toGoogleError } from '../../perspective';
import { AnalyzeCommentRequestSchema, SuggestCommentScoreRequestSchema } from '../../perspective/schema';
import { hashApiKey } from '../../queue/common';
import type { ApiKeyRecord, QueueStore } from '../../queue/types';
import type { AppDeps } from '../app';
import { asyncHandler, requireScorer } from '../app';
import { LIMITS } from '../config';
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

/** The API key from `?key=` (Perspective's way) or `Authorization: Bearer` (Moderato's). */
function apiKeyOf(req: Request): string | undefined {
  const q = req.query.key;
  const fromQuery = Array.isArray(q) ? q[0] : q;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function storeOf(deps: AppDeps): QueueStore | undefined {
  return (deps.store as QueueStore | undefined) ?? undefined;
}

/**
 * Checks the request's key against the store's live keys (any role: a site's one Perspective
 * key does both analyze and suggestscore). `required` false lets a keyless request through, but
 * a key that is sent must be valid, so a mistyped key fails loudly instead of passing unnoticed.
 */
async function authenticate(req: Request, deps: AppDeps, required: boolean): Promise<ApiKeyRecord | null> {
  const key = apiKeyOf(req);
  const store = storeOf(deps);
  if (key === undefined) {
    if (required) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'An API key is required: append ?key=YOUR_KEY or send Authorization: Bearer YOUR_KEY');
    return null;
  }
  // Without a store there are no keys to check against, and nothing was configured to protect.
  if (!store) {
    if (required) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'API keys are checked against the queue store, and this server has none');
    return null;
  }
  const record = await store.findApiKey(hashApiKey(key));
  if (!record) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'API key not valid. Pass a live Moderato API key as ?key=');
  return record;
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
    asyncHandler(async (req, res) => {
      await authenticate(req, deps, deps.config.scoreRequiresKey);
      const body = validate(AnalyzeCommentRequestSchema, req.body);
      const scorer = requireScorer(deps);
      // doNotStore needs no action: analyze never stores the comment or its context.
      res.json(await analyzeComment(scorer, body));
    }),
  );

  router.post(
    SUGGEST,
    asyncHandler(async (req, res) => {
      await authenticate(req, deps, storeOf(deps) !== undefined);
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
    }),
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

/** Maps body-parser failures (which happen before the router runs) onto the error registry. */
function asModeratoError(err: unknown): ModeratoError {
  if (isModeratoError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e?.type === 'entity.parse.failed') return new ModeratoError('MOD_ERR_MALFORMED_JSON', `Malformed JSON body: ${e.message ?? 'parse error'}`);
  if (e?.type === 'entity.too.large') return new ModeratoError('MOD_ERR_PAYLOAD_TOO_LARGE', `Request body exceeds ${e.limit ?? LIMITS.maxBodyBytes} bytes`, { limitBytes: e.limit ?? LIMITS.maxBodyBytes });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new ModeratoError('MOD_ERR_UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ModeratoError('MOD_ERR_VALIDATION', e.message ?? 'Bad request');
  return new ModeratoError('MOD_ERR_INTERNAL', 'Internal error');
}

/**
 * Error middleware for the Perspective paths: answers Google's error shape, which Perspective
 * clients parse (numeric `error.code`, `error.status`), with Moderato's code in the details.
 * Other paths pass through to the app's own error handler.
 */
export function perspectiveErrorHandler(deps: AppDeps) {
  const log = deps.log ?? ((line: string) => process.stderr.write(line + '\n'));
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (!isPerspectivePath(req.path)) {
      next(err);
      return;
    }
    const me = asModeratoError(err);
    if (me.code === 'MOD_ERR_INTERNAL') log(`error ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(me.status).json(toGoogleError(me));
  };
}
