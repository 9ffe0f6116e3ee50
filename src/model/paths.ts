/**
 * Where the shipped models live. Apart from ./index.ts so that code which only needs a model's
 * folder (the scorer pool's main thread, ./tables.ts) does not load TF.js with the model code.
 */
import * as path from 'path';
import { packageRoot } from '../util/paths';

/** Default model folder: `models/toxicity` in the package, wherever the process runs from. */
export function defaultModelDir(): string {
  return path.join(packageRoot(), 'models', 'toxicity');
}

/** Default folder of the encoder heads (the scorer's `accurate` mode): `models/heads` in the package. */
export function defaultHeadsDir(): string {
  return path.join(packageRoot(), 'models', 'heads');
}
