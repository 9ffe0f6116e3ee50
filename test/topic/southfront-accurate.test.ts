/**
 * The accurate-mode off-topic model (models/offtopic/accurate: the lexical model plus its sentence
 * stage, issue 28) on the SouthFront thread, with the sentence vectors the scorer's accurate mode
 * would give it: every comment as labelled, clear cases by the same margin as the lexical model's
 * test, and never below the lexical model's score where that flags the comment (the stage combines
 * by `either`; its veto, 0.2, overrules no flag here: the flagged comments' stage scores are 0.25
 * and up). The encoder is loaded once for the file. Skipped while no accurate model is shipped, or without ../shared.
 */
import * as fs from 'fs';
import * as path from 'path';
import { accurateTopicDir, articleText, loadOffTopicModel, type OffTopicResult } from '../../src/topic';
import { loadEncoder } from '../../src/encoder';
import { haveSouthfront, southfrontThreadPath } from '../datasets';

const shipped = fs.existsSync(path.join(accurateTopicDir(), 'model.json'));
const run = shipped && haveSouthfront ? describe : describe.skip;
const labels: Record<string, { offTopic: boolean; clear: boolean }> = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'southfront-labels.json'), 'utf8')).labels;

run('accurate off-topic model on the SouthFront thread', () => {
  const thread = JSON.parse(fs.readFileSync(southfrontThreadPath, 'utf8'));
  const lexical = loadOffTopicModel();
  const model = loadOffTopicModel(accurateTopicDir());
  let staged: OffTopicResult[] = [];
  const plain = lexical.score(thread.article, thread.comments);
  beforeAll(async () => {
    const encoder = await loadEncoder();
    const texts: string[] = thread.comments.map((c: { text: string }) => c.text);
    const vecs = await encoder.embed([...texts, articleText(thread.article)]);
    await encoder.dispose();
    staged = model.score(thread.article, thread.comments, { article: vecs[texts.length], comments: vecs.slice(0, texts.length) });
  }, 120_000);

  it('uses its stage, keeps the lexical threshold, and scores as the lexical model without vectors', () => {
    expect(model.usesVectors).toBe(true);
    expect(model.threshold).toBe(lexical.threshold);
    expect(model.score(thread.article, thread.comments)).toEqual(plain);
  });

  it('reads every comment as labelled, clear ones by at least 0.01', () => {
    thread.comments.forEach((c: { id: string }, i: number) => {
      const l = labels[c.id];
      const p = staged[i].offTopic!;
      if (l.offTopic) expect(p).toBeGreaterThanOrEqual(model.threshold + (l.clear ? 0.01 : 0));
      else expect(p).toBeLessThan(model.threshold - (l.clear ? 0.01 : 0));
    });
  });

  it('decides the three comments the off-topic issue names by at least 0.05: c02 on topic, c09 and c10 off', () => {
    const at = (id: string) => staged[thread.comments.findIndex((c: { id: string }) => c.id === id)].offTopic!;
    expect(model.threshold - at('c02')).toBeGreaterThanOrEqual(0.05);
    expect(at('c09') - model.threshold).toBeGreaterThanOrEqual(0.05);
    expect(at('c10') - model.threshold).toBeGreaterThanOrEqual(0.05);
  });

  it('keeps every flag of the lexical model on this thread, never below its score there', () => {
    expect(model.file.sentence?.combine).toBe('either');
    expect(model.file.sentence?.veto).toBe(0.2);
    const flagged = plain.map((r) => r.offTopic! >= model.threshold);
    expect(flagged.some(Boolean)).toBe(true);
    staged.forEach((r, i) => flagged[i] && expect(r.offTopic!).toBeGreaterThanOrEqual(plain[i].offTopic! - 1e-4));
    expect(staged.some((r, i) => r.offTopic! > plain[i].offTopic! + 0.01)).toBe(true);
  });
});
