/**
 * The one mapping from anything a request can throw (ours, body-parser's, Express's) onto the
 * error registry. Both the app's error handler and the Perspective routes' use it.
 */
import type { Response } from 'express';
import { ModeratoError, isModeratoError } from '../errors';
import { LIMITS } from '../limits';

/** Maps body-parser's errors and everything else onto the error registry; unknown errors become MOD_ERR_INTERNAL. */
export function toModeratoError(err: unknown): ModeratoError {
  if (isModeratoError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number } | null;
  if (e?.type === 'entity.parse.failed') return new ModeratoError('MOD_ERR_MALFORMED_JSON', `Malformed JSON body: ${e.message ?? 'parse error'}`);
  if (e?.type === 'entity.too.large') return new ModeratoError('MOD_ERR_PAYLOAD_TOO_LARGE', `Request body exceeds ${e.limit ?? LIMITS.maxBodyBytes} bytes`, { limitBytes: e.limit ?? LIMITS.maxBodyBytes });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new ModeratoError('MOD_ERR_UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
  if (e?.type === 'request.aborted') return new ModeratoError('MOD_ERR_VALIDATION', 'The request was aborted before its body was read');
  // Express answers a path it cannot decode (`/v1/comments/%ZZ`) with a 400 URIError.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ModeratoError('MOD_ERR_VALIDATION', e.message ?? 'Bad request');
  return new ModeratoError('MOD_ERR_INTERNAL', 'Internal error');
}

/** Headers an error implies: `Retry-After` for 429 and 503 answers that say when to retry. */
export function setErrorHeaders(res: Response, err: ModeratoError): void {
  const retry = (err.details as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  if (typeof retry === 'number' && !res.headersSent) res.setHeader('Retry-After', String(retry));
  else if (err.code === 'MOD_ERR_NOT_READY' && !res.headersSent) res.setHeader('Retry-After', '1');
}
