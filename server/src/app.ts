import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestContext, lazyEm, type RequestContext } from './context.js';
import { isKeywardError, KeywardError } from './errors.js';
import { createGraphQLFastPath } from './graphql/fast-path.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import { authenticateRequest } from './http/authenticate.js';
import { clientIp, requestIdFor, usesHttps } from './http/request-info.js';
import { sendError, sendJson, sendUnexpected } from './http/respond.js';
import { createStaticHandler } from './http/static.js';
import { routeLabel } from './metrics.js';
import { whoamiRoute } from './rest/cli.js';
import { createRestDispatcher } from './rest/dispatch.js';
import { registryRoutes } from './rest/registry.js';
import { dashboardTokenRoutes } from './rest/tokens.js';
import { v1Routes } from './rest/v1.js';
import type { Services } from './services.js';
import { clearSessionCookie } from './sessions/session-cookie.js';
import { redactTokenSecrets } from './tokens/token-secret.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The whole server as one request handler: /graphql, /api/*, health, and (later) the web app. Never listens. */
export function createApp(services: Services): { handle: RequestHandler } {
  const { logger, config } = services;
  const yoga = createGraphQLHandler({ logger, production: config.isProduction });
  // API clients' ordinary POSTs skip Yoga's Fetch-API layer (same envelop pipeline); see fast-path.ts.
  const graphqlFastPath = createGraphQLFastPath(yoga, logger);
  const webApp = createStaticHandler();
  const rest = createRestDispatcher(services, [
    whoamiRoute,
    ...registryRoutes(services.registry),
    ...dashboardTokenRoutes(services),
    ...v1Routes(services),
  ]);

  async function graphql(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const em = lazyEm(services);
    let ctx: RequestContext;
    try {
      const principal = await authenticateRequest(services, em, req, clientIp(req, config), {
        token: true,
        cookie: true,
      });
      ctx = createRequestContext(services, req, requestId, principal, em);
      if (principal.kind === 'token') {
        const { id, rateLimitPerMinute } = principal.token;
        await ctx.limit('token', id, { limit: rateLimitPerMinute, source: 'graphql' });
      }
    } catch (error) {
      if (!isKeywardError(error)) throw error;
      // A bad credential (or an exhausted token) fails the whole request; never a fall-back to anonymous.
      const headers: Record<string, string> = { ...error.headers };
      if (error.code === 'unauthenticated')
        headers['Set-Cookie'] = clearSessionCookie(usesHttps(req, config));
      const body = { errors: [{ message: error.message, extensions: { code: error.graphqlCode } }] };
      sendJson(res, error.status, body, headers);
      return;
    }
    if (ctx.principal.kind === 'token' && graphqlFastPath?.accepts(req))
      return graphqlFastPath.handle(req, res, ctx);
    // requestListener merges extra server-context arguments at runtime; its type only declares two.
    const listen = yoga.requestListener as (
      req: IncomingMessage,
      res: ServerResponse,
      ctx: RequestContext,
    ) => unknown;
    await listen(req, res, ctx);
  }

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return readiness(res);
    if (path === '/metrics') {
      const body = await services.metrics.registry.metrics();
      res.writeHead(200, {
        'Content-Type': services.metrics.registry.contentType,
        'Cache-Control': 'no-store',
      });
      return res.end(body);
    }
    if (path === '/graphql') return graphql(req, res, requestId);
    if (path.startsWith('/api/')) return rest(req, res, requestId, path);
    if (webApp && (req.method === 'GET' || req.method === 'HEAD')) {
      return webApp(req, res, () => sendError(res, new KeywardError('not_found'), requestId));
    }
    throw new KeywardError('not_found', `Nothing is served at ${redactTokenSecrets(path)}.`);
  }

  async function readiness(res: ServerResponse) {
    try {
      await services.orm.em.fork().execute('select 1');
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendJson(res, 503, {
        status: 'unavailable',
        error: 'service_unavailable',
        message: 'The database is not reachable.',
      });
    }
  }

  const handle: RequestHandler = (req, res) => {
    const requestId = requestIdFor(req);
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const seconds = (performance.now() - started) / 1000;
      const route = routeLabel(path);
      services.metrics.http.record(route, req.method ?? 'GET', res.statusCode, seconds);
      if (logger.isLevelEnabled('info')) {
        const ms = Math.round(seconds * 1000);
        logger.info(
          { requestId, method: req.method, path: redactTokenSecrets(path), status: res.statusCode, ms },
          'request',
        );
      }
    });
    route(req, res, requestId).catch((error: unknown) => {
      if (isKeywardError(error)) return sendError(res, error, requestId);
      sendUnexpected(res, error, requestId, logger);
    });
  };
  return { handle };
}
