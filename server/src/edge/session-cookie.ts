import { parse, serialize } from 'cookie';

/** The session cookie: `__Host-` prefixed and Secure over https, always HttpOnly and SameSite=Lax. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-keyward_session' : 'keyward_session';
}

/** Every cookie Keyward sets: whole-site path, HttpOnly, SameSite=Lax, Secure over https. */
function serializeCookie(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  return serialize(name, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: maxAgeSeconds,
    secure,
  });
}

export function serializeSessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return serializeCookie(sessionCookieName(secure), value, secure, maxAgeSeconds);
}

export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie('', secure, 0);
}

/** A cookie's value under `name`, or null when absent or empty. */
function presentedCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  const value = parse(header)[name];
  return value === undefined || value === '' ? null : value;
}

/**
 * The session cookie a request presents, under the one name this deployment uses: on https only
 * `__Host-keyward_session` (a sibling subdomain cannot plant it), on http only `keyward_session`.
 */
export function presentedSessionCookie(header: string | undefined, secure: boolean): string | null {
  return presentedCookie(header, sessionCookieName(secure));
}

/**
 * The sign-in transaction cookie (OpenID Connect: state, nonce and PKCE verifier, sealed). Being
 * SameSite=Lax, the provider's redirect back, a top-level GET, carries it.
 */
export function oidcCookieName(secure: boolean): string {
  return secure ? '__Host-keyward_oidc' : 'keyward_oidc';
}

export function serializeOidcCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return serializeCookie(oidcCookieName(secure), value, secure, maxAgeSeconds);
}

export function presentedOidcCookie(header: string | undefined, secure: boolean): string | null {
  return presentedCookie(header, oidcCookieName(secure));
}
