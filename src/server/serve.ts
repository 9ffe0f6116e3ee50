import { createServer, type Server } from 'http';
import type { AddressInfo, Socket } from 'net';
import type { Logger } from 'pino';
import { ModeratoError } from '../errors';
import { openStore, redactDatabaseUrl } from '../queue';
import { createScorer, createScorerPool, type ScorerOptions, type ScorerPool } from '../scorer';
import { createApp } from './app';
import { configFromEnv, type ServerConfig } from './config';
import type { AppDeps } from './context';
import { createLogger } from './logging';
import { createMetrics } from './metrics';
import { instrumentScorer, poolScorer, servedModes } from './scoring';

/** A running server: its address and how to stop it. */
export interface RunningServer {
  port: number;
  host: string;
  server: Server;
  deps: AppDeps;
  /** Resolves once the model is loaded (rejects with MOD_ERR_MODEL if it failed). */
  ready: Promise<void>;
  /** Graceful stop: no new connections, in-flight requests finish (up to the shutdown timeout), then the pool and the store close. */
  close(): Promise<void>;
}

/** The JSON answer for a request Node's HTTP parser rejects before the app sees it. */
function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify(new ModeratoError('MOD_ERR_VALIDATION', tooLarge ? 'Request headers are too large' : `Malformed HTTP request (${err.code ?? 'parse error'})`).toJSON());
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Listens, turning the errors an operator can fix (port taken, bad HOST) into MOD_ERR_CONFIG. */
async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' ? 'no such local address' : e.message;
      reject(new ModeratoError('MOD_ERR_CONFIG', `Cannot listen on ${host}:${port} (HOST, PORT): ${why}`));
    });
    server.listen(port, host);
  });
  return server.address() as AddressInfo;
}

/**
 * Opens the queue store (migrating it), then the port, and loads the model in the background
 * (`/readyz` says when it is ready), so orchestrators see a live process while the model loads.
 * The store opens first: a server that cannot keep what it accepts must not accept anything.
 * Scoring runs in a pool of worker threads (`scoreWorkers`), or on the main thread when 0.
 */
export async function startServer(overrides: Partial<ServerConfig> = {}, givenOptions: ScorerOptions = {}, logger?: Logger): Promise<RunningServer> {
  const config: ServerConfig = { ...configFromEnv(), ...overrides };
  const scorerOptions: ScorerOptions = { ...givenOptions, ...(givenOptions.mode === undefined && config.scorerMode ? { mode: config.scorerMode } : {}) };
  // The sentence encoder costs ~10 ms of CPU per comment: on the main thread it would stall every
  // other request, so every mode but fast (accurate, and the cascade's share of comments) needs the scoring threads.
  const encoderOnLoop = (mode: string): ModeratoError => new ModeratoError('MOD_ERR_CONFIG', `the ${mode} mode runs the sentence encoder, which must not run on the event loop: set MODERATO_SCORE_WORKERS to 1 or more, or use --mode fast`);
  if (config.scoreWorkers === 0 && scorerOptions.mode !== undefined && scorerOptions.mode !== 'fast') throw encoderOnLoop(scorerOptions.mode);
  const log = logger ?? createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl, { policyFile: config.policyFile, connectTimeoutMs: config.dbConnectTimeoutMs });
  log.info({ store: store.kind, databaseUrl: redactDatabaseUrl(config.databaseUrl) }, 'queue store open');

  let pool: ScorerPool | undefined;
  const metrics = createMetrics({ store, poolDepth: () => pool?.queueSize ?? 0, processMetrics: true });
  const deps: AppDeps = { scorer: { current: null }, config, logger: log, store, metrics };
  const server = createServer(createApp(deps));
  // Answer what Node's parser rejects (bad request line, huge headers) in JSON, not an empty 400.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
    else socket.end(clientErrorResponse(err));
  });
  let address: AddressInfo;
  try {
    address = await listen(server, config.port, config.host);
  } catch (e) {
    await store.close();
    throw e;
  }
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  // The address the socket is bound to, not a guess: 0.0.0.0 means every interface.
  log.info({ host: address.address, port: address.port, url }, `listening on ${url}`);

  const loading = config.scoreWorkers > 0
    ? (async () => {
        pool = createScorerPool({ threads: config.scoreWorkers, maxQueue: config.scoreQueue, scorer: scorerOptions });
        return poolScorer(pool, await pool.ready(), metrics, config.scoreQueue, await pool.modeInfos());
      })()
    : createScorer(scorerOptions).then((s) => {
        // The model folder decides the mode when none is asked for: a heads model is accurate.
        if (s.info.mode !== undefined && s.info.mode !== 'fast') {
          s.dispose();
          throw encoderOnLoop(s.info.mode);
        }
        return instrumentScorer(s, metrics);
      });
  const ready = loading.then(
    (scorer) => {
      deps.scorer.current = scorer;
      metrics.modelInfo.set({ name: scorer.info.name, version: scorer.info.version, backend: scorer.info.backend }, 1);
      log.info({ model: scorer.info, modes: servedModes(scorer), workers: config.scoreWorkers, queue: config.scoreQueue }, 'model ready');
    },
    (err: Error) => {
      deps.scorer.error = err;
      throw err;
    },
  );
  ready.catch(() => undefined);

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections with no request in flight would hold close() open until they time out.
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing the remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await closed;
    clearTimeout(timer);
    await ready.catch(() => undefined);
    // A refit still running is stopped: its version is written only when it completes, so nothing is half stored.
    await deps.adaptation?.close();
    await pool?.close();
    deps.scorer.current?.dispose();
    await store.close();
    log.info('stopped');
  };
  return {
    port: address.port,
    host: address.address,
    server,
    deps,
    ready,
    close: () => (closing ??= close()),
  };
}
