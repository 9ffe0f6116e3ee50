/**
 * The error registry: every error Moderato reports to a client has a stable `code` and an HTTP
 * status. The HTTP layer turns these into `{"error":{"code","message","details"}}`; the CLI prints
 * `code: message`. Codes never change meaning once released; every code is listed in README.md
 * (a test checks this).
 */

export interface ErrorSpec {
  status: number;
  /** Short description for the docs. */
  description: string;
}

/** All error codes. Add new ones here and in README.md's error table. */
export const ERROR_CODES = {
  MOD_ERR_VALIDATION: { status: 400, description: 'The request body or query failed validation; `details` lists each issue (path, code, message).' },
  MOD_ERR_MALFORMED_JSON: { status: 400, description: 'The request body is not valid JSON.' },
  MOD_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request body is not `application/json`.' },
  MOD_ERR_PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the size limit.' },
  MOD_ERR_NOT_FOUND: { status: 404, description: 'No such route or resource.' },
  MOD_ERR_METHOD_NOT_ALLOWED: { status: 405, description: 'The route exists but not for this method.' },
  MOD_ERR_UNAUTHORIZED: { status: 401, description: 'No valid API key was sent (`Authorization: Bearer KEY`).' },
  MOD_ERR_FORBIDDEN: { status: 403, description: "The API key's role does not allow this action." },
  MOD_ERR_CSRF: { status: 403, description: 'A request authenticated by the session cookie changes state without the session\'s `X-CSRF-Token` header, or comes from another origin.' },
  MOD_ERR_CONFLICT: { status: 409, description: 'The request conflicts with the current state (e.g. a second, different decision).' },
  MOD_ERR_NOT_READY: { status: 503, description: 'The model is still loading.' },
  MOD_ERR_RATE_LIMITED: { status: 429, description: 'Too many requests from this client or API key; retry after `Retry-After` seconds.' },
  MOD_ERR_OVERLOADED: { status: 503, description: 'Every scoring worker is busy and the wait queue is full; retry after `Retry-After` seconds.' },
  MOD_ERR_MODE_UNAVAILABLE: { status: 400, description: 'The request asked for a scorer mode this server does not serve (a fast server cannot score `accurate`); the message says how to start it with that mode.' },
  MOD_ERR_UNKNOWN_ATTRIBUTE: { status: 400, description: 'A Perspective-compatible request asked for an attribute Moderato does not score.' },
  MOD_ERR_UNSUPPORTED_LANGUAGE: { status: 400, description: 'A Perspective-compatible request asked for a language Moderato does not score.' },
  MOD_ERR_FEEDBACK_UNAVAILABLE: { status: 503, description: 'A Perspective-compatible `comments:suggestscore` asked to store feedback, but the server has no queue store.' },
  MOD_ERR_INPUT: { status: 400, description: 'CLI input could not be read or parsed (a line, file or option).' },
  MOD_ERR_CONFIG: { status: 500, description: 'Invalid configuration (environment, policy file, backend name).' },
  MOD_ERR_MODEL: { status: 500, description: 'The model files are missing or invalid.' },
  MOD_ERR_INTERNAL: { status: 500, description: 'An unexpected server error (a bug: please report it).' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every reported error. */
export class ModeratoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ModeratoError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details ?? null;
  }

  /** The JSON body the HTTP layer sends. */
  toJSON(): { error: { code: ErrorCode; message: string; details: unknown } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** True when `err` is a ModeratoError (also across module copies). */
export function isModeratoError(err: unknown): err is ModeratoError {
  return err instanceof ModeratoError || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ModeratoError' && typeof (err as { code?: unknown }).code === 'string');
}
