/**
 * The real server's start and stop: start-up fails fast with MOD_ERR_CONFIG on an unusable
 * database (a path under /proc that used to hang forever, a PostgreSQL that accepts connections
 * and never answers, a refused port), HOST is honoured and logged truthfully, requests Node's
 * parser rejects get a JSON answer, and shutdown lets in-flight requests finish.
 */
import * as net from 'net';
import { Writable } from 'stream';
import pino from 'pino';
import { startServer, type RunningServer } from '../../src/server/serve';
import { isModeratoError } from '../../src/errors';

function capture(): { logger: pino.Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).trim().split('\n').map((l) => JSON.parse(l))); cb(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const quiet = () => pino({ level: 'silent' });
const base = { port: 0, host: '127.0.0.1', databaseUrl: 'sqlite::memory:', scoreWorkers: 0, rateLimitPerClient: 0, rateLimitPerKey: 0 };

async function startFails(over: Record<string, unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await startServer({ ...base, ...over }, {}, quiet()).then(async (s) => {
    await s.close();
    return null;
  }, (e: unknown) => e);
  return { err, ms: Date.now() - t0 };
}

describe('start-up fails fast and clearly', () => {
  it.each(['accurate', 'cascade'] as const)('the %s mode with no scoring threads (MODERATO_SCORE_WORKERS=0) is MOD_ERR_CONFIG at once: the encoder would run on the event loop', async (mode) => {
    const { err, ms } = await startFails({ scorerMode: mode });
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_CONFIG');
    expect((err as Error).message).toMatch(new RegExp(`${mode} mode.*MODERATO_SCORE_WORKERS`));
    expect(ms).toBeLessThan(5000);
  });

  it('regression: DATABASE_URL=sqlite:/proc/nope/x.db is MOD_ERR_CONFIG at once (hung forever in mkdir)', async () => {
    const { err, ms } = await startFails({ databaseUrl: 'sqlite:/proc/nope/x.db' });
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_CONFIG');
    expect((err as Error).message).toMatch(/\/proc\/nope\/x\.db/);
    expect(ms).toBeLessThan(5000);
  });

  it('regression: a PostgreSQL that accepts connections and never answers is MOD_ERR_CONFIG after the connect timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { err, ms } = await startFails({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`, dbConnectTimeoutMs: 500 });
      expect(isModeratoError(err) && err.code).toBe('MOD_ERR_CONFIG');
      expect((err as Error).message).toMatch(/timeout/i);
      expect(ms).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('a refused PostgreSQL port and a malformed URL are MOD_ERR_CONFIG with the password masked', async () => {
    const refused = await startFails({ databaseUrl: 'postgres://me:hunter2@127.0.0.1:1/test' });
    expect(isModeratoError(refused.err) && refused.err.code).toBe('MOD_ERR_CONFIG');
    expect((refused.err as Error).message).not.toContain('hunter2');
    const bad = await startFails({ databaseUrl: 'postgres://[nope' });
    expect(isModeratoError(bad.err) && bad.err.code).toBe('MOD_ERR_CONFIG');
  });

  it('a port in use is MOD_ERR_CONFIG naming HOST and PORT', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const { err } = await startFails({ port: (taken.address() as net.AddressInfo).port });
      expect(isModeratoError(err) && err.code).toBe('MOD_ERR_CONFIG');
      expect((err as Error).message).toMatch(/in use/);
    } finally {
      taken.close();
    }
  });
});

describe('a running server', () => {
  let server: RunningServer;
  let lines: Record<string, any>[];
  beforeAll(async () => {
    const c = capture();
    lines = c.lines;
    server = await startServer(base, {}, c.logger);
    await server.ready;
  }, 120_000);
  afterAll(() => server?.close());

  it('listens on HOST and logs the address it is bound to', () => {
    expect(server.host).toBe('127.0.0.1');
    const line = lines.find((l) => /^listening on /.test(l.msg));
    expect(line).toMatchObject({ host: '127.0.0.1', port: server.port, msg: `listening on http://127.0.0.1:${server.port}` });
  });

  it('answers a request Node\'s HTTP parser rejects with a JSON 400', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.write('NOT A REQUEST\r\n\r\n'));
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/Content-Type: application\/json/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('MOD_ERR_VALIDATION');
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets the in-flight request finish, then closes the store', async () => {
    const s = await startServer(base, {}, quiet());
    await s.ready;
    const url = `http://127.0.0.1:${s.port}`;
    const comments = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, text: `the council voted on the footbridge, you idiot number ${i} `.repeat(30) }));
    const inFlight = fetch(`${url}/v1/score`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ comments }) });
    // Let the request reach the handler before the stop.
    await new Promise((r) => setTimeout(r, 50));
    const closing = s.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(100);
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(s.deps.store!.stats()).rejects.toThrow();
  }, 120_000);
});
