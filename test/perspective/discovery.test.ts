import { discoveryDocument } from '../../src/perspective/discovery';

/** Every `$ref` in `v`, recursively. */
function refs(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(refs);
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => (k === '$ref' && typeof x === 'string' ? [x] : refs(x)));
  }
  return [];
}

describe('discoveryDocument', () => {
  const doc = discoveryDocument('https://moderato.example.org');

  it('points the client libraries at this server', () => {
    expect(doc.rootUrl).toBe('https://moderato.example.org/');
    // googleapis (Node) and googleapiclient (Python) both build rootUrl + servicePath + path.
    const analyze = doc.resources.comments.methods.analyze;
    expect(doc.rootUrl + doc.servicePath + analyze.path).toBe('https://moderato.example.org/v1alpha1/comments:analyze');
    expect(analyze).toMatchObject({ id: 'commentanalyzer.comments.analyze', httpMethod: 'POST' });
    expect(doc.resources.comments.methods.suggestscore.path).toBe('v1alpha1/comments:suggestscore');
    expect(doc).toMatchObject({ name: 'commentanalyzer', version: 'v1alpha1', parameters: { key: { location: 'query' } } });
  });

  it('defines every schema it refers to', () => {
    const defined = new Set(Object.keys(doc.schemas));
    const missing = refs(doc).filter((r) => !defined.has(r));
    expect(missing).toEqual([]);
    expect(refs(doc).length).toBeGreaterThan(10);
  });
});
