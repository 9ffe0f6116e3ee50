/**
 * The Chromium the browser tests drive: MODERATO_TEST_CHROMIUM (a path) if set, else the system's
 * (/usr/bin/chromium, as Debian installs it), else the one in the npm package @sparticuz/chromium,
 * so a fresh machine with nothing but Node and the registry runs them too.
 * MODERATO_TEST_CHROMIUM=npm takes the npm one even where the system has its own (.ci/run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Where the executable is, which one it is, and the environment it needs. */
export interface ChromiumFound {
  path: string;
  source: 'MODERATO_TEST_CHROMIUM' | 'system' | '@sparticuz/chromium';
  env?: Record<string, string>;
}

/**
 * @sparticuz/chromium keeps a brotli-packed headless shell (~70 MB) and unpacks it on first use
 * into `os.tmpdir()`, reusing whatever file is already there, even half-written. So it is
 * unpacked once into a staging folder, then renamed into a cache keyed by the package's version:
 * concurrent runs and an interrupted unpack never leave a broken executable behind.
 */
function npmChromium(): ChromiumFound {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string };
  const dir = join(ROOT, 'node_modules', '.cache', 'moderato', `chromium-${version}`);
  const exe = join(dir, 'chromium');
  if (!existsSync(exe)) {
    const staging = `${dir}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // An ES module: a child Node imports it (jest's module system cannot).
    execFileSync(process.execPath, ['--input-type=module', '-e', "import c from '@sparticuz/chromium'; await c.executablePath();"], {
      cwd: ROOT, env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(exe)) throw e; // another run won the rename: its copy is complete
    }
  }
  // A machine without fontconfig's system setup gets the package's own fonts.
  if (existsSync('/etc/fonts/fonts.conf')) return { path: exe, source: '@sparticuz/chromium' };
  const conf = join(dir, 'fonts.conf');
  if (!existsSync(conf)) writeFileSync(conf, `<?xml version="1.0"?>\n<fontconfig><dir>${join(dir, 'fonts', 'fonts')}</dir><cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`);
  return { path: exe, source: '@sparticuz/chromium', env: { FONTCONFIG_FILE: conf } };
}

/** Finds the Chromium to drive (see the file's header); unpacks the npm one on first use. */
export function findChromium(): ChromiumFound {
  const asked = process.env.MODERATO_TEST_CHROMIUM;
  if (asked === 'npm') return npmChromium();
  if (asked) {
    if (!existsSync(asked)) throw new Error(`MODERATO_TEST_CHROMIUM=${asked}: no such file`);
    return { path: asked, source: 'MODERATO_TEST_CHROMIUM' };
  }
  const system = SYSTEM.find((p) => existsSync(p));
  return system ? { path: system, source: 'system' } : npmChromium();
}

/** Launches the Chromium found, headless, through playwright-core. */
export async function launchChromium(): Promise<{ browser: Browser; found: ChromiumFound }> {
  const found = findChromium();
  const browser = await chromium.launch({
    executablePath: found.path,
    headless: true,
    env: found.env ? { ...process.env, ...found.env } : undefined,
    // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return { browser, found };
}
