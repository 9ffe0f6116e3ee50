/**
 * Site adaptation in the product: each site's active adapter (cached for scoring), refits after
 * every N new labels and on demand, activation and rollback. The fitting itself (src/adapt) runs
 * in a worker thread of its own; this module only reads labels, starts the thread and writes the
 * outcome as the site's next version in one transaction, so a fit killed midway changes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { ModeratoError, type ErrorCode } from '../errors';
import { packageRoot } from '../util/paths';
import type { LabelledExample, SiteAdapter } from '../adapt/types';
import type { AdapterSource } from './ingest';
import { DEFAULT_SITE, type AdapterVersion, type QueueStore } from './types';

/** Default number of new labels of a site after which its adapter is refitted. */
export const DEFAULT_REFIT_EVERY = 200;
/** Fewest labels a fit accepts: below this a cross-validated report says nothing. */
export const MIN_FIT_LABELS = 20;
/** Most labels one fit reads (the newest): bounds the fit's memory and time. */
export const MAX_FIT_LABELS = 50_000;

/** What a fit thread (./fit-worker.ts) is started with. */
export interface FitTask {
  siteId: string;
  examples: LabelledExample[];
  opts?: Record<string, unknown>;
}

/** What it posts back once. Errors travel as data: structured clone drops an Error's `code`. */
export type FitReply = { ok: true; adapter: SiteAdapter } | { ok: false; error: { code?: string; message: string; details?: unknown } };

/** Runs one fit; the default starts a worker thread ({@link fitInWorker}). */
export type FitRunner = (siteId: string, examples: LabelledExample[], signal?: AbortSignal) => Promise<SiteAdapter>;

/** What a fit produced. */
export interface FitOutcome {
  version: AdapterVersion;
  activated: boolean;
}

/** Options of {@link SiteAdaptation}. */
export interface SiteAdaptationOptions {
  /** Refit a site after this many new labels (default {@link DEFAULT_REFIT_EVERY}; 0: only on demand). */
  refitEvery?: number;
  /** How long a site's active adapter is cached (ms, default 30 s): other instances' activations show within it. */
  cacheMs?: number;
  /** Options passed to `fitAdapter` (margin, target precision, ...). */
  fitOptions?: Record<string, unknown>;
  runFit?: FitRunner;
  /** Called after every fit (`activated`, `kept` when the gate held the previous version, `failed`). */
  onFit?: (outcome: 'activated' | 'kept' | 'failed', siteId: string) => void;
  /** Called after every change of a site's active version (`fit` or `manual`). */
  onActivate?: (reason: 'fit' | 'manual', siteId: string) => void;
  /** Background fit failures (automatic refits have no caller to tell). */
  onError?: (err: unknown, siteId: string) => void;
}

/** The compiled worker: next to this file in dist/, or dist/'s copy when running from src/ (ts-jest). */
function fitWorkerFile(): string {
  const here = path.join(__dirname, 'fit-worker.js');
  if (fs.existsSync(here)) return here;
  const built = path.join(packageRoot(), 'dist', 'src', 'queue', 'fit-worker.js');
  if (fs.existsSync(built)) return built;
  throw new ModeratoError('MOD_ERR_CONFIG', `adapter fit worker not found at ${built}: run "npm run build" first`);
}

/**
 * Fits a site's adapter in a new worker thread. Aborting `signal` terminates the thread: the
 * promise rejects and nothing has been written anywhere.
 */
