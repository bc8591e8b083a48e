import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The deployment's own origin: KEYWARD_PUBLIC_URL (required in production). Without it, in
 * development, a request to a localhost Host is taken at its word; any other Host is ignored,
 * so `Host: evil.example` can never reach a mailed link or the same-origin check.
 */
export function ownOrigin(req: IncomingMessage, config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  const host = req.headers.host?.toLowerCase();
  if (host && HOST_PATTERN.test(host)) {
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    if (hostname && LOCAL_HOSTNAMES.has(hostname)) {
      const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
      return `${scheme}://${host}`;
    }
  }
  return `http://localhost:${config.port}`;
}

/** Whether a request comes from the deployment's own pages, another origin, or cannot tell (no browser). */
export type Site = 'same' | 'cross' | 'unknown';

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Where a browser says the request comes from: Origin, else the Referer's origin, else
 * Sec-Fetch-Site. Non-browser clients send none of them ('unknown').
 */
export function requestSite(req: IncomingMessage, own: string): { site: Site; origin: string | null } {
  const { origin, referer } = req.headers;
  if (origin !== undefined) return { site: origin === own ? 'same' : 'cross', origin };
  if (referer !== undefined) {
    const from = originOf(referer);
    return { site: from === own ? 'same' : 'cross', origin: from };
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return { site: 'cross', origin: null };
  return { site: 'unknown', origin: null };
}

/**
 * The CSRF proof of a cookie-authenticated state change: Origin (or, without it, Referer) is
 * the deployment's own origin; or the request names no origin at all and sends
 * `X-Keyward-CSRF: 1`, which a cross-site form cannot. A foreign origin fails, header or not.
 */
export function passesCsrfCheck(req: IncomingMessage, site: Site): boolean {
  if (site === 'same') return true;
  if (site === 'cross') return false;
  return req.headers['x-keyward-csrf'] === '1';
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string | undefined): boolean {
  return STATE_CHANGING.has(method ?? 'GET');
}

export const CORS_ALLOWED_HEADERS = 'Authorization, X-Api-Key, Content-Type, Accept, X-Request-Id';
export const CORS_EXPOSED_HEADERS =
  'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-RateLimit-Scope, X-RateLimit-Source, WWW-Authenticate';

/**
 * CORS for bearer-authenticated use from the origins in KEYWARD_CORS_ORIGINS only; never with
 * credentials (cookies are not honoured cross-origin). Anything else gets no Access-Control-* header.
 */
export function corsHeaders(origin: string | null, allowed: ReadonlySet<string>): Record<string, string> {
  if (origin === null || !allowed.has(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

/** The answer to a preflight: the allow headers for a listed origin, nothing for any other. */
export function preflightHeaders(
  origin: string | null,
  allowed: ReadonlySet<string>,
): Record<string, string> {
  if (origin === null || !allowed.has(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, DELETE',
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}
