/**
 * Archive items -> scoring units. A unit is one `ScoreRequest` (a whole thread, or up to
 * {@link UNIT_COMMENTS} consecutive independent comments) with the input-order ordinal of its
 * first comment. The CLI's worker pool and the distributed batch both score exactly these units,
 * so their results are the same whichever way an archive is scored.
 */
import type { ScoreRequest } from '../types';
import type { InputItem } from './input';

/** Independent comments scored per request (one model call). */
export const UNIT_COMMENTS = 64;

/** One request in input order. */
export interface Unit {
  req: ScoreRequest;
  /** Ordinal (0-based, over every comment of the input) of `req.comments[0]`. */
  first: number;
}

/** A line or record that could not be read, passed through in input order. */
export type Problem = Extract<InputItem, { kind: 'error' }>;

/** True for a {@link Problem}. */
export function isProblem(x: Unit | Problem): x is Problem {
  return (x as Problem).kind === 'error';
}

/**
 * Groups items into units. Problems are yielded where they occur, after the comments before
 * them, so a caller that stops at the first problem has scored exactly what preceded it.
 */
export async function* toUnits(items: AsyncIterable<InputItem>, perUnit = UNIT_COMMENTS): AsyncGenerator<Unit | Problem> {
  let ordinal = 0;
  let pending: ScoreRequest['comments'] = [];
  const flush = (): Unit | undefined => {
    if (pending.length === 0) return undefined;
    const unit: Unit = { req: { comments: pending, independent: true }, first: ordinal };
    ordinal += pending.length;
    pending = [];
    return unit;
  };
  for await (const item of items) {
    if (item.kind === 'comment') {
      pending.push(item.comment);
      if (pending.length >= perUnit) yield flush()!;
      continue;
    }
    const before = flush();
    if (before) yield before;
    if (item.kind === 'error') {
      yield item;
    } else if (item.comments.length > 0) {
      yield { req: { comments: item.comments, article: item.article }, first: ordinal };
      ordinal += item.comments.length;
    }
  }
  const last = flush();
  if (last) yield last;
}
