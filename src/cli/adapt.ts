/**
 * `moderato adapt`: a site's adapter from the command line. `import` bootstraps a site from its
 * moderation log (each text scored and embedded once, its features stored with the decision),
 * `train` fits now and prints the cross-validated report, `status` lists the versions, `activate`
 * rolls back or forward. The store is the one the server uses (--db, else DATABASE_URL).
 */
import { createHash } from 'crypto';
import { createReadStream } from 'fs';
import { createGunzip } from 'zlib';
import { parseArgs } from 'util';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { LIMITS } from '../limits';
import { readLines } from '../batch/lines';
import { ArticleSchema, SiteIdSchema } from '../server/schemas';
import { articleText } from '../topic';
import type { Article } from '../types';
import { ADAPT_ATTRIBUTES } from '../adapt';
import type { AdapterReport } from '../adapt/types';
import { DEFAULT_DATABASE_URL, SiteAdaptation, openStore, type AdapterVersion, type ImportedLabel, type QueueStore } from '../queue';
import { createScorerPool, type Scorer, type ScorerRequest, type ScorerResult } from '../scorer';
import type { JsonlScorer } from '../batch';

/** Where the command writes (process streams, or buffers in tests). Not score.ts's CliIO: score.ts imports this module. */
export interface AdaptIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const ADAPT_HELP = `Usage:
  moderato adapt import --site SITE [--db URL] [--workers N] [--model DIR] FILE
        store a site's past decisions: FILE is JSONL (or .jsonl.gz), one decision a line,
        {"id","text","decision":"reject"|"approve","category"?,"article"?,"threadId"?};
        "article" (its text, or {"title"?,"body"?} as POST /v1/score takes) scores the
        comment against it, so the decision also trains the off_topic head; "threadId" groups
        rows for cross-validation (else the article does); each text and each distinct article
        is embedded once; ids already imported for the site are skipped; a bad line is reported
        (MOD_ERR_INPUT, with its line number) and skipped; exit 1 when nothing is usable;
        --model: an accurate-mode model folder (default: the shipped heads, models/heads)
  moderato adapt train --site SITE [--db URL] [--json]
        fit the site's adapter now on all its decisions: prints base vs adapted cross-validated
        AUC, the decisions used, the learning curve and whether it was activated
  moderato adapt status --site SITE [--db URL] [--json]
        the site's labels and every adapter version (newest first; * marks the active one)
  moderato adapt activate --site SITE --version N|none [--db URL]
        make version N the active adapter (roll back or forward), or none (the base model)
The store is --db (sqlite:PATH or postgres://...), else DATABASE_URL, else ${DEFAULT_DATABASE_URL}.
Adaptation needs the accurate scorer (the sentence encoder); see README "Site adaptation".`;

/**
 * The article an imported comment was posted under: POST /v1/score's article, or its text alone
 * (the body). It must have text: the off_topic head reads the comment against the article's vector.
 */
const ImportArticleSchema = z
  .union([z.string().max(LIMITS.maxArticleLength).transform((body): Article => ({ body })), ArticleSchema])
  .refine((a) => articleText(a) !== '', { message: 'the article needs a title or body with text' });

/** One line of an import file. Unknown fields are ignored. */
export const ImportLineSchema = z.object({
  id: z.string().min(1).max(LIMITS.maxIdLength),
  text: z.string().min(1).max(LIMITS.maxTextLength),
  decision: z.enum(['reject', 'approve']),
  category: z.enum(ADAPT_ATTRIBUTES as [string, ...string[]]).nullish(),
  article: ImportArticleSchema.nullish(),
  threadId: z.string().min(1).max(LIMITS.maxIdLength).nullish(),
});

/** Texts scored per request while importing: big enough to keep a worker busy, small enough to report progress. */
const IMPORT_BATCH = 64;

