import type { AuditActor, RequestMeta } from './audit/audit.service.js';
import type { Principal } from './principal.js';

/**
 * Who asks a domain service for something, and from where: what services need of a request,
 * passed explicitly (services never see the HTTP request or the GraphQL context).
 */
export interface Caller {
  principal: Principal;
  meta: RequestMeta;
}

/** The audit actor for a principal: the token when a token acts, else the account (or nobody). */
export function actorOf(principal: Principal): AuditActor {
  if (principal.kind === 'token') return { type: 'token', id: principal.token.id };
  return { type: 'account', id: principal.kind === 'anonymous' ? null : principal.account.id };
}
