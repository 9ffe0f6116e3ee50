/**
 * Ingest: score new comments in their thread's context, apply the policy, store them. Ids already
 * stored are answered as stored without scoring again, so a client's retry is cheap and harmless.
 */
import { ModeratoError } from '../errors';
import type { SiteAdapter } from '../adapt/types';
import type { Scorer, ScorerRequest, ScorerResult } from '../scorer';
import type { Article, CommentInput } from '../types';
import { DEFAULT_AUDIT_SHARE, classify, heldReasons, inAuditSample, resolveWithScopes } from './policy';
import { DEFAULT_SITE, type NewComment, type QueueStore, type StoredComment } from './types';

/** Where ingest finds a site's active adapter (src/queue/adapters.ts caches them). */
export interface AdapterSource {
  adapterFor(siteId: string): Promise<SiteAdapter | null>;
}

/**
 * How many of a thread's latest stored comments are scored along with a new one as its context
 * (plus its parent when that is older). Each costs a model pass, so this bounds ingest cost; the
 * off-topic model's flat-thread rule looks back three comments, so five covers it.
 */
export const THREAD_CONTEXT = 5;

/** One comment to ingest. Fields beyond the known ones travel as `metadata`. */
export interface IngestInput {
  id: string;
  text: string;
  threadId?: string;
  parentId?: string | null;
  author?: string;
  siteId?: string;
  article?: Article;
  metadata?: Record<string, unknown> | null;
}

/** The answer for one ingested comment. */
export interface IngestItem {
  comment: StoredComment;
  created: boolean;
}

/**
 * Scores what is new among `comments` (`getScorer` is called only then, so retries need no model), classifies it with the current policy, stores it, and
 * answers every comment in input order (the stored version, with its current status).
 * Comments of one thread are scored together with the thread's latest stored comments, so
 * off-topic and drift see the conversation even when a site sends one reply at a time; the
 * article is the request's, else the comment's, else the one stored with the thread.
 */
export async function ingestComments(
  store: QueueStore,
  getScorer: () => Scorer,
  req: { comments: IngestInput[]; article?: Article; siteId?: string },
  opts: { adapters?: AdapterSource } = {},
): Promise<IngestItem[]> {
  const ids = req.comments.map((c) => c.id);
  const stored0 = await store.getComments(ids);
  assertSameText(req.comments, stored0);
  const known = new Set(stored0.map((c) => c.id));
  const fresh = req.comments.filter((c) => !known.has(c.id));
  if (fresh.length === 0) return (await store.getComments(ids)).sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id)).map((comment) => ({ comment, created: false }));
  const scorer = getScorer();
  // The fast mode has no sentence vector: nothing to store for refits, no adapter to apply.
  const adapting = scorer.info.mode === 'accurate';
  // Each site's comments are scored with that site's active adapter.
  const bySite = new Map<string, number[]>();
  fresh.forEach((c, i) => {
    const site = c.siteId ?? req.siteId ?? DEFAULT_SITE;
    bySite.set(site, [...(bySite.get(site) ?? []), i]);
  });
  const results: ScorerResult[] = new Array(fresh.length);
  for (const [site, idx] of bySite) {
    const adapter = adapting && opts.adapters ? await opts.adapters.adapterFor(site) : null;
    const rs = await scoreInContext(store, scorer, idx.map((i) => fresh[i]!), req.article, adapting, adapter);
    idx.forEach((i, k) => (results[i] = rs[k]!));
  }
  const policy = await store.getPolicy();
  const auditShare = policy?.policy.auditShare ?? DEFAULT_AUDIT_SHARE;
  const records: NewComment[] = fresh.map((c, i) => {
    const { features, ...result } = results[i]!;
    const siteId = c.siteId ?? req.siteId ?? null;
    const applied = resolveWithScopes(policy?.policy ?? null, scorer.thresholds, { siteId, threadId: c.threadId });
    const cls = classify(result, applied.values);
    const audit = cls.status === 'published' && inAuditSample(c.id, auditShare);
    return {
      id: c.id, text: c.text, threadId: c.threadId ?? null, parentId: c.parentId ?? null, author: c.author ?? null, siteId,
      article: c.article ?? req.article ?? null, metadata: c.metadata && Object.keys(c.metadata).length ? c.metadata : null,
      // The stored reasons are the policy's (thresholds and scopes it applied), not the scorer's defaults.
      result: { ...result, reasons: heldReasons(result, applied) }, status: audit ? 'pending' : cls.status, category: cls.category, score: cls.score, audit, features: features ?? null,
      model: { name: scorer.info.name, version: scorer.info.version }, policyVersion: policy?.version ?? null,
    };
  });
  const stored = new Map((await store.ingest(records)).map((o) => [o.comment.id, o]));
  // A concurrent request may have stored one of these ids first, with another text.
  assertSameText(fresh, [...stored.values()].filter((o) => !o.created).map((o) => o.comment));
  // Known ids are read after the insert, so the answer shows any decision made since.
  const previous = new Map((await store.getComments([...known])).map((c) => [c.id, c]));
  return ids.map((id) => stored.get(id) ?? { comment: previous.get(id)!, created: false });
}

