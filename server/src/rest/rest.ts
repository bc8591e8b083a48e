import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../context.js';
import { KeywardError } from '../errors.js';
import type { Route } from '../http/router.js';

/**
 * How a route authenticates:
 * - `bearer`: an API token (Authorization: Bearer or X-Api-Key) is required: missing_token otherwise;
 *   the token's per-minute limit applies (X-RateLimit-Source = `source`).
 * - `bearer-or-access`: like bearer, but a programmatic-login access token (JWT) is accepted too (/api/v1).
 * - `cookie`: a web session is required (unauthenticated otherwise); POST/DELETE need the CSRF proof.
 * - `optional-cookie`: a live session when one is presented, else anonymous.
 * - `none`: anonymous.
 */
export type RestAuth = 'bearer' | 'bearer-or-access' | 'cookie' | 'optional-cookie' | 'none';

export interface RestRequest {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  ctx: RequestContext;
  /** The parsed JSON body (application/json, size-limited). */
  body(): Promise<unknown>;
}

export interface RestResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RestHandler {
  auth: RestAuth;
  /** X-RateLimit-Source for per-token limits on bearer routes. */
  source?: string;
  handle(request: RestRequest): Promise<RestResult>;
}

export type RestRoute = Route<RestHandler>;

/**
 * API tokens carry their own permissions; sessions and access tokens act as the account (whose
 * own rules, such as a verified email, the services check with their own codes).
 */
export function requireTokenPermission(ctx: RequestContext, permission: string): void {
  if (ctx.principal.kind === 'token' && !ctx.principal.permissions.has(permission)) {
    throw new KeywardError('insufficient_scope', `The token lacks the permission ${permission}.`);
  }
}
