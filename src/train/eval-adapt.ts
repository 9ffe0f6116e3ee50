/**
 * `npm run eval:adapt`: simulated sites learn from their moderators' decisions.
 *
 * For each site (src/train/eval-adapt-sites.ts), stream and draw: the shipped base model scores
 * the site's comments; decisions arrive as the queue makes them (mode `queue`): every comment the
 * base policy holds (toxicity or a category at or over the shipped thresholds) plus an audit
 * sample (2%) of those it publishes; or every comment is decided (mode `premoderated`, for the
 * decision counts a queue on these small sets never reaches). After the first 0 / 250 / 500 /
 * 1,000 / 2,000 decisions an adapter is fitted (`fitAdapter`, gate included) and the scores the
 * site would then use (the adapter's when activated, else the base's) are measured on held-out
 * comments, never decided and never trained on by the base.
 *
 * Streams: `held-out split`: each draw splits the site's unseen comments at random in two halves,
 * the stream and the held-out half. `seen`: the comments the base trained on (target sites only),
 * held out = all unseen comments; pessimistic, the base looks far better there than it is.
 * Mean of 5 draws (order, split and audit sample). Vectors come from the shared cache
 * (src/train/embed-cache.ts): nothing is embedded twice. The queue holds by the base's scores
 * throughout: in a live site an activated adapter also changes what is held next.
 * All 12 sites take about 9 minutes here once the vectors are cached (48,510 comments).
 *
 *   npm run eval:adapt [-- --sites ucc,c3 --draws 5 --modes queue,premoderated --audit 0.02 --model DIR]
 *
 * Whole source held out (the way an independent test set measures the base): `--holdout SOURCE`
 * takes the base in .tmp/holdout/SOURCE/heads (trained with `--exclude SOURCE`, models/README.md)
 * and that source's site. A site whose source the base never saw (read from the model.json files'
 * `training.exclude`, heads and network both) has no seen stream: all its labelled comments are
 * unseen and split in halves, and the table notes the held-out base's AUC on all of them and, on
 * the comments the shipped base never trained on either, beside the shipped base's.
 *
 *   npm run eval:adapt -- --holdout ucc      (= --model .tmp/holdout/ucc/heads --sites ucc)
 *
 * A fine-tuned encoder under the adapter: `--encoder-weights FILE` (a checkpoint, src/encoder/tuned.ts)
 * gives the adapter the tuned encoder's vectors (cached in their own file, see embed-cache.ts); the
 * base still scores with its own (package) vectors, so only the adapter's vector part changes and
 * the draws are the same as without the option. Heads trained on a tuned encoder's vectors
 * (`train:heads --encoder-weights`, model.json `training.encoder`) take theirs from it too: the
 * option is then required and must name that checkpoint.
 *
 *   npm run eval:adapt -- --holdout c3 --model .tmp/holdout/c3/heads-tuned --encoder-weights .tmp/encoder-tune/run1/ckpt-37392.f32
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { applyAdapter, fitAdapter, quantize, type LabelledExample, type SiteAdapter, type StoredFeatures } from '../adapt';
import { ownIndex } from '../adapt/features';
import { encoderVersion } from '../encoder';
import { defaultModelDir, loadModel, type CommentPrediction, type ToxicityModel } from '../model';
import { DEFAULT_THRESHOLDS } from '../scorer/scorer';
import { CATEGORIES } from '../types';
import { mulberry32, shuffle } from '../util/prng';
import { packageRoot } from '../util/paths';
import { cachedEncoder } from './heads/cached-encoder';
import { embedCached } from './embed-cache';
import { rocAuc } from './metrics';
import { loadSites, SITE_NAMES, type Site, type SiteComment } from './eval-adapt-sites';

const POINTS = [0, 250, 500, 1000, 2000];

const HELP = `npm run eval:adapt -- [options]: simulated sites learn from their moderators' decisions
  --sites a,b          sites (default all: ${SITE_NAMES.join(', ')})
  --draws N            draws per cell (default 5)
  --modes m,n          queue, premoderated (default both)
  --audit F            audit sample of the published comments (default 0.02)
  --points a,b         decision counts (default ${POINTS.join(',')})
  --audit-weight W     weight of an audit decision (default 1)
  --model DIR          the base (default models/heads)
  --holdout SOURCE     the base in .tmp/holdout/SOURCE/heads, trained without SOURCE, on that site
  --encoder-weights F  the adapter's vectors from the encoder tuned to checkpoint F (the base's too
                       when its heads were trained on that encoder, else unchanged)`;

interface Featured extends SiteComment {
  f: StoredFeatures;
  held: boolean;
}

function holds(s: { toxicity: number; categories: Record<string, number> }, t: { toxicity: number; category: number }): boolean {
  return s.toxicity >= t.toxicity || CATEGORIES.some((c) => s.categories[c] >= t.category);
}

function mean(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** Decisions of one draw, in arrival order. */
function decisions(pool: Featured[], mode: string, audit: number, seed: number): LabelledExample[] {
  const order = shuffled(pool.map((_, i) => i), seed);
  const r = mulberry32(seed + 1);
  const out: LabelledExample[] = [];
  for (const i of order) {
    const c = pool[i];
    const audited = !c.held && r() < audit;
    if (mode === 'premoderated' || c.held || audited) out.push({ features: c.f, label: c.label, category: c.category ?? null, audit: !c.held });
  }
  return out;
}

