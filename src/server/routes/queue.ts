/**
 * The moderation queue over HTTP (docs/queue.md): ingest, list, claim, decide, look up, stats,
 * and the run-time policy. Thin: validation here, rules in src/queue.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ModeratoError } from '../../errors';
import { COMMENT_STATUSES, DECISION_ACTIONS, QUEUE_SORTS, ingestComments, parsePolicy, type StoredComment } from '../../queue';
import { CATEGORIES } from '../../types';
import { requireScorer, requireStore, type AppDeps } from '../context';
import { actorOf, requireRole } from '../auth';
import { LIMITS } from '../../limits';
import { ArticleSchema, CommentSchema, SiteIdSchema, uniqueIds } from '../schemas';
import { validate } from '../validate';

const Id = z.string().min(1).max(LIMITS.maxIdLength);

/** One ingested comment: the score API's comment plus `siteId`; any other field is kept as metadata. */
export const IngestCommentSchema = CommentSchema.extend({ siteId: SiteIdSchema.optional(), article: ArticleSchema.optional() }).loose();
const KNOWN_FIELDS = new Set(['id', 'text', 'parentId', 'threadId', 'author', 'siteId', 'article']);

/** `POST /v1/comments`: either one comment or `{"comments":[...]}`, each with optional article context. */
export const IngestBatchSchema = z.strictObject({
  comments: z
    .array(IngestCommentSchema)
    .min(1)
    .max(LIMITS.maxComments)
    .superRefine(uniqueIds),
  article: ArticleSchema.optional(),
  siteId: SiteIdSchema.optional(),
});

const HOLD_CATEGORIES = [...CATEGORIES, 'toxicity', 'off_topic'] as const;

