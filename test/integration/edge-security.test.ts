/**
 * The request edge's security properties (docs/architecture.md, "The request's way"), each tried
 * the way an attacker would against a running server: cross-origin pages, forged CSRF headers,
 * Host poisoning, spoofed X-Forwarded-For, oversize and slow bodies, cached secrets.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { linkToken, sessionCookieFrom, startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = `mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { id } } }`;
const VIEWER = '{ viewer { id } }';
const EVIL = 'http://evil.example';
const LISTED = 'https://app.example.com';

function cookieOnly(cookie: string): Record<string, string> {
  return { cookie, 'content-type': 'application/json' };
}

/** A JSON POST through node:http, which (unlike fetch) sends the Host header it is given. */
function rawPost(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function tokenCount(server: TestServer, accountId: string): Promise<number> {
  const [row] = await server.sql<{ n: number }>(
    'select count(*)::int as n from api_token where account_id = $1',
    [accountId],
  );
  return row?.n ?? 0;
}

describe('cross-origin requests', () => {
  let server: TestServer;
  let cookie: string;
  let accountId: string;
  /** Another port of the same host: same-site, but another origin. */
  let siblingOrigin: string;

  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_CORS_ORIGINS: LISTED });
    const seeded = await server.seedAccount();
    accountId = seeded.account.id;
    cookie = await server.login(seeded.email, seeded.password);
    const port = Number(new URL(server.url).port);
    siblingOrigin = `http://localhost:${port + 1}`;
  });
  afterAll(() => server.close());

  it.each(['/graphql', '/api/tokens', '/api/cli/whoami'])(
    'CORS: a preflight from a foreign origin to %s gets no Access-Control-Allow-* header',
    async (path) => {
      for (const origin of [EVIL, siblingOrigin]) {
        const response = await fetch(`${server.url}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type, x-keyward-csrf',
          },
        });
        const allowHeaders = [...response.headers.keys()].filter((name) =>
          name.startsWith('access-control-'),
        );
        expect(allowHeaders, `${origin} ${path}`).toEqual([]);
      }
    },
  );

  it('CORS: a foreign origin reading /graphql gets no Access-Control-Allow-Origin', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('CORS: a listed origin may call with a bearer token, never with credentials, never with the CSRF header', async () => {
    const preflight = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: LISTED, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).not.toContain(
      'x-keyward-csrf',
    );

    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'READ_ONLY' });
    const response = await fetch(`${server.url}/api/cli/whoami`, {
      headers: { origin: LISTED, authorization: `Bearer ${token.secret}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a cookie is never honoured on a cross-origin request, even from a listed origin', async () => {
    for (const origin of [EVIL, siblingOrigin, LISTED]) {
      const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(VIEWER)}`, {
        headers: { cookie, origin },
      });
      expect(response.status).toBe(200);
      expect((await response.json()).data).toEqual({ viewer: null });
    }
  });

  it('CSRF: the attack — a page on another port mints a token with the cookie and the CSRF header — is refused with CSRF_FAILED, and nothing is created', async () => {
    for (const origin of [siblingOrigin, EVIL]) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { ...cookieOnly(cookie), origin, 'x-keyward-csrf': '1' },
        body: JSON.stringify({ query: CREATE, variables: { input: { name: 'stolen', preset: 'ALL' } } }),
      });
      expect(response.status).toBe(403);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('CSRF_FAILED');
      expect(JSON.stringify(body)).not.toContain('kw_');
    }
    expect(await tokenCount(server, accountId)).toBe(0);
  });

  it('CSRF: REST refuses a foreign Origin, or a foreign Referer without Origin, even with the header', async () => {
    const attempts: Record<string, string>[] = [
      { origin: siblingOrigin, 'x-keyward-csrf': '1' },
      { referer: `${EVIL}/page`, 'x-keyward-csrf': '1' },
      { origin: 'null', 'x-keyward-csrf': '1' },
      {},
    ];
    for (const extra of attempts) {
      const response = await fetch(`${server.url}/api/tokens`, {
        method: 'POST',
        headers: { ...cookieOnly(cookie), ...extra },
        body: JSON.stringify({ name: 'stolen' }),
      });
      expect(response.status, JSON.stringify(extra)).toBe(403);
      expect((await response.json()).error).toBe('csrf_failed');
    }
    expect(await tokenCount(server, accountId)).toBe(0);
  });

  it('CSRF: the own origin (Origin or Referer), or no origin at all with X-Keyward-CSRF, passes', async () => {
    const own = new URL(server.url).origin;
    const passing: Record<string, string>[] = [
      { origin: own },
      { referer: `${own}/tokens` },
      { 'x-keyward-csrf': '1' },
    ];
    for (const extra of passing) {
      const response = await fetch(`${server.url}/api/tokens`, {
        method: 'POST',
        headers: { ...cookieOnly(cookie), ...extra },
        body: JSON.stringify({ name: `ok ${Object.keys(extra).join()}` }),
      });
      expect(response.status, JSON.stringify(extra)).toBe(201);
    }
    expect(await tokenCount(server, accountId)).toBe(3);
  });
});

describe('own origin: mailed links never come from Host or X-Forwarded-Host', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_TRUST_PROXY: '1' });
  });
  afterAll(() => server.close());

  it.each([
    ['Host', { host: 'evil.example' }],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'evil.example' }],
    ['Host with a localhost-looking suffix', { host: 'localhost.evil.example' }],
  ])('a password-reset request with a poisoned %s mails a link to the deployment', async (_name, headers) => {
    const { email } = await server.seedAccount();
    // fetch() may not set Host: send the request with node:http, as an attacker's client would.
    const status = await rawPost(server, '/graphql', headers, {
      query: 'mutation($e: String!) { requestPasswordReset(email: $e) }',
      variables: { e: email },
    });
    expect(status).toBe(200);
    const mail = await server.lastMail(email, 'password_reset');
    expect(mail?.body).toContain('http://localhost');
    expect(mail?.body).not.toContain('evil.example');
    expect(linkToken(mail?.body ?? '')).toBeTruthy();
  });
});

describe('trusted proxies: the client is the rightmost untrusted address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_TRUST_PROXY: '1', KEYWARD_LIMIT_LOGIN: '3/15m' });
  });
  afterAll(() => server.close());

  it('rotating the leftmost X-Forwarded-For entry does not escape the per-IP login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7` },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('audit rows and lastUsedIp record the address the proxy saw, not the spoofed one', async () => {
    const { account, email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const token = await seedToken(server, account, { preset: 'ALL' });
    const whoami = await fetch(`${server.url}/api/cli/whoami`, {
      headers: { authorization: `Bearer ${token.secret}`, 'x-forwarded-for': '6.6.6.6, 192.0.2.44' },
    });
    expect(whoami.status).toBe(200);
    const revoke = await fetch(`${server.url}/api/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { cookie, 'x-keyward-csrf': '1', 'x-forwarded-for': '6.6.6.6, 192.0.2.45' },
    });
    expect(revoke.status).toBe(200);
    await server.keyward.services.usage.flush();
    const [used] = await server.sql<{ last_used_ip: string }>(
      'select last_used_ip from api_token where id = $1',
      [token.id],
    );
    expect(used?.last_used_ip).toBe('192.0.2.44');
    const [audit] = await server.sql<{ ip: string }>(
      "select ip from audit_event where target_id = $1 and action = 'token.revoke'",
      [token.id],
    );
    expect(audit?.ip).toBe('192.0.2.45');
  });
});

describe('bodies and caching', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_BODY_TIMEOUT_MS: '500' });
  });
  afterAll(() => server.close());

  it('/graphql refuses a body over 64 KiB with 413 before parsing it, anonymously', async () => {
    const query = `{ __typename ${' '.repeat(100 * 1024)} }`;
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a chunked body (no Content-Length) over the limit is refused with 413 too', async () => {
    const big = new TextEncoder().encode(
      JSON.stringify({ query: `{ __typename ${' '.repeat(80 * 1024)} }` }),
    );
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 8192) controller.enqueue(big.slice(i, i + 8192));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('a body that trickles in slower than KEYWARD_BODY_TIMEOUT_MS is answered 408 and the connection closed', async () => {
    const { port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
        );
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 5000);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('every API answer says Cache-Control: no-store, the one holding a new secret above all', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const created = await server.gql(CREATE, { input: { name: 'cached?', preset: 'READ_ONLY' } }, { cookie });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const answers = await Promise.all([
      fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`),
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      fetch(`${server.url}/api/registry`),
      fetch(`${server.url}/api/cli/whoami`),
      fetch(`${server.url}/healthz`),
      fetch(`${server.url}/api/openapi.json`),
    ]);
    for (const response of answers)
      expect(response.headers.get('cache-control'), response.url).toBe('no-store');
  });
});