/**
 * The adapter with its toxicity head applied in full, whatever the gate said: a head the gate
 * activated at strength a < 1 was stored moved only a of the way from the base (w_a = a w + (1 - a)
 * on the own base logit, b_a = a b), which this undoes.
 */
function ungatedAdapter(adapter: SiteAdapter): SiteAdapter {
  // report.strength is the toxicity head's, set only when it passed its gate (a refused head is stored whole).
  const a = adapter.report.strength ?? 1;
  const h = adapter.heads.toxicity;
  const heads = { ...adapter.heads };
  if (h && a < 1) {
    const w = h.w.map((v) => v / a);
    w[ownIndex('toxicity')] -= (1 - a) / a;
    heads.toxicity = { ...h, w, b: h.b / a };
  }
  // Each attribute has its own gate (report.auc[attribute].strength): open toxicity's.
  const tox = adapter.report.auc.toxicity;
  const auc = tox ? { ...adapter.report.auc, toxicity: { ...tox, strength: 1 } } : adapter.report.auc;
  return { ...adapter, heads, report: { ...adapter.report, activated: true, auc } };
}

function measure(site: Site, evalSet: Featured[], adapter: SiteAdapter | null, thresholds: { toxicity: number; category: number }): { auc: Record<string, number>; ungated: number; extra: Record<string, number> } {
  const deployed = evalSet.map((c) => (adapter ? applyAdapter(adapter, c.f) : { toxicity: c.f.base.toxicity ?? 0, categories: c.f.base as Record<string, number> }));
  const full = adapter ? ungatedAdapter(adapter) : null;
  const ungated = full ? evalSet.map((c) => applyAdapter(full, c.f).toxicity) : deployed.map((s) => s.toxicity);
  const auc: Record<string, number> = {};
  for (const g of site.report) auc[g] = rocAuc(deployed.map((s) => s.toxicity), evalSet.map((c) => (g === 'label' ? c.label : c.gold[g])));
  const extra: Record<string, number> = {};
  if (site.name === 'profanity-ok') {
    const share = (pick: (c: Featured) => boolean): number => {
      const idx = evalSet.map((c, i) => (pick(c) ? i : -1)).filter((i) => i >= 0);
      return idx.filter((i) => holds(deployed[i] as never, thresholds)).length / Math.max(1, idx.length);
    };
    extra['held: allowed profane'] = share((c) => c.gold.profane_only === 1);
    extra['held: rejected'] = share((c) => c.label === 1);
    extra['held: approved'] = share((c) => c.label === 0);
    for (const cat of ['insult', 'threat', 'identity_attack', 'profanity'] as const) extra[`${cat} score AUC vs ${cat} gold`] = rocAuc(deployed.map((s) => s.categories[cat]), evalSet.map((c) => c.gold[cat]));
  }
  return { auc, ungated: rocAuc(ungated, evalSet.map((c) => c.label)), extra };
}

async function featurize(rows: SiteComment[], model: ToxicityModel, thresholds: { toxicity: number; category: number }, weights?: string): Promise<Featured[]> {
  const texts = rows.map((c) => c.text);
  const vecs = await embedCached(texts, { weights });
  const preds: CommentPrediction[] = [];
  for (let i = 0; i < texts.length; i += 256) preds.push(...(await model.predict(texts.slice(i, i + 256))));
  return rows.map((c, i) => ({ ...c, f: { base: { toxicity: preds[i].toxicity, ...preds[i].categories }, vector: quantize(vecs[i]) }, held: holds(preds[i], thresholds) }));
}

/** A seeded shuffled copy. */
const shuffled = <T>(xs: T[], seed: number): T[] => shuffle([...xs], mulberry32(seed));

