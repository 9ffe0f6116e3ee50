/**
 * Prometheus metrics (prom-client), served at `GET /metrics`. Each app has its own registry, so
 * several apps in one process (tests) never clash. Route labels are the route patterns, never
 * raw paths, so an attacker cannot grow the label set.
 */
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueStore } from '../queue';

/** The metrics one app records. */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  /** Requests turned away before any work: `rate_limited` (429) or `overloaded` (503). */
  rejected: Counter<'reason'>;
  batchSize: Histogram;
  scoringSeconds: Histogram;
  poolQueueDepth: Gauge;
  queueItems: Gauge<'status'>;
  modelInfo: Gauge<'name' | 'version' | 'backend'>;
  /** Site adapter fits by outcome: `activated`, `kept` (the gate kept the previous version), `failed`. */
  adapterFits: Counter<'outcome'>;
  /** Changes of a site's active adapter: `fit` (a fit passed the gate) or `manual` (an admin's activate/rollback). */
  adapterActivations: Counter<'reason'>;
}

/**
 * Creates the metrics. `store` (when given) is read at every scrape for the queue items by
 * status; `poolDepth` for the scoring pool's queue depth.
 */
export function createMetrics(opts: { store?: QueueStore; poolDepth?: () => number; processMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'moderato_' });
  const registers = [registry];
  const { store, poolDepth } = opts;
  return {
    registry,
    requests: new Counter({ name: 'moderato_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers }),
    latency: new Histogram({
      name: 'moderato_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    rejected: new Counter({ name: 'moderato_rejected_requests_total', help: 'Requests rejected by rate limit (429) or back-pressure (503)', labelNames: ['reason'], registers }),
    batchSize: new Histogram({ name: 'moderato_scoring_batch_size', help: 'Comments per scoring call', buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers }),
    scoringSeconds: new Histogram({ name: 'moderato_scoring_duration_seconds', help: 'Time of one scoring call, queueing included', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    poolQueueDepth: new Gauge({
      name: 'moderato_pool_queue_depth', help: 'Scoring tasks waiting for a worker', registers,
      collect() { this.set(poolDepth ? poolDepth() : 0); },
    }),
    queueItems: new Gauge({
      name: 'moderato_queue_items', help: 'Moderation queue items by status', labelNames: ['status'], registers,
      async collect() {
        if (!store) return;
        const stats = await store.stats();
        this.reset();
        for (const [status, n] of Object.entries(stats.byStatus)) this.set({ status }, n);
      },
    }),
    modelInfo: new Gauge({ name: 'moderato_model_info', help: 'The loaded toxicity model (value 1)', labelNames: ['name', 'version', 'backend'], registers }),
    // No site label: site ids come from clients, and a label per site would let them grow the series without bound.
    adapterFits: new Counter({ name: 'moderato_adapter_fits_total', help: 'Site adapter fits by outcome (activated, kept, failed)', labelNames: ['outcome'], registers }),
    adapterActivations: new Counter({ name: 'moderato_adapter_activations_total', help: 'Changes of a site\'s active adapter (fit, manual)', labelNames: ['reason'], registers }),
  };
}

/** The route pattern of a handled request, for labels (`unmatched` when no route took it). */
export function routeLabel(req: Request): string {
  const p = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof p === 'string') return (req.baseUrl ?? '') + p;
  // RegExp routes (the Perspective methods) match a fixed set of paths: the path itself is bounded.
  if (p instanceof RegExp) return req.path.replace(/%3a/gi, ':');
  return 'unmatched';
}

/** Middleware: counts and times every request when its answer finishes. */
export function recordRequests(m: ServerMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = m.latency.startTimer();
    res.on('finish', () => {
      const route = routeLabel(req);
      end({ method: req.method, route });
      m.requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
