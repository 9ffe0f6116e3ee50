/**
 * The OpenAPI document: every route the app serves is in it (and nothing it does not serve), its
 * request schemas are the zod schemas the routes validate with, and every error code it names
 * exists in the registry.
 */
import request from 'supertest';
import { createApp } from '../../src/server/app';
import { configFromEnv } from '../../src/server/config';
import { ERROR_CODES } from '../../src/errors';
import { ROUTES } from '../../src/server/routes-table';

const app = createApp({ scorer: { current: null }, config: configFromEnv({}) });

/** Every (method, path) the Express app routes, read from its router, in OpenAPI path form. */
function servedRoutes(): string[] {
  const out: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const p = layer.route.path;
        const paths: unknown[] = Array.isArray(p) ? p : [p];
        for (const one of paths) {
          // RegExp routes are the Perspective methods; a 405 catch-all (`all`) is not a route of its own.
          if (layer.route.methods._all) continue;
          const path = one instanceof RegExp ? one.source.replace(/^\^\\\//, '/').replace(/\\\//g, '/').replace('(?::|%3[aA])', ':').replace(/\$$/, '') : String(one).replace(/:(\w+)/g, '{$1}').replace('\\$', '$');
          for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as any).router.stack);
  return [...new Set(out)].sort();
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document listing exactly the routes the app serves', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    expect(documented).toEqual(servedRoutes());
  });

  it('names only error codes that exist, and every API code is named somewhere', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    const named = new Set<string>();
    for (const ops of Object.values(doc.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(ops)) {
        for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
          for (const code of r['x-error-codes'] ?? []) {
            expect(Object.keys(ERROR_CODES)).toContain(code);
            expect(String(ERROR_CODES[code as keyof typeof ERROR_CODES].status)).toBe(status);
            named.add(code);
          }
        }
      }
    }
    // MOD_ERR_INPUT is the CLI's; MOD_ERR_CONFIG and MOD_ERR_MODEL surface at start (and on /readyz).
    const httpCodes = Object.keys(ERROR_CODES).filter((c) => !['MOD_ERR_INPUT', 'MOD_ERR_CONFIG'].includes(c));
    for (const c of httpCodes) expect([...named]).toContain(c);
  });

  it('describes request bodies with the routes\' zod schemas (limits included)', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    const score = doc.paths['/v1/score'].post.requestBody.content['application/json'].schema;
    expect(score.properties.comments).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    expect(score.properties.comments.items.properties.text).toMatchObject({ type: 'string', maxLength: 10_000 });
    const analyze = doc.paths['/v1alpha1/comments:analyze'].post.requestBody.content['application/json'].schema;
    expect(analyze.properties.comment.properties.text.maxLength).toBe(20_480);
    expect(doc.paths['/v1/queue'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'sort', 'limit', 'cursor']));
    expect(ROUTES.length).toBe(Object.values(doc.paths).reduce((n: number, ops: any) => n + Object.keys(ops).length, 0));
  });
});