/** `--site`: required, and a site id the HTTP API accepts (MOD_ERR_INPUT otherwise). */
export function siteOf(raw: string | undefined): string {
  if (!raw) throw new ModeratoError('MOD_ERR_INPUT', '--site SITE is required (the site whose decisions these are; "default" for comments sent without a siteId)');
  // The HTTP API's rule for site ids, so a site the CLI fills is one the server can name.
  const r = SiteIdSchema.safeParse(raw);
  if (!r.success) throw new ModeratoError('MOD_ERR_INPUT', `--site: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return raw;
}

function dbOf(raw: string | undefined): string {
  return raw ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/** Runs `moderato adapt ...`; resolves to the exit code. `opts.scorer` scores in-process (tests). */
export async function adaptCommand(argv: string[], io: AdaptIO, opts: { scorer?: Scorer } = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(ADAPT_HELP + '\n');
    return sub === undefined ? 2 : 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      site: { type: 'string' }, db: { type: 'string' }, workers: { type: 'string', short: 'w' }, version: { type: 'string' }, model: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(ADAPT_HELP + '\n');
    return 0;
  }
  if (!['import', 'train', 'status', 'activate'].includes(sub)) {
    io.stderr.write(`moderato adapt: unknown subcommand "${sub}"\n${ADAPT_HELP}\n`);
    return 2;
  }
  const site = siteOf(values.site);
  if (sub === 'import') {
    if (positionals.length !== 1) throw new ModeratoError('MOD_ERR_INPUT', `adapt import takes one FILE of decisions (JSONL), got ${positionals.length}`);
    return importCommand(site, positionals[0]!, dbOf(values.db), { workers: values.workers, modelDir: values.model }, io, opts.scorer);
  }
  if (positionals.length) throw new ModeratoError('MOD_ERR_INPUT', `adapt ${sub} takes no file, got "${positionals[0]}"`);
  const store = await openStore(dbOf(values.db));
  try {
    if (sub === 'train') return await trainCommand(store, site, values.json, io);
    if (sub === 'status') return await statusCommand(store, site, values.json, io);
    return await activateCommand(store, site, values.version, io);
  } finally {
    await store.close();
  }
}

/** A good line of the import file and where it was. */
interface ImportRow {
  line: number;
  id: string;
  text: string;
  label: 0 | 1;
  category: ImportedLabel['category'];
  article: Article | null;
  /** The cross-validation group: the line's threadId, else its article (as the queue groups decisions), else none. */
  thread: string | null;
}

/**
 * A row's group without a threadId: its article's id, else title (the queue's rule for
 * decisions), else a digest of its body, so one article's rows share a fold.
 */
function articleGroup(a: Article): string {
  return `article:${a.id || a.title || `#${createHash('sha256').update(a.body ?? '').digest('hex').slice(0, 16)}`}`;
}

/** A scorer request of an import and the rows it scores. */
interface ImportRequest {
  rows: ImportRow[];
  req: ScorerRequest;
}

/**
 * The import's scorer requests: each distinct article's comments in one request (the scorer
 * embeds a request's article once, so each article is embedded once per import), the comments
 * without an article IMPORT_BATCH at a time.
 */
function importRequests(rows: ImportRow[]): ImportRequest[] {
  const byArticle = new Map<string, ImportRow[]>();
  const plain: ImportRow[] = [];
  for (const r of rows) {
    if (!r.article) {
      plain.push(r);
      continue;
    }
    const key = JSON.stringify(r.article);
    const list = byArticle.get(key);
    if (list) list.push(r);
    else byArticle.set(key, [r]);
  }
  // Independent: imported comments are judged against their article alone, as the log holds no thread order.
  const request = (rs: ImportRow[]): ImportRequest => ({
    rows: rs,
    req: { comments: rs.map((r) => ({ id: r.id, text: r.text })), independent: true, withFeatures: true, ...(rs[0]!.article ? { article: rs[0]!.article } : {}) },
  });
  const out = [...byArticle.values()].map(request);
  for (let k = 0; k < plain.length; k += IMPORT_BATCH) out.push(request(plain.slice(k, k + IMPORT_BATCH)));
  return out;
}

/** Reads and checks the import file; bad lines go to `report`. MOD_ERR_INPUT when it cannot be read. */
async function readImport(file: string, report: (line: number, message: string) => void): Promise<{ rows: ImportRow[]; bad: number }> {
  const raw = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', (e) => reject(new ModeratoError('MOD_ERR_INPUT', `Cannot read ${file}: ${e.message}`)));
  });
  await opened;
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rows: ImportRow[] = [];
  const seen = new Set<string>();
  let bad = 0;
  let n = 0;
  try {
    // The batch reader's lines: bounded in memory, strict UTF-8 (an undecodable line is reported, not guessed at).
    for await (const raw of readLines(stream)) {
      n = raw.line;
      if ('problem' in raw) {
        bad++;
        report(n, raw.problem);
        continue;
      }
      const text = raw.text;
      if (!text.trim()) continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        bad++;
        report(n, `not JSON (${(e as Error).message})`);
        continue;
      }
      const r = ImportLineSchema.safeParse(json);
      if (!r.success) {
        bad++;
        report(n, r.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; '));
        continue;
      }
      if (seen.has(r.data.id)) {
        bad++;
        report(n, `id "${r.data.id}" already appears earlier in the file (the first is kept)`);
        continue;
      }
      seen.add(r.data.id);
      const article = r.data.article ?? null;
      rows.push({
        line: n, id: r.data.id, text: r.data.text, label: r.data.decision === 'reject' ? 1 : 0, category: (r.data.category ?? null) as ImportRow['category'],
        article, thread: r.data.threadId ?? (article ? articleGroup(article) : null),
      });
    }
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `Cannot read ${file} past line ${n}: ${(e as Error).message}`);
  }
  return { rows, bad };
}

async function importCommand(site: string, file: string, db: string, o: { workers?: string; modelDir?: string }, io: AdaptIO, injected?: Scorer): Promise<number> {
  const workersRaw = o.workers;
  const { rows, bad } = await readImport(file, (line, message) => io.stderr.write(`${file} line ${line}: MOD_ERR_INPUT: ${message}\n`));
  if (rows.length === 0) {
    throw new ModeratoError('MOD_ERR_INPUT', `${file} holds no usable decision${bad ? ` (${bad} bad line(s), reported above)` : ''}: each line is {"id","text","decision":"reject"|"approve","category"?,"article"?,"threadId"?}`);
  }
  const workers = workersRaw === undefined ? 1 : Number(workersRaw);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ModeratoError('MOD_ERR_INPUT', `--workers must be a whole number from 1 to 64, got "${workersRaw}"`);
  const store = await openStore(db);
  const pool = injected ? undefined : createScorerPool({ threads: workers, scorer: { mode: 'accurate', modelDir: o.modelDir } });
  try {
    const known = new Set(await store.importedIds(site, rows.map((r) => r.id)));
    const fresh = rows.filter((r) => !known.has(r.id));
    const score = async (reqs: ScorerRequest[]): Promise<ScorerResult[][]> => (injected ? Promise.all(reqs.map((r) => injected.score(r))) : pool!.scoreMany(reqs));
    if (pool) await pool.ready();
    const started = Date.now();
    let stored = 0;
    // Several batches per task keep every worker busy; each task's labels are stored before the next, so an interrupted import keeps its progress.
    const step = IMPORT_BATCH * Math.max(1, workers);
    const units = importRequests(fresh);
    let done = 0;
    for (let i = 0; i < units.length; ) {
      const task: ImportRequest[] = [];
      for (let n = 0; i < units.length && n < step; i++) {
        task.push(units[i]!);
        n += units[i]!.rows.length;
      }
      const reqs = task.map((u) => u.req);
      const parts = pool && workers > 1 ? (await Promise.all(reqs.map((r) => score([r])))).flat() : await score(reqs);
      const labels: ImportedLabel[] = task.flatMap((u, j) =>
        u.rows.map((r, k) => {
          const features = parts[j]?.[k]?.features;
          if (!features) throw new ModeratoError('MOD_ERR_CONFIG', 'The scorer returned no features: adaptation needs the accurate scorer (the sentence encoder)');
          return { id: r.id, text: r.text, label: r.label, category: r.category, features, thread: r.thread };
        }),
      );
      stored += await store.importLabels(site, labels);
      done += labels.length;
      if (fresh.length > step) io.stderr.write(`moderato: ${done}/${fresh.length} decisions scored and stored\n`);
    }
    const secs = (Date.now() - started) / 1000;
    const total = await store.siteLabelCount(site);
    io.stdout.write(
      `imported ${stored} decision(s) for site "${site}" (${fresh.filter((r) => r.label === 1).length} rejected) in ${secs.toFixed(1)} s` +
        `${known.size ? `; ${known.size} already imported (skipped)` : ''}${bad ? `; ${bad} bad line(s) skipped` : ''}\n` +
        `site "${site}" now has ${total} labelled decision(s); fit with: moderato adapt train --site ${site}\n`,
    );
    return 0;
  } finally {
    await pool?.close();
    await store.close();
  }
}

/**
 * `moderato score --site SITE`: the site's active adapter (read once from the store) added to
 * every request of `inner`; its results then name it. No active adapter: the base model scores.
 */
export async function withSiteAdapter(inner: JsonlScorer, siteRaw: string, db: string | undefined, io: AdaptIO): Promise<JsonlScorer> {
  const site = siteOf(siteRaw);
  const store = await openStore(dbOf(db));
  let adapter;
  try {
    adapter = await store.getAdapter(site);
  } finally {
    await store.close();
  }
  io.stderr.write(`moderato: site "${site}": ${adapter ? `scoring with its adapter version ${adapter.version}` : 'no active adapter, the base model scores'}\n`);
  if (!adapter) return inner;
  const a = adapter;
  return { scoreJsonl: (reqs: ScorerRequest[]) => inner.scoreJsonl(reqs.map((r) => ({ ...r, adapter: a }))) };
}

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3));

/** The report as lines a moderator can read. */
export function formatReport(v: AdapterVersion): string {
  const r: AdapterReport = v.report;
  const lines = [`version ${v.version}${v.active ? ' (active)' : ''}, fitted ${v.createdAt}${v.createdBy ? ` by ${v.createdBy}` : ''}`];
  lines.push(`  decisions used: ${r.decisions} (${r.positives} rejected, ${r.decisions - r.positives} approved)`);
  if (r.base) lines.push(`  fitted over ${r.base.toxicity}${r.base.off_topic ? ` and ${r.base.off_topic}` : ''}: its heads apply only over these models`);
  if (r.otherBase) lines.push(`  left out, scored by other models: ${r.otherBase.toxicity} decision(s) of the toxicity heads, ${r.otherBase.off_topic} of the off_topic head`);
  // Each attribute has its own gate (adapters fitted before that have no strength per attribute).
  const gateText = (s: number | undefined) => (s === undefined ? '' : s === 0 ? '; held back' : s < 1 ? `; applied at strength ${s}` : '; applied');
  for (const [attr, a] of Object.entries(r.auc)) lines.push(`  ${attr.padEnd(16)} AUC base ${f3(a?.base)}  adapted ${f3(a?.adapted)}  (cross-validated)${gateText(a?.strength)}`);
  const tox = r.auc.toxicity;
  const gain = (tox?.adapted ?? 0) - (tox?.base ?? 0);
  // The gate asks for the margin and for a gain beyond noise (paired DeLong z): say which held.
  const sig = r.significance;
  const zText = sig ? `, z ${sig.z.toFixed(2)} ${sig.z >= sig.minZ ? '>=' : '<'} ${sig.minZ}` : '';
  const why = !tox ? 'too few approvals or rejections for a toxicity head'
    : gain < r.margin ? `the gain ${f3(gain)} is below the margin ${r.margin}${zText}`
      : `the gain ${f3(gain)} passes the margin ${r.margin} but is within noise${zText}`;
  const active = Object.entries(r.auc).filter(([, a]) => (a?.strength ?? 0) > 0).map(([attr]) => attr);
  const toxHeld = tox?.strength === 0 || (!tox && active.length > 0);
  lines.push(
    r.activated && toxHeld
      ? `  activated for ${active.join(', ')}; toxicity held back (the base scores it): ${why}`
      : r.activated
      ? `  activated: the adapted toxicity beats the base by ${f3(gain)} >= the margin ${r.margin}${zText}${(r.strength ?? 1) < 1 ? `; applied at strength ${r.strength} (z < ${sig?.fullZ})` : ''}`
      : `  not activated: ${why}; the previous adapter (or the base) stays`,
  );
  if (r.suggestedThreshold) lines.push(`  suggested threshold ${r.suggestedThreshold.threshold.toFixed(3)}: precision ${f3(r.suggestedThreshold.precision)}, recall ${f3(r.suggestedThreshold.recall)}`);
  if (r.curve.length) lines.push(`  learning curve (decisions: base -> adapted AUC): ${r.curve.map((c) => `${c.n}: ${f3(c.base)} -> ${f3(c.adapted)}`).join(', ')}`);
  return lines.join('\n');
}

async function trainCommand(store: QueueStore, site: string, json: boolean | undefined, io: AdaptIO): Promise<number> {
  const labels = await store.siteLabelCount(site);
  io.stderr.write(`moderato: fitting the adapter of site "${site}" on ${labels} labelled decision(s)\n`);
  const adapt = new SiteAdaptation(store, { refitEvery: 0 });
  const out = await adapt.fit(site, { createdBy: 'cli' });
  io.stdout.write(json ? JSON.stringify(out) + '\n' : `site "${site}": ${formatReport(out.version)}\n`);
  return 0;
}

async function statusCommand(store: QueueStore, site: string, json: boolean | undefined, io: AdaptIO): Promise<number> {
  const [labels, versions] = await Promise.all([store.siteLabelCount(site), store.adapterVersions(site)]);
  if (json) {
    io.stdout.write(JSON.stringify({ siteId: site, labels, activeVersion: versions.find((v) => v.active)?.version ?? null, versions }) + '\n');
    return 0;
  }
  const active = versions.find((v) => v.active);
  io.stdout.write(`site "${site}": ${labels} labelled decision(s); active adapter: ${active ? `version ${active.version}` : 'none (the base model scores)'}\n`);
  if (!versions.length) io.stdout.write('no adapter fitted yet: moderato adapt train --site ' + site + '\n');
  for (const v of versions) io.stdout.write(`${v.active ? '*' : ' '} ${formatReport(v)}\n`);
  return 0;
}

async function activateCommand(store: QueueStore, site: string, raw: string | undefined, io: AdaptIO): Promise<number> {
  if (raw === undefined) throw new ModeratoError('MOD_ERR_INPUT', '--version N (or none) is required');
  const version = raw === 'none' ? null : Number(raw);
  if (version !== null && (!Number.isInteger(version) || version < 1)) throw new ModeratoError('MOD_ERR_INPUT', `--version must be a version number or none, got "${raw}"`);
  const out = await new SiteAdaptation(store).activate(site, version);
  io.stdout.write(out ? `site "${site}": version ${out.version} is now the active adapter\n` : `site "${site}": no active adapter; the base model scores\n`);
  return 0;
}
