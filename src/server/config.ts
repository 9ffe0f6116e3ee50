import { availableParallelism } from 'os';
import { ModeratoError } from '../errors';
import { DEFAULT_REFIT_EVERY } from '../queue/adapters';
import { SCORER_MODES, type ScorerMode } from '../scorer';

/** Server configuration, read from the environment by {@link configFromEnv}. */
export interface ServerConfig {
  port: number;
  /** Interface to listen on (default 0.0.0.0, every IPv4 interface; `127.0.0.1` for loopback only). */
  host: string;
  /** `sqlite:PATH` or `postgres://...` (default `sqlite:./data/moderato.db`). */
  databaseUrl: string;
  /** When true, `POST /v1/score` needs an API key (any role). */
  scoreRequiresKey: boolean;
  /** Optional policy file (JSON) for the queue. */
  policyFile?: string;
  /** Seconds a claimed queue item stays leased to its moderator. */
  leaseSeconds: number;
  /** Hours a moderator's page session (cookie) lasts before signing in again. */
  sessionHours: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** Origins allowed to call the API from a browser (CORS); empty: none, `*`: any. */
  corsOrigins: string[];
  /** Requests per minute per client address (0: no limit). */
  rateLimitPerClient: number;
  /** Requests per minute per API key (0: no limit). */
  rateLimitPerKey: number;
  /** Scoring worker threads (0: scores on the main thread, for tests and tiny deployments). */
  scoreWorkers: number;
  /** Scoring tasks that may wait for a worker; beyond, requests answer 503 + Retry-After. */
  scoreQueue: number;
  /** Milliseconds to wait for in-flight requests at shutdown before closing their connections. */
  shutdownTimeoutMs: number;
  /** Milliseconds to wait for PostgreSQL to accept and answer a connection at start. */
  dbConnectTimeoutMs: number;
  /** Refit a site's adapter after this many new labelled decisions (0: only on demand). */
  refitEvery: number;
  /** The scorer's mode (MODERATO_MODE): `accurate` for site adaptation; unset, the model decides (fast for the shipped one). */
  scorerMode?: ScorerMode;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function intFrom(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ModeratoError('MOD_ERR_CONFIG', `${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function boolFrom(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ModeratoError('MOD_ERR_CONFIG', `${name} must be true or false, got "${raw}"`);
}

function positive(name: string, n: number): number {
  if (n === 0) throw new ModeratoError('MOD_ERR_CONFIG', `${name} must be at least 1, got 0`);
  return n;
}

function levelFrom(raw: string | undefined): string {
  const level = (raw || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new ModeratoError('MOD_ERR_CONFIG', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level;
}

function originsFrom(raw: string | undefined): string[] {
  const list = (raw ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of list) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw new ModeratoError('MOD_ERR_CONFIG', `MODERATO_CORS_ORIGINS lists origins like https://example.com (no path), or *; got "${o}"`);
  }
  return list;
}

function modeFrom(raw: string | undefined): ScorerMode | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!SCORER_MODES.includes(raw as ScorerMode)) throw new ModeratoError('MOD_ERR_CONFIG', `MODERATO_MODE must be one of ${SCORER_MODES.join(', ')}, got "${raw}"`);
  return raw as ScorerMode;
}

/** Default scoring workers: one per core but one, so the main thread keeps a core for I/O and /healthz. */
export function defaultScoreWorkers(cores: number): number {
  return Math.max(1, cores - 1);
}

/** Reads the server configuration from environment variables (see README "Configuration"). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = intFrom('PORT', env.PORT, 8080);
  if (port > 65535) throw new ModeratoError('MOD_ERR_CONFIG', `PORT must be 0..65535, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || 'sqlite:./data/moderato.db',
    scoreRequiresKey: boolFrom('MODERATO_SCORE_REQUIRES_KEY', env.MODERATO_SCORE_REQUIRES_KEY, false),
    policyFile: env.MODERATO_POLICY || undefined,
    leaseSeconds: intFrom('MODERATO_LEASE_SECONDS', env.MODERATO_LEASE_SECONDS, 300),
    sessionHours: positive('MODERATO_SESSION_HOURS', intFrom('MODERATO_SESSION_HOURS', env.MODERATO_SESSION_HOURS, 8)),
    logLevel: levelFrom(env.LOG_LEVEL),
    corsOrigins: originsFrom(env.MODERATO_CORS_ORIGINS),
    rateLimitPerClient: intFrom('MODERATO_RATE_LIMIT_PER_CLIENT', env.MODERATO_RATE_LIMIT_PER_CLIENT, 1200),
    rateLimitPerKey: intFrom('MODERATO_RATE_LIMIT_PER_KEY', env.MODERATO_RATE_LIMIT_PER_KEY, 3000),
    scoreWorkers: intFrom('MODERATO_SCORE_WORKERS', env.MODERATO_SCORE_WORKERS, defaultScoreWorkers(availableParallelism())),
    scoreQueue: intFrom('MODERATO_SCORE_QUEUE', env.MODERATO_SCORE_QUEUE, 64),
    shutdownTimeoutMs: intFrom('MODERATO_SHUTDOWN_TIMEOUT_MS', env.MODERATO_SHUTDOWN_TIMEOUT_MS, 10_000),
    dbConnectTimeoutMs: intFrom('MODERATO_DB_CONNECT_TIMEOUT_MS', env.MODERATO_DB_CONNECT_TIMEOUT_MS, 5_000),
    refitEvery: intFrom('MODERATO_REFIT_EVERY', env.MODERATO_REFIT_EVERY, DEFAULT_REFIT_EVERY),
    scorerMode: modeFrom(env.MODERATO_MODE),
  };
}
