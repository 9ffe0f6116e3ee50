import * as fs from 'fs';
import { analyzeThread, neighbourhoods, smoothOver, Neighbour, TopicArticle, TopicComment } from '../../src/topic/features';
import { blendInputs, classifierLogit, contextInputs, CONTEXT_INPUTS, loadOffTopicModel } from '../../src/topic/model';
import { logit, predict } from '../../src/topic/logreg';
import { itWithSouthfront, southfrontThreadPath } from '../datasets';
import type { SparseVec } from '../../src/topic/vectors';

const vec = (...terms: string[]): SparseVec => {
  const v: SparseVec = new Map();
  for (const t of terms) v.set(t, 1 / Math.sqrt(terms.length));
  return v;
};

describe('neighbourhoods', () => {
  const vecs = [vec('a', 'b'), vec('a', 'c'), vec('x'), vec('a', 'b'), vec('y'), vec('c')];

  it('flat thread: two comments on each side, never itself, weighted by sqrt cosine', () => {
    const h = neighbourhoods(vecs, [-1, 0, 1, 2, 3, 4], false);
    expect(h[0].map(([j]) => j)).toEqual([1, 2]);
    expect(h[3].map(([j]) => j)).toEqual([1, 2, 4, 5]);
    expect(h[5].map(([j]) => j)).toEqual([3, 4]);
    expect(h[0][0][1]).toBeCloseTo(Math.sqrt(0.5), 6); // shares one of two terms
    expect(h[0][1][1]).toBe(0); // shares nothing: weighs nothing
  });

  it('reply tree: parent, grandparent and direct replies', () => {
    // 0 <- 1 <- 2, 0 <- 3, 3 <- 4, 5 top-level
    const h = neighbourhoods(vecs, [-1, 0, 1, 0, 3, -1], true);
    expect(h[0].map(([j]) => j).sort()).toEqual([1, 3]);
    expect(h[2].map(([j]) => j).sort()).toEqual([0, 1]);
    expect(h[3].map(([j]) => j).sort()).toEqual([0, 4]);
    expect(h[5]).toEqual([]);
  });
});

describe('smoothOver', () => {
  it('keeps a value with no similar neighbours, and pulls towards similar ones by their weight', () => {
    const hoods: Neighbour[][] = [[[1, 0]], [[0, 0], [2, 1]], [[1, 1]]];
    expect(smoothOver([5, -1, 3], hoods)).toEqual([5, 1, 1]);
  });
});

describe('contextInputs', () => {
  it('[logit, smoothed logit, mean logit of the same author elsewhere in the thread]', () => {
    const z = [-2, 1, 3, 0];
    const hoods: Neighbour[][] = [[], [], [], []];
    const x = contextInputs(z, hoods, ['ann', 'bob', 'ann', undefined]);
    expect(x).toEqual([
      [-2, -2, 3], // ann's other comment
      [1, 1, 1], // bob comments once: his own logit
      [3, 3, -2],
      [0, 0, 0], // unknown author
    ]);
    expect(CONTEXT_INPUTS).toHaveLength(x[0].length);
  });
});

describe('shipped context pass', () => {
  const model = loadOffTopicModel();
  const f = model.file;
  const firstPass = (article: TopicArticle | undefined, comments: TopicComment[]) => {
    const a = analyzeThread(f.idf, article, comments, f.lexical, f.relevance);
    const z = a.comments.map((c) => logit(predict(f.blend, blendInputs(classifierLogit(f, c.features), c.features, f.blendRange))));
    return { a, z, x: contextInputs(z, a.hoods, a.authors) };
  };

  it('has non-negative weights over its documented inputs', () => {
    expect(f.context.weights).toHaveLength(CONTEXT_INPUTS.length);
    for (const w of f.context.weights) expect(w).toBeGreaterThanOrEqual(0);
    expect(f.context.weights[0]).toBeGreaterThan(0);
  });

  it('a comment that shares no words with its neighbours keeps its own logit', () => {
    const { z, x } = firstPass({ title: 'Idlib crossings reopen' }, [
      { id: 'u', text: 'My cat sleeps on the sofa all day.' },
      { id: 'a', text: 'The crossings reopen next week.' },
    ]);
    expect(x[1][1]).toBe(z[1]);
    expect(x[1][2]).toBe(z[1]); // no author either
  });

  itWithSouthfront('SouthFront: the Britain exchange (c09, c10) is off topic through its company, not its own words', () => {
    const thread = JSON.parse(fs.readFileSync(southfrontThreadPath, 'utf8'));
    const { z, x } = firstPass(thread.article, thread.comments);
    for (const id of ['c09', 'c10']) {
      const i = thread.comments.findIndex((c: TopicComment) => c.id === id);
      expect(predict(f.context, [z[i], z[i], z[i]])).toBeLessThan(model.threshold); // alone: reads on topic
      expect(x[i][1]).toBeGreaterThan(z[i]); // its similar neighbours are further off topic
      expect(x[i][2]).toBeGreaterThan(z[i]); // so are its author's other comments
      expect(predict(f.context, x[i])).toBeGreaterThanOrEqual(model.threshold);
    }
  });
});
