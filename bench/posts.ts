/** The batch benches' posts: C3 news comments, OLID tweets and SemEval toxic-spans posts, interleaved. */
import { loadC3, loadOlid, loadTsd } from '../src/data';

/** The first `n` posts, C3, OLID and tsd_train taken in turn (deterministic); recycled when `recycle` and the datasets run out. */
export function posts(n: number, datasets?: string, recycle = false): string[] {
  const sources = [loadC3(datasets).map((r) => r.text), loadOlid('train', datasets).map((r) => r.text), loadTsd('tsd_train', datasets).map((p) => p.text)];
  const longest = Math.max(...sources.map((s) => s.length));
  const out: string[] = [];
  for (let i = 0; out.length < n && (recycle || i < longest); i++) {
    for (const s of sources) if ((recycle || i < s.length) && out.length < n) out.push(s[i % s.length]);
  }
  if (out.length < n) throw new Error(`only ${out.length} posts in the datasets, asked for ${n}`);
  return out;
}
