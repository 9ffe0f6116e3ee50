import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { createApp, type AppDeps } from './app';
import { configFromEnv, type ServerConfig } from './config';
import { createScorer, type ScorerOptions } from '../scorer';

/** A running server: its port and how to stop it. */
export interface RunningServer {
  port: number;
  server: Server;
  deps: AppDeps;
  /** Resolves once the model is loaded (rejects if it failed). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the port at once and loads the model in the background (`/readyz` says when it is ready),
 * so orchestrators see a live process while the model loads.
 */
export async function startServer(
  overrides: Partial<ServerConfig> = {},
  scorerOptions: ScorerOptions = {},
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Promise<RunningServer> {
  const config: ServerConfig = { ...configFromEnv(), ...overrides };
  const deps: AppDeps = { scorer: { current: null }, config, log };
  const app = createApp(deps);
  const server = app.listen(config.port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  log(`moderato: listening on http://127.0.0.1:${port}`);
  const ready = createScorer(scorerOptions).then(
    (scorer) => {
      deps.scorer.current = scorer;
      log(`moderato: model ${scorer.info.name} ${scorer.info.version} ready (backend ${scorer.info.backend})`);
    },
    (err: Error) => {
      deps.scorer.error = err;
      log(`moderato: model failed to load: ${err.message}`);
      throw err;
    },
  );
  ready.catch(() => undefined);
  return {
    port,
    server,
    deps,
    ready,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      deps.scorer.current?.dispose();
    },
  };
}
