/**
 * Every HTTP route in one table: what OPTIONS answers (`Allow`) and what the OpenAPI document
 * (src/server/openapi.ts) describes. A test walks the app's router and checks each route is here.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../errors';
import { AnalyzeCommentRequestSchema, SuggestCommentScoreRequestSchema } from '../perspective/schema';
import { PolicySchema } from '../queue';
import { ClaimSchema, DecisionSchema, IngestBatchSchema, IngestCommentSchema, QueueQuerySchema, ReleaseSchema } from './routes/queue';
import { ScoreRequestSchema } from './schemas';
import { ActivityQuerySchema } from './routes/moderate';
import { SignInSchema } from './routes/session';
import { ActivateSchema } from './routes/adapt';

/** One route. `path` is in OpenAPI form (`/v1/comments/{id}`). */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  /** Roles whose key is accepted (`none`: no key; `optional`: only when MODERATO_SCORE_REQUIRES_KEY). */
  auth: 'none' | 'optional' | 'ingest' | 'moderator' | 'admin' | 'ingest or moderator' | 'any key' | 'session' | 'optional session';
  body?: z.ZodType;
  query?: z.ZodType;
  /** Error codes the route can answer, beyond those every API route can (see COMMON_ERRORS). */
  errors: ErrorCode[];
}

/** Codes any API route (not the probes) can answer. */
export const COMMON_ERRORS: ErrorCode[] = ['MOD_ERR_VALIDATION', 'MOD_ERR_MALFORMED_JSON', 'MOD_ERR_UNSUPPORTED_MEDIA_TYPE', 'MOD_ERR_PAYLOAD_TOO_LARGE', 'MOD_ERR_RATE_LIMITED', 'MOD_ERR_INTERNAL'];

const AUTH: ErrorCode[] = ['MOD_ERR_UNAUTHORIZED', 'MOD_ERR_FORBIDDEN', 'MOD_ERR_CSRF'];
const SCORING: ErrorCode[] = ['MOD_ERR_NOT_READY', 'MOD_ERR_OVERLOADED', 'MOD_ERR_MODEL'];

