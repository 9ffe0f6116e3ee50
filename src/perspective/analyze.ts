import { ModeratoError } from '../errors';
import type { Scorer } from '../scorer';
import type { ScoreRequest } from '../types';
import { ATTRIBUTES, type Attribute, attributeSpans, isAttribute, summaryScore } from './attributes';
import { resolveLanguages } from './language';
import { offsetMap } from './offsets';
import type { AnalyzeCommentRequest } from './schema';
import { wordSpanScores } from './spans';

/** Perspective's Score: only probabilities exist here. */
export interface PerspectiveScore {
  value: number;
  type: 'PROBABILITY';
}

/** Perspective's AttributeScores. */
export interface PerspectiveAttributeScores {
  summaryScore?: PerspectiveScore;
  spanScores?: { begin: number; end: number; score: PerspectiveScore }[];
}

/** Perspective's AnalyzeCommentResponse. */
export interface AnalyzeCommentResponse {
  attributeScores: Record<string, PerspectiveAttributeScores>;
  languages: string[];
  detectedLanguages: string[];
  clientToken?: string;
}

/** The context texts of a request: Perspective's two shapes folded into Moderato's article + parent. */
export interface ContextTexts {
  article?: string;
  parent?: string;
}

/**
 * Reads the context. `articleAndParentComment` maps directly. For `entries` (what Jigsaw's
 * Moderator sends: the article, then the comment replied to) the first entry is the article and,
 * when there are two or more, the last is the parent; entries in between are not scored.
 */
export function contextTexts(context: AnalyzeCommentRequest['context']): ContextTexts {
  if (!context) return {};
  const entries = context.entries ?? [];
  const ap = context.articleAndParentComment;
  if (entries.length > 0 && ap && (ap.article || ap.parentComment)) {
    // Perspective's Context documents the two as mutually exclusive and rejects both.
    throw new ModeratoError('MOD_ERR_VALIDATION', 'context may set entries or articleAndParentComment, not both', [
      { path: ['context'], code: 'custom', message: 'entries and articleAndParentComment are mutually exclusive' },
    ]);
  }
  if (ap) return { article: nonBlank(ap.article?.text), parent: nonBlank(ap.parentComment?.text) };
  return { article: nonBlank(entries[0]?.text), parent: entries.length >= 2 ? nonBlank(entries[entries.length - 1]?.text) : undefined };
}

function nonBlank(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s : undefined;
}

/**
 * The attributes to answer, in request order. Unknown names answer 400 naming the attribute, as
 * Perspective does, unless `dropUnsupportedAttributes` asks to leave them out.
 */
export function resolveAttributes(body: AnalyzeCommentRequest, hasContext: boolean): Attribute[] {
  const out: Attribute[] = [];
  for (const name of Object.keys(body.requestedAttributes)) {
    if (!isAttribute(name)) {
      if (body.dropUnsupportedAttributes) continue;
      throw new ModeratoError('MOD_ERR_UNKNOWN_ATTRIBUTE', `Unknown attribute: ${name}. Moderato answers ${ATTRIBUTES.join(', ')}.`, {
        attribute: name,
        supported: [...ATTRIBUTES],
      });
    }
    if (name === 'OFF_TOPIC' && !hasContext) {
      if (body.dropUnsupportedAttributes) continue;
      throw new ModeratoError('MOD_ERR_VALIDATION', 'OFF_TOPIC needs context: send the article and/or parent comment in context.entries', [
        { path: ['requestedAttributes', 'OFF_TOPIC'], code: 'custom', message: 'OFF_TOPIC needs context.entries or context.articleAndParentComment' },
      ]);
    }
    out.push(name);
  }
  if (out.length === 0) {
    throw new ModeratoError('MOD_ERR_VALIDATION', 'No requested attribute can be scored', [
      { path: ['requestedAttributes'], code: 'custom', message: 'every requested attribute was dropped' },
    ]);
  }
  return out;
}

// Four decimals, as the scorer rounds its own scores: more digits would be noise, not precision.
const PROB = (value: number): PerspectiveScore => ({ value: Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000, type: 'PROBABILITY' });

/**
 * Answers one Perspective `comments:analyze` request with the Moderato scorer. Throws
 * ModeratoErrors (unknown attribute, unsupported language, bad context) before scoring.
 */
export async function analyzeComment(scorer: Scorer, body: AnalyzeCommentRequest): Promise<AnalyzeCommentResponse> {
  const text = body.comment.text;
  const ctx = contextTexts(body.context);
  const attrs = resolveAttributes(body, ctx.article !== undefined || ctx.parent !== undefined);
  const langs = resolveLanguages(body.languages, text, attrs);

  const request: ScoreRequest = { comments: [], article: ctx.article !== undefined ? { body: ctx.article } : undefined };
  if (ctx.parent !== undefined) request.comments.push({ id: 'parent', text: ctx.parent });
  request.comments.push({ id: 'comment', text, parentId: ctx.parent !== undefined ? 'parent' : undefined });
  const results = await scorer.score(request);
  const result = results.find((r) => r.id === 'comment') ?? results[results.length - 1];
  if (!result) throw new ModeratoError('MOD_ERR_INTERNAL', 'The scorer returned no result');

  const offsets = offsetMap(text, body.spanOffsetUnit ?? 'UTF16_CODE_UNIT');
  const attributeScores: Record<string, PerspectiveAttributeScores> = {};
  for (const attr of attrs) {
    const threshold = body.requestedAttributes[attr]?.scoreThreshold;
    const keep = (v: number) => threshold === undefined || v >= threshold;
    const entry: PerspectiveAttributeScores = {};
    const summary = summaryScore(attr, result);
    if (summary !== null && keep(summary)) entry.summaryScore = PROB(summary);
    if (body.spanAnnotations) {
      const flagged = attributeSpans(attr, result);
      if (flagged !== null) {
        entry.spanScores = wordSpanScores(text, flagged)
          .filter((s) => keep(s.score))
          .map((s) => ({ begin: offsets.fromUtf16(s.start), end: offsets.fromUtf16(s.end), score: PROB(s.score) }));
      }
    }
    // Perspective leaves out an attribute whose scores all fell below its scoreThreshold.
    if (entry.summaryScore !== undefined || (entry.spanScores?.length ?? 0) > 0) attributeScores[attr] = entry;
  }
  const response: AnalyzeCommentResponse = { attributeScores, languages: langs.languages, detectedLanguages: langs.detectedLanguages };
  if (body.clientToken !== undefined) response.clientToken = body.clientToken;
  return response;
}
