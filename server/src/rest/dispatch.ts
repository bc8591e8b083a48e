import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createRequestContext, lazyEm, type RequestContext } from '../context.js';
import { isKeywardError, KeywardError } from '../errors.js';
import {
  authenticateSession,
  authenticateToken,
  presentedSessionCookie,
  presentedToken,
} from '../http/authenticate.js';
import { readJsonBody } from '../http/body.js';
import { clientIp, usesHttps } from '../http/request-info.js';
import { sendJson } from '../http/respond.js';
import { Router } from '../http/router.js';
import { anonymous, type Principal } from '../principal.js';
import type { Services } from '../services.js';
import { clearSessionCookie } from '../sessions/session-cookie.js';
import type { RestHandler, RestRoute } from './rest.js';

async function resolvePrincipal(
  services: Services,
  handler: RestHandler,
  req: IncomingMessage,
  em: () => EntityManager,
): Promise<Principal> {
  const ip = clientIp(req, services.config);
  switch (handler.auth) {
    case 'bearer':
    case 'bearer-or-access': {
      const secret = presentedToken(req);
      if (secret === null) throw new KeywardError('missing_token');
      if (handler.auth === 'bearer-or-access' && services.accessTokens.looksLikeAccessToken(secret)) {
        return services.accessTokens.authenticate(em(), secret);
      }
      return authenticateToken(services, secret, ip);
    }
    case 'cookie': {
      const cookie = presentedSessionCookie(req);
      if (!cookie) throw new KeywardError('unauthenticated', 'Log in first: this route needs a web session.');
      return authenticateSession(services, em(), cookie).catch((error: unknown) => {
        // A dead session's cookie is cleared, as on /graphql, so the browser stops sending it.
        if (!isKeywardError(error) || error.code !== 'unauthenticated') throw error;
        throw new KeywardError('unauthenticated', error.message, {
          headers: { 'Set-Cookie': clearSessionCookie(usesHttps(req, services.config)) },
        });
      });
    }
    case 'optional-cookie': {
      const cookie = presentedSessionCookie(req);
      if (!cookie) return anonymous;
      return authenticateSession(services, em(), cookie).catch((error: unknown) => {
        if (isKeywardError(error) && error.code === 'unauthenticated') return anonymous;
        throw error;
      });
    }
    case 'none':
      return anonymous;
  }
}

/** Writes a JSON answer with the headers the request collected (RateLimit-*, Set-Cookie). */
function respond(
  res: ServerResponse,
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  for (const [name, value] of ctx.responseHeaders) res.appendHeader(name, value);
  sendJson(res, status, body, headers);
}

/** Serves /api/*: route match → authentication → CSRF → per-token limit → handler → JSON. */
export function createRestDispatcher(services: Services, routes: RestRoute[]) {
  const router = new Router(routes);
  return async (req: IncomingMessage, res: ServerResponse, requestId: string, path: string) => {
    const { handler, params } = router.match(req.method ?? 'GET', path);
    const em = lazyEm(services);
    const principal = await resolvePrincipal(services, handler, req, em);
    const ctx = createRequestContext(services, req, requestId, principal, em);
    // No closures named per request below: under tsx every one costs a defineProperty (keepNames).
    try {
      if (handler.auth === 'cookie' && req.method !== 'GET' && !ctx.csrfOk)
        throw new KeywardError('csrf_failed');
      if (principal.kind === 'token') {
        await ctx.limit('token', principal.token.id, {
          limit: principal.token.rateLimitPerMinute,
          source: handler.source ?? 'api',
        });
      } else if (principal.kind === 'access') {
        // A programmatic login is limited like a default token, per login (refresh-token family).
        await ctx.limit('token', `access:${principal.familyId}`, { source: handler.source ?? 'api' });
      }
      const target = req.url ?? '/';
      const result = await handler.handle({
        req,
        params,
        // Most API calls carry no query string: skip parsing a URL for them.
        query: target.includes('?')
          ? new URL(target, 'http://localhost').searchParams
          : new URLSearchParams(),
        ctx,
        body: readJsonBody.bind(undefined, req),
      });
      respond(res, ctx, result.status ?? 200, result.body, result.headers);
    } catch (error) {
      if (!isKeywardError(error)) throw error;
      respond(
        res,
        ctx,
        error.status,
        { error: error.code, message: error.message, requestId },
        error.headers,
      );
    }
  };
}
