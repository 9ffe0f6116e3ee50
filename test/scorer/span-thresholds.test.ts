/** Regression: the scorer ignored the span thresholds stored with the model (only `eval` read them). */
import { createScorer } from '../../src/scorer';
import { loadModel, withThresholds } from '../../src/model';

it('assembles spans with the thresholds the model carries', async () => {
  const model = await loadModel();
  // No token can reach 1.01 and the fallback is off: this model must never report a span.
  const comments = [{ id: 'a', text: 'You are a stupid idiot and a pathetic loser.' }];
  const shipped = await createScorer({ model });
  const strict = await createScorer({ model: withThresholds(model, { span: 1.01, fallbackToxicity: 2 }) });
  try {
    expect((await shipped.score({ comments }))[0]!.spans.length).toBeGreaterThan(0);
    expect((await strict.score({ comments }))[0]!.spans).toEqual([]);
    // The view shares the weights: the comment scores are the same.
    expect((await strict.score({ comments }))[0]!.toxicity).toBe((await shipped.score({ comments }))[0]!.toxicity);
  } finally {
    shipped.dispose();
    strict.dispose();
    model.dispose();
  }
});
