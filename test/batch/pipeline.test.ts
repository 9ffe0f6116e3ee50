import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer, type Scorer } from '../../src/scorer';
import { inProcessJsonl, openOutput, scoreUnits, toUnits, type InputItem, type JsonlScorer } from '../../src/batch';
import type { ScoreRequest } from '../../src/types';

const WORDS = ['harbour', 'bridge', 'council', 'idiot', 'ferry', 'market', 'stupid', 'budget', 'great', 'news'];

/** A deterministic stream of comments with a thread and malformed lines mixed in. */
function items(n: number, opts: { onRead?: (i: number) => void } = {}): AsyncIterable<InputItem> {
  return (async function* () {
    for (let i = 0; i < n; i++) {
      opts.onRead?.(i);
      if (i % 97 === 50) yield { kind: 'error', line: i + 1, message: 'malformed JSON' };
      else if (i % 211 === 100) {
        yield {
          kind: 'thread',
          line: i + 1,
          article: { id: `art${i}`, title: 'Footbridge approved' },
          comments: [0, 1, 2].map((k) => ({ id: `t${i}.${k}`, text: `${WORDS[(i + k) % 10]} reply ${k}`, parentId: k ? `t${i}.${k - 1}` : undefined })),
        };
      } else yield { kind: 'comment', line: i + 1, comment: { id: `c${i}`, text: `${WORDS[i % 10]} ${WORDS[(i * 7) % 10]} comment ${i}` } };
    }
  })();
}

/** The real scorer, but each task finishes after a random delay, so tasks complete out of order. */
function jittered(inner: JsonlScorer, seen: { inFlight: number; max: number }): JsonlScorer {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return {
    async scoreJsonl(reqs: ScoreRequest[]) {
      seen.inFlight++;
      seen.max = Math.max(seen.max, seen.inFlight);
      await new Promise((r) => setTimeout(r, rand() * 30));
      try {
        return await inner.scoreJsonl(reqs);
      } finally {
        seen.inFlight--;
      }
    },
  };
}

async function runToString(n: number, scorer: JsonlScorer, extra: Partial<Parameters<typeof scoreUnits>[1]> = {}): Promise<string> {
  let out = '';
  await scoreUnits(toUnits(items(n)), { scorer, write: async (t) => void (out += t), ...extra });
  return out;
}

describe('scoreUnits', () => {
  let scorer: Scorer;
  let reference: string;
  beforeAll(async () => {
    scorer = await createScorer();
    reference = await runToString(1200, inProcessJsonl(scorer), { inFlight: 1, taskComments: 1 });
  });
  afterAll(() => scorer.dispose());

  it('writes results in input order however tasks complete, with at most inFlight tasks out', async () => {
    const seen = { inFlight: 0, max: 0 };
    const out = await runToString(1200, jittered(inProcessJsonl(scorer), seen), { inFlight: 4, taskComments: 100 });
    expect(seen.max).toBeLessThanOrEqual(4);
    expect(seen.max).toBeGreaterThan(1);
    expect(out).toBe(reference);
    const ids = out.trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids[0]).toBe('c0');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads ahead of writing by a bounded amount (back-pressure)', async () => {
    let read = 0;
    let written = 0;
    let maxAhead = 0;
    await scoreUnits(toUnits(items(3000, { onRead: (i) => ((read = i + 1), (maxAhead = Math.max(maxAhead, read - written))) })), {
      scorer: jittered(inProcessJsonl(scorer), { inFlight: 0, max: 0 }),
      inFlight: 3,
      taskComments: 64,
      write: async (t) => void (written += t.split('\n').length - 1),
    });
    // 3 tasks scoring and 8 finished per task in flight waiting for the oldest (+ one unit being
    // filled, + a thread) at most: bounded, short of the 3,000 items.
    expect(maxAhead).toBeLessThan(3 * 8 * 64 + 2 * 64 + 10);
  });

  it('a slow oldest task holds no other back: scoring goes on while its results wait (regression: a warming thread idled the other)', async () => {
    const base = inProcessJsonl(scorer);
    let calls = 0;
    let firstDone = false;
    let startedMeanwhile = 0;
    const slowFirst: JsonlScorer = {
      async scoreJsonl(reqs) {
        const k = calls++;
        if (k > 0 && !firstDone) startedMeanwhile++;
        if (k > 0) return base.scoreJsonl(reqs);
        await new Promise((r) => setTimeout(r, 300));
        const out = await base.scoreJsonl(reqs);
        firstDone = true;
        return out;
      },
    };
    const out = await runToString(1200, slowFirst, { inFlight: 2, taskComments: 64 });
    expect(out).toBe(reference);
    // The old pipeline waited for the oldest after inFlight tasks: 1 more task started, not 8 or more.
    expect(startedMeanwhile).toBeGreaterThanOrEqual(8);
  });

  it.each([1, 63, 64, 65, 99, 100, 101, 102, 1180])('resumes after %i results (inside a unit, inside a thread, at its edges): the output ends up the same, nothing doubled', async (k) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-resume-'));
    const file = path.join(dir, 'out.jsonl');
    const lines = reference.split('\n');
    // An interrupted run: k whole lines and half of the next.
    fs.writeFileSync(file + '.partial', lines.slice(0, k).join('\n') + '\n' + lines[k].slice(0, 25));
    const output = await openOutput(file, { resume: true });
    expect(output.resumed).toEqual({ count: k, lastId: JSON.parse(lines[k - 1]).id });
    const summary = await scoreUnits(toUnits(items(1200)), { scorer: inProcessJsonl(scorer), write: (t) => output.write(t), resume: output.resumed, inFlight: 2, taskComments: 50 });
    await output.commit();
    expect(summary.resumed).toBe(k);
    expect(fs.readFileSync(file, 'utf8')).toBe(reference);
    expect(fs.existsSync(file + '.partial')).toBe(false);
  });

  it('refuses to resume from the output of another input', async () => {
    const other = reference.split('\n').slice(0, 10).join('\n').replace(/"id":"c9"/, '"id":"zz"') + '\n';
    await expect(
      scoreUnits(toUnits(items(1200)), { scorer: inProcessJsonl(scorer), write: async () => undefined, resume: { count: 10, lastId: JSON.parse(other.split('\n')[9]).id } }),
    ).rejects.toMatchObject({ code: 'MOD_ERR_INPUT', message: expect.stringMatching(/another input/) });
    await expect(scoreUnits(toUnits(items(5)), { scorer: inProcessJsonl(scorer), write: async () => undefined, resume: { count: 10 } })).rejects.toMatchObject({
      code: 'MOD_ERR_INPUT',
      message: expect.stringMatching(/holds 10 results but the input has only/),
    });
  });

  it('strict stops at the first problem after writing everything before it', async () => {
    let out = '';
    const s = await scoreUnits(toUnits(items(1200)), { scorer: inProcessJsonl(scorer), write: async (t) => void (out += t), strict: true, inFlight: 3, taskComments: 7 });
    expect(s.stoppedAt?.line).toBe(51);
    expect(out.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
  });

  it('adds threadId, threadTitle and createdAt after the id when the input has them', async () => {
    const out = reference.split('\n').find((l) => l.startsWith('{"id":"t100.0"'))!;
    expect(out.startsWith('{"id":"t100.0","threadId":"art100","threadTitle":"Footbridge approved","toxicity":')).toBe(true);
    expect(JSON.parse(out).reasons).toBeDefined();
  });
});
