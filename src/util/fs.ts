import { mkdirSync, statSync } from 'fs';
import { dirname } from 'path';

/**
 * Creates `dir` and its missing parents, one level at a time. Node's `mkdirSync(dir, {recursive:
 * true})` loops forever under procfs (`/proc/nope/x`), which hung `DATABASE_URL=sqlite:/proc/...`;
 * a plain mkdir per level fails with the real error instead.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  for (;;) {
    try {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error(`${d} exists and is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  for (const m of missing.reverse()) mkdirSync(m);
}