/**
 * Re-sending an id is a retry, answered as stored; re-sending it with another text is a client
 * bug that would otherwise silently keep the old text: MOD_ERR_CONFLICT (409) naming the ids.
 */
function assertSameText(sent: IngestInput[], stored: StoredComment[]): void {
  const byId = new Map(stored.map((c) => [c.id, c]));
  const differ = sent.filter((c) => byId.has(c.id) && byId.get(c.id)!.text !== c.text).map((c) => c.id);
  if (differ.length) {
    throw new ModeratoError('MOD_ERR_CONFLICT', `Comment ${differ.map((id) => `"${id}"`).join(', ')} is already stored with a different text; a new text needs a new id`, { ids: differ });
  }
}

/** Scores `fresh` (in order): one scorer call per thread (with its stored context), one for all thread-less comments. */
async function scoreInContext(store: QueueStore, scorer: Scorer, fresh: IngestInput[], article: Article | undefined, adapting: boolean, adapter: SiteAdapter | null): Promise<ScorerResult[]> {
  const out: ScorerResult[] = new Array(fresh.length);
  const score = (r: ScorerRequest): Promise<ScorerResult[]> => scorer.score(adapting ? { ...r, withFeatures: true, adapter } : r);
  const threads = new Map<string, number[]>();
  const solo: number[] = [];
  fresh.forEach((c, i) => (c.threadId ? threads.set(c.threadId, [...(threads.get(c.threadId) ?? []), i]) : solo.push(i)));
  const toInput = (c: { id: string; text: string; parentId?: string | null; threadId?: string | null; author?: string | null }): CommentInput => ({
    id: c.id, text: c.text, parentId: c.parentId ?? undefined, threadId: c.threadId ?? undefined, author: c.author ?? undefined,
  });
  // Thread-less comments are independent: each is judged against the request's article, else its own.
  const byArticle = new Map<string, number[]>();
  for (const i of solo) {
    const key = JSON.stringify(article ?? fresh[i]!.article ?? null);
    byArticle.set(key, [...(byArticle.get(key) ?? []), i]);
  }
  for (const group of byArticle.values()) {
    const rs = await score({ comments: group.map((i) => toInput(fresh[i]!)), article: article ?? fresh[group[0]!]!.article, independent: true });
    group.forEach((i, k) => (out[i] = rs[k]!));
  }
  for (const [threadId, idx] of threads) {
    const own = idx.map((i) => fresh[i]!);
    const context = await store.threadComments(threadId, THREAD_CONTEXT);
    // A reply's parent is its most relevant context even when it is older than the latest few.
    const have = new Set([...context.map((c) => c.id), ...own.map((c) => c.id)]);
    const parents = [...new Set(own.map((c) => c.parentId).filter((p): p is string => !!p && !have.has(p)))];
    if (parents.length) context.unshift(...(await store.getComments(parents)).filter((p) => p.threadId === threadId).sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
    const threadArticle = article ?? own.map((c) => c.article).find(Boolean) ?? [...context].reverse().map((c) => c.article).find(Boolean) ?? undefined;
    // Stored comments are context for off-topic only: they keep the scores they were stored with.
    const rs = await score({ comments: own.map(toInput), context: context.map(toInput), article: threadArticle });
    idx.forEach((i, k) => (out[i] = rs[k]!));
  }
  return out;
}
