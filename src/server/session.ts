/**
 * Browser sessions for the moderator's page. The page signs in once with an API key
 * (`POST /v1/session`); the server answers an HttpOnly, SameSite=Strict cookie holding a random
 * session secret, so the key never sits in the page's storage, a URL or a log line. The store
 * keeps only the secret's SHA-256, joined to its key: revoking the key ends every session of it
 * at once, and signing out deletes the row.
 *
 * CSRF: SameSite=Strict already keeps the cookie off cross-site requests; on top of that every
 * state-changing request made with the cookie must carry `X-CSRF-Token` (derived from the
 * session secret, which a script on another origin cannot read) and, when the browser sends an
 * `Origin`, come from this server's own origin.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import { ModeratoError } from '../errors';
import type { ApiKeyRecord, QueueStore, SessionRecord } from '../queue';

/** The cookie's name. */
export const SESSION_COOKIE = 'moderato_session';
/** The header a cookie-authenticated state-changing request must carry. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The CSRF token of a session: a hash of its secret, so nothing more needs storing. */
export function csrfTokenFor(secret: string): string {
  return sha256(`csrf\0${secret}`);
}

/** A signed-in session as the API answers it: who, until when, and the CSRF token for writes. */
export interface SessionView {
  signedIn: true;
  key: { id: string; name: string | null; role: ApiKeyRecord['role'] };
  expiresAt: string;
  csrfToken: string;
}

/**
 * `GET /v1/session` without a valid session: an answer, not a 401. The page asks on every load,
 * before anyone has signed in, and a 401 there was a console error on every first load.
 */
export interface SignedOutView {
  signedIn: false;
}

/** The session's public view. */
export function sessionView(s: SessionRecord, secret: string): SessionView {
  return { signedIn: true, key: { id: s.key.id, name: s.key.name, role: s.key.role }, expiresAt: s.expiresAt, csrfToken: csrfTokenFor(secret) };
}

/** Creates a session for `key` lasting `hours`; answers its secret (for the cookie) and record. */
export async function startSession(store: QueueStore, key: ApiKeyRecord, hours: number): Promise<{ secret: string; session: SessionRecord }> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + hours * 3600_000);
  await store.createSession({ tokenHash: sha256(secret), keyId: key.id, expiresAt });
  return { secret, session: { key, expiresAt: expiresAt.toISOString(), createdAt: new Date().toISOString() } };
}

/** Ends the session whose secret is `secret`. */
export function endSession(store: QueueStore, secret: string): Promise<boolean> {
  return store.deleteSession(sha256(secret));
}

/** The `Set-Cookie` value for a session (or, with `secret` null, one that clears it). `Secure` when the request came over HTTPS. */
export function sessionCookie(secret: string | null, expiresAt: Date, secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, secret ?? '', {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    expires: secret === null ? new Date(0) : expiresAt,
  });
}

/** The session secret from the request's cookie, or null. */
export function sessionSecret(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  const v = parseCookie(header)[SESSION_COOKIE];
  return v && /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : null;
}

/** True when the request's `Origin` (if any) is this server's own. */
function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Checks a cookie-authenticated request: answers the session with its secret, or null when
 * the request has no session cookie. Throws MOD_ERR_UNAUTHORIZED for an unknown, expired or
 * revoked session and MOD_ERR_CSRF for a write without the right token or from another origin.
 */
export async function authenticateSession(store: QueueStore, req: Request): Promise<{ session: SessionRecord; secret: string } | null> {
  const secret = sessionSecret(req);
  if (!secret) return null;
  const session = await store.findSession(sha256(secret));
  if (!session) throw new ModeratoError('MOD_ERR_UNAUTHORIZED', 'The session has expired, was signed out, or its key was revoked: sign in again');
  if (!SAFE_METHODS.has(req.method)) {
    if (!sameOrigin(req)) throw new ModeratoError('MOD_ERR_CSRF', `Cross-origin request from ${String(req.headers.origin)} refused`);
    const sent = req.get(CSRF_HEADER) ?? '';
    const want = csrfTokenFor(secret);
    if (sent.length !== want.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(want))) {
      throw new ModeratoError('MOD_ERR_CSRF', `A request signed in by the session cookie must send the session's ${CSRF_HEADER} header`);
    }
  }
  return { session, secret };
}

/** Checks that a sign-in request comes from this server's own page (login CSRF). */
export function requireSameOrigin(req: Request): void {
  if (!sameOrigin(req)) throw new ModeratoError('MOD_ERR_CSRF', `Cross-origin request from ${String(req.headers.origin)} refused`);
}
