/** Lookups by arbitrary strings (words from comments) in records read from a model's JSON. */

const maps = new WeakMap<object, Map<string, number>>();

/**
 * The own entries of `record` as a Map, built once per record object. Looking a word up in the
 * plain object would find Object.prototype's properties ("constructor", "toString"); a large
 * object's keys are also slower to look up than a Map's.
 */
export function ownMap(record: Record<string, number>): Map<string, number> {
  let m = maps.get(record);
  if (!m) maps.set(record, (m = new Map(Object.entries(record))));
  return m;
}
