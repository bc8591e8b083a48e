import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/** Keeps a caller's X-Request-Id when it is sane (tracing through proxies), else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

export function clientIp(req: IncomingMessage, config: Config): string | null {
  if (config.trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  const address = req.socket.remoteAddress ?? null;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

function requestProtocol(req: IncomingMessage, config: Config): 'http' | 'https' {
  if (config.trustProxy && req.headers['x-forwarded-proto'] === 'https') return 'https';
  return 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
}

/** The origin this server is reached at: KEYWARD_PUBLIC_URL when set, else from the request. */
export function requestOrigin(req: IncomingMessage, config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  const host = req.headers.host ?? `localhost:${config.port}`;
  return `${requestProtocol(req, config)}://${host}`;
}

export function usesHttps(req: IncomingMessage, config: Config): boolean {
  return requestOrigin(req, config).startsWith('https:');
}

/** Not cross-site: the X-Keyward-CSRF: 1 header (a simple form cannot send it) or a same-origin Origin. */
export function passesCsrfCheck(req: IncomingMessage, origin: string): boolean {
  if (req.headers['x-keyward-csrf'] === '1') return true;
  return req.headers.origin === origin;
}