/** `GET /v1/queue` query; unknown parameters are a 400 so typos do not silently list everything. */
export const QueueQuerySchema = z.strictObject({
  status: z.enum([...COMMENT_STATUSES, 'all']).optional(),
  category: z.enum(HOLD_CATEGORIES).optional(),
  threadId: Id.optional(),
  /** Alias of threadId. */
  thread: Id.optional(),
  siteId: Id.optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
  minOffTopic: z.coerce.number().min(0).max(1).optional(),
  sort: z.enum(QUEUE_SORTS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const ClaimSchema = z.strictObject({
  limit: z.number().int().min(1).max(100).default(10),
  status: z.enum(['pending', 'escalated']).optional(),
});

export const ReleaseSchema = z.strictObject({ ids: z.array(Id).max(100).optional() });

/** A moderator's reason: a category, `toxicity` or `off_topic` (with approve/reject, it labels the comment for its site's adapter). */
const DecisionCategory = z.enum(['toxicity', ...CATEGORIES, 'off_topic']);

export const DecisionSchema = z.strictObject({
  action: z.enum(DECISION_ACTIONS),
  category: DecisionCategory.optional(),
  note: z.string().max(2000).optional(),
  redactedText: z.string().max(LIMITS.maxTextLength).optional(),
});

const IdempotencyKeySchema = z.string().min(1).max(200).optional();

/** The ingest answer for one comment: enough for the site to publish or hold it. */
function ingestView(c: StoredComment, created: boolean) {
  return { id: c.id, created, status: c.status, category: c.category, audit: c.audit, score: c.score, offTopic: c.offTopic, scores: c.scores, spans: c.spans, adapter: c.adapter, createdAt: c.createdAt };
}

/** Mounts the queue routes. Each route names the roles it allows (admin always passes). */
export function queueRouter(deps: AppDeps): Router {
  const router = Router();
  const ingest = requireRole(deps, 'ingest');
  const moderator = requireRole(deps, 'moderator');
  const admin = requireRole(deps, 'admin');

  router.post(
    '/v1/comments',
    ingest,
    async (req, res) => {
      const raw = req.body as unknown;
      const batch = raw && typeof raw === 'object' && !Array.isArray(raw) && 'comments' in raw
        ? validate(IngestBatchSchema, raw)
        : (() => {
            const one = validate(IngestCommentSchema, raw);
            return { comments: [one], article: one.article, siteId: undefined };
          })();
      const store = requireStore(deps);
      // The scorer is asked for only when something is new: retries are answered even while the model loads.
      const out = await ingestComments(store, () => requireScorer(deps), {
        article: batch.article,
        siteId: batch.siteId,
        comments: batch.comments.map((c) => ({
          id: c.id, text: c.text, threadId: c.threadId, parentId: c.parentId, author: c.author, siteId: c.siteId, article: c.article,
          metadata: Object.fromEntries(Object.entries(c).filter(([k]) => !KNOWN_FIELDS.has(k))),
        })),
      }, { adapters: deps.adaptation });
      const items = out.map((o) => ingestView(o.comment, o.created));
      res.status(items.some((i) => i.created) ? 201 : 200).json({ items });
    },
  );

  router.get(
    '/v1/comments/:id',
    requireRole(deps, 'ingest', 'moderator'),
    async (req, res) => {
      const id = String(req.params.id);
      const c = await requireStore(deps).getComment(id);
      if (!c) throw new ModeratoError('MOD_ERR_NOT_FOUND', `No comment with id "${id}"`);
      res.json(c);
    },
  );

  router.post(
    '/v1/comments/:id/decision',
    moderator,
    async (req, res) => {
      const body = validate(DecisionSchema, req.body ?? {});
      const key = validate(IdempotencyKeySchema, req.get('idempotency-key'), 'Idempotency-Key header');
      const out = await requireStore(deps).decide({ commentId: String(req.params.id), action: body.action, category: body.category, note: body.note, redactedText: body.redactedText, moderator: actorOf(res), idempotencyKey: key });
      if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
      // A new label may make the site's refit due; the fit runs in its own thread, after this answer.
      else if (body.action !== 'escalate') void deps.adaptation?.afterDecision(out.comment.siteId);
      res.json({ decision: out.decision, comment: { id: out.comment.id, status: out.comment.status, redactedText: out.comment.redactedText }, replayed: out.replayed });
    },
  );

  router.get(
    '/v1/queue',
    moderator,
    async (req, res) => {
      const { thread, ...q } = validate(QueueQuerySchema, req.query, 'query');
      res.json(await requireStore(deps).listQueue({ ...q, threadId: q.threadId ?? thread }));
    },
  );

  router.post(
    '/v1/queue/claim',
    moderator,
    async (req, res) => {
      const body = validate(ClaimSchema, req.body ?? {});
      const items = await requireStore(deps).claim({ moderator: actorOf(res), limit: body.limit, leaseSeconds: deps.config.leaseSeconds, status: body.status });
      res.json({ items, leaseSeconds: deps.config.leaseSeconds });
    },
  );

  router.post(
    '/v1/queue/release',
    moderator,
    async (req, res) => {
      const body = validate(ReleaseSchema, req.body ?? {});
      res.json({ released: await requireStore(deps).release(actorOf(res), body.ids) });
    },
  );

  router.get(
    '/v1/stats',
    moderator,
    async (_req, res) => {
      res.json(await requireStore(deps).stats());
    },
  );

  router.get(
    '/v1/policy',
    moderator,
    async (_req, res) => {
      const p = await requireStore(deps).getPolicy();
      res.json(p ?? { version: 0, policy: { thresholds: {} }, changedBy: null, source: 'default', changedAt: null });
    },
  );

  router.put(
    '/v1/policy',
    admin,
    async (req, res) => {
      const policy = parsePolicy(req.body);
      const who = actorOf(res);
      res.json(await requireStore(deps).setPolicy(policy, { changedBy: who.name ? `${who.name} (${who.id})` : who.id, source: 'api' }));
    },
  );

  router.get(
    '/v1/policy/history',
    admin,
    async (_req, res) => {
      res.json({ items: await requireStore(deps).policyHistory() });
    },
  );

  return router;
}
