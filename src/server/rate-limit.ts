/**
 * Rate limits (express-rate-limit): one budget per client address and one per API key, both
 * per minute, each answering 429 MOD_ERR_RATE_LIMITED with `Retry-After`. The per-key budget
 * follows a key across addresses (several site servers sharing one ingest key); the per-client
 * one covers unauthenticated routes (`POST /v1/score`, `comments:analyze`).
 */
import { createHash } from 'crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ModeratoError } from '../errors';
import type { ServerMetrics } from './metrics';

const WINDOW_MS = 60_000;

/** The API key a request carries (Bearer header or Perspective's `?key=`), hashed; undefined without one. */
function keyOf(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '');
  const q = (req.query as Record<string, unknown> | undefined)?.key;
  const key = m?.[1] ?? (typeof q === 'string' && q !== '' ? q : undefined);
  return key === undefined ? undefined : createHash('sha256').update(key).digest('hex');
}

function limiter(limit: number, what: string, metrics: ServerMetrics | undefined, keyGenerator?: (req: Request) => string, skip?: (req: Request) => boolean): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    ...(skip ? { skip } : {}),
    handler(req: Request, res: Response, next: NextFunction) {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + WINDOW_MS) - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      metrics?.rejected.inc({ reason: 'rate_limited' });
      next(new ModeratoError('MOD_ERR_RATE_LIMITED', `More than ${limit} requests a minute ${what}; retry in ${seconds} s`, { limit, windowSeconds: WINDOW_MS / 1000, retryAfterSeconds: seconds }));
    },
  });
}

/** The two limiters, as middleware for the API routes (a limit of 0 turns one off). */
export function rateLimits(opts: { perClient: number; perKey: number; metrics?: ServerMetrics }): RequestHandler[] {
  const out: RequestHandler[] = [];
  if (opts.perClient > 0) out.push(limiter(opts.perClient, 'from this client', opts.metrics));
  if (opts.perKey > 0) out.push(limiter(opts.perKey, 'with this API key', opts.metrics, (req) => keyOf(req) ?? '', (req) => keyOf(req) === undefined));
  return out;
}
