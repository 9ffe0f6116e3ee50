/**
 * What every route needs: the app's dependencies and the helpers that read them. Its own module
 * so routes and `app.ts` both import it and never each other (no runtime cycle).
 */
import type { Logger } from 'pino';
import { ModeratoError } from '../errors';
import type { QueueStore, SiteAdaptation } from '../queue';
import type { Scorer } from '../scorer';
import type { ServerConfig } from './config';
import type { ServerMetrics } from './metrics';

/**
 * What the app needs. The scorer loads asynchronously: `scorer.current` stays null until the
 * model is ready (`/readyz` answers 503 until then), so the port opens at once.
 */
export interface AppDeps {
  scorer: { current: Scorer | null; error?: Error };
  config: ServerConfig;
  /** Queue store (src/queue); absent when the queue is not configured. */
  store?: QueueStore;
  /** Structured logger (pino); silent when absent. */
  logger?: Logger;
  /** Prometheus metrics of this app; created by createApp when absent. */
  metrics?: ServerMetrics;
  /** Site adapters (cache, refits, activation); created by createApp over `store` when absent. */
  adaptation?: SiteAdaptation;
}

/** Returns the ready scorer or throws MOD_ERR_NOT_READY (503), or MOD_ERR_MODEL when loading failed. */
export function requireScorer(deps: AppDeps): Scorer {
  if (deps.scorer.current) return deps.scorer.current;
  if (deps.scorer.error) throw new ModeratoError('MOD_ERR_MODEL', `The model failed to load: ${deps.scorer.error.message}`);
  throw new ModeratoError('MOD_ERR_NOT_READY', 'The model is still loading; retry shortly.');
}

/** The store, or MOD_ERR_CONFIG when the server runs without one. */
export function requireStore(deps: AppDeps): QueueStore {
  if (!deps.store) throw new ModeratoError('MOD_ERR_CONFIG', 'The queue store is not configured (set DATABASE_URL)');
  return deps.store;
}

/** The site adaptation service, or MOD_ERR_CONFIG when the server runs without a store. */
export function requireAdaptation(deps: AppDeps): SiteAdaptation {
  if (!deps.adaptation) throw new ModeratoError('MOD_ERR_CONFIG', 'Site adaptation needs the queue store (set DATABASE_URL)');
  return deps.adaptation;
}
