/**
 * REST assertions shared by the rest-*.test.ts files: the one error body shape and the
 * rate-limit headers of docs/api.md.
 */
import { expect } from 'vitest';

export interface RestErrorBody {
  error: string;
  message: string;
  requestId: string;
}

/**
 * Asserts a REST error: the status and code, a body that is exactly `{error, message, requestId}`
 * with a non-empty message, JSON content, and a requestId equal to the X-Request-Id header.
 */
export async function expectRestError(
  response: Response,
  status: number,
  code: string,
): Promise<RestErrorBody> {
  const text = await response.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  expect({ status: response.status, error: body.error }, text).toEqual({ status, error: code });
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId']);
  expect(typeof body.message).toBe('string');
  expect(String(body.message).length).toBeGreaterThan(0);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(body.requestId).toBeTruthy();
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  return body as unknown as RestErrorBody;
}

/** A JSON request: method, content type and serialized body (extra headers merged in). */
export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): { method: string; headers: Record<string, string>; body: string } {
  return {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** The headers every allowed, rate-limited response carries (no Retry-After). */
export function expectAllowedRateHeaders(response: Response, limit: number, remaining: number): void {
  expect(response.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(response.headers.get('ratelimit-remaining')).toBe(String(remaining));
  const reset = Number(response.headers.get('ratelimit-reset'));
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(0);
  expect(response.headers.get('retry-after')).toBeNull();
  expect(response.headers.get('x-request-id')).toBeTruthy();
}

/**
 * A 429 rate_limit_exceeded with every rate-limit header: RateLimit-Limit, RateLimit-Remaining 0,
 * RateLimit-Reset and Retry-After within the window, X-RateLimit-Scope/-Source, X-Request-Id.
 */
export async function expectRateLimited(
  response: Response,
  expected: { limit: number; windowSeconds: number; scope: 'token' | 'account' | 'ip'; source: string },
): Promise<RestErrorBody> {
  const body = await expectRestError(response, 429, 'rate_limit_exceeded');
  const header = (name: string) => response.headers.get(name);
  expect(header('ratelimit-limit')).toBe(String(expected.limit));
  expect(header('ratelimit-remaining')).toBe('0');
  const reset = Number(header('ratelimit-reset'));
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(1);
  expect(reset).toBeLessThanOrEqual(expected.windowSeconds);
  const retryAfter = Number(header('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(expected.windowSeconds);
  expect(header('x-ratelimit-scope')).toBe(expected.scope);
  expect(header('x-ratelimit-source')).toBe(expected.source);
  return body;
}
