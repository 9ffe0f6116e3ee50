import { formatProgress, Progress } from '../../src/cli/progress';

describe('progress line', () => {
  it.each([
    [{ comments: 1500, rateComments: 1500, secs: 3, bytes: 250, totalBytes: 1000 }, /\[=+ +\]  25% 1,500 comments, 500\/s, ETA 9s$/],
    [{ comments: 120000, rateComments: 100000, secs: 50, bytes: 1, totalBytes: 100 }, /1% 120,000 comments, 2,000\/s, ETA 1h22m$/],
    [{ comments: 10, rateComments: 10, secs: 0.5, bytes: 5, totalBytes: 10 }, /50% 10 comments, 20\/s$/],
    [{ comments: 42, rateComments: 42, secs: 2, bytes: 0 }, /^42 comments, 21\/s$/],
  ])('%j', (p, expected) => {
    expect(formatProgress(p)).toMatch(expected);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const out: string[] = [];
    const p = new Progress({ isTTY: false, write: (s: string) => out.push(s) }, 100);
    p.update(5, 10, true);
    p.done(5, 10);
    expect(out).toEqual([]);
  });
});
