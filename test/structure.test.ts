/**
 * Regression: `src/server/routes/*` imported values from `app.ts`, which imported them (a runtime
 * import cycle). No module of src/ may reach itself through value imports (`import type` is erased
 * at build time and does not count).
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return null;
}

/** Value imports and re-exports of a file (relative ones), without `import type` / `export type`. */
function valueImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
    if (m[1]) continue;
    const to = resolve(file, m[2]!);
    if (to) out.push(to);
  }
  return out;
}

it('src/ has no runtime import cycles', () => {
  const graph = new Map(sources(SRC).map((f) => [f, valueImports(f)]));
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const visit = (n: string, stack: string[]): void => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].map((f) => path.relative(SRC, f)).join(' -> '));
      else if (!state.has(m)) visit(m, stack);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
  expect(cycles).toEqual([]);
});
