/**
 * The OpenAPI 3.1 document served at `/openapi.json`, generated from the route table and the
 * zod schemas the routes validate with (zod's own JSON Schema output, draft 2020-12, which is
 * OpenAPI 3.1's dialect), so the document cannot drift from what the server accepts.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors';
import { COMMON_ERRORS, ROUTES, type RouteSpec } from './routes-table';

const VERSION = '0.1.0';

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** The error codes a route answers, grouped by HTTP status. */
function errorResponses(route: RouteSpec): Record<string, unknown> {
  const codes = route.path.startsWith('/v1') ? [...new Set([...COMMON_ERRORS, ...route.errors])] : route.errors;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) byStatus.set(ERROR_CODES[c].status, [...(byStatus.get(ERROR_CODES[c].status) ?? []), c]);
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERROR_CODES[c].description}`).join(' '),
      'x-error-codes': list,
      content: { 'application/json': { schema: { $ref: route.path.startsWith('/v1alpha1') ? '#/components/schemas/GoogleError' : '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function queryParameters(schema: z.ZodType): unknown[] {
  const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: s }));
}

function operation(route: RouteSpec): Record<string, unknown> {
  const op: Record<string, unknown> = { summary: route.summary, 'x-auth': route.auth };
  const params: unknown[] = [];
  for (const m of route.path.matchAll(/\{([^}]+)\}/g)) params.push({ name: m[1], in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } });
  if (route.query) params.push(...queryParameters(route.query));
  if (params.length) op.parameters = params;
  if (route.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } };
  if (route.auth === 'session') op.security = [{ session: [] }];
  else if (route.auth === 'optional session') op.security = [{}, { session: [] }];
  else if (route.auth !== 'none') op.security = route.auth === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }, { session: [] }];
  op.responses = { 200: { description: 'OK', content: { [route.path === '/metrics' ? 'text/plain' : route.path === '/' || route.path === '/moderate' ? 'text/html' : route.path === '/favicon.ico' ? 'image/svg+xml' : 'application/json']: {} } }, ...errorResponses(route) };
  return op;
}

/** Builds the document (cheap; the server builds it once per request to `/openapi.json`). */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[r.path] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: { title: 'Moderato', version: VERSION, description: 'Comment moderation: toxicity, typed toxic spans, off-topic, moderation queue, Perspective-compatible routes. Error codes: README.md "Errors".' },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `moderato keys create` (Perspective routes also take `?key=`).' },
        session: { type: 'apiKey', in: 'cookie', name: 'moderato_session', description: "The moderator's page session (POST /v1/session); writes also need the X-CSRF-Token header." },
      },
      schemas: {
        Error: {
          type: 'object', required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message', 'details'], properties: { code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: { type: 'string' }, details: {} } } },
        },
        GoogleError: {
          type: 'object', required: ['error'],
          properties: { error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' }, status: { type: 'string' }, details: { type: 'array' } } } },
        },
      },
    },
  };
}
