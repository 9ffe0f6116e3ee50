/**
 * Sign-in for the moderator's page: `POST /v1/session` trades a moderator or admin API key (in
 * the JSON body, never a URL) for a session cookie; `GET` answers who is signed in and the CSRF
 * token (or `{"signedIn": false}`); `DELETE` signs out. The rules live in src/server/session.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { isModeratoError, ModeratoError } from '../../errors';
import { hashApiKey } from '../../queue';
import { requireStore, type AppDeps } from '../context';
import { authenticateSession, endSession, requireSameOrigin, sessionCookie, sessionView, startSession, type SignedOutView } from '../session';
import { validate } from '../validate';

export const SignInSchema = z.strictObject({ key: z.string().min(1).max(200) });

/** Mounts `/v1/session`. */
export function sessionRouter(deps: AppDeps): Router {
  const router = Router();

  router.post('/v1/session', async (req, res) => {
    requireSameOrigin(req);
    const { key } = validate(SignInSchema, req.body ?? {});
    const store = requireStore(deps);
    const record = await store.findApiKey(hashApiKey(key));
    if (!record) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'Unknown or revoked API key');
    if (record.role !== 'moderator' && record.role !== 'admin') {
      throw new ModeratoError('MOD_ERR_FORBIDDEN', `The moderator's page needs a moderator or admin key; this key has role ${record.role}`, { required: ['moderator', 'admin'], role: record.role });
    }
    const { secret, session } = await startSession(store, record, deps.config.sessionHours);
    res.setHeader('Set-Cookie', sessionCookie(secret, new Date(session.expiresAt), req.secure));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(sessionView(session, secret));
  });

  router.get('/v1/session', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let s: Awaited<ReturnType<typeof authenticateSession>>;
    try {
      s = await authenticateSession(requireStore(deps), req);
    } catch (e) {
      if (!isModeratoError(e) || e.code !== 'MOD_ERR_UNAUTHORIZED') throw e;
      // A cookie that no longer signs in (expired, signed out, key revoked) is cleared.
      res.setHeader('Set-Cookie', sessionCookie(null, new Date(0), req.secure));
      s = null;
    }
    if (!s) {
      res.json({ signedIn: false } satisfies SignedOutView);
      return;
    }
    res.json(sessionView(s.session, s.secret));
  });

  router.delete('/v1/session', async (req, res) => {
    const s = await authenticateSession(requireStore(deps), req);
    if (s) await endSession(requireStore(deps), s.secret);
    res.setHeader('Set-Cookie', sessionCookie(null, new Date(0), req.secure));
    res.json({ signedOut: s !== null });
  });

  return router;
}
