import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor, RequestMeta } from './audit/audit.service.js';
import type { Principal } from './principal.js';
import type { PolicyName } from './rate-limits/policies.js';
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
