/**
 * The moderator's page (web/, bundled into dist/moderate by `npm run build:web`, which `npm ci`
 * runs): `/moderate` and its assets, the landing page at `/` that links to it, and `/favicon.ico`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { packageRoot } from '../../util/paths';
import { ModeratoError } from '../../errors';

/** Where the built page lives. */
export function webDir(): string {
  return path.join(packageRoot(), 'dist', 'moderate');
}

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Moderato</title><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="/moderate/assets/favicon.svg" type="image/svg+xml"></head>
<body><main><h1>Moderato</h1><p>Comment moderation: scoring API, queue and the moderator's page.</p>
<ul><li><a href="/moderate">Moderator's page</a></li><li><a href="/readyz">Model status</a></li></ul></main></body></html>
`;

/** Mounts `/`, `/moderate`, `/moderate/assets/*` and `/favicon.ico`. */
export function pageRouter(): Router {
  const router = Router();
  const dir = webDir();
  router.get('/', (_req, res) => {
    res.type('html').send(LANDING);
  });
  router.get('/moderate', (_req, res) => {
    const index = path.join(dir, 'index.html');
    if (!existsSync(index)) throw new ModeratoError('MOD_ERR_CONFIG', `The moderator's page is not built (${index} is missing): run npm run build:web`);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  // Browsers ask for /favicon.ico whatever the page links (a 404 there is a console error): the SVG, which they all take.
  router.get('/favicon.ico', (_req, res, next) => {
    const icon = path.join(dir, 'assets', 'favicon.svg');
    if (!existsSync(icon)) return next();
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').sendFile(icon);
  });
  router.use('/moderate/assets', express.static(path.join(dir, 'assets'), { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}
