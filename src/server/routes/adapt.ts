/**
 * Admin routes of site adaptation (docs/queue.md "Site adaptation"): the sites with labels, one
 * site's adapter versions with their reports, fit now, activate or roll back. Thin: the work is
 * in src/queue/adapters.ts (the fit itself in a worker thread, so these routes never block).
 */
import { Router } from 'express';
import { z } from 'zod';
import { requireAdaptation, requireStore, type AppDeps } from '../context';
import { actorOf, requireRole } from '../auth';
import { SiteIdSchema } from '../schemas';
import { validate } from '../validate';

/** `POST /v1/adapt/sites/{siteId}/activate`: a version to make active, or null for none (the base model). */
export const ActivateSchema = z.strictObject({ version: z.number().int().min(1).nullable() });

/** Mounts the adaptation routes (admin keys only). */
export function adaptRouter(deps: AppDeps): Router {
  const router = Router();
  const admin = requireRole(deps, 'admin');
  const site = (raw: unknown) => validate(SiteIdSchema, raw, 'siteId');

  router.get('/v1/adapt/sites', admin, async (_req, res) => {
    const adapt = requireAdaptation(deps);
    res.json({ items: await requireStore(deps).adaptSites(), refitEvery: adapt.refitEvery });
  });

  router.get('/v1/adapt/sites/:siteId', admin, async (req, res) => {
    const siteId = site(req.params.siteId);
    const adapt = requireAdaptation(deps);
    const store = requireStore(deps);
    const [labels, versions] = await Promise.all([store.siteLabelCount(siteId), store.adapterVersions(siteId)]);
    res.json({ siteId, labels, refitEvery: adapt.refitEvery, fitting: adapt.fitting(siteId), activeVersion: versions.find((v) => v.active)?.version ?? null, versions });
  });

  router.post('/v1/adapt/sites/:siteId/fit', admin, async (req, res) => {
    const siteId = site(req.params.siteId);
    const who = actorOf(res);
    const out = await requireAdaptation(deps).fit(siteId, { createdBy: who.name ? `${who.name} (${who.id})` : who.id });
    res.json(out);
  });

  router.post('/v1/adapt/sites/:siteId/activate', admin, async (req, res) => {
    const siteId = site(req.params.siteId);
    const body = validate(ActivateSchema, req.body ?? {});
    res.json({ siteId, active: await requireAdaptation(deps).activate(siteId, body.version) });
  });

  return router;
}
