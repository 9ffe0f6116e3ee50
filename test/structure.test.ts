/**
 * The shape of src/: which module may import which.
 *
 * - Layers: a module imports only from its own layer or a lower one, `import type` included (a
 *   type import still ties the lower layer to the higher one's vocabulary). Training (src/data,
 *   src/train) sits above the whole runtime: the server and the CLI never load training code.
 * - Regression: `src/server/routes/*` imported values from `app.ts`, which imported them (a
 *   runtime import cycle); `src/data`, `src/queue` and `src/train` had type-level cycles. No module
 *   of src/ may reach itself through its imports, type imports included.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');

/**
 * Lowest first; each entry is a folder of src/ (or a file at its top, without `.ts`). Folders in
 * one entry are peers and may import each other (the cycle test below still holds them apart).
 * The registry of errors, the shared types and the input limits import nothing, so everything may
 * use them.
 */
const LAYERS: string[][] = [
  ['errors', 'types', 'limits'],
  ['util'],
  ['text'],
  ['encoder', 'model', 'adapt'],
  ['spans'],
  ['topic'],
  ['scorer'],
  ['queue', 'batch', 'perspective', 'report'],
  ['server'],
  ['cli', 'index'],
  // Training: dataset readers, then the training and evaluation jobs.
  ['data'],
  ['train'],
];
const TRAINING = new Set(['data', 'train']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return null;
}

interface Edge {
  to: string;
  type: boolean;
}

/** Relative imports and re-exports of a file: static (`type` ones marked) and dynamic `import('…')`. */
function imports(file: string): Edge[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
    const to = resolve(file, m[2]!);
    if (to) out.push({ to, type: Boolean(m[1]) });
  }
  for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    const to = resolve(file, m[1]!);
    if (to) out.push({ to, type: false });
  }
  return out;
}

/** `model` for src/model/net.ts, `errors` for src/errors.ts. */
const unit = (file: string) => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, '');
const layerOf = new Map(LAYERS.flatMap((units, k) => units.map((u) => [u, k] as const)));
const graph = new Map(sources(SRC).map((f) => [f, imports(f)]));
const rel = (f: string) => path.relative(SRC, f);

it('reads the imports (a reader that saw none would pass every rule below)', () => {
  const edges = [...graph.values()].flat();
  expect(edges.length).toBeGreaterThan(200);
  expect(edges.filter((e) => e.type).length).toBeGreaterThan(20);
  expect(graph.get(path.join(SRC, 'cli', 'index.ts'))!.map((e) => rel(e.to))).toContain(path.join('cli', 'batch.ts'));
});

it('every folder of src/ has a place in the layer order', () => {
  const missing = [...new Set([...graph.keys()].map(unit))].filter((u) => !layerOf.has(u));
  expect(missing).toEqual([]);
});

it('no module imports from a higher layer (type imports included)', () => {
  const upward: string[] = [];
  for (const [from, edges] of graph) {
    for (const e of edges) {
      const a = unit(from);
      const b = unit(e.to);
      if ((layerOf.get(b) ?? -1) > (layerOf.get(a) ?? Infinity)) upward.push(`${rel(from)} -> ${rel(e.to)}${e.type ? ' (type)' : ''}`);
    }
  }
  expect(upward).toEqual([]);
});

it('no runtime module imports training code (src/data, src/train), not even a type', () => {
  const found = [...graph].flatMap(([from, edges]) => (TRAINING.has(unit(from)) ? [] : edges.filter((e) => TRAINING.has(unit(e.to))).map((e) => `${rel(from)} -> ${rel(e.to)}`)));
  expect(found).toEqual([]);
});

it('src/ has no import cycles, type-level ones included', () => {
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const visit = (n: string, stack: string[]): void => {
    state.set(n, 1);
    stack.push(n);
    for (const { to: m } of graph.get(n) ?? []) {
      if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].map(rel).join(' -> '));
      else if (!state.has(m)) visit(m, stack);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
  expect(cycles).toEqual([]);
});
