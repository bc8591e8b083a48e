import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type ErrorCode, errorCatalogue } from '../errors.js';
import { isStateChanging } from './origin.js';
import { type Route, route } from './route.js';

const errorBody = z
  .object({
    error: z.string().describe('The lower_snake error code.'),
    message: z.string().describe('A human sentence saying what went wrong and how to fix it.'),
    requestId: z.string().describe('Also in the X-Request-Id header.'),
  })
  .strict()
  // The id makes it one shared component (#/components/schemas/Error).
  .meta({ id: 'Error' });

/** Codes any route may answer, by what it declares. */
function commonCodes(spec: Route): ErrorCode[] {
  const codes: ErrorCode[] = ['internal_error'];
  if (spec.auth.token || spec.auth.access)
    codes.push('missing_token', 'invalid_token', 'token_revoked', 'token_expired', 'token_inactive');
  // An API token's own restrictions (token-restrictions.ts).
  if (spec.auth.token)
    codes.push('token_not_yet_valid', 'token_rotated', 'ip_not_allowed', 'usage_exhausted');
  // A free account's API tokens only read (edge.ts, handle()).
  const methods = typeof spec.method === 'string' ? [spec.method] : spec.method;
  if (spec.auth.token && methods.some(isStateChanging)) codes.push('plan_upgrade_required');
  if (spec.auth.cookie && spec.auth.required) codes.push('unauthenticated');
  if (spec.permission) codes.push('insufficient_scope', 'forbidden');
  if (spec.limit) codes.push('rate_limit_exceeded');
  if (spec.body)
    codes.push('validation_failed', 'payload_too_large', 'unsupported_media_type', 'csrf_failed');
  if (spec.path.includes(':')) codes.push('not_found');
  return codes;
}

/** `/api/tokens/:id` → `/api/tokens/{id}`, and the path parameters' schema. */
function openApiPath(path: string): { path: string; params: z.ZodObject | undefined } {
  const names: string[] = [];
  const converted = path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  const params =
    names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined;
  return { path: converted, params };
}

/**
 * The OpenAPI 3.1 document of the REST routes, generated from the route table's own
 * declarations (body schemas, response schemas, credentials, limits) by zod-to-openapi.
 */
export function openApiDocument(routes: readonly Route[]): unknown {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (kw_…); X-Api-Key: <token> works too.',
  });
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'keyward_session',
    description: 'The web session (__Host-keyward_session over https); state changes need the CSRF proof.',
  });
  for (const spec of routes) {
    if (!spec.openapi) continue;
    const { path, params } = openApiPath(spec.path);
    const methods = typeof spec.method === 'string' ? [spec.method] : spec.method;
    const responses: Record<
      string,
      { description: string; content?: Record<string, { schema: z.ZodType }> }
    > = {};
    const success = spec.openapi.response ?? { status: 200, schema: z.unknown() };
    responses[String(success.status)] = {
      description: 'Success.',
      content: { 'application/json': { schema: success.schema } },
    };
    for (const code of [...commonCodes(spec), ...((spec.openapi.errors ?? []) as ErrorCode[])]) {
      const status = String(errorCatalogue[code].status);
      const existing = responses[status];
      if (existing) existing.description += `, ${code}`;
      else responses[status] = { description: code, content: { 'application/json': { schema: errorBody } } };
    }
    const security: Record<string, string[]>[] = [
      ...(spec.auth.token || spec.auth.access ? [{ apiToken: [] }] : []),
      ...(spec.auth.cookie ? [{ session: [] }] : []),
      ...(!spec.auth.required ? [{}] : []),
    ];
    for (const method of methods) {
      registry.registerPath({
        method: method.toLowerCase() as 'get' | 'post' | 'delete',
        path,
        summary: spec.openapi.summary,
        tags: [...(spec.openapi.tags ?? [])],
        security,
        ...(spec.permission ? { description: `Needs the permission \`${spec.permission}\`.` } : {}),
        request: {
          ...(params ? { params } : {}),
          ...(spec.body
            ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } }
            : {}),
        },
        responses,
      });
    }
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Keyward REST API',
      version: '1',
      description:
        'Bearer-token routes for the CLI and scripts, the dashboard routes of the web session, and programmatic login. The GraphQL API is at /graphql.',
    },
  });
}

/** GET /api/openapi.json, generated once from `routes`. */
export function openApiRoute(...groups: readonly (readonly Route[])[]): Route {
  let document: string | null = null;
  return route({
    method: 'GET',
    path: '/api/openapi.json',
    surface: 'rest',
    auth: { required: false },
    handle: () => {
      document ??= JSON.stringify(openApiDocument(groups.flat()));
      return { status: 200, raw: document, headers: { 'content-type': 'application/json; charset=utf-8' } };
    },
  });
}
