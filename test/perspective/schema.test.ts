import { AnalyzeCommentRequestSchema, SuggestCommentScoreRequestSchema } from '../../src/perspective/schema';
import { fixture } from './shape';

describe('request schemas', () => {
  it.each(['docs-analyze-example', 'coral-analyze', 'moderator-analyze'])('accepts the %s request', (name) => {
    expect(AnalyzeCommentRequestSchema.safeParse(fixture(name).request).success).toBe(true);
  });

  it.each(['docs-suggestscore-example', 'coral-suggestscore'])('accepts the %s request', (name) => {
    expect(SuggestCommentScoreRequestSchema.safeParse(fixture(name).request).success).toBe(true);
  });

  it.each([
    ['no requestedAttributes', { comment: { text: 'hi' } }, 'requestedAttributes'],
    ['empty requestedAttributes', { comment: { text: 'hi' }, requestedAttributes: {} }, 'requestedAttributes'],
    ['empty text', { comment: { text: '' }, requestedAttributes: { TOXICITY: {} } }, 'comment.text'],
    ['HTML text (Perspective scores plain text only)', { comment: { text: '<b>hi</b>', type: 'HTML' }, requestedAttributes: { TOXICITY: {} } }, 'comment.type'],
    ['a percentile score type', { comment: { text: 'hi' }, requestedAttributes: { TOXICITY: { scoreType: 'PERCENTILE' } } }, 'requestedAttributes.TOXICITY.scoreType'],
    ['a threshold above 1', { comment: { text: 'hi' }, requestedAttributes: { TOXICITY: { scoreThreshold: 2 } } }, 'requestedAttributes.TOXICITY.scoreThreshold'],
    ['an unknown offset unit', { comment: { text: 'hi' }, requestedAttributes: { TOXICITY: {} }, spanOffsetUnit: 'BYTES' }, 'spanOffsetUnit'],
  ])('rejects %s', (_what, body, path) => {
    const r = AnalyzeCommentRequestSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('rejects a suggestion with neither summary nor span scores', () => {
    const r = SuggestCommentScoreRequestSchema.safeParse({ comment: { text: 'hi' }, attributeScores: { TOXICITY: {} } });
    expect(r.success).toBe(false);
  });
});