/** The routes, in the order of the README. */
export const ROUTES: RouteSpec[] = [
  { method: 'get', path: '/', summary: 'Landing page (HTML) linking to the moderator\'s page', auth: 'none', errors: [] },
  { method: 'get', path: '/favicon.ico', summary: 'The icon (SVG, as browsers ask for it whatever the page links)', auth: 'none', errors: [] },
  { method: 'get', path: '/moderate', summary: "The moderator's page (HTML; its assets under /moderate/assets/)", auth: 'none', errors: ['MOD_ERR_CONFIG'] },
  { method: 'get', path: '/healthz', summary: 'Liveness: 200 while the process runs', auth: 'none', errors: [] },
  { method: 'get', path: '/readyz', summary: 'Readiness: 200 with the model identity and the modes a request may ask for (`model.modes`) once loaded, 503 before', auth: 'none', errors: ['MOD_ERR_NOT_READY', 'MOD_ERR_MODEL'] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (text exposition format)', auth: 'none', errors: [] },
  { method: 'get', path: '/openapi.json', summary: 'This OpenAPI 3.1 document', auth: 'none', errors: [] },
  { method: 'post', path: '/v1/score', summary: 'Score the comments of one thread (optionally against its article), in the server\'s mode or the one `mode` asks for', auth: 'optional', body: ScoreRequestSchema, errors: [...AUTH, ...SCORING, 'MOD_ERR_MODE_UNAVAILABLE'] },
  { method: 'post', path: '/v1/comments', summary: 'Ingest comments into the moderation queue (one comment or {"comments":[...]})', auth: 'ingest', body: IngestBatchSchema.or(IngestCommentSchema), errors: [...AUTH, ...SCORING, 'MOD_ERR_CONFLICT'] },
  { method: 'get', path: '/v1/comments/{id}', summary: 'A stored comment with scores, spans, status and decision history', auth: 'ingest or moderator', errors: [...AUTH, 'MOD_ERR_NOT_FOUND'] },
  { method: 'post', path: '/v1/comments/{id}/decision', summary: 'Decide a queued comment (approve, reject, escalate); Idempotency-Key header', auth: 'moderator', body: DecisionSchema, errors: [...AUTH, 'MOD_ERR_NOT_FOUND', 'MOD_ERR_CONFLICT'] },
  { method: 'get', path: '/v1/queue', summary: 'List queue items with filters, sorted by age or score', auth: 'moderator', query: QueueQuerySchema, errors: AUTH },
  { method: 'post', path: '/v1/queue/claim', summary: 'Lease up to N items to the caller', auth: 'moderator', body: ClaimSchema, errors: AUTH },
  { method: 'post', path: '/v1/queue/release', summary: "Give the caller's leases back", auth: 'moderator', body: ReleaseSchema, errors: AUTH },
  { method: 'get', path: '/v1/stats', summary: 'Counts by status and category', auth: 'moderator', errors: AUTH },
  { method: 'get', path: '/v1/policy', summary: 'The current queue policy', auth: 'moderator', errors: AUTH },
  { method: 'put', path: '/v1/policy', summary: 'Replace the queue policy (audited)', auth: 'admin', body: PolicySchema, errors: AUTH },
  { method: 'get', path: '/v1/policy/history', summary: 'Every policy change, who and when', auth: 'admin', errors: AUTH },
  { method: 'post', path: '/v1/session', summary: "Sign in to the moderator's page with a moderator or admin key (sets an HttpOnly session cookie)", auth: 'none', body: SignInSchema, errors: AUTH },
  { method: 'get', path: '/v1/session', summary: 'Who is signed in (cookie): {"signedIn":true, key, expiresAt, csrfToken}, or {"signedIn":false} (200: the page asks before anyone signs in; a stale cookie is cleared)', auth: 'optional session', errors: [] },
  { method: 'delete', path: '/v1/session', summary: 'Sign out (cookie; X-CSRF-Token header)', auth: 'session', errors: ['MOD_ERR_UNAUTHORIZED', 'MOD_ERR_CSRF'] },
  { method: 'get', path: '/v1/comments/{id}/context', summary: 'The parent comment and the author\'s other comments in the thread', auth: 'moderator', errors: [...AUTH, 'MOD_ERR_NOT_FOUND'] },
  { method: 'get', path: '/v1/stats/activity', summary: 'Held and decided comments over time, decisions per moderator', auth: 'moderator', query: ActivityQuerySchema, errors: AUTH },
  { method: 'post', path: '/v1/policy/preview', summary: 'How many pending and published comments a policy would hold or release', auth: 'admin', body: PolicySchema, errors: [...AUTH, ...SCORING] },
  { method: 'get', path: '/v1/adapt/sites', summary: 'Sites with labelled decisions or adapters: labels, active version, versions', auth: 'admin', errors: [...AUTH, 'MOD_ERR_CONFIG'] },
  { method: 'get', path: '/v1/adapt/sites/{siteId}', summary: "A site's adapter versions with their reports (decisions, base vs adapted AUC, learning curve, suggested threshold)", auth: 'admin', errors: [...AUTH, 'MOD_ERR_CONFIG'] },
  { method: 'post', path: '/v1/adapt/sites/{siteId}/fit', summary: "Fit the site's adapter now (in a worker thread); stored as the next version, activated only when it beats the base", auth: 'admin', errors: [...AUTH, 'MOD_ERR_CONFIG'] },
  { method: 'post', path: '/v1/adapt/sites/{siteId}/activate', summary: 'Activate a version of the site\'s adapter (roll back or forward), or none with {"version":null}', auth: 'admin', body: ActivateSchema, errors: [...AUTH, 'MOD_ERR_NOT_FOUND', 'MOD_ERR_CONFIG'] },
  { method: 'post', path: '/v1alpha1/comments:analyze', summary: 'Perspective API AnalyzeComment (errors in Google\'s shape)', auth: 'optional', body: AnalyzeCommentRequestSchema, errors: [...AUTH, ...SCORING, 'MOD_ERR_UNKNOWN_ATTRIBUTE', 'MOD_ERR_UNSUPPORTED_LANGUAGE', 'MOD_ERR_METHOD_NOT_ALLOWED'] },
  { method: 'post', path: '/v1alpha1/comments:suggestscore', summary: 'Perspective API SuggestCommentScore (errors in Google\'s shape)', auth: 'any key', body: SuggestCommentScoreRequestSchema, errors: [...AUTH, 'MOD_ERR_FEEDBACK_UNAVAILABLE', 'MOD_ERR_METHOD_NOT_ALLOWED'] },
  { method: 'get', path: '/$discovery/rest', summary: "Perspective's discovery document (Google client libraries load it first)", auth: 'none', errors: ['MOD_ERR_NOT_FOUND'] },
];

function matcher(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}
const MATCHERS = ROUTES.map((r) => ({ re: matcher(r.path), method: r.method.toUpperCase() }));

/** The methods the table allows on `path` (a request path; `%3A` counts as `:`), HEAD with GET. */
export function methodsForPath(path: string): string[] {
  const p = path.replace(/%3a/gi, ':');
  const methods = new Set<string>();
  for (const m of MATCHERS) {
    if (!m.re.test(p)) continue;
    methods.add(m.method);
    if (m.method === 'GET') methods.add('HEAD');
  }
  return [...methods];
}
