import { ModeratoError } from '../errors';

/** Request limits, documented in README.md ("Limits"). */
export const LIMITS = {
  /** Largest accepted JSON body. */
  maxBodyBytes: 1_000_000,
  /** Most comments in one `POST /v1/score` or `POST /v1/comments`. */
  maxComments: 100,
  /** Longest comment text, in UTF-16 code units. */
  maxTextLength: 10_000,
  /** Longest article body, in UTF-16 code units. */
  maxArticleLength: 100_000,
} as const;

/** Server configuration, read from the environment by {@link configFromEnv}. */
export interface ServerConfig {
  port: number;
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
}

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

/** Reads the server configuration from environment variables (see README "Configuration"). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: intFrom('PORT', env.PORT, 8080),
    databaseUrl: env.DATABASE_URL || 'sqlite:./data/moderato.db',
    scoreRequiresKey: boolFrom('MODERATO_SCORE_REQUIRES_KEY', env.MODERATO_SCORE_REQUIRES_KEY, false),
    policyFile: env.MODERATO_POLICY || undefined,
    leaseSeconds: intFrom('MODERATO_LEASE_SECONDS', env.MODERATO_LEASE_SECONDS, 300),
    sessionHours: positive('MODERATO_SESSION_HOURS', intFrom('MODERATO_SESSION_HOURS', env.MODERATO_SESSION_HOURS, 8)),
  };
}
