import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isKeywardError, KeywardError } from '../errors.js';
import { ownerPermissions } from '../permissions/presets.js';
import { anonymous, type Principal } from '../principal.js';
import type { Services } from '../services.js';
import { andThen, type Maybe } from './maybe.js';
import type { RouteAuth } from './route.js';
import { clearSessionCookie, presentedSessionCookie } from './session-cookie.js';

/** The bearer credential a request presents (Authorization: Bearer, or X-Api-Key), if any. */
export function presentedBearer(req: IncomingMessage): string | null {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    // A malformed Authorization header is a bad credential, not an absent one.
    return match?.[1] ?? '';
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : null;
}

async function sessionPrincipal(
  services: Services,
  em: EntityManager,
  cookie: string,
  secure: boolean,
): Promise<Principal> {
  const resolved = await services.sessions.resolve(em, cookie);
  if (!resolved) {
    // A dead session is a bad credential (401), and its cookie is cleared so the browser stops sending it.
    throw new KeywardError('unauthenticated', 'Your session has expired or ended; log in again.', {
      headers: { 'Set-Cookie': clearSessionCookie(secure) },
    });
  }
  return {
    kind: 'session',
    account: resolved.account,
    sessionHash: resolved.session.idHash,
    permissions: ownerPermissions(resolved.account, services.catalogue),
  };
}

/** Verifies an API token (the one shared path, token-verifier.ts) into a principal with its effective permissions. */
function tokenPrincipal(services: Services, secret: string, ip: string | null): Maybe<Principal> {
  return andThen(
    services.verifier.check(secret, ip),
    ({ token, account, permissions, memo }): Principal => ({
      kind: 'token',
      account,
      token,
      permissions,
      memo,
    }),
  );
}

export interface Presented {
  auth: RouteAuth;
  /** False on a cross-origin request: the cookie is then never read. */
  cookieAllowed: boolean;
  secureCookies: boolean;
  /** The client address (client-address.ts), checked against a token's allowedCidrs. */
  ip: string | null;
}

/**
 * The principal of a request, from the credentials its route accepts: a bearer credential first
 * (an access token where the route takes one and the value is shaped like a JWT, else an API
 * token), then the session cookie. A presented credential that fails throws its code.
 */
export function authenticate(
  services: Services,
  em: () => EntityManager,
  req: IncomingMessage,
  presented: Presented,
): Maybe<Principal> {
  const { auth } = presented;
  if (auth.token || auth.access) {
    const secret = presentedBearer(req);
    if (secret !== null) {
      if (auth.access && services.accessTokens.looksLikeAccessToken(secret))
        return services.accessTokens.authenticate(em(), secret);
      if (auth.token) return tokenPrincipal(services, secret, presented.ip);
      throw new KeywardError('invalid_token');
    }
  }
  if (auth.cookie && presented.cookieAllowed) {
    const cookie = presentedSessionCookie(req.headers.cookie, presented.secureCookies);
    if (cookie !== null) {
      const session = sessionPrincipal(services, em(), cookie, presented.secureCookies);
      if (!auth.deadSessionIsAnonymous) return session;
      return session.catch((error: unknown) => {
        if (isKeywardError(error) && error.code === 'unauthenticated') return anonymous;
        throw error;
      });
    }
  }
  if (!auth.required) return anonymous;
  if (auth.token || auth.access) throw new KeywardError('missing_token');
  throw new KeywardError('unauthenticated', 'Log in first: this route needs a web session.');
}
