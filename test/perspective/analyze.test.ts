import { contextTexts, resolveAttributes } from '../../src/perspective/analyze';
import { AnalyzeCommentRequestSchema } from '../../src/perspective/schema';
import { fixture } from './shape';

// The scoring itself runs against the real model in test/server/perspective.test.ts; these are
// the request-reading rules that need no model.
const body = (extra: object) => AnalyzeCommentRequestSchema.parse({ comment: { text: 'hi' }, requestedAttributes: { TOXICITY: {} }, ...extra });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  throw new Error('expected an error');
}

describe('contextTexts', () => {
  it("reads Moderator's entries as [article, parent]", () => {
    const req = AnalyzeCommentRequestSchema.parse(fixture('moderator-analyze').request);
    const ctx = contextTexts(req.context);
    expect(ctx.article).toMatch(/^The city council votes tonight/);
    expect(ctx.parent).toBe('I think the footbridge is a waste of money.');
  });

  it.each([
    ['no context', {}, {}],
    ['one entry: the article only', { context: { entries: [{ text: 'Article.' }] } }, { article: 'Article.', parent: undefined }],
    ['three entries: the last is the parent', { context: { entries: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] } }, { article: 'A', parent: 'C' }],
    ['blank entries count as absent', { context: { entries: [{ text: '  ' }, { text: '' }] } }, { article: undefined, parent: undefined }],
    ['articleAndParentComment', { context: { articleAndParentComment: { parentComment: { text: 'P' } } } }, { article: undefined, parent: 'P' }],
  ])('%s', (_what, extra, expected) => {
    expect(contextTexts(body(extra).context)).toEqual(expected);
  });

  it('rejects entries together with articleAndParentComment, as Perspective documents', () => {
    const req = body({ context: { entries: [{ text: 'A' }], articleAndParentComment: { article: { text: 'B' } } } });
    expect(codeOf(() => contextTexts(req.context))).toBe('MOD_ERR_VALIDATION');
  });
});

describe('resolveAttributes', () => {
  it('keeps request order', () => {
    expect(resolveAttributes(body({ requestedAttributes: { THREAT: {}, TOXICITY: {}, INSULT: {} } }), false)).toEqual(['THREAT', 'TOXICITY', 'INSULT']);
  });

  it.each([
    ['an unknown attribute', { requestedAttributes: { TOXICITY: {}, FLIRTATION: {} } }, false, 'MOD_ERR_UNKNOWN_ATTRIBUTE'],
    ['a lower-case name', { requestedAttributes: { toxicity: {} } }, false, 'MOD_ERR_UNKNOWN_ATTRIBUTE'],
    ['OFF_TOPIC without context', { requestedAttributes: { OFF_TOPIC: {} } }, false, 'MOD_ERR_VALIDATION'],
    ['nothing left after dropping', { requestedAttributes: { SPAM: {} }, dropUnsupportedAttributes: true }, false, 'MOD_ERR_VALIDATION'],
  ])('rejects %s', (_what, extra, hasContext, code) => {
    expect(codeOf(() => resolveAttributes(body(extra), hasContext))).toBe(code);
  });

  it('drops what it cannot answer when asked to', () => {
    const req = body({ requestedAttributes: { SPAM: {}, OFF_TOPIC: {}, INSULT: {} }, dropUnsupportedAttributes: true });
    expect(resolveAttributes(req, false)).toEqual(['INSULT']);
    expect(resolveAttributes(req, true)).toEqual(['OFF_TOPIC', 'INSULT']);
  });
});
