/**
 * Shape comparison for replayed Perspective fixtures: every field the documentation shows must
 * be present in Moderato's answer with the same JSON type (values differ: another model).
 * Map-like objects (attributeScores) are compared key by key, so the documented attribute names
 * must be answered too.
 */

/** The JSON type of a value: `array`, `null`, or its `typeof`. */
function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** Paths (`a.b.[].c`) where `actual` lacks a field of `documented` or has another type there. */
export function shapeMismatches(actual: unknown, documented: unknown, path = '$'): string[] {
  const out: string[] = [];
  if (typeOf(actual) !== typeOf(documented)) return [`${path}: expected ${typeOf(documented)}, got ${typeOf(actual)}`];
  if (Array.isArray(documented)) {
    const a = actual as unknown[];
    if (documented.length > 0 && a.length === 0) return [`${path}: expected a non-empty array`];
    for (const item of a) out.push(...shapeMismatches(item, documented[0], `${path}.[]`));
    return out;
  }
  if (typeOf(documented) === 'object') {
    for (const [k, v] of Object.entries(documented as Record<string, unknown>)) {
      const a = (actual as Record<string, unknown>)[k];
      if (a === undefined) out.push(`${path}.${k}: missing`);
      else out.push(...shapeMismatches(a, v, `${path}.${k}`));
    }
  }
  return out;
}

/** Reads a fixture of test/perspective/fixtures. */
export function fixture<T = Record<string, any>>(name: string): T {
  return require(`./fixtures/${name}.json`) as T;
}
