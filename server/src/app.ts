import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from './context.js';
import { isKeywardError, KeywardError } from './errors.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import { authenticateRequest } from './http/authenticate.js';
import { clientIp, passesCsrfCheck, requestIdFor, requestOrigin, usesHttps } from './http/request-info.js';
import { sendError, sendJson, sendUnexpected } from './http/respond.js';
import type { Principal } from './principal.js';
import { assertAllowed, rateLimitHeaders } from './rate-limits/rate-limiter.js';
import type { Services } from './services.js';
import { clearSessionCookie } from './sessions/session-cookie.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds the per-request context around an already authenticated principal. */
export function createRequestContext(
  services: Services,
  req: IncomingMessage,
  requestId: string,
  principal: Principal,
  em: () => EntityManager,
): RequestContext {
  const origin = requestOrigin(req, services.config);
  const ip = clientIp(req, services.config);
  const userAgent = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null;
  const responseHeaders: [string, string][] = [];
  return {
    requestId,
    ip,
    userAgent,
    origin,
    csrfOk: passesCsrfCheck(req, origin),
    secureCookies: usesHttps(req, services.config),
    principal,
    services,
    responseHeaders,
    em,
    meta: () => ({ ip, userAgent }),
    actor: () =>
      principal.kind === 'token'
        ? { type: 'token', id: principal.token.id }
        : { type: 'account', id: principal.kind === 'anonymous' ? null : principal.account.id },
    limit: async (policy, key, options) => {
      const decision = await services.rateLimits.consume(policy, key, options);
      for (const [name, value] of Object.entries(rateLimitHeaders(decision)))
        responseHeaders.push([name, value]);
      assertAllowed(decision);
    },
  };
}

/** A lazily forked EntityManager: requests that never touch the database never fork one. */
function lazyEm(services: Services): () => EntityManager {
  let em: EntityManager | null = null;
  return () => {
    em ??= services.orm.em.fork();
    return em;
  };
}

/** The whole server as one request handler: /graphql, /api/*, health, and (later) the web app. Never listens. */
export function createApp(services: Services): { handle: RequestHandler } {
  const { logger, config } = services;
  const yoga = createGraphQLHandler({ logger, production: config.isProduction });

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
    if (path === '/graphql') return graphql(req, res, requestId);
    if (path.startsWith('/api/')) throw new KeywardError('not_found', `No route ${req.method} ${path}.`);
    throw new KeywardError('not_found', `Nothing is served at ${path}.`);
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
      const path = (req.url ?? '/').split('?', 1)[0];
      logger.info(
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    route(req, res, requestId).catch((error: unknown) => {
      if (isKeywardError(error)) return sendError(res, error, requestId);
      sendUnexpected(res, error, requestId, logger);
    });
  };
  return { handle };
}
