/**
 * The browser test's real server: `node bin/moderato.js serve` (what `npm start` runs) as a
 * child process on a temporary SQLite file, API keys made with the real CLI, and a small JSON
 * client for seeding and checking through the HTTP API.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'moderato.js');

/** A started server and how to reach and stop it. */
export interface TestServer {
  url: string;
  /** The server's store, for seeding what the HTTP API cannot (e.g. a site's imported decisions). */
  databaseUrl: string;
  keys: Record<'ingest' | 'alice' | 'bob' | 'admin', string>;
  /** A JSON request with a bearer key; throws on a non-2xx answer. */
  call<T = any>(key: string, method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Creates the keys with the CLI, starts the server on a free port and waits until the model is ready. */
export async function startTestServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'moderato-web-'));
  const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'moderato.db')}`, PORT: '0', HOST: '127.0.0.1', MODERATO_LEASE_SECONDS: '300', DOTENV_CONFIG_QUIET: 'true' };
  const key = (role: string, name: string) => execFileSync('node', [BIN, 'keys', 'create', '--role', role, '--name', name], { env, encoding: 'utf8' }).trim().split('\n').pop()!;
  const keys = { ingest: key('ingest', 'example.com'), alice: key('moderator', 'alice'), bob: key('moderator', 'bob'), admin: key('admin', 'root') };
  const child: ChildProcess = spawn('node', [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${log}`)), 30_000);
    child.stderr!.on('data', (b: Buffer) => {
      log += b.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.ok) break;
    if (i > 300) throw new Error(`model not ready after 60 s:\n${log}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  const call = async (k: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, { method, headers: { Authorization: `Bearer ${k}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    databaseUrl: env.DATABASE_URL,
    keys,
    call,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
