/**
 * A real accurate-mode model for tests that need the sentence vector (stored features, site
 * adapters) before trained heads ship: heads that reproduce the shipped convolutional model's
 * outputs (weight 1 on each output's own logit, 0 on the vector), over the shipped base and the
 * packaged encoder. Written as a `moderato-heads` model.json, so the CLI and the server load it
 * with --model like any other model folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEAD_OUTPUTS } from '../src/model';
import { ENCODER_DIM, ENCODER_NAME } from '../src/encoder/types';
import { packageRoot } from '../src/util/paths';

const BASE_DIR = join(packageRoot(), 'models', 'toxicity');

/**
 * The shipped lexical off-topic model: tests of site adaptation pin it, so they do not depend on
 * the accurate off-topic model (models/offtopic/accurate) or its training state.
 */
export const LEXICAL_TOPIC_DIR = join(packageRoot(), 'models', 'offtopic');

/** Writes the identity-heads model to a temporary folder; answers it and how to remove it. */
export function writeIdentityHeads(): { dir: string; remove(): void } {
  const nb = HEAD_OUTPUTS.length;
  const heads = Object.fromEntries(HEAD_OUTPUTS.map((k, i) => {
    const w = new Array(nb + ENCODER_DIM).fill(0);
    w[i] = 1;
    return [k, { w, b: 0 }];
  }));
  const version = (JSON.parse(readFileSync(join(BASE_DIR, 'model.json'), 'utf8')) as { version: string }).version;
  const dir = mkdtempSync(join(tmpdir(), 'moderato-heads-'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    format: 'moderato-heads', name: 'identity-heads', version: '0.0.1',
    base: { dir: BASE_DIR, version },
    encoder: { name: ENCODER_NAME, dim: ENCODER_DIM },
    inputs: { base: [...HEAD_OUTPUTS], shift: new Array(nb + ENCODER_DIM).fill(0), scale: new Array(nb + ENCODER_DIM).fill(1) },
    heads,
    thresholds: {},
  }));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
