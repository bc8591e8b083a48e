import type { ServerResponse } from 'node:http';
import { type ErrorCode, errorCatalogue, type KeywardError } from '../errors.js';
import type { HeaderMap, Surface } from './route.js';

/** HTML pages (the admin app, GraphiQL): no inline script, never framed. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/**
 * Adds headers to a response's header map, the one rule for every source (route results, the
 * request's rate-limit and cookie headers, errors, CORS): names are compared case-insensitively,
 * Set-Cookie accumulates, any other header is set once and the last value wins.
 */
export function addHeaders(
  into: HeaderMap,
  extra: readonly (readonly [string, string])[] | Readonly<HeaderMap>,
): HeaderMap {
  if (Array.isArray(extra)) {
    for (let i = 0; i < extra.length; i++) {
      const pair = extra[i] as readonly [string, string];
      addHeader(into, pair[0], pair[1]);
    }
    return into;
  }
  const map = extra as Readonly<HeaderMap>;
  for (const name in map) addHeader(into, name, map[name] as string | string[]);
  return into;
}

/** Header names seen so far, lower-cased once (a small, fixed set: the code's own names). */
const LOWER = new Map<string, string>();

function lower(name: string): string {
  let key = LOWER.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    if (LOWER.size < 256) LOWER.set(name, key);
  }
  return key;
}

function addHeader(into: HeaderMap, name: string, value: string | string[]): void {
  const key = lower(name);
  if (key !== 'set-cookie') {
    into[key] = value;
    return;
  }
  const previous = into[key];
  const values = Array.isArray(value) ? value : [value];
  into[key] =
    previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values];
}

/** Writes a whole response with one writeHead. */
export function writeResponse(
  res: ServerResponse,
  status: number,
  headers: HeaderMap,
  body: string | Buffer,
): void {
  headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.writeHead(status, headers);
  res.end(body);
}

const TOKEN_CODES: ReadonlySet<ErrorCode> = new Set([
  'invalid_token',
  'token_revoked',
  'token_expired',
  'token_inactive',
  'token_user_missing',
  'token_not_yet_valid',
  'token_rotated',
]);

/** The RFC 6750 challenge of a refusal: every 401, and a token's missing scope. */
function challenge(code: ErrorCode): string | null {
  if (TOKEN_CODES.has(code)) return 'Bearer realm="keyward", error="invalid_token"';
  if (code === 'insufficient_scope') return 'Bearer realm="keyward", error="insufficient_scope"';
  if (errorCatalogue[code].status === 401) return 'Bearer realm="keyward"';
  return null;
}

/**
 * The one error writer's body and headers: REST `{error, message, requestId}`, GraphQL
 * `{errors: [{message, extensions: {code}}]}` (the UPPER_SNAKE code), with the code's status.
 */
export function errorResponse(
  error: KeywardError,
  surface: Surface,
  requestId: string,
): { status: number; body: string; headers: HeaderMap } {
  const headers = addHeaders({ 'content-type': 'application/json; charset=utf-8' }, error.headers);
  // A status other than the code's own means the code is not about this request's credential.
  const www = error.status === errorCatalogue[error.code].status ? challenge(error.code) : null;
  if (www) headers['www-authenticate'] = www;
  const body =
    surface === 'graphql'
      ? {
          errors: [
            {
              message: error.message,
              extensions: { code: error.graphqlCode, ...(error.field ? { field: error.field } : {}) },
            },
          ],
        }
      : { error: error.code, message: error.message, requestId };
  return { status: error.status, body: JSON.stringify(body), headers };
}
