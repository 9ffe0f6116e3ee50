/**
 * The queue policy: which scored comments are published at once and which are held for a
 * moderator. Thresholds per category, overridable per site and per thread.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { CATEGORIES, type Category, type ScoreResult } from '../types';

/** Why a comment is held: a toxicity category, `toxicity` alone, or `off_topic` (types.ts re-exports it). */
export type HoldCategory = Category | 'toxicity' | 'off_topic';

/** A threshold is 0..1 (hold when the score is `>=` it) or null (never hold for this score). */
const Threshold = z.number().min(0).max(1).nullable().optional();

/** Thresholds of one scope. A key left out falls back to the enclosing scope. */
export const PolicyThresholdsSchema = z.strictObject({
  toxicity: Threshold,
  offTopic: Threshold,
  // One key per category, from CATEGORIES, so a new category cannot be forgotten here.
  ...(Object.fromEntries(CATEGORIES.map((c) => [c, Threshold])) as Record<Category, typeof Threshold>),
});
export type PolicyThresholds = z.infer<typeof PolicyThresholdsSchema>;

const ScopeSchema = z.strictObject({ thresholds: PolicyThresholdsSchema });

/** The policy document (file, `PUT /v1/policy`, and what the store keeps). */
export const PolicySchema = z.strictObject({
  thresholds: PolicyThresholdsSchema.default({}),
  /** Share of the comments the policy would publish that go to the queue as audit items (default {@link DEFAULT_AUDIT_SHARE}). */
  auditShare: z.number().min(0).max(1).optional(),
  sites: z.record(z.string().min(1).max(200), ScopeSchema).optional(),
  threads: z.record(z.string().min(1).max(200), ScopeSchema).optional(),
});
export type Policy = z.infer<typeof PolicySchema>;

/**
 * Default audit share: 2% of what the policy publishes is queued for a moderator anyway, so the
 * site's adapter does not learn only from held comments and the site learns its miss rate.
 */
export const DEFAULT_AUDIT_SHARE = 0.02;

/**
 * Whether comment `id` falls in the audit sample of `share`: a hash of the id, not a random
 * draw, so a retried or re-scored comment gets the same answer.
 */
export function inAuditSample(id: string, share: number): boolean {
  if (share <= 0) return false;
  const h = createHash('sha256').update('audit\0' + id).digest().readUInt32BE(0);
  return h / 0x1_0000_0000 < share;
}

/** Fully resolved thresholds: a number, or null for "never hold on this score". */
export type ResolvedThresholds = Record<'toxicity' | 'offTopic' | Category, number | null>;

/** The scorer's three thresholds, the base every policy overrides. */
export interface BaseThresholds {
  toxicity: number;
  category: number;
  offTopic: number;
}

/**
 * Resolves the thresholds for one comment: base (the scorer's), then the policy's defaults, then
 * its site, then its thread; the most specific scope that sets a key wins.
 */
export function resolveThresholds(policy: Policy | null, base: BaseThresholds, where: { siteId?: string | null; threadId?: string | null } = {}): ResolvedThresholds {
  const out = { toxicity: base.toxicity, offTopic: base.offTopic, ...Object.fromEntries(CATEGORIES.map((c) => [c, base.category])) } as ResolvedThresholds;
  const scopes: (PolicyThresholds | undefined)[] = [
    policy?.thresholds,
    where.siteId ? policy?.sites?.[where.siteId]?.thresholds : undefined,
    where.threadId ? policy?.threads?.[where.threadId]?.thresholds : undefined,
  ];
  for (const scope of scopes) {
    if (!scope) continue;
    for (const [k, v] of Object.entries(scope)) if (v !== undefined) out[k as keyof ResolvedThresholds] = v;
  }
  return out;
}

/** What the policy makes of one scored comment. */
export interface Classification {
  status: 'published' | 'pending';
  /** Why it is held (null when published): the highest-scoring category over its threshold, else `toxicity`, else `off_topic`. */
  category: HoldCategory | null;
  /** max(toxicity, every category score). */
  score: number;
}

/**
 * Applies resolved thresholds to a score result.
 * @example classify(result, resolveThresholds(null, scorer.thresholds)) // { status: 'pending', category: 'insult', score: 0.93 }
 */
export function classify(result: ScoreResult, t: ResolvedThresholds): Classification {
  let score = result.toxicity;
  let category: HoldCategory | null = null;
  let best = -1;
  for (const c of CATEGORIES) {
    const s = result.categories[c] ?? 0;
    if (s > score) score = s;
    const th = t[c];
    if (th !== null && s >= th && s > best) {
      best = s;
      category = c;
    }
  }
  if (!category && t.toxicity !== null && result.toxicity >= t.toxicity) category = 'toxicity';
  if (!category && t.offTopic !== null && result.offTopic !== null && result.offTopic >= t.offTopic) category = 'off_topic';
  return { status: category ? 'pending' : 'published', category, score };
}

/** Validates a policy document, throwing MOD_ERR_VALIDATION (HTTP) or the given code (file). */
export function parsePolicy(value: unknown, code: 'MOD_ERR_VALIDATION' | 'MOD_ERR_CONFIG' = 'MOD_ERR_VALIDATION', what = 'policy'): Policy {
  const r = PolicySchema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), code: i.code, message: i.message }));
  const first = issues[0];
  throw new ModeratoError(code, `Invalid ${what}${first && first.path.length ? ` at ${first.path.join('.')}` : ''}: ${first?.message ?? 'invalid'}`, issues);
}

/** Reads and validates a policy file (JSON); answers the policy and its content hash. */
export function loadPolicyFile(path: string): { policy: Policy; hash: string } {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModeratoError('MOD_ERR_CONFIG', `Cannot read policy file ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ModeratoError('MOD_ERR_CONFIG', `Policy file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return { policy: parsePolicy(json, 'MOD_ERR_CONFIG', `policy file ${path}`), hash: createHash('sha256').update(raw).digest('hex') };
}
