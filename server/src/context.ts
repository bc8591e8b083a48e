import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor, RequestMeta } from './audit/audit.service.js';
import { clientIp, passesCsrfCheck, requestOrigin, usesHttps } from './http/request-info.js';
import type { Principal } from './principal.js';
import type { PolicyName } from './rate-limits/policies.js';
import { assertAllowed, rateLimitHeaders } from './rate-limits/rate-limiter.js';
import type { Services } from './services.js';

/** Everything one request needs; built fresh per request (scope-auth caches on it). */
export interface RequestContext {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** Origin for links in mail: KEYWARD_PUBLIC_URL, else the request's own origin. */
  origin: string;
  /** True when the request proved it is not cross-site (same-origin Origin or X-Keyward-CSRF: 1). */
  csrfOk: boolean;
  secureCookies: boolean;
  principal: Principal;
  services: Services;
  /** Headers to add to the response (Set-Cookie, RateLimit-*). */
  responseHeaders: [string, string][];
  /** A per-request EntityManager, forked on first use. */
  em(): EntityManager;
  meta(): RequestMeta;
  actor(): AuditActor;
  /** Spends one point of a rate-limit policy, adds the RateLimit-* headers, throws rate_limit_exceeded when over. */
  limit(policy: PolicyName, key: string, options?: { limit?: number; source?: string }): Promise<void>;
}

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
      if (!decision.allowed) services.metrics.rateLimitRejections.inc({ policy });
      for (const [name, value] of Object.entries(rateLimitHeaders(decision)))
        responseHeaders.push([name, value]);
      assertAllowed(decision);
    },
  };
}

/** A lazily forked EntityManager: requests that never touch the database never fork one. */
export function lazyEm(services: Services): () => EntityManager {
  let em: EntityManager | null = null;
  return () => {
    em ??= services.orm.em.fork();
    return em;
  };
}
