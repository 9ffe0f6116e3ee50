import express, { type NextFunction, type Request, type Response } from 'express';
import { ModeratoError } from '../errors';
import { LIMITS } from '../limits';
import { requireJson } from './content-type';
import type { AppDeps } from './context';
import { corsAndOptions } from './cors';
import { setErrorHeaders, toModeratoError } from './errors';
import { rejectUnsafeInput } from './input-safety';
import { requestLogger, silentLogger } from './logging';
import { createMetrics, recordRequests } from './metrics';
import { openApiDocument } from './openapi';
import { rateLimits } from './rate-limit';
import { servedModes, shedWhenSaturated } from './scoring';
import { perspectiveErrorHandler, perspectiveRouter } from './routes/perspective';
import { securityHeaders } from './csp';
import { pageRouter } from './routes/page';
import { sessionRouter } from './routes/session';
import { moderateRouter } from './routes/moderate';
import { queueRouter } from './routes/queue';
import { scoreRouter } from './routes/score';
import { adaptRouter } from './routes/adapt';
import { SiteAdaptation } from '../queue';

export type { AppDeps } from './context';
export { requireScorer } from './context';

/**
 * Builds the Express app (no `listen`): tests drive it in-process with supertest. The order of
 * the middleware is the order a request meets them: request log and metrics, health probes
 * (never rate limited), CORS/OPTIONS, rate limits, body parsing and input checks, the routes.
 */
export function createApp(deps: AppDeps): express.Express {
  const logger = deps.logger ?? silentLogger();
  const metrics = (deps.metrics ??= createMetrics({ store: deps.store }));
  if (deps.store && !deps.adaptation) {
    deps.adaptation = new SiteAdaptation(deps.store, {
      refitEvery: deps.config.refitEvery,
      onFit: (outcome) => metrics.adapterFits.inc({ outcome }),
      onActivate: (reason) => metrics.adapterActivations.inc({ reason }),
      onError: (err, siteId) => (deps.logger ?? logger).error({ err, siteId }, 'site adapter refit failed'),
    });
  }
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogger(logger), recordRequests(metrics));
  app.use(securityHeaders);
  app.use(pageRouter());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const s = deps.scorer.current;
    // `modes`: what POST /v1/score's `mode` may ask for.
    if (s) res.json({ status: 'ready', model: { ...s.info, modes: servedModes(s) } });
    else res.status(503).json(new ModeratoError(deps.scorer.error ? 'MOD_ERR_MODEL' : 'MOD_ERR_NOT_READY', deps.scorer.error ? `Model failed to load: ${deps.scorer.error.message}` : 'Model is loading').toJSON());
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  for (const m of corsAndOptions(deps.config.corsOrigins)) app.use(m);
  for (const m of rateLimits({ perClient: deps.config.rateLimitPerClient, perKey: deps.config.rateLimitPerKey, metrics })) app.use(m);
  // Scoring-only routes shed load before reading the body; ingest goes on to the pool's own check (a retry needs no scoring).
  app.post(['/v1/score', /^\/v1alpha1\/comments(?::|%3[aA])analyze$/], shedWhenSaturated(() => deps.scorer.current, deps.config.scoreQueue, metrics));
  app.use(requireJson);
  app.use(express.json({ limit: LIMITS.maxBodyBytes, strict: false, type: ['application/json', 'application/*+json'] }));
  app.use(rejectUnsafeInput);

  app.use(scoreRouter(deps));
  app.use(queueRouter(deps));
  // The moderator's page: sign-in and what the page needs beyond the queue API.
  app.use(sessionRouter(deps), moderateRouter(deps));
  app.use(adaptRouter(deps));
  // Perspective's error handler sits right after its router so body-parser errors on its paths answer Google's shape too.
  app.use(perspectiveRouter(deps), perspectiveErrorHandler());

  app.use((req, _res, next) => {
    next(new ModeratoError('MOD_ERR_NOT_FOUND', `No route ${req.method} ${req.path}`));
  });
  // Express recognises error middleware by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const me = toModeratoError(err);
    if (me.code === 'MOD_ERR_INTERNAL') (req.log ?? logger).error({ err }, 'internal error');
    if (res.headersSent) {
      res.end();
      return;
    }
    setErrorHeaders(res, me);
    res.status(me.status).json(me.toJSON());
  });
  return app;
}
