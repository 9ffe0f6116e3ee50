import { ModeratoError } from '../errors';
import type { FeedbackInput } from '../queue/types';
import { isAttribute, ATTRIBUTES } from './attributes';
import { isSupportedLanguage } from './language';
import { offsetMap } from './offsets';
import type { SuggestCommentScoreRequest } from './schema';

/**
 * Turns a Perspective `comments:suggestscore` body into the queue store's FeedbackInput.
 *
 * Summary scores go to `attributeScores` (the column retraining reads). Suggested span scores
 * have no column of their own, so they travel in `context.spanScores`, converted to UTF-16
 * offsets with the text they slice, so retraining can check `text.slice(start, end)`.
 * Unknown attributes and unsupported languages answer 400, as `analyze` does: a suggestion
 * Moderato can never learn from is a client mistake worth reporting.
 */
export function toFeedbackInput(body: SuggestCommentScoreRequest): FeedbackInput {
  const text = body.comment.text;
  const bad = body.languages?.find((l) => !isSupportedLanguage(l));
  if (bad !== undefined) {
    throw new ModeratoError('MOD_ERR_UNSUPPORTED_LANGUAGE', `Suggestions are only kept for English (en); got language: ${bad}`, { language: bad, supported: ['en'] });
  }
  const offsets = offsetMap(text, body.spanOffsetUnit ?? 'UTF16_CODE_UNIT');
  const attributeScores: Record<string, number> = {};
  const spanScores: Record<string, { start: number; end: number; text: string; score: number }[]> = {};
  for (const [name, scores] of Object.entries(body.attributeScores)) {
    if (!isAttribute(name)) {
      throw new ModeratoError('MOD_ERR_UNKNOWN_ATTRIBUTE', `Unknown attribute: ${name}. Moderato answers ${ATTRIBUTES.join(', ')}.`, {
        attribute: name,
        supported: [...ATTRIBUTES],
      });
    }
    if (scores.summaryScore) attributeScores[name] = scores.summaryScore.value;
    if (scores.spanScores && scores.spanScores.length > 0) {
      spanScores[name] = scores.spanScores.map((s, i) => {
        const start = offsets.toUtf16(s.begin);
        const end = offsets.toUtf16(s.end);
        if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
          throw new ModeratoError('MOD_ERR_VALIDATION', `attributeScores.${name}.spanScores.${i}: [${s.begin}, ${s.end}) is not a range of the comment text`, [
            { path: ['attributeScores', name, 'spanScores', i], code: 'custom', message: `begin/end must satisfy 0 <= begin <= end <= ${offsets.length}` },
          ]);
        }
        return { start, end, text: text.slice(start, end), score: s.score.value };
      });
    }
  }
  const context: Record<string, unknown> = {};
  if (body.context) context.perspectiveContext = body.context;
  if (Object.keys(spanScores).length > 0) context.spanScores = spanScores;
  return {
    commentText: text,
    attributeScores,
    clientToken: body.clientToken ?? null,
    languages: body.languages ?? null,
    source: 'perspective:suggestscore',
    communityId: body.communityId ?? null,
    sessionId: body.sessionId ?? null,
    context: Object.keys(context).length > 0 ? context : null,
  };
}
