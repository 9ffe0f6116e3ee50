/**
 * The simulated sites of `npm run eval:adapt`: each a set of comments with what that site's
 * moderators would decide (reject 1 / approve 0, with a category where the set types it) and the
 * gold the adapted scores are measured against.
 *
 * Each site's comments fall in two parts. `unseen`: comments the base model never trained on
 * (the set's dev or test split, by the rule the trainer uses); the simulation splits them at
 * random into the stream moderators decide from and the held-out comments AUC is measured on.
 * `seen`: comments the base trained on (UCC's train half, C3 outside its dev rule, HateXplain's
 * train part): the base's outputs there are far better than on fresh comments (UCC: AUC 0.935 on
 * them, 0.78 held out), so they serve only as a second, pessimistic stream for the decision
 * counts the unseen half cannot reach.
 * Large sets are sampled (fixed seed) to what the simulation needs, so only those are embedded.
 *
 * A site whose source the base was trained without (`heldOut`, a base of `--exclude SOURCE`,
 * src/train/exclude.ts) has every labelled comment unseen, unsampled: the seen part joins the
 * unseen one (after it, so `unseen.slice(0, shippedUnseen)` are the comments the shipped base
 * never trained on either) and `seen` is empty.
 */
import {
  isDevText, loadAcl, loadC3, loadDavidson, loadEdos, loadFoxNews, loadGhc, loadHatexplain, loadHateval, loadImplicitHate,
  loadOlid, loadStormfront, loadTsd, loadUcc, textKey, type LabelledComment,
} from '../data';
import type { AdaptAttribute } from '../adapt';
import { mulberry32 } from '../util/prng';

/** One comment of a simulated site. */
export interface SiteComment {
  text: string;
  /** What the site's moderators decide: 1 reject, 0 approve. */
  label: 0 | 1;
  /** The moderator's reason for a rejection, where the set types it. */
  category?: AdaptAttribute | null;
  /** Gold labels the scores are measured against (name -> 0/1), beside `label`. */
  gold: Record<string, number>;
}

export interface Site {
  name: string;
  /** How the site decides, one line for the table's notes. */
  rule: string;
  unseen: SiteComment[];
  seen: SiteComment[];
  /** Held-out source: how many leading `unseen` comments the shipped base never trained on (its dev part). */
  shippedUnseen?: number;
  /** Gold names reported (AUC of adapted toxicity), `label` first. */
  report: string[];
}

/** Unseen comments kept: half a stream of 2,000 decisions and more, half held out. */
const UNSEEN_MAX = 4500;
const SEEN_MAX = 3000;

function sample<T>(xs: T[], k: number, seed: number): T[] {
  if (xs.length <= k) return xs;
  const r = mulberry32(seed);
  const a = [...xs];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}

function binary(rows: LabelledComment[]): SiteComment[] {
  return rows.filter((r) => Number.isFinite(r.toxicBinary)).map((r) => ({ text: r.text, label: (r.toxicBinary >= 0.5 ? 1 : 0) as 0 | 1, gold: {} }));
}

/** Sources the base never saw (`loadSites`' `heldOut`). */
type HeldOut = ReadonlySet<string>;

function site(held: HeldOut, name: string, rule: string, seen: SiteComment[], unseen: SiteComment[], report: string[] = ['label']): Site {
  if (held.has(name)) return { name, rule, seen: [], unseen: [...unseen, ...seen], shippedUnseen: unseen.length, report };
  return { name, rule, seen: sample(seen, SEEN_MAX, 1), unseen: sample(unseen, UNSEEN_MAX, 2), report };
}

function ucc(held: HeldOut, dir?: string): Site {
  const rows = loadUcc(dir).map((r) => ({
    text: r.text, label: r.toxicBinary as 0 | 1, split: r.split,
    gold: { hostile: r.attributes.hostile.gold, antagonize: r.attributes.antagonize.gold },
  }));
  return site(held, 'ucc', 'rejects hostile or antagonising comments (UCC majority)', rows.filter((r) => r.split === 'train'), rows.filter((r) => r.split === 'dev'), ['label', 'hostile', 'antagonize']);
}

function hatexplain(held: HeldOut, dir?: string): Site {
  const rows = loadHatexplain('all', dir).filter((p) => p.label !== null);
  const toSite = (ps: typeof rows): SiteComment[] => binary(ps);
  return site(held, 'hatexplain', 'rejects hate speech and offensive posts (majority of 3)', toSite(rows.filter((p) => p.split !== 'dev')), toSite(rows.filter((p) => p.split === 'dev')));
}

function c3(held: HeldOut, dir?: string): Site {
  const ucc = new Set(loadUcc(dir).map((r) => textKey(r.text)));
  const rows = loadC3(dir).filter((r) => !ucc.has(textKey(r.text)));
  const dev = (r: LabelledComment): boolean => isDevText(textKey(r.text), 0.15);
  return site(held, 'c3', 'rejects comments the crowd rated toxic (level >= 2)', binary(rows.filter((r) => !dev(r))), binary(rows.filter(dev)));
}

