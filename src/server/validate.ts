import type { z } from 'zod';
import { ModeratoError } from '../errors';

/** One validation problem as the API reports it (zod's issue shape, trimmed). */
export interface ValidationIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

/**
 * Parses `value` with `schema`; on failure throws MOD_ERR_VALIDATION whose details list every
 * issue's path, code and message, so a client can see all its mistakes at once.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    code: i.code,
    message: i.message,
  }));
  const first = issues[0];
  const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
  throw new ModeratoError('MOD_ERR_VALIDATION', `Invalid ${what}${where}: ${first?.message ?? 'invalid'}`, issues);
}