/** "k (worst)": how many of the measured gains over the base were negative, and the worst one. */
function belowBase(gains: number[]): string {
  const neg = gains.filter((g) => g < 0);
  return neg.length ? `${neg.length} (${Math.min(...neg).toFixed(3)})` : '0';
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '-';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sites: { type: 'string', default: SITE_NAMES.join(',') },
      draws: { type: 'string', default: '5' },
      modes: { type: 'string', default: 'queue,premoderated' },
      audit: { type: 'string', default: '0.02' },
      points: { type: 'string', default: POINTS.join(',') },
      'audit-weight': { type: 'string', default: '1' },
      model: { type: 'string' },
      holdout: { type: 'string' },
      'encoder-weights': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.holdout) {
    values.model ??= path.join(packageRoot(), '.tmp', 'holdout', values.holdout, 'heads');
    if (!process.argv.some((a) => a === '--sites' || a.startsWith('--sites='))) values.sites = values.holdout;
  }
  const draws = Number(values.draws);
  const audit = Number(values.audit);
  const points = values.points.split(',').map(Number);
  const modes = values.modes.split(',');
  const auditWeight = Number(values['audit-weight']);
  const weights = values['encoder-weights'];
  // The base: --model DIR, else the shipped heads (the accurate path's model) when present, else
  // the shipped toxicity model. Heads read vectors from the shared cache, never re-embedding.
  const heads = path.join(packageRoot(), 'models', 'heads');
  const dir = values.model ?? (fs.existsSync(path.join(heads, 'model.json')) ? heads : undefined);
  const baseWeights = tunedBase(dir, weights);
  const model = await loadModel(dir, { encoder: cachedEncoder(baseWeights) });
  const heldOut = heldOutSources(dir ?? defaultModelDir());
  const shippedDir = fs.existsSync(path.join(heads, 'model.json')) ? heads : undefined;
  // The shipped base, only to compare on a held-out site's comments it never trained on either.
  const shipped = heldOut.length ? await loadModel(shippedDir, { encoder: cachedEncoder() }) : null;
  const thresholds = {
    toxicity: model.info.thresholds?.toxicity ?? DEFAULT_THRESHOLDS.toxicity,
    category: model.info.thresholds?.category ?? DEFAULT_THRESHOLDS.category,
  };
  console.log(`base: ${model.info.name} ${model.info.version}${dir ? ` (${path.relative(packageRoot(), dir) || '.'})` : ''}${heldOut.length ? `, trained without ${heldOut.join(', ')}` : ''}; holds at toxicity >= ${thresholds.toxicity} or a category >= ${thresholds.category}; audit ${audit * 100}% of the rest; ${draws} draws; base vectors: encoder ${encoderVersion(baseWeights)}; adapter vectors: encoder ${encoderVersion(weights)}${weights ? ` (${weights})` : ''}`);
  const lines: string[] = [];
  const header = `| site | stream | mode | decisions available | gold | ${points.map((n) => (n ? `n=${n}` : 'base')).join(' | ')} | activated | below base (worst) |`;
  lines.push(header, `|${header.split('|').slice(1, -1).map(() => ' --- ').join('|')}|`);
  const extras: string[] = [];
  const baseLines: string[] = [];
  for (const site of loadSites(values.sites.split(','), undefined, heldOut)) {
    const t0 = Date.now();
    const unseen = await featurize(site.unseen, model, thresholds, weights);
    const seen = await featurize(site.seen, model, thresholds, weights);
    if (shipped && site.shippedUnseen !== undefined) baseLines.push(...await heldOutBase(site, unseen, shipped));
    const count = (xs: Featured[]): string => `${xs.length} (${xs.filter((c) => c.held).length} held, ${xs.filter((c) => c.label).length} rejected)`;
    process.stderr.write(`${site.name}: unseen ${count(unseen)}, seen ${count(seen)}\n`);
    const streams: Array<{ name: string; split: (d: number) => { stream: Featured[]; held: Featured[] } }> = [
      { name: 'held-out split', split: (d) => { const u = shuffled(unseen, 7919 * d); const h = Math.floor(u.length / 2); return { stream: u.slice(0, h), held: u.slice(h) }; } },
    ];
    if (seen.length) streams.push({ name: 'seen', split: () => ({ stream: seen, held: unseen }) });
    const first = lines.length;
    for (const st of streams) {
      for (const mode of modes) {
        // Per point: the measures of each draw that reached it, and the base on the same held-out comments.
        const per = points.map(() => [] as Array<{ m: ReturnType<typeof measure>; base: ReturnType<typeof measure>; activated: boolean }>);
        const available: number[] = [];
        for (let d = 1; d <= draws; d++) {
          const { stream, held } = st.split(d);
          const dec = decisions(stream, mode, audit, 1000 * d + 27);
          available.push(dec.length);
          const base = measure(site, held, null, thresholds);
          points.forEach((n, k) => {
            if (n > dec.length) return;
            const adapter = n === 0 ? null : fitAdapter(site.name, dec.slice(0, n), { seed: d, auditWeight, curvePoints: [], createdAt: 'eval' });
            per[k].push({ m: n === 0 ? base : measure(site, held, adapter, thresholds), base, activated: !!adapter?.report.activated });
          });
        }
        const avail = Math.min(...available) === Math.max(...available) ? String(available[0]) : `${Math.min(...available)}-${Math.max(...available)}`;
        const cell = (k: number, v: (x: (typeof per)[number][number]) => number): string => (per[k].length === draws ? fmt(mean(per[k].map(v))) : per[k].length ? `${fmt(mean(per[k].map(v)))} (${per[k].length})` : '-');
        for (const g of site.report) {
          const act = g === 'label' ? points.map((n, k) => (n && per[k].length ? `${per[k].filter((x) => x.activated).length}/${per[k].length}` : '')).filter(Boolean).join(' ') : '';
          const below = g === 'label' ? belowBase(per.flat().map((x) => x.m.auc.label - x.base.auc.label)) : '';
          lines.push(`| ${site.name} | ${st.name} | ${mode} | ${avail} | ${g} | ${points.map((_, k) => cell(k, (x) => x.m.auc[g])).join(' | ')} | ${act} | ${below} |`);
        }
        lines.push(`| ${site.name} | ${st.name} | ${mode} | | label, heads without the gate | ${points.map((_, k) => cell(k, (x) => x.m.ungated)).join(' | ')} | | ${belowBase(per.flat().map((x) => x.m.ungated - x.base.auc.label))} |`);
        for (const key of Object.keys(per[0][0]?.m.extra ?? {})) extras.push(`| ${site.name} | ${st.name} | ${mode} | ${key} | ${points.map((_, k) => cell(k, (x) => x.m.extra[key])).join(' | ')} |`);
      }
    }
    process.stderr.write(`${site.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${lines.slice(first).join('\n')}\n`);
  }
  console.log(lines.join('\n'));
  if (baseLines.length) {
    console.log(`\n| site | gold | comments | held-out base AUC | shipped base AUC (trained on the rest of the set) |\n| --- | --- | --- | --- | --- |`);
    console.log(baseLines.join('\n'));
  }
  if (extras.length) {
    console.log(`\n| site | stream | mode | measure | ${points.map((n) => (n ? `n=${n}` : 'base')).join(' | ')} |\n| --- | --- | --- | --- | ${points.map(() => '---').join(' | ')} |`);
    console.log(extras.join('\n'));
  }
  model.dispose();
  shipped?.dispose();
}

