import express, { type NextFunction, type Request, type Response } from 'express';
import { ModeratoError, isModeratoError } from '../errors';
import type { Scorer } from '../scorer';
import type { ServerConfig } from './config';
import { LIMITS } from './config';
import { scoreRouter } from './routes/score';
import { queueRouter } from './routes/queue';
import type { QueueStore } from '../queue';
import { perspectiveErrorHandler, perspectiveRouter } from './routes/perspective';
import { securityHeaders } from './csp';
import { pageRouter } from './routes/page';
import { sessionRouter } from './routes/session';
import { moderateRouter } from './routes/moderate';

/**
 * What the app needs. The scorer loads asynchronously: `scorer.current` stays null until the
 * model is ready (`/readyz` answers 503 until then), so the port opens at once.
 */
export interface AppDeps {
  scorer: { current: Scorer | null; error?: Error };
  config: ServerConfig;
  /** Queue store (src/queue); absent when the queue is not configured. */
  store?: QueueStore;
  /** Logs one line (stderr by default). */
  log?: (line: string) => void;
}

/** Returns the ready scorer or throws MOD_ERR_NOT_READY (503). */
export function requireScorer(deps: AppDeps): Scorer {
  if (deps.scorer.current) return deps.scorer.current;
  if (deps.scorer.error) throw new ModeratoError('MOD_ERR_MODEL', `The model failed to load: ${deps.scorer.error.message}`);
  throw new ModeratoError('MOD_ERR_NOT_READY', 'The model is still loading; retry shortly.');
}

/** Wraps an async handler so its rejections reach the error middleware. */
export function asyncHandler(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}

/** Rejects bodies that are not JSON with 415 (only for methods that carry a body). */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.headers['content-length'] !== '0' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  if ((req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && hasBody && !req.is('application/json')) {
    next(new ModeratoError('MOD_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${req.headers['content-type'] ?? 'none'}"`));
    return;
  }
  next();
}

/** Maps body-parser's errors and everything else onto the error registry. */
function toModeratoError(err: unknown): ModeratoError {
  if (isModeratoError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e && e.type === 'entity.parse.failed') return new ModeratoError('MOD_ERR_MALFORMED_JSON', `Malformed JSON body: ${e.message ?? 'parse error'}`);
  if (e && e.type === 'entity.too.large') return new ModeratoError('MOD_ERR_PAYLOAD_TOO_LARGE', `Request body exceeds ${e.limit ?? LIMITS.maxBodyBytes} bytes`, { limitBytes: e.limit ?? LIMITS.maxBodyBytes });
  if (e && (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')) return new ModeratoError('MOD_ERR_UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new ModeratoError('MOD_ERR_VALIDATION', e.message ?? 'Bad request');
  return new ModeratoError('MOD_ERR_INTERNAL', 'Internal error');
}

/** Builds the Express app (no `listen`): tests drive it in-process with supertest. */
export function createApp(deps: AppDeps): express.Express {
  const log = deps.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders);
  app.use(pageRouter());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const s = deps.scorer.current;
    if (s) res.json({ status: 'ready', model: s.info });
    else res.status(503).json(new ModeratoError(deps.scorer.error ? 'MOD_ERR_MODEL' : 'MOD_ERR_NOT_READY', deps.scorer.error ? `Model failed to load: ${deps.scorer.error.message}` : 'Model is loading').toJSON());
  });

  app.use(requireJson);
  app.use(express.json({ limit: LIMITS.maxBodyBytes, strict: false, type: ['application/json', 'application/*+json'] }));

  app.use(scoreRouter(deps));
  // Further routers (queue, Perspective compatibility) are mounted here.
  app.use(queueRouter(deps));
  // The moderator's page: sign-in and what the page needs beyond the queue API.
  app.use(sessionRouter(deps), moderateRouter(deps));
  // Perspective's error handler sits right after its router so body-parser errors on its paths answer Google's shape too.
  app.use(perspectiveRouter(deps), perspectiveErrorHandler(deps));

  app.use((req, _res, next) => {
    next(new ModeratoError('MOD_ERR_NOT_FOUND', `No route ${req.method} ${req.path}`));
  });
  // Express recognises error middleware by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const me = toModeratoError(err);
    if (me.code === 'MOD_ERR_INTERNAL') log(`error ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(me.status).json(me.toJSON());
  });
  return app;
}
