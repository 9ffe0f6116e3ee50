/**
 * Review findings in ingest: thread-less comments of one request were all scored against the
 * first comment's article; re-sending an id with another text silently kept the old text.
 */
import { ingestComments, openStore, type QueueStore } from '../../src/queue';
import { createScorer, type Scorer } from '../../src/scorer';
import { isModeratoError } from '../../src/errors';

let scorer: Scorer;
let store: QueueStore;
beforeAll(async () => {
  scorer = await createScorer();
}, 120_000);
afterAll(() => scorer?.dispose());
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
});
afterEach(() => store.close());

const bridge = { title: 'Council approves harbour footbridge', body: 'The council approved a new footbridge over the harbour for cyclists and walkers.' };
const football = { title: 'United win the cup final', body: 'United beat City two goals to one in the cup final at Wembley on Saturday.' };

describe('regression: thread-less comments are judged against their own article', () => {
  it('scores each comment against its article, not the first comment\'s', async () => {
    const text = 'What a goal in the final, United deserved the cup.';
    const [alone] = await scorer.score({ comments: [{ id: 'x', text }], article: football, independent: true });
    const out = await ingestComments(store, () => scorer, {
      comments: [
        { id: 'a', text: 'The footbridge will help cyclists cross the harbour.', article: bridge },
        { id: 'b', text, article: football },
      ],
    });
    expect(out[1]!.comment.scores.offTopic).toBeCloseTo(alone!.offTopic!, 4);
    // Against the first comment's article (the bug), the football comment would be off topic.
    const [wrong] = await scorer.score({ comments: [{ id: 'x', text }], article: bridge, independent: true });
    expect(wrong!.offTopic!).toBeGreaterThan(alone!.offTopic!);
  });
});

describe('regression: the stored reasons name the policy threshold that held the comment, not the scorer default', () => {
  it('says "at or above the insult threshold 0.6 set by the policy for all sites" when the policy holds insults at 0.6', async () => {
    await store.setPolicy({ thresholds: { insult: 0.6, toxicity: null } }, { changedBy: 'test', source: 'test' });
    const [{ comment }] = await ingestComments(store, () => scorer, { comments: [{ id: 'i1', text: 'You are a stupid idiot.' }] });
    expect(comment.status).toBe('pending');
    const insult = comment.scores.reasons.find((r) => r.category === 'insult');
    expect(insult?.message).toMatch(/^insult 0\.\d\d is at or above the insult threshold 0\.6 set by the policy for all sites\.$/);
    // The scorer's own default (0.5) is quoted nowhere, and toxicity (null: never holds) gives no reason.
    expect(comment.scores.reasons.map((r) => r.message).join(' ')).not.toMatch(/threshold 0\.5/);
    expect(comment.scores.reasons.some((r) => r.code === 'toxicity')).toBe(false);
  });
});

describe('re-ingesting an id', () => {
  it('with the same text answers the stored comment (a retry)', async () => {
    await ingestComments(store, () => scorer, { comments: [{ id: 'r1', text: 'hello there' }] });
    const again = await ingestComments(store, () => scorer, { comments: [{ id: 'r1', text: 'hello there' }] });
    expect(again[0]).toMatchObject({ created: false, comment: { id: 'r1', text: 'hello there' } });
  });

  it('with a different text is MOD_ERR_CONFLICT naming the id, and stores nothing of the request', async () => {
    await ingestComments(store, () => scorer, { comments: [{ id: 'r2', text: 'first text' }] });
    const err = await ingestComments(store, () => scorer, { comments: [{ id: 'new-1', text: 'fine' }, { id: 'r2', text: 'second text' }] }).catch((e: unknown) => e);
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_CONFLICT');
    expect((err as { details: unknown }).details).toEqual({ ids: ['r2'] });
    expect((await store.getComment('r2'))!.text).toBe('first text');
    expect(await store.getComment('new-1')).toBeNull();
  });
});
