import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestMeta } from '../audit/audit.service.js';
import type { Caller } from '../caller.js';
import type { Principal } from '../principal.js';
import type { PolicyName } from '../rate-limits/policies.js';
import { assertAllowed, type RateLimitDecision, rateLimitHeaders } from '../rate-limits/rate-limiter.js';
import type { Services } from '../services.js';
import { andThen, type Maybe } from './maybe.js';

/**
 * What one request carries through its handler (REST) or resolvers (GraphQL); built by the edge,
 * fresh per request (scope-auth caches on it). Domain services never see it: they get
 * `caller()` and `em()`.
 */
export interface RequestContext {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The deployment's own origin (KEYWARD_PUBLIC_URL, or localhost in development): mailed links use it. */
  origin: string;
  /** True when a cookie-authenticated state change here proved it is not cross-site. */
  csrfOk: boolean;
  secureCookies: boolean;
  principal: Principal;
  services: Services;
  /** An API token with credits: how many it has left after this request (else null). */
  usageRemaining: number | null;
  /** Headers for the response (Set-Cookie, RateLimit-*), written by the edge in one go. */
  responseHeaders: [string, string][];
  /** A per-request EntityManager, forked on first use. */
  em(): EntityManager;
  meta(): RequestMeta;
  caller(): Caller;
  /** Spends one point of a policy, adds its RateLimit-* headers, throws rate_limit_exceeded when over. */
  limit(policy: PolicyName, key: string, options?: { limit?: number; source?: string }): Maybe<void>;
  /** Adds a decision's RateLimit-* headers (a service may have spent the point) and counts a refusal. */
  rateLimited(decision: RateLimitDecision): void;
}

interface ContextState extends RequestContext {
  forked: EntityManager | null;
}

// Own properties shared by every context and reading `this`: a request creates no closures for
// them, and they survive Yoga/envelop copying the context's own properties into theirs.
function em(this: ContextState): EntityManager {
  this.forked ??= this.services.orm.em.fork();
  return this.forked;
}

function meta(this: RequestContext): RequestMeta {
  return { ip: this.ip, userAgent: this.userAgent };
}

function caller(this: RequestContext): Caller {
  return { principal: this.principal, meta: { ip: this.ip, userAgent: this.userAgent } };
}

function rateLimited(this: RequestContext, decision: RateLimitDecision): void {
  if (!decision.allowed) this.services.metrics.rateLimitRejections.inc({ policy: decision.policy });
  const headers = rateLimitHeaders(decision);
  for (const name in headers) this.responseHeaders.push([name, headers[name] as string]);
}

function limit(
  this: RequestContext,
  policy: PolicyName,
  key: string,
  options?: { limit?: number; source?: string },
): Maybe<void> {
  return andThen(this.services.rateLimits.spend(policy, key, options), (decision) => {
    this.rateLimited(decision);
    assertAllowed(decision);
  });
}

/** A fresh context with one fixed shape (an anonymous principal until the edge authenticates). */
export function createRequestContext(
  services: Services,
  requestId: string,
  ip: string | null,
  userAgent: string | null,
  origin: string,
  csrfOk: boolean,
): RequestContext {
  const context: ContextState = {
    requestId,
    ip,
    userAgent,
    origin,
    csrfOk,
    secureCookies: origin.startsWith('https:'),
    principal: { kind: 'anonymous' },
    services,
    usageRemaining: null,
    responseHeaders: [],
    forked: null,
    em,
    meta,
    caller,
    limit,
    rateLimited,
  };
  return context;
}
