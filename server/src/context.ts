import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor, RequestMeta } from './audit/audit.service.js';
import { clientIp, passesCsrfCheck, requestOrigin } from './http/request-info.js';
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

// Shared by every context and reading `this`, so a request creates no closures for them. Yoga
// copies the context's own properties into its server context, and these travel along.
function meta(this: RequestContext): RequestMeta {
  return { ip: this.ip, userAgent: this.userAgent };
}

function actor(this: RequestContext): AuditActor {
  const { principal } = this;
  return principal.kind === 'token'
    ? { type: 'token', id: principal.token.id }
    : { type: 'account', id: principal.kind === 'anonymous' ? null : principal.account.id };
}

async function limit(
  this: RequestContext,
  policy: PolicyName,
  key: string,
  options?: { limit?: number; source?: string },
): Promise<void> {
  const { services, responseHeaders } = this;
  const decision = await services.rateLimits.consume(policy, key, options);
  if (!decision.allowed) services.metrics.rateLimitRejections.inc({ policy });
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) responseHeaders.push([name, value]);
  assertAllowed(decision);
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
  const userAgent = req.headers['user-agent'];
  return {
    requestId,
    ip: clientIp(req, services.config),
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    origin,
    csrfOk: passesCsrfCheck(req, origin),
    // What usesHttps() computes, without deriving the origin a second time.
    secureCookies: origin.startsWith('https:'),
    principal,
    services,
    responseHeaders: [],
    em,
    meta,
    actor,
    limit,
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
