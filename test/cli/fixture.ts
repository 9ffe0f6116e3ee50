/**
 * What the CLI tests of site adaptation share: streams that keep what a command wrote, and one
 * accurate-mode scorer (identity heads over the shipped model, the lexical off-topic model) with a
 * temporary folder, loaded once per test file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer, type Scorer } from '../../src/scorer';
import { LEXICAL_TOPIC_DIR, writeIdentityHeads } from '../heads';

/** Streams that keep what was written. */
export function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => ((out.stdout += s), true) }, stderr: { write: (s: string) => ((out.stderr += s), true) } } as never };
}

/**
 * Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. `topicDir`:
 * the off-topic model (default the lexical one; the sentence model stores article vectors).
 */
export function accurateCliFixture(prefix: string, opts: { topicDir?: string } = {}): { scorer: Scorer; heads: ReturnType<typeof writeIdentityHeads>; dir: string } {
  const fx = {} as { scorer: Scorer; heads: ReturnType<typeof writeIdentityHeads>; dir: string };
  beforeAll(async () => {
    fx.heads = writeIdentityHeads();
    fx.scorer = await createScorer({ modelDir: fx.heads.dir, topicDir: opts.topicDir ?? LEXICAL_TOPIC_DIR });
    fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }, 120_000);
  afterAll(() => {
    fx.scorer?.dispose();
    fx.heads?.remove();
    if (fx.dir) fs.rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