export function fitInWorker(siteId: string, examples: LabelledExample[], opts: Record<string, unknown> = {}, signal?: AbortSignal): Promise<SiteAdapter> {
  return new Promise<SiteAdapter>((resolve, reject) => {
    if (signal?.aborted) return reject(new ModeratoError('MOD_ERR_INTERNAL', `The fit of site "${siteId}" was stopped before it started`));
    const task: FitTask = { siteId, examples, opts };
    const worker = new Worker(fitWorkerFile(), { workerData: task, env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      finish(() => reject(new ModeratoError('MOD_ERR_INTERNAL', `The fit of site "${siteId}" was stopped; the previous adapter stays active`)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: FitReply) => {
      void worker.terminate();
      finish(() => {
        if (reply.ok) return resolve(reply.adapter);
        const { code, message, details } = reply.error;
        reject(code?.startsWith('MOD_ERR_') ? new ModeratoError(code as ErrorCode, message, details) : new ModeratoError('MOD_ERR_INTERNAL', `adapter fit failed: ${message}`));
      });
    });
    worker.once('error', (e) => finish(() => reject(new ModeratoError('MOD_ERR_INTERNAL', `adapter fit thread failed: ${e.message}`))));
    worker.once('exit', (code) => finish(() => reject(new ModeratoError('MOD_ERR_INTERNAL', `adapter fit thread exited with code ${code} before answering`))));
  });
}

/**
 * The adapters of every site a store knows: what scoring asks for ({@link adapterFor}), what a
 * decision triggers ({@link afterDecision}), what admins do ({@link fit}, {@link activate}).
 * One instance per process; several instances on one PostgreSQL database agree through it
 * (versions are numbered under an advisory lock, at most one is active by a unique index).
 */
export class SiteAdaptation implements AdapterSource {
  readonly refitEvery: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { at: number; adapter: Promise<SiteAdapter | null> }>();
  private readonly running = new Map<string, Promise<FitOutcome>>();
  private readonly aborts = new Set<AbortController>();
  private readonly checks = new Set<Promise<boolean>>();

  constructor(private readonly store: QueueStore, private readonly opts: SiteAdaptationOptions = {}) {
    this.refitEvery = opts.refitEvery ?? DEFAULT_REFIT_EVERY;
    this.cacheMs = opts.cacheMs ?? 30_000;
  }

  /** The site's active adapter (null: none), cached per site. A store error answers null: scoring goes on with the base model. */
  adapterFor(siteId: string): Promise<SiteAdapter | null> {
    const hit = this.cache.get(siteId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.adapter;
    const adapter = this.store.getAdapter(siteId).catch(() => null);
    this.cache.set(siteId, { at: Date.now(), adapter });
    return adapter;
  }

  /** Forgets the cached adapter of a site (every site when omitted). */
  invalidate(siteId?: string): void {
    if (siteId === undefined) this.cache.clear();
    else this.cache.delete(siteId);
  }

  /** True while a fit of the site runs in this process. */
  fitting(siteId: string): boolean {
    return this.running.has(siteId);
  }

  /**
   * Called after a decision of a comment of `siteId` (null: the default site) was stored. Starts
   * a background refit when the site has `refitEvery` labels more than its newest version was
   * fitted on; answers whether it did. Never throws: a failed check or fit is reported to `onError`.
   */
  afterDecision(siteId: string | null): Promise<boolean> {
    // Tracked, so idle() also waits for a check still reading the counts (its fit has not started yet).
    const check = this.checkRefit(siteId ?? DEFAULT_SITE);
    this.checks.add(check);
    void check.finally(() => this.checks.delete(check));
    return check;
  }

  private async checkRefit(site: string): Promise<boolean> {
    if (this.refitEvery <= 0 || this.running.has(site)) return false;
    try {
      const [count, versions] = await Promise.all([this.store.siteLabelCount(site), this.store.adapterVersions(site)]);
      const fitted = versions[0]?.report.decisions ?? 0;
      if (count - fitted < this.refitEvery || count < MIN_FIT_LABELS || this.running.has(site)) return false;
      this.fit(site, { createdBy: 'auto' }).catch((e: unknown) => this.opts.onError?.(e, site));
      return true;
    } catch (e) {
      this.opts.onError?.(e, site);
      return false;
    }
  }

  /**
   * Fits the site's adapter now on all its labels, stores it as the next version and activates
   * it when its report says it beats the base. A fit already running for the site is joined,
   * not doubled.
   */
  fit(siteId: string, by: { createdBy?: string | null; signal?: AbortSignal } = {}): Promise<FitOutcome> {
    const running = this.running.get(siteId);
    if (running) return running;
    const p = this.fitOnce(siteId, by).finally(() => this.running.delete(siteId));
    this.running.set(siteId, p);
    return p;
  }

  private async fitOnce(siteId: string, by: { createdBy?: string | null; signal?: AbortSignal }): Promise<FitOutcome> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const onOuter = () => abort.abort();
    by.signal?.addEventListener('abort', onOuter, { once: true });
    try {
      const examples = await this.store.siteExamples(siteId, { limit: MAX_FIT_LABELS });
      assertFittable(siteId, examples);
      const run = this.opts.runFit ?? ((s, ex, sig) => fitInWorker(s, ex, this.opts.fitOptions, sig));
      const adapter = await run(siteId, examples, abort.signal);
      const activated = adapter.report.activated === true;
      const version = await this.store.saveAdapter({ siteId, heads: adapter.heads, report: adapter.report }, { activate: activated, createdBy: by.createdBy ?? null });
      this.opts.onFit?.(activated ? 'activated' : 'kept', siteId);
      if (activated) {
        this.invalidate(siteId);
        this.opts.onActivate?.('fit', siteId);
      }
      return { version, activated };
    } catch (e) {
      this.opts.onFit?.('failed', siteId);
      throw e;
    } finally {
      by.signal?.removeEventListener('abort', onOuter);
      this.aborts.delete(abort);
    }
  }

  /** Makes `version` the site's active adapter (roll back or forward), or none with null. */
  async activate(siteId: string, version: number | null): Promise<AdapterVersion | null> {
    const out = await this.store.activateAdapter(siteId, version);
    this.invalidate(siteId);
    this.opts.onActivate?.('manual', siteId);
    return out;
  }

  /** Waits for the refit checks and fits running now (tests; a graceful stop). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.checks]);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Stops running fits (their threads are terminated, nothing is written) and waits for them. */
  async close(): Promise<void> {
    for (const a of this.aborts) a.abort();
    await this.idle();
  }
}

/** MOD_ERR_VALIDATION unless the labels can support a cross-validated fit. */
function assertFittable(siteId: string, examples: LabelledExample[]): void {
  const pos = examples.filter((e) => e.label === 1).length;
  const neg = examples.length - pos;
  if (examples.length < MIN_FIT_LABELS || pos === 0 || neg === 0) {
    throw new ModeratoError(
      'MOD_ERR_VALIDATION',
      `Site "${siteId}" has ${examples.length} labelled decision(s) (${pos} rejected, ${neg} approved); a fit needs at least ${MIN_FIT_LABELS}, with both approvals and rejections`,
      [{ path: ['siteId'], code: 'too_few_labels', message: `${examples.length} labels` }],
    );
  }
}
