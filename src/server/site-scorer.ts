/**
 * Scoring for a site: the scorer wrapped so every request carries the site's active adapter
 * (from the adaptation service's cache) and every result says which adapter scored it. Shared by
 * `POST /v1/score` and the Perspective route (whose `communityId` is the site).
 */
import type { SiteAdapter } from '../adapt/types';
import { DEFAULT_SITE } from '../queue';
import type { Scorer, ScorerRequest, ScorerResult } from '../scorer';
import type { AppDeps } from './context';

/** The site's active adapter when the scorer can apply it (accurate mode, a store), else null. */
async function activeAdapter(deps: AppDeps, scorer: Scorer, siteId: string): Promise<SiteAdapter | null> {
  if (scorer.info.mode !== 'accurate' || !deps.adaptation) return null;
  return deps.adaptation.adapterFor(siteId);
}

/**
 * `scorer` scoring for `siteId` (null or absent: the default site): its results carry
 * `adapter: {siteId, version}` or null, and never the internal features.
 */
export async function scorerForSite(deps: AppDeps, scorer: Scorer, siteId: string | null | undefined): Promise<Scorer> {
  const adapter = await activeAdapter(deps, scorer, siteId ?? DEFAULT_SITE);
  return {
    info: scorer.info,
    thresholds: scorer.thresholds,
    async score(req: ScorerRequest): Promise<ScorerResult[]> {
      const results = await scorer.score(adapter ? { ...req, adapter } : req);
      return results.map(({ features: _features, ...r }) => ({ ...r, adapter: r.adapter ?? null }));
    },
    dispose: () => scorer.dispose(),
  };
}
