// Bundles the moderator's page (web/src) into dist/moderate with esbuild and checks its size.
// Run by `npm run build:web` (and so by `npm ci`, through `prepare`).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'moderate');
/** The issue's budget for the page's JavaScript and CSS, gzipped. */
const MAX_GZIP_BYTES = 150 * 1024;

mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  outfile: join(out, 'assets', 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'style.css'), join(out, 'assets', 'app.css'));
copyFileSync(join(here, 'favicon.svg'), join(out, 'assets', 'favicon.svg'));
const sizes = ['app.js', 'app.css'].map((f) => {
  const raw = readFileSync(join(out, 'assets', f));
  return { f, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
});
// The assets are cached for an hour; a content hash in their URLs makes a new build load at once.
const version = (f) => createHash('sha256').update(readFileSync(join(out, 'assets', f))).digest('hex').slice(0, 12);
writeFileSync(
  join(out, 'index.html'),
  readFileSync(join(here, 'index.html'), 'utf8').replace(/\/moderate\/assets\/(app\.js|app\.css)"/g, (_m, f) => `/moderate/assets/${f}?v=${version(f)}"`),
);
const total = sizes.reduce((s, x) => s + x.gz, 0);
console.log(`web: ${sizes.map((s) => `${s.f} ${s.raw} B (${s.gz} B gzipped)`).join(', ')}; total ${total} B gzipped`);
if (total > MAX_GZIP_BYTES) {
  console.error(`web: the bundle is ${total} B gzipped, over the ${MAX_GZIP_BYTES} B budget`);
  process.exit(1);
}
