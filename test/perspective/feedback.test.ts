import { toFeedbackInput } from '../../src/perspective/feedback';
import { SuggestCommentScoreRequestSchema } from '../../src/perspective/schema';
import { fixture } from './shape';

const parse = (body: unknown) => SuggestCommentScoreRequestSchema.parse(body);

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('toFeedbackInput', () => {
  it("keeps Coral's moderation feedback with its context and client token", () => {
    const req = fixture('coral-suggestscore').request;
    expect(toFeedbackInput(parse(req))).toEqual({
      commentText: req.comment.text,
      attributeScores: { TOXICITY: 1 },
      clientToken: 'comment:c-123',
      languages: ['en'],
      source: 'perspective:suggestscore',
      communityId: 'Coral:https://comments.example.org',
      sessionId: null,
      context: { perspectiveContext: req.context },
    });
  });

  it('converts suggested code point spans to UTF-16 with the text they slice', () => {
    const text = '😀😀 you idiot';
    const input = toFeedbackInput(
      parse({
        comment: { text },
        spanOffsetUnit: 'CODE_POINT',
        attributeScores: { INSULT: { spanScores: [{ begin: 7, end: 12, score: { value: 1, type: 'PROBABILITY' } }] } },
      }),
    );
    expect(input.attributeScores).toEqual({});
    expect(input.context).toEqual({ spanScores: { INSULT: [{ start: 9, end: 14, text: 'idiot', score: 1 }] } });
  });

  it.each([
    ['an unknown attribute', { comment: { text: 'hi' }, attributeScores: { SPAM: { summaryScore: { value: 1 } } } }, 'MOD_ERR_UNKNOWN_ATTRIBUTE', 'SPAM'],
    ['a span past the text', { comment: { text: 'hi' }, attributeScores: { TOXICITY: { spanScores: [{ begin: 0, end: 9, score: { value: 1 } }] } } }, 'MOD_ERR_VALIDATION', '[0, 9)'],
    ['a reversed span', { comment: { text: 'hello' }, attributeScores: { TOXICITY: { spanScores: [{ begin: 3, end: 1, score: { value: 1 } }] } } }, 'MOD_ERR_VALIDATION', '[3, 1)'],
    ['a non-English suggestion', { comment: { text: 'hola' }, languages: ['es'], attributeScores: { TOXICITY: { summaryScore: { value: 0 } } } }, 'MOD_ERR_UNSUPPORTED_LANGUAGE', 'es'],
  ])('rejects %s', (_what, body, code, named) => {
    const err = errorOf(() => toFeedbackInput(parse(body)));
    expect(err.code).toBe(code);
    expect(err.message).toContain(named);
  });
});
