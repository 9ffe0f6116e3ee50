/** Where the package and the shared datasets are, from src/ (ts-jest) and dist/src/ alike. */
import * as fs from 'fs';
import * as path from 'path';
import { ModeratoError } from '../errors';

/** The package root: the nearest folder above this file holding moderato's package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let k = 0; k < 6; k++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p) && /"name":\s*"moderato"/.test(fs.readFileSync(p, 'utf8'))) return dir;
    dir = path.dirname(dir);
  }
  throw new ModeratoError('MOD_ERR_CONFIG', `moderato package root not found above ${__dirname}`);
}

/** Datasets folder: explicit option, else $MODERATO_DATASETS, else `../shared/datasets` beside the repo; MOD_ERR_CONFIG when missing. */
export function datasetsDir(explicit?: string): string {
  const dir = path.resolve(explicit ?? process.env.MODERATO_DATASETS ?? path.join(packageRoot(), '..', 'shared', 'datasets'));
  if (!fs.existsSync(dir)) throw new ModeratoError('MOD_ERR_CONFIG', `datasets folder not found: ${dir} (set --datasets or MODERATO_DATASETS)`);
  return dir;
}
