/**
 * `batch export`: a finished batch's results in input order (chunk by chunk), as JSONL (the
 * lines `moderato score` writes for the same archive) or CSV.
 */
import { ModeratoError } from '../../errors';
import { jsonlToCsv } from '../csv';
import type { BatchStore } from './store';

/** Streams batch `id`'s results to `write`; `MOD_ERR_INPUT` while it is unfinished. Answers the comment count. */
export async function exportBatch(store: BatchStore, id: string, write: (text: string) => Promise<void>, format: 'jsonl' | 'csv' = 'jsonl'): Promise<number> {
  const st = await store.status(id);
  if (!st.submitted || st.chunks.done < st.chunks.total) {
    throw new ModeratoError(
      'MOD_ERR_INPUT',
      `batch ${id} is not finished: ${st.chunks.done}/${st.chunks.total} chunks${st.submitted ? '' : ' (still being submitted)'}${st.failures.chunksGivenUp ? `, ${st.failures.chunksGivenUp} given up` : ''}; see batch status`,
    );
  }
  let after = -1;
  let first = true;
  for (;;) {
    const page = await store.resultsAfter(id, after, 20);
    if (page.length === 0) break;
    for (const r of page) {
      await write(format === 'csv' ? jsonlToCsv(r.lines, first) : r.lines);
      first = false;
      after = r.seq;
    }
  }
  return st.comments.total;
}
