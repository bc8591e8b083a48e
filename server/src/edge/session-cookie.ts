import { parse, serialize } from 'cookie';

/** The session cookie: `__Host-` prefixed and Secure over https, always HttpOnly and SameSite=Lax. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-keyward_session' : 'keyward_session';
}

export function serializeSessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return serialize(sessionCookieName(secure), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: maxAgeSeconds,
    secure,
  });
}

export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie('', secure, 0);
}

/**
 * The session cookie a request presents, under the one name this deployment uses: on https only
 * `__Host-keyward_session` (a sibling subdomain cannot plant it), on http only `keyward_session`.
 */
export function presentedSessionCookie(header: string | undefined, secure: boolean): string | null {
  if (!header) return null;
  const value = parse(header)[sessionCookieName(secure)];
  return value === undefined || value === '' ? null : value;
}
