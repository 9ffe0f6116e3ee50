/**
 * API key authentication: `Authorization: Bearer KEY`, keys looked up by their SHA-256 in the
 * queue store. Roles are `ingest`, `moderator`, `admin`; an admin key satisfies every role check
 * (one key can run a small site end to end). No key or an unknown/revoked key is a 401; a key
 * whose role is not allowed is a 403.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ModeratoError } from '../errors';
import { hashApiKey, type Actor, type ApiKeyRecord, type Role } from '../queue';
import { requireStore, type AppDeps } from './context';
import { authenticateSession } from './session';


/**
 * Reads and checks the bearer key, or else the moderator page's session cookie (src/server/session.ts,
 * which also enforces CSRF on writes); throws MOD_ERR_UNAUTHORIZED when neither is valid.
 */
export async function authenticate(deps: AppDeps, req: Request): Promise<ApiKeyRecord> {
  const header = req.headers.authorization;
  if (!header && deps.store) {
    const s = await authenticateSession(deps.store, req);
    if (s) return s.session.key;
  }
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', header ? 'Authorization must be "Bearer KEY"' : 'An API key is required (Authorization: Bearer KEY)');
  const key = await requireStore(deps).findApiKey(hashApiKey(m[1]!));
  if (!key) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'Unknown or revoked API key');
  return key;
}

/** Middleware: lets the request through when its key has one of `roles` (or is admin); sets `res.locals.apiKey`. */
export function requireRole(deps: AppDeps, ...roles: Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    authenticate(deps, req)
      .then((key) => {
        if (key.role !== 'admin' && !roles.includes(key.role)) {
          throw new ModeratoError('MOD_ERR_FORBIDDEN', `This action needs role ${roles.join(' or ')}; the key has role ${key.role}`, { required: roles, role: key.role });
        }
        res.locals.apiKey = key;
        next();
      })
      .catch((err: unknown) => {
        if (err instanceof ModeratoError && err.code === 'MOD_ERR_UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer realm="moderato"');
        next(err);
      });
  };
}

/** Middleware for `POST /v1/score`: any valid key when `config.scoreRequiresKey`, else open. Read per request so tests and reloads can flip it. */
export function scoreAuth(deps: AppDeps): RequestHandler {
  const check = requireRole(deps, 'ingest', 'moderator', 'admin');
  return (req, res, next) => {
    if (!deps.config.scoreRequiresKey) {
      next();
      return;
    }
    check(req, res, next);
  };
}

/** The authenticated caller as the store records it (set by {@link requireRole}). */
export function actorOf(res: Response): Actor {
  const key = res.locals.apiKey as ApiKeyRecord | undefined;
  if (!key) throw new ModeratoError('MOD_ERR_INTERNAL', 'Route without requireRole');
  return { id: key.id, name: key.name };
}
