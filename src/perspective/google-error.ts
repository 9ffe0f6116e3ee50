import type { ModeratoError } from '../errors';

/**
 * Errors in Google's JSON API shape, for the Perspective-compatible endpoints only.
 *
 * Perspective clients parse Google's shape: `{"error":{"code":400,"message":...,"status":
 * "INVALID_ARGUMENT"}}` with a numeric `code` (googleapis' GaxiosError and Python's HttpError
 * read `error.code` and `error.message`). Moderato's own shape puts a string in `code`, which
 * those clients would misread, so these endpoints answer Google's shape and carry Moderato's
 * code in a `google.rpc.ErrorInfo` detail (`reason`), the slot Google itself uses for a stable
 * machine-readable reason. Validation issues also go in a `google.rpc.BadRequest` detail.
 */

/** google.rpc.Code names for the HTTP statuses Moderato answers. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** The JSON body of a Google-style error. */
export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details: Record<string, unknown>[];
  };
}

function stringMetadata(details: unknown): Record<string, string> {
  // ErrorInfo.metadata is map<string, string>; arrays and objects are JSON-encoded.
  if (!details || typeof details !== 'object' || Array.isArray(details)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/**
 * Converts a ModeratoError to Google's error body.
 * @example toGoogleError(new ModeratoError('MOD_ERR_UNKNOWN_ATTRIBUTE', 'Unknown attribute: SPAM')).error.status // 'INVALID_ARGUMENT'
 */
export function toGoogleError(err: ModeratoError): GoogleErrorBody {
  const details: Record<string, unknown>[] = [];
  const issues = Array.isArray(err.details) ? (err.details as { path?: (string | number)[]; message?: string }[]) : null;
  details.push({
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: err.code,
    domain: 'moderato',
    metadata: issues ? {} : stringMetadata(err.details),
  });
  if (issues) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: issues.map((i) => ({ field: (i.path ?? []).join('.'), description: i.message ?? 'invalid' })),
    });
  }
  return { error: { code: err.status, message: err.message, status: STATUS_NAMES[err.status] ?? 'UNKNOWN', details } };
}
