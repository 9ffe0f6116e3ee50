/**
 * Records the toxicity model's outputs for a fixed set of varied comments into
 * test/model/fixtures/predictions.json. It was run once, before the inference fast path, with the
 * original tf forward pass (commit bc61353); test/model/equivalence.test.ts compares every later
 * implementation against that record. Re-running it overwrites the reference: only do that on
 * purpose (e.g. for new shipped weights), never to make the equivalence test pass. It records
 * with `predictReference` (the original tf forward), not the fast path under test. Re-recorded
 * for the identitySpanW retraining and again for the spelled-out-letters tokenizer fix and its
 * retraining (2026-11-25).
 *
 *   npx tsc && node dist/bench/record-fixture.js
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadModel, HashedToxicityModel } from '../src/model';
import { featurize } from '../src/model/features';
import { tokenize } from '../src/text';
import { packageRoot } from '../src/util/paths';

/** Varied on purpose: clean, toxic, obfuscated, emoji, URLs, mentions, non-Latin, empty, long, one token. */
export const FIXTURE_COMMENTS: string[] = [
  'Thanks, that was a helpful article.',
  'shut up you stupid moron',
  'You are a stupid 1d10t!!!',
  'What a f*cking joke of a council. Idiots, all of them.',
  'i d i o t s everywhere, s.t.u.p.i.d people',
  'Miss Cornhole, you are a MI6 troll',
  'This is sooooo stuuuupid, honestly.',
  'Go die in a fire, you worthless piece of garbage.',
  'The footbridge over the harbour was approved 5-2 on Tuesday; construction starts in 2027 at a cost of $1,250,000.',
  '@mayor_smith #shame on you 😡😡 https://example.com/news?id=42',
  'Being gay is nothing to be ashamed of.',
  'Muslims and Christians both live in this town peacefully.',
  'Ты идиот, понял? Ѕtupіd (with Cyrillic look-alikes)',
  'a',
  '',
  '   ',
  '!!!',
  '🙂',
  'I will find you and hurt you.',
  'What a load of crap. The writer clearly has no clue what he is talking about, and the editors let this garbage through. Pathetic. '.repeat(3),
  'Lovely weather today. '.repeat(60),
  'ignorant fool\u200B idi\u200Bot a$$hole sh!t',
  'Trump supporters are brainwashed sheep',
  'I disagree with the premise, but the data in the second chart is interesting.',
];

async function main(): Promise<void> {
  const model = await loadModel(undefined, { backend: 'wasm' });
  const m = model as HashedToxicityModel;
  const preds = m.predictReference(FIXTURE_COMMENTS);
  // Full type distributions too (one comment per forward pass), so a test can tell a real change
  // of the most likely type from a near-tie.
  const typeProbs = FIXTURE_COMMENTS.map((text) => {
    const toks = tokenize(text);
    if (!toks.length) return [];
    const r = m.runBatch([featurize(toks, { buckets: m.config.buckets, version: m.config.featureVersion })]);
    return Array.from(r.type.slice(0, toks.length * 5));
  });
  const out = {
    note: 'Outputs of the shipped models/toxicity on the wasm backend, recorded by bench/record-fixture.ts with the original tf forward (predictReference). Compared by test/model/equivalence.test.ts.',
    backend: model.info.backend,
    comments: FIXTURE_COMMENTS.map((text, i) => ({
      text,
      tokens: preds[i].tokens.map((t) => [t.start, t.end, t.kind, t.norm]),
      tokenToxic: Array.from(preds[i].tokenToxic),
      tokenType: Array.from(preds[i].tokenType),
      typeProbs: typeProbs[i],
      toxicity: preds[i].toxicity,
      categories: preds[i].categories,
    })),
  };
  const file = path.join(packageRoot(), 'test', 'model', 'fixtures', 'predictions.json');
  fs.writeFileSync(file, JSON.stringify(out) + '\n');
  model.dispose();
  process.stderr.write(`wrote ${file}\n`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exitCode = 1;
  });
}
