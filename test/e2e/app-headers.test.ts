/**
 * The built admin app's response headers: a Content-Security-Policy without inline script, no
 * framing, no sniffing, a referrer policy, and compressed assets (the browser tests prove the app
 * runs under that policy without a console error).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

describe('admin app headers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('index.html and deep links carry the page security headers', async () => {
    for (const path of ['/', '/tokens/123', '/login']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('serves the app and its assets compressed (brotli or gzip, as accepted)', async () => {
    const index = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeTruthy();
    for (const [accept, expected] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
    ] as const) {
      const response = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe(expected);
      expect(response.headers.get('cache-control')).toContain('immutable');
      expect((await response.text()).length).toBeGreaterThan(1000);
    }
  });

  it('GraphiQL (development) is compressed and framed by nobody', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      headers: { accept: 'text/html', 'accept-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
