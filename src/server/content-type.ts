import type { NextFunction, Request, Response } from 'express';
import { ModeratoError } from '../errors';

/** Rejects bodies that are not JSON with 415 (only for methods that carry a body). */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.headers['content-length'] !== '0' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  if ((req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && hasBody && !req.is('application/json')) {
    next(new ModeratoError('MOD_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${req.headers['content-type'] ?? 'none'}"`));
    return;
  }
  next();
}
