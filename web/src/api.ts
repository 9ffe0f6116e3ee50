/**
 * The page's one way to the server: same-origin fetch with the session cookie, the CSRF header on
 * every write, and the server's error body turned into an {@link ApiError}.
 */
export type {
  Activity, CommentStatus, CommentWithHistory, Decision, DecisionAction, PolicyVersion, QueuePage, Stats, StoredComment,
} from '../../src/queue/types';
export type { Policy, PolicyThresholds } from '../../src/queue/policy';
export type { PolicyPreview } from '../../src/queue/preview';
export type { SessionView, SignedOutView } from '../../src/server/session';
import type { SessionView } from '../../src/server/session';

/** An error answered by the API: its registry code (README "Errors") and message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

/** Remembers the session's CSRF token (in memory only) and what to do when the session ends. */
export function bindSession(s: SessionView | null, signedOut: () => void): void {
  csrfToken = s?.csrfToken ?? '';
  onSignedOut = signedOut;
}

/** Calls the API; `keepalive` lets a decision still go out while the page unloads. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, opts: { headers?: Record<string, string>; keepalive?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', keepalive: opts.keepalive });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && path !== '/v1/session') onSignedOut();
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** A query string from the set values of `params`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
