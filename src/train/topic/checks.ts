/**
 * The off-topic checks outside the cross-validation, printed by `npm run eval:topic`: the
 * SouthFront thread against its labels (test/topic/fixtures/southfront-labels.json), and the
 * accurate scorer's embedding count (every comment and the article embedded exactly once per
 * scoring call, counted at the encoder).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { OffTopicModel } from '../../topic';
import type { TopicVectors } from '../../topic/sentence';
import { datasetsDir, packageRoot } from '../../util/paths';
import type { Article, CommentInput } from '../../types';

/** The SouthFront thread and its labels. */
export function southfront(datasets?: string): { article: Article; comments: CommentInput[]; labels: Record<string, { offTopic: boolean; clear: boolean }> } {
  const thread = JSON.parse(fs.readFileSync(path.join(datasetsDir(datasets), '..', 'examples', 'southfront-thread.json'), 'utf8'));
  const labels = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'test', 'topic', 'fixtures', 'southfront-labels.json'), 'utf8')).labels;
  return { article: thread.article, comments: thread.comments, labels };
}

/** SouthFront under `model` (with `vectors`: its sentence stage): comments as labelled, clear margins, the three the issue names. */
export function southfrontCheck(model: OffTopicModel, datasets?: string, vectors?: TopicVectors) {
  const sf = southfront(datasets);
  const res = model.score(sf.article, sf.comments, vectors);
  let right = 0;
  let onMargin = Infinity;
  let offMargin = Infinity;
  const scores: Record<string, number> = {};
  sf.comments.forEach((c, i) => {
    const p = res[i].offTopic!;
    const l = sf.labels[c.id];
    scores[c.id] = p;
    if (p >= model.threshold === l.offTopic) right++;
    if (l.clear) {
      if (l.offTopic) offMargin = Math.min(offMargin, p - model.threshold);
      else onMargin = Math.min(onMargin, model.threshold - p);
    }
  });
  const named = Object.fromEntries(['c02', 'c09', 'c10'].map((id) => [id, { score: scores[id], margin: Math.round((sf.labels[id].offTopic ? scores[id] - model.threshold : model.threshold - scores[id]) * 1e4) / 1e4 }]));
  return { right, of: sf.comments.length, threshold: model.threshold, clearMargins: { onTopic: onMargin, offTopic: offMargin }, named, scores };
}
