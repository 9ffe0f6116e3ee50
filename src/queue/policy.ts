/**
 * The queue policy: which scored comments are published at once and which are held for a
 * moderator. Thresholds per category, overridable per site and per thread.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { CATEGORIES, type Category, type Reason, type ScoreResult } from '../types';

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

/** Which scope set a threshold: the scorer's default, the policy for every site, one site's, one thread's. */
export type ThresholdScope = { kind: 'model' } | { kind: 'policy' } | { kind: 'site' | 'thread'; id: string };

/** Resolved thresholds with the scope each one came from. */
export interface AppliedThresholds {
  values: ResolvedThresholds;
  scopes: Record<keyof ResolvedThresholds, ThresholdScope>;
}

/**
 * Resolves the thresholds for one comment and where each comes from: base (the scorer's), then
 * the policy's defaults, then its site, then its thread; the most specific scope that sets a key wins.
 */
export function resolveWithScopes(policy: Policy | null, base: BaseThresholds, where: { siteId?: string | null; threadId?: string | null } = {}): AppliedThresholds {
  const values = { toxicity: base.toxicity, offTopic: base.offTopic, ...Object.fromEntries(CATEGORIES.map((c) => [c, base.category])) } as ResolvedThresholds;
  const scopes = Object.fromEntries(Object.keys(values).map((k) => [k, { kind: 'model' }])) as AppliedThresholds['scopes'];
  const layers: [PolicyThresholds | undefined, ThresholdScope][] = [
    [policy?.thresholds, { kind: 'policy' }],
    [where.siteId ? policy?.sites?.[where.siteId]?.thresholds : undefined, { kind: 'site', id: where.siteId ?? '' }],
    [where.threadId ? policy?.threads?.[where.threadId]?.thresholds : undefined, { kind: 'thread', id: where.threadId ?? '' }],
  ];
  for (const [layer, scope] of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      values[k as keyof ResolvedThresholds] = v;
      scopes[k as keyof ResolvedThresholds] = scope;
    }
  }
  return { values, scopes };
}

/** The thresholds for one comment (see {@link resolveWithScopes}, which also says where each came from). */
export function resolveThresholds(policy: Policy | null, base: BaseThresholds, where: { siteId?: string | null; threadId?: string | null } = {}): ResolvedThresholds {
  return resolveWithScopes(policy, base, where).values;
}

function scopeText(s: ThresholdScope): string {
  if (s.kind === 'model') return "the model's default (the policy does not set it)";
  if (s.kind === 'policy') return 'the policy for all sites';
  return `the policy for ${s.kind} ${JSON.stringify(s.id)}`;
}

const round4 = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * Why the policy holds a comment, one reason per score at or above its threshold, each naming
 * the threshold applied and the scope that set it. The scorer's own reasons quote its defaults,
 * which the policy overrides, so a moderator read "at or above the threshold 0.5" for a comment
 * held at the policy's 0.6. The off-topic model's reasons (their terms) are kept when the policy
 * holds on off-topic.
 * @example heldReasons(result, resolveWithScopes({ thresholds: { insult: 0.6 } }, base))[0].message // 'insult 0.78 is at or above the insult threshold 0.6 set by the policy for all sites.'
 */
export function heldReasons(result: ScoreResult, applied: AppliedThresholds): Reason[] {
  const { values: t, scopes } = applied;
  const reasons: Reason[] = [];
  const over = (score: number, th: number | null): th is number => th !== null && score >= th;
  if (over(result.toxicity, t.toxicity)) {
    reasons.push({ code: 'toxicity', score: round4(result.toxicity), message: `Toxicity ${result.toxicity.toFixed(2)} is at or above the toxicity threshold ${t.toxicity} set by ${scopeText(scopes.toxicity)}.` });
  }
  const held = CATEGORIES.filter((c) => over(result.categories[c] ?? 0, t[c])).sort((a, b) => result.categories[b] - result.categories[a]);
  for (const c of held) {
    const name = c.replace('_', ' ');
    reasons.push({ code: 'category', category: c, score: round4(result.categories[c]), message: `${name} ${result.categories[c].toFixed(2)} is at or above the ${name} threshold ${t[c]} set by ${scopeText(scopes[c])}.` });
  }
  if (result.offTopic !== null && over(result.offTopic, t.offTopic)) {
    const why = `Off topic ${result.offTopic.toFixed(2)} is at or above the off-topic threshold ${t.offTopic} set by ${scopeText(scopes.offTopic)}.`;
    // The off-topic model's own reason says what the comment and its context are about (its terms): keep it, threshold first.
    const own = result.reasons.find((r) => r.code === 'off_topic' && r.terms?.length);
    reasons.push(own ? { ...own, message: `${why} ${own.message}` } : { code: 'off_topic', score: round4(result.offTopic), message: why });
    reasons.push(...result.reasons.filter((r) => r.code === 'drift'));
  }
  return reasons;
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
