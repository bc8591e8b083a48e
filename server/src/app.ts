import { timingSafeEqual } from 'node:crypto';
import { presentedBearer } from './edge/authenticate.js';
import { createEdge, type RequestHandler } from './edge/edge.js';
import { openApiRoute } from './edge/openapi.js';
import { type Route, route } from './edge/route.js';
import { webAppRoute } from './edge/web-app.js';
import { KeywardError } from './errors.js';
import { graphqlRoute } from './graphql/endpoint.js';
import { whoamiRoute } from './rest/cli.js';
import { oidcRoutes } from './rest/oidc.js';
import { registryRoutes } from './rest/registry.js';
import { dashboardTokenRoutes } from './rest/tokens.js';
import { v1Routes } from './rest/v1.js';
import type { Services } from './services.js';

export type { RequestHandler };

const anyone = { required: false } as const;

function healthRoutes(services: Services): Route[] {
  return [
    route({
      method: 'GET',
      path: '/healthz',
      surface: 'rest',
      auth: anyone,
      openapi: { summary: 'Liveness: the process answers.', tags: ['operations'] },
      handle: () => ({ json: { status: 'ok' } }),
    }),
    route({
      method: 'GET',
      path: '/readyz',
      surface: 'rest',
      auth: anyone,
      openapi: { summary: 'Readiness: the database answers (503 when it does not).', tags: ['operations'] },
      handle: async () => {
        try {
          await services.orm.em.fork().execute('select 1');
          return { json: { status: 'ready' } };
        } catch {
          return {
            status: 503,
            json: {
              status: 'unavailable',
              error: 'service_unavailable',
              message: 'The database is not reachable.',
            },
          };
        }
      },
    }),
  ];
}

/** Prometheus text; `token` (KEYWARD_METRICS_TOKEN) guards it on the public listener. */
function metricsRoute(services: Services, token: string | null): Route {
  const expected = token === null ? null : Buffer.from(token);
  return route({
    method: 'GET',
    path: '/metrics',
    surface: 'rest',
    auth: anyone,
    handle: async ({ req }) => {
      if (expected) {
        const presented = Buffer.from(presentedBearer(req) ?? '');
        if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
          throw new KeywardError('unauthenticated', 'Send Authorization: Bearer <KEYWARD_METRICS_TOKEN>.');
      }
      const { registry } = services.metrics;
      return {
        status: 200,
        raw: await registry.metrics(),
        headers: { 'content-type': registry.contentType },
      };
    },
  });
}

/** Without KEYWARD_METRICS_TOKEN, /metrics is not served on the public listener. */
const metricsElsewhere = route({
  method: 'GET',
  path: '/metrics',
  surface: 'rest',
  auth: anyone,
  handle: () => {
    throw new KeywardError(
      'not_found',
      'Metrics are not served here: set KEYWARD_METRICS_PORT (a 127.0.0.1 listener) or KEYWARD_METRICS_TOKEN.',
    );
  },
});

/** `/api` itself and any unknown path below it: a JSON 404, never the admin app's HTML. */
const apiNotFound = route({
  method: ['GET', 'POST', 'DELETE'],
  path: '/api/*',
  label: '/api/*',
  surface: 'rest',
  auth: anyone,
  handle: () => {
    throw new KeywardError('not_found', 'No such API route: see /api/openapi.json.');
  },
});

/** Every route the public listener serves: the one table the edge dispatches on. */
export function appRoutes(services: Services): Route[] {
  const { config, logger } = services;
  const rest: Route[] = [
    whoamiRoute,
    ...registryRoutes(services.registry),
    ...dashboardTokenRoutes(services),
    ...v1Routes(services),
    ...oidcRoutes(services),
  ];
  const web = webAppRoute();
  return [
    ...healthRoutes(services),
    config.metricsToken ? metricsRoute(services, config.metricsToken) : metricsElsewhere,
    graphqlRoute({ logger, production: config.isProduction, fastPath: config.graphqlFastPath }),
    ...rest,
    openApiRoute(rest, healthRoutes(services)),
    apiNotFound,
    { ...apiNotFound, path: '/api' },
    ...(web ? [web] : []),
  ];
}

/** The whole public server as one request handler. Never listens (see boot.ts). */
export function createApp(services: Services): { handle: RequestHandler } {
  return { handle: createEdge(services, appRoutes(services)) };
}

/** The separate metrics listener (KEYWARD_METRICS_PORT, bound to 127.0.0.1): /metrics and health only. */
export function createMetricsApp(services: Services): { handle: RequestHandler } {
  return { handle: createEdge(services, [metricsRoute(services, null), ...healthRoutes(services)]) };
}