/**
 * A site whose norms contradict the base: it allows profanity and rejects insults, threats and
 * identity attacks (ACL 2022 ToxicSpans, a majority of annotators marking a span of that type).
 * A rejection's category is the attack type most annotators marked. Gold kept per type (the
 * category scores are measured against it), and `profane_only` for the comments this site
 * allows and the base holds.
 */
function profanityAllowed(held: HeldOut, dir?: string): Site {
  const trialKeys = new Set(loadTsd('tsd_trial', dir).map((p) => textKey(p.text)));
  const trainKeys = new Set(loadTsd('tsd_train', dir).map((p) => textKey(p.text)));
  const pool: SiteComment[] = [];
  const evalSet: SiteComment[] = [];
  for (const c of loadAcl(dir)) {
    const n = c.annotations.length;
    const votes = (t: AdaptAttribute): number => c.annotations.filter((a) => a.some((s) => s.type === t)).length;
    const maj = (t: AdaptAttribute): number => (votes(t) * 2 > n ? 1 : 0);
    const attacks = (['insult', 'threat', 'identity_attack'] as const).filter((t) => maj(t));
    const label = attacks.length ? 1 : 0;
    const category = label ? [...attacks].sort((a, b) => votes(b) - votes(a))[0] : null;
    const gold = { insult: maj('insult'), threat: maj('threat'), identity_attack: maj('identity_attack'), profanity: maj('profanity'), profane_only: maj('profanity') && !label ? 1 : 0 };
    const k = textKey(c.text);
    // The trainer's ACL dev rule: shared with tsd_trial, or ACL-only and in its 10% hash.
    const unseen = trialKeys.has(k) || (!trainKeys.has(k) && isDevText(k));
    (unseen ? evalSet : pool).push({ text: c.text, label: label as 0 | 1, category, gold });
  }
  return site(held, 'profanity-ok', 'allows profanity, rejects insults, threats, identity attacks (ACL 2022 typed spans)', pool, evalSet);
}

/** Other news and hate sets, each its own site, from the parts the base never trained on. */
function others(held: HeldOut, dir?: string): Site[] {
  const out: Site[] = [];
  const add = (name: string, rule: string, rows: SiteComment[]): void => {
    out.push(site(held, name, rule, [], rows));
  };
  add('fox', 'rejects hateful comments (Fox News)', binary(loadFoxNews(dir)));
  add('ghc', 'rejects dignity attacks, calls for violence, vulgarity (Gab test)', binary(loadGhc('test', dir)));
  add('hateval', 'rejects hate against immigrants and women (dev + test)', binary([...loadHateval('dev', dir), ...loadHateval('test', dir)]));
  add('edos', 'rejects sexism (dev + test)', binary(loadEdos(dir).filter((r) => r.split !== 'train')));
  add('olid', 'rejects offensive tweets (test + dev rule)', binary([...loadOlid('test', dir), ...loadOlid('train', dir).filter((r) => isDevText(textKey(r.text), 0.15))]));
  add('davidson', 'rejects hate and offensive tweets (dev rule)', binary(loadDavidson(dir).filter((r) => isDevText(textKey(r.text), 0.15))));
  add('implicit_hate', 'rejects implicit and explicit hate (dev rule)', binary(loadImplicitHate(dir).filter((r) => r.split === 'dev')));
  add('stormfront', 'rejects hate sentences (dev rule)', binary(loadStormfront(dir).filter((r) => r.split === 'dev')));
  return out;
}

/** Site names `eval:adapt --sites` accepts, in table order. */
export const SITE_NAMES = ['ucc', 'c3', 'hatexplain', 'profanity-ok', 'fox', 'ghc', 'hateval', 'edos', 'olid', 'davidson', 'implicit_hate', 'stormfront'] as const;

/**
 * Builds the named sites (default: all). `heldOut`: sources the base was trained without; their
 * sites use every labelled comment as unseen (see the header).
 */
export function loadSites(names: readonly string[] = SITE_NAMES, dir?: string, heldOut: readonly string[] = []): Site[] {
  const want = new Set(names);
  const held: HeldOut = new Set(heldOut);
  const out: Site[] = [];
  if (want.has('ucc')) out.push(ucc(held, dir));
  if (want.has('c3')) out.push(c3(held, dir));
  if (want.has('hatexplain')) out.push(hatexplain(held, dir));
  if (want.has('profanity-ok')) out.push(profanityAllowed(held, dir));
  if (SITE_NAMES.slice(4).some((n) => want.has(n))) out.push(...others(held, dir).filter((s) => want.has(s.name)));
  return out;
}
