/**
 * Checks every parsed JSON body (and query) before any route sees it, so no route has to:
 * - nesting deeper than `LIMITS.maxJsonDepth` is a 400 (free-form fields such as comment
 *   metadata are stored and serialised again; a 5,000-deep object overflowed the stack there);
 * - a lone surrogate (an unpaired UTF-16 half, `"\ud800"`) in any string or key is a 400 naming
 *   the field: such an id could never be matched again once stored as UTF-8, and a text holding
 *   one would no longer slice back to its spans. Rejecting is consistent across every route.
 */
import type { NextFunction, Request, Response } from 'express';
import { ModeratoError } from '../errors';
import { LIMITS } from '../limits';
import type { ValidationIssue } from './validate';
import { hasLoneSurrogate, toWellFormed } from '../util/unicode';

const MAX_ISSUES = 20;

/**
 * Walks `value` iteratively (a recursive walk would overflow on the inputs it exists to stop) and
 * lists lone surrogates and over-deep nesting, with their paths.
 */
export function unsafeJsonIssues(value: unknown, maxDepth: number = LIMITS.maxJsonDepth): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: Array<{ v: unknown; path: (string | number)[] }> = [{ v: value, path: [] }];
  while (stack.length && issues.length < MAX_ISSUES) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) issues.push({ path, code: 'lone_surrogate', message: 'Text holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff); send well-formed Unicode' });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) {
      issues.push({ path, code: 'too_deep', message: `JSON nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (hasLoneSurrogate(k)) issues.push({ path: [...path, toWellFormed(k)], code: 'lone_surrogate', message: 'A field name holds a lone UTF-16 surrogate' });
      else stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return issues;
}

/** Middleware: 400 MOD_ERR_VALIDATION listing the unsafe parts of the body or query. */
export function rejectUnsafeInput(req: Request, _res: Response, next: NextFunction): void {
  const body = unsafeJsonIssues(req.body);
  const query = unsafeJsonIssues(req.query).map((i) => ({ ...i, path: ['query', ...i.path] }));
  const issues = [...body, ...query];
  if (issues.length === 0) {
    next();
    return;
  }
  const first = issues[0]!;
  const where = first.path.length ? ` at ${first.path.join('.')}` : '';
  next(new ModeratoError('MOD_ERR_VALIDATION', `Invalid request${where}: ${first.message}`, issues));
}