describe('REST answers as HTTP says', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it.each([
    ['no token', {}, 'Bearer realm="keyward"'],
    [
      'a malformed token',
      { authorization: 'Bearer kw_nope' },
      'Bearer realm="keyward", error="invalid_token"',
    ],
  ])('a 401 with %s carries WWW-Authenticate', async (_name, headers, expected) => {
    const response = await fetch(`${server.url}/api/cli/whoami`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(expected);
  });

  it('HEAD works wherever GET does', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'ALL' });
    for (const [path, headers] of [
      ['/healthz', {}],
      ['/api/registry', {}],
      ['/api/cli/whoami', { authorization: `Bearer ${token.secret}` }],
      ['/graphql?query=%7B__typename%7D', {}],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method: 'HEAD', headers });
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe('');
    }
  });

  it('/api without a trailing slash, and unknown /api paths, are JSON 404s, never the app', async () => {
    for (const path of ['/api', '/api/', '/api/nothing', '/api/cli']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect((await response.json()).error).toBe('not_found');
    }
  });

  it('DELETE /api/tokens/revoke-leaked is 405 (Allow: POST), not a token lookup', async () => {
    const response = await fetch(`${server.url}/api/tokens/revoke-leaked`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await response.json()).error).toBe('method_not_allowed');
  });
});

describe('session cookie on an https deployment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_PUBLIC_URL: 'https://keys.example.com' });
  });
  afterAll(() => server.close());

  it('only the __Host- cookie is read: the same value under the plain name is no session', async () => {
    const { email, password } = await server.seedAccount();
    const login = await server.gql('mutation($input: LoginInput!) { login(input: $input) { id } }', {
      input: { email, password },
    });
    const setCookie = login.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^__Host-keyward_session=[^;]+;.*Secure/m);
    const pair = sessionCookieFrom(login.headers) ?? '';
    const value = pair.split('=')[1] ?? '';
    const asHost = await server.gql<{ viewer: { id: string } | null }>(
      VIEWER,
      {},
      { cookie: `__Host-keyward_session=${value}` },
    );
    expect(asHost.body.data?.viewer).not.toBeNull();
    const asPlain = await server.gql<{ viewer: { id: string } | null }>(
      VIEWER,
      {},
      { cookie: `keyward_session=${value}` },
    );
    expect(asPlain.body.data?.viewer).toBeNull();
  });
});