/**
 * The encoder weights the base's heads read: `weights` when the heads were trained on that tuned
 * encoder (model.json `training.encoder`), none (the package's) when they were trained on its vectors.
 * Heads of a tuned encoder scored with other vectors would be neither model, so that is refused.
 */
function tunedBase(dir: string | undefined, weights: string | undefined): string | undefined {
  const m = dir ? (JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { training?: { encoder?: string } }) : {};
  const trained = m.training?.encoder;
  if (!trained) return undefined;
  if (!weights || encoderVersion(weights) !== trained) {
    throw new Error(`${dir}: heads trained on encoder ${trained}; give --encoder-weights with that checkpoint (given: ${weights ? encoderVersion(weights) : 'none'})`);
  }
  return weights;
}

/**
 * Sources the base at `dir` was trained without: its model.json's `training.exclude`, and for
 * heads also their network's (both must hold a source out for the base never to have seen it).
 */
function heldOutSources(dir: string): string[] {
  const read = (d: string): { format?: string; base?: { dir: string }; training?: { exclude?: string[] } } => JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  const m = read(dir);
  const own = m.training?.exclude ?? [];
  if (m.format !== 'moderato-heads' || !m.base) return own;
  const net = read(path.resolve(dir, m.base.dir)).training?.exclude ?? [];
  return own.filter((s) => net.includes(s));
}

/**
 * A held-out site's base figures: the held-out base's AUC on all its labelled comments, and on
 * the comments the shipped base never trained on (`site.shippedUnseen` leading ones) beside the
 * shipped base's: what the base loses when it never saw the source.
 */
async function heldOutBase(site: Site, all: Featured[], shipped: ToxicityModel): Promise<string[]> {
  const dev = all.slice(0, site.shippedUnseen);
  const shippedTox: number[] = [];
  for (let i = 0; i < dev.length; i += 256) shippedTox.push(...(await shipped.predict(dev.slice(i, i + 256).map((c) => c.text))).map((p) => p.toxicity));
  const gold = (xs: Featured[], g: string): number[] => xs.map((c) => (g === 'label' ? c.label : c.gold[g]));
  return site.report.flatMap((g) => [
    `| ${site.name} | ${g} | all ${all.length} | ${fmt(rocAuc(all.map((c) => c.f.base.toxicity ?? 0), gold(all, g)))} | - |`,
    `| ${site.name} | ${g} | the shipped base's unseen ${dev.length} | ${fmt(rocAuc(dev.map((c) => c.f.base.toxicity ?? 0), gold(dev, g)))} | ${fmt(rocAuc(shippedTox, gold(dev, g)))} |`,
  ]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
