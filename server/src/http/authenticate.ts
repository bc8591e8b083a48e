import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { KeywardError } from '../errors.js';
import { ownerPermissions } from '../permissions/presets.js';
import { anonymous, type Principal } from '../principal.js';
import type { Services } from '../services.js';
import { readCookie, sessionCookieName } from '../sessions/session-cookie.js';

/** The API token a request presents (Authorization: Bearer, or X-Api-Key), if any. */
export function presentedToken(req: IncomingMessage): string | null {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    // A malformed Authorization header is a bad credential, not an absent one.
    return match?.[1] ?? '';
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : null;
}

export function presentedSessionCookie(req: IncomingMessage): string | null {
  return (
    readCookie(req.headers.cookie, sessionCookieName(true)) ??
    readCookie(req.headers.cookie, sessionCookieName(false))
  );
}

/**
 * Resolves the session cookie to a principal. A cookie that names no live session is a bad
 * credential (401 unauthenticated), never a silent fall-back to anonymous.
 */
export async function authenticateSession(
  services: Services,
  em: EntityManager,
  cookie: string,
): Promise<Principal> {
  const resolved = await services.sessions.resolve(em, cookie);
  if (!resolved)
    throw new KeywardError('unauthenticated', 'Your session has expired or ended; log in again.');
  return {
    kind: 'session',
    account: resolved.account,
    sessionHash: resolved.session.idHash,
    permissions: ownerPermissions(resolved.account, services.catalogue),
  };
}

/**
 * Verifies an API token (the one shared path) into a principal whose permissions are the token's
 * effective ones, and records the use (write-behind).
 */
export async function authenticateToken(
  services: Services,
  secret: string,
  ip: string | null,
): Promise<Principal> {
  const { token, account, permissions } = await services.verifier.verify(secret);
  services.usage.record(token.id, ip);
  return { kind: 'token', account, token, permissions };
}

/** Bearer token (or X-Api-Key) first, else the session cookie, else anonymous. Bad credentials throw. */
export async function authenticateRequest(
  services: Services,
  em: () => EntityManager,
  req: IncomingMessage,
  ip: string | null,
  accept: { token: boolean; cookie: boolean },
): Promise<Principal> {
  if (accept.token) {
    const secret = presentedToken(req);
    if (secret !== null) return authenticateToken(services, secret, ip);
  }
  if (accept.cookie) {
    const cookie = presentedSessionCookie(req);
    if (cookie !== null && cookie !== '') return authenticateSession(services, em(), cookie);
  }
  return anonymous;
}
