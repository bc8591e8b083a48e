/** The session cookie: `__Host-` prefixed and Secure over https, always HttpOnly and SameSite=Lax. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-keyward_session' : 'keyward_session';
}

export function serializeSessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  const parts = [
    `${sessionCookieName(secure)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie('', secure, 0);
}

/** Reads one cookie from a Cookie header without a dependency; ignores malformed pairs. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index === -1) continue;
    if (pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return null;
}
