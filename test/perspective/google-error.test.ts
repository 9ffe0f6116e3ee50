import { ModeratoError } from '../../src/errors';
import { toGoogleError } from '../../src/perspective/google-error';
import { fixture, shapeMismatches } from './shape';

describe('toGoogleError', () => {
  const documented = fixture('google-error-example').documentedError;

  it("answers Google's shape (numeric code, status name) with Moderato's code as the ErrorInfo reason", () => {
    const body = toGoogleError(new ModeratoError('MOD_ERR_UNKNOWN_ATTRIBUTE', 'Unknown attribute: SPAM', { attribute: 'SPAM', supported: ['TOXICITY'] }));
    expect(shapeMismatches(body, documented)).toEqual([]);
    expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: 'Unknown attribute: SPAM' });
    expect(body.error.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'MOD_ERR_UNKNOWN_ATTRIBUTE',
        domain: 'moderato',
        metadata: { attribute: 'SPAM', supported: '["TOXICITY"]' },
      },
    ]);
  });

  it('lists validation issues as BadRequest field violations', () => {
    const body = toGoogleError(new ModeratoError('MOD_ERR_VALIDATION', 'Invalid request body at comment.text', [{ path: ['comment', 'text'], code: 'invalid_type', message: 'Required' }]));
    expect(body.error.details[1]).toEqual({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: 'comment.text', description: 'Required' }],
    });
  });

  it.each([
    ['MOD_ERR_UNAUTHORIZED', 401, 'UNAUTHENTICATED'],
    ['MOD_ERR_FORBIDDEN', 403, 'PERMISSION_DENIED'],
    ['MOD_ERR_NOT_FOUND', 404, 'NOT_FOUND'],
    ['MOD_ERR_NOT_READY', 503, 'UNAVAILABLE'],
    ['MOD_ERR_FEEDBACK_UNAVAILABLE', 503, 'UNAVAILABLE'],
    ['MOD_ERR_INTERNAL', 500, 'INTERNAL'],
  ] as const)('maps %s to %i %s', (code, status, name) => {
    expect(toGoogleError(new ModeratoError(code, 'x')).error).toMatchObject({ code: status, status: name });
  });
});
