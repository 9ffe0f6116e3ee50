/**
 * CORS and OPTIONS. Browsers may call the API only from the origins in MODERATO_CORS_ORIGINS
 * (default none; `*` for any): for those, preflights answer 204 with the `Access-Control-*`
 * headers (cors). Every other OPTIONS request answers 204 with `Allow` listing the path's
 * methods, or 404 for a path that does not exist: never Express's text/plain default.
 */
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ModeratoError } from '../errors';
import { methodsForPath } from './routes-table';

/** Middleware: CORS for the allowed origins, then OPTIONS answered from the route table. */
export function corsAndOptions(origins: string[]): RequestHandler[] {
  const out: RequestHandler[] = [];
  if (origins.length) {
    out.push(cors({
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id', 'X-CSRF-Token'],
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed'],
      maxAge: 600,
    }));
  }
  out.push((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    const methods = methodsForPath(req.path);
    if (!methods.length) {
      next(new ModeratoError('MOD_ERR_NOT_FOUND', `No route ${req.path}`));
      return;
    }
    res.setHeader('Allow', [...methods, 'OPTIONS'].join(', '));
    res.status(204).end();
  });
  return out;
}
