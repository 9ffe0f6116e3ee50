import { fixture, shapeMismatches } from './shape';

// The replay tests rest on shapeMismatches; it must catch what it exists to catch.
describe('shapeMismatches', () => {
  const documented = fixture('docs-analyze-response-schema').documentedResponse;

  it('accepts the documented response itself', () => {
    expect(shapeMismatches(documented, documented)).toEqual([]);
  });

  it.each([
    ['a missing field', { ...documented, languages: undefined }, '$.languages: missing'],
    ['a wrong type', { ...documented, clientToken: 7 }, '$.clientToken: expected string, got number'],
    [
      'a span with a string offset',
      { ...documented, attributeScores: { TOXICITY: { ...documented.attributeScores.TOXICITY, spanScores: [{ begin: '0', end: 1, score: { value: 1, type: 'PROBABILITY' } }] } } },
      '$.attributeScores.TOXICITY.spanScores.[].begin: expected number, got string',
    ],
    ['an empty array where items are documented', { ...documented, languages: [] }, '$.languages: expected a non-empty array'],
  ])('reports %s', (_what, actual, expected) => {
    expect(shapeMismatches(actual, documented)).toContain(expected);
  });
});
