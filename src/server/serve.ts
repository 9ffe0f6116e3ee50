import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { createApp, type AppDeps } from './app';
import { configFromEnv, type ServerConfig } from './config';
import { createScorer, type ScorerOptions } from '../scorer';
import { openStore } from '../queue';

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
 * Opens the queue store (migrating it), then the port, and loads the model in the background
 * (`/readyz` says when it is ready), so orchestrators see a live process while the model loads.
 * The store opens first: a server that cannot keep what it accepts must not accept anything.
 */
export async function startServer(
  overrides: Partial<ServerConfig> = {},
  scorerOptions: ScorerOptions = {},
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Promise<RunningServer> {
  const config: ServerConfig = { ...configFromEnv(), ...overrides };
  const store = await openStore(config.databaseUrl, { policyFile: config.policyFile });
  log(`moderato: queue store ${store.kind} (${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
  const deps: AppDeps = { scorer: { current: null }, config, log, store };
  const app = createApp(deps);
  const server = app.listen(config.port);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (e) {
    await store.close();
    throw e;
  }
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
      await store.close();
      deps.scorer.current?.dispose();
    },
  };
}
