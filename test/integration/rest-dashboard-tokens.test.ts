import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../server/src/accounts/accounts.entity.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { type SeedAccountOptions, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  expectAllowedRateHeaders,
  expectRateLimited,
  expectRestError,
  jsonRequest,
} from '../helpers/rest.js';

interface TokenJson {
  id: string;
  name: string;
  description: string | null;
  displayPrefix: string;
  preset: string;
  permissions: string[];
  effectivePermissions: string[];
  status: string;
  active: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  createdBy: string;
  rateLimitPerMinute: number;
}

const TOKEN_KEYS = [
  'active',
  'allowedCidrs',
  'createdAt',
  'createdBy',
  'description',
  'displayPrefix',
  'effectivePermissions',
  'expiresAt',
  'expiryReminders',
  'id',
  'lastUsedAt',
  'lastUsedIp',
  'name',
  'notBefore',
  'organizationId',
  'permissions',
  'preset',
  'rateLimitPerMinute',
  'revokedAt',
  'status',
  'usageLimit',
  'usageRefill',
  'usageRemaining',
];

const SECRET_PATTERN = /^kw_[0-9A-Za-z]{36}$/;
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

interface Owner {
  id: string;
  account: Account;
  email: string;
  password: string;
  cookie: string;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function newOwner(options: SeedAccountOptions = {}, s: TestServer = server): Promise<Owner> {
  const seeded = await s.seedAccount(options);
  const cookie = await s.login(seeded.email, seeded.password);
  return {
    id: seeded.account.id,
    account: seeded.account,
    email: seeded.email,
    password: seeded.password,
    cookie,
  };
}

/** POST /api/tokens with the cookie and the CSRF header (server.rest adds it with `cookie`). */
function postToken(owner: Owner, body: unknown, s: TestServer = server): Promise<Response> {
  return s.rest('/api/tokens', { ...jsonRequest('POST', body), cookie: owner.cookie });
}

async function createOk(
  owner: Owner,
  body: Record<string, unknown> = {},
): Promise<{ token: TokenJson; secret: string }> {
  const response = await postToken(owner, { name: 'token', ...body });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return JSON.parse(text);
}

function deleteToken(owner: Owner, id: string): Promise<Response> {
  return server.rest(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', cookie: owner.cookie });
}

async function listTokens(owner: Owner, query = ''): Promise<{ text: string; tokens: TokenJson[] }> {
  const response = await server.rest(`/api/tokens${query}`, { cookie: owner.cookie });
  expect(response.status).toBe(200);
  const text = await response.text();
  const body = JSON.parse(text) as { tokens: TokenJson[] };
  expect(Object.keys(body)).toEqual(['tokens']);
  return { text, tokens: body.tokens };
}

/** What a refused request must not change: the account's tokens and the audit log. */
async function snapshot(accountId: string, s: TestServer = server) {
  const tokens = await s.sql(
    'select id, name, active, revoked_at, updated_at from api_token where account_id = $1 order by id',
    [accountId],
  );
  const [audit] = await s.sql<{ n: number }>('select count(*)::int as n from audit_event');
  return { tokens, audit: audit?.n };
}

describe('GET /api/tokens', () => {
  it('GET /api/tokens: lists only the caller’s tokens, newest first, with every field and never a secret', async () => {
    const owner = await newOwner();
    const other = await newOwner();
    const first = await createOk(owner, { name: 'first' });
    const second = await createOk(owner, { name: 'second', preset: 'READ_ONLY', description: 'ci' });
    const foreign = await createOk(other, { name: 'foreign' });
    const { text, tokens } = await listTokens(owner);
    expect(tokens.map((token) => token.id)).toEqual([second.token.id, first.token.id]);
    for (const token of tokens) expect(Object.keys(token).sort()).toEqual(TOKEN_KEYS);
    expect(tokens[0]).toEqual(second.token);
    for (const secret of [first.secret, second.secret, foreign.secret]) expect(text).not.toContain(secret);
    expect(text).not.toContain(foreign.token.id);
  });

  it('GET /api/tokens?status=: filters by status like the GraphQL tokens query', async () => {
    const owner = await newOwner();
    const live = await createOk(owner, { name: 'live' });
    const gone = await createOk(owner, { name: 'gone' });
    expect((await deleteToken(owner, gone.token.id)).status).toBe(200);
    expect((await listTokens(owner, '?status=active')).tokens.map((t) => t.id)).toEqual([live.token.id]);
    expect((await listTokens(owner, '?status=REVOKED')).tokens.map((t) => t.id)).toEqual([gone.token.id]);
  });
});

describe('session authentication', () => {
  type RouteCall = { path: string; method?: string; headers?: Record<string, string>; body?: string };
  const routes: [string, (id: string) => RouteCall][] = [
    ['GET /api/tokens', () => ({ path: '/api/tokens' })],
    ['POST /api/tokens', () => ({ path: '/api/tokens', ...jsonRequest('POST', { name: 'nope' }) })],
    ['DELETE /api/tokens/<id>', (id) => ({ path: `/api/tokens/${id}`, method: 'DELETE' })],
  ];

  it.each(routes)('%s: without a cookie is 401 unauthenticated and changes nothing', async (_name, route) => {
    const owner = await newOwner();
    const { token } = await createOk(owner);
    const before = await snapshot(owner.id);
    const { path, ...init } = route(token.id);
    // The CSRF header alone is no credential.
    const headers = { ...init.headers, 'x-keyward-csrf': '1' };
    await expectRestError(await server.rest(path, { ...init, headers }), 401, 'unauthenticated');
    expect(await snapshot(owner.id)).toEqual(before);
  });

  it.each(routes)(
    '%s: a stale cookie (logged out, or never issued) is 401 unauthenticated and changes nothing',
    async (_name, route) => {
      const owner = await newOwner();
      const { token } = await createOk(owner);
      const loggedOut = await server.login(owner.email, owner.password);
      const logout = await server.gql('mutation { logout }', {}, { cookie: loggedOut });
      expect(logout.body.errors).toBeUndefined();
      const before = await snapshot(owner.id);
      for (const cookie of [loggedOut, 'keyward_session=never-issued', 'keyward_session=']) {
        const { path, ...init } = route(token.id);
        const response = await server.rest(path, { ...init, cookie });
        // A presented but dead session cookie is cleared so the browser stops sending it.
        if (cookie !== 'keyward_session=')
          expect(response.headers.getSetCookie().join()).toMatch(/Max-Age=0/);
        await expectRestError(response, 401, 'unauthenticated');
      }
      expect(await snapshot(owner.id)).toEqual(before);
    },
  );

  it.each(routes)('%s: an API token is not a session (401 unauthenticated)', async (_name, route) => {
    const owner = await newOwner();
    const { token, secret } = await createOk(owner);
    const before = await snapshot(owner.id);
    const { path, ...init } = route(token.id);
    const headers = { ...init.headers, 'x-keyward-csrf': '1' };
    await expectRestError(
      await server.rest(path, { ...init, headers, token: secret }),
      401,
      'unauthenticated',
    );
    expect(await snapshot(owner.id)).toEqual(before);
  });
});

describe('CSRF on cookie-authenticated POST and DELETE', () => {
  const refused: [string, Record<string, string>][] = [
    ['neither X-Keyward-CSRF nor Origin', {}],
    ['a cross-site Origin', { origin: 'https://evil.example' }],
    ['an opaque Origin "null"', { origin: 'null' }],
    ['X-Keyward-CSRF: 0', { 'x-keyward-csrf': '0' }],
    ['a same-host Origin on another scheme', { origin: 'https://localhost' }],
  ];

  it.each(refused)(
    'POST /api/tokens with %s is 403 csrf_failed and creates nothing',
    async (_label, headers) => {
      const owner = await newOwner();
      const before = await snapshot(owner.id);
      const response = await server.rest(
        '/api/tokens',
        jsonRequest('POST', { name: 'csrf' }, { cookie: owner.cookie, ...headers }),
      );
      await expectRestError(response, 403, 'csrf_failed');
      expect(await snapshot(owner.id)).toEqual(before);
    },
  );

  it.each(refused)(
    'DELETE /api/tokens/<id> with %s is 403 csrf_failed and the token stays live',
    async (_label, headers) => {
      const owner = await newOwner();
      const { token } = await createOk(owner);
      const before = await snapshot(owner.id);
      const response = await server.rest(`/api/tokens/${token.id}`, {
        method: 'DELETE',
        headers: { cookie: owner.cookie, ...headers },
      });
      await expectRestError(response, 403, 'csrf_failed');
      expect(await snapshot(owner.id)).toEqual(before);
    },
  );

  it('a same-origin Origin header passes without X-Keyward-CSRF on POST and DELETE', async () => {
    const owner = await newOwner();
    const origin = new URL(server.url).origin;
    const created = await server.rest(
      '/api/tokens',
      jsonRequest('POST', { name: 'same origin' }, { cookie: owner.cookie, origin }),
    );
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: TokenJson };
    const revoked = await server.rest(`/api/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { cookie: owner.cookie, origin },
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { token: TokenJson }).token.status).toBe('REVOKED');
  });

  it('GET /api/tokens needs no CSRF proof', async () => {
    const owner = await newOwner();
    const response = await server.rest('/api/tokens', { headers: { cookie: owner.cookie } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tokens: [] });
  });
});

describe('POST /api/tokens', () => {
  it('POST /api/tokens: answers 201 {token, secret} once; the list never shows the secret and the database keeps only its SHA-256', async () => {
    const owner = await newOwner();
    const response = await postToken(owner, { name: '  deploy  ', description: 'from the dashboard' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: TokenJson; secret: string };
    expect(Object.keys(body).sort()).toEqual(['secret', 'token']);
    expect(body.secret).toMatch(SECRET_PATTERN);
    expect(Object.keys(body.token).sort()).toEqual(TOKEN_KEYS);
    expect(body.token).toMatchObject({
      name: 'deploy',
      description: 'from the dashboard',
      displayPrefix: body.secret.slice(0, 12),
      preset: 'ALL',
      status: 'ACTIVE',
      active: true,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      createdBy: owner.id,
      rateLimitPerMinute: 120,
    });
    const { text, tokens } = await listTokens(owner);
    expect(tokens.map((token) => token.id)).toEqual([body.token.id]);
    expect(text).not.toContain(body.secret);
    const [row] = await server.sql('select secret_hash from api_token where id = $1', [body.token.id]);
    expect(row).toEqual({ secret_hash: sha256(body.secret) });
    const audit = await server.sql(
      'select action, actor_type, actor_id from audit_event where target_id = $1',
      [body.token.id],
    );
    expect(audit).toEqual([{ action: 'token.create', actor_type: 'account', actor_id: owner.id }]);
    // The new secret works as a bearer token.
    expect((await server.rest('/api/cli/whoami', { token: body.secret })).status).toBe(200);
  });

  it('POST /api/tokens: a permission list alone makes a CUSTOM token; expiresInDays sets the expiry', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { permissions: ['tokens:read', 'audit'], expiresInDays: 7 });
    expect(token.preset).toBe('CUSTOM');
    expect(token.permissions).toEqual(['audit:read', 'tokens:read']);
    const days = (Date.parse(token.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it('POST /api/tokens: an unverified account gets 403 email_not_verified and nothing is created', async () => {
    const owner = await newOwner({ verified: false });
    const before = await snapshot(owner.id);
    await expectRestError(await postToken(owner, { name: 'unverified' }), 403, 'email_not_verified');
    expect(await snapshot(owner.id)).toEqual(before);
  });

  it('POST /api/tokens: rejects a 21st live token with 409 token_limit_reached; revoked and expired ones do not count', async () => {
    const owner = await newOwner();
    const seededTokens = [];
    for (let index = 0; index < 20; index++) seededTokens.push(await seedToken(server, owner.account));
    const before = await snapshot(owner.id);
    const full = await expectRestError(
      await postToken(owner, { name: 'twenty-first' }),
      409,
      'token_limit_reached',
    );
    expect(full.message).toMatch(/20/);
    expect(await snapshot(owner.id)).toEqual(before);
    expect((await deleteToken(owner, seededTokens[0]!.id)).status).toBe(200);
    await server.sql("update api_token set expires_at = now() - interval '1 second' where id = $1", [
      seededTokens[1]!.id,
    ]);
    expect((await postToken(owner, { name: 'slot one' })).status).toBe(201);
    expect((await postToken(owner, { name: 'slot two' })).status).toBe(201);
    await expectRestError(await postToken(owner, { name: 'over again' }), 409, 'token_limit_reached');
  });

  it.each<[string, unknown, string]>([
    ['name missing', {}, 'name'],
    ['name of the wrong type (number)', { name: 42 }, 'name'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a 101-character name', { name: 'n'.repeat(101) }, 'name'],
    ['expiresInDays 0', { name: 'x', expiresInDays: 0 }, 'expiresInDays'],
    ['expiresInDays 3651', { name: 'x', expiresInDays: 3651 }, 'expiresInDays'],
    ['a fractional expiresInDays', { name: 'x', expiresInDays: 1.5 }, 'expiresInDays'],
    ['a past expiresAt', { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['an expiresAt that is not a date', { name: 'x', expiresAt: 'next tuesday' }, 'expiresAt'],
    ['an unknown permission', { name: 'x', permissions: ['tokens:read', 'nope:read'] }, 'nope:read'],
    [
      'permissions with preset ALL',
      { name: 'x', preset: 'ALL', permissions: ['tokens:read'] },
      'permissions',
    ],
    ['CUSTOM without permissions', { name: 'x', preset: 'CUSTOM' }, 'permissions'],
    ['an unknown preset', { name: 'x', preset: 'EVERYTHING' }, 'preset'],
    ['rateLimitPerMinute 0', { name: 'x', rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
    ['an unknown extra key', { name: 'x', colour: 'red' }, 'colour'],
    ['a JSON array instead of an object', [{ name: 'x' }], 'body'],
    ['JSON null', null, 'body'],
  ])(
    'POST /api/tokens: %s is 400 validation_failed naming the field, and nothing is created',
    async (_label, body, field) => {
      const owner = await newOwner();
      const before = await snapshot(owner.id);
      const response = await server.rest('/api/tokens', {
        ...jsonRequest('POST', JSON.stringify(body)),
        cookie: owner.cookie,
      });
      const { message } = await expectRestError(response, 400, 'validation_failed');
      expect(message).toContain(field);
      expect(await snapshot(owner.id)).toEqual(before);
    },
  );

  it.each([
    ['malformed JSON', '{"name": "x",'],
    ['an empty body', ''],
  ])('POST /api/tokens: %s is 400 validation_failed about the body', async (_label, raw) => {
    const owner = await newOwner();
    const before = await snapshot(owner.id);
    const response = await server.rest('/api/tokens', { ...jsonRequest('POST', raw), cookie: owner.cookie });
    const { message } = await expectRestError(response, 400, 'validation_failed');
    expect(message).toMatch(/^body: /);
    expect(await snapshot(owner.id)).toEqual(before);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])(
    'POST /api/tokens: a %s body is 415 with a message asking for application/json',
    async (_label, headers) => {
      const owner = await newOwner();
      const before = await snapshot(owner.id);
      const response = await server.rest('/api/tokens', {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'x' }),
        cookie: owner.cookie,
      });
      const { message } = await expectRestError(response, 415, 'unsupported_media_type');
      expect(message).toContain('application/json');
      expect(await snapshot(owner.id)).toEqual(before);
    },
  );

  it('POST /api/tokens: a body over 64 KiB is 413 payload_too_large and nothing is created', async () => {
    const owner = await newOwner();
    const before = await snapshot(owner.id);
    const body = { name: 'big', description: 'd'.repeat(70 * 1024) };
    const { message } = await expectRestError(await postToken(owner, body), 413, 'payload_too_large');
    expect(message).toMatch(/64 KiB/);
    expect(await snapshot(owner.id)).toEqual(before);
    // Just under the limit is read (and then fails validation on its own terms).
    const under = { name: 'big', description: 'd'.repeat(60 * 1024) };
    const { message: why } = await expectRestError(await postToken(owner, under), 400, 'validation_failed');
    expect(why).toContain('description');
  });
});

describe('token creation rate limit (KEYWARD_LIMIT_TOKEN_CREATE=5/1h)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ KEYWARD_LIMIT_TOKEN_CREATE: '5/1h' });
  });
  afterAll(() => limited?.close());

  it('POST /api/tokens: the 6th create within the hour is 429 scope account, source token-create, and creates nothing; another account is unaffected', async () => {
    const owner = await newOwner({}, limited);
    for (let remaining = 4; remaining >= 0; remaining--) {
      const response = await postToken(owner, { name: `t${remaining}` }, limited);
      expect(response.status).toBe(201);
      expectAllowedRateHeaders(response, 5, remaining);
      await response.arrayBuffer();
    }
    const before = await snapshot(owner.id, limited);
    const { message } = await expectRateLimited(await postToken(owner, { name: 'sixth' }, limited), {
      limit: 5,
      windowSeconds: 3600,
      scope: 'account',
      source: 'token-create',
    });
    expect(message).toMatch(/token-create/);
    expect(await snapshot(owner.id, limited)).toEqual(before);
    const other = await newOwner({}, limited);
    expect((await postToken(other, { name: 'first' }, limited)).status).toBe(201);
  });
});

describe('DELETE /api/tokens/<id>', () => {
  it('DELETE /api/tokens/<id>: revokes the token (bearer use then 401 token_revoked); a second DELETE is 200 with the same revokedAt and writes no second audit row', async () => {
    const owner = await newOwner();
    const { token, secret } = await createOk(owner);
    expect((await server.rest('/api/cli/whoami', { token: secret })).status).toBe(200);
    const first = await deleteToken(owner, token.id);
    expect(first.status).toBe(200);
    const revoked = ((await first.json()) as { token: TokenJson }).token;
    expect(revoked).toMatchObject({ id: token.id, status: 'REVOKED', revokedAt: expect.any(String) });
    await expectRestError(await server.rest('/api/cli/whoami', { token: secret }), 401, 'token_revoked');

    const second = await deleteToken(owner, token.id);
    expect(second.status).toBe(200);
    const again = ((await second.json()) as { token: TokenJson }).token;
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expect(again.status).toBe('REVOKED');
    const events = await server.sql(
      "select id from audit_event where target_id = $1 and action = 'token.revoke'",
      [token.id],
    );
    expect(events).toHaveLength(1);
  });

  it("DELETE /api/tokens/<id>: another account's id, an unknown id and malformed ids are all 404 not_found with one body, and nothing changes", async () => {
    const owner = await newOwner();
    const other = await newOwner();
    await createOk(owner);
    const { token: foreign } = await createOk(other);
    const before = [await snapshot(owner.id), await snapshot(other.id)];
    const answers = [];
    for (const id of [foreign.id, randomUUID(), 'not-a-uuid', "'; drop table api_token; --", '%E0']) {
      const response = await server.rest(`/api/tokens/${id === '%E0' ? id : encodeURIComponent(id)}`, {
        method: 'DELETE',
        cookie: owner.cookie,
      });
      const { requestId: _requestId, ...rest } = await expectRestError(response, 404, 'not_found');
      answers.push(rest);
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect([await snapshot(owner.id), await snapshot(other.id)]).toEqual(before);
  });
});

describe('routing under /api', () => {
  it.each([
    ['GET', '/api/nope'],
    ['GET', '/api/tokens/abc/extra'],
    ['POST', '/api/tokens-old'],
    ['DELETE', '/api/v1/tokens/abc'],
    ['GET', '/api/'],
  ])('%s %s: an unknown route is 404 not_found JSON', async (method, path) => {
    const owner = await newOwner();
    const { message } = await expectRestError(
      await server.rest(path, { method, cookie: owner.cookie }),
      404,
      'not_found',
    );
    expect(message).toMatch(/route|found/i);
  });

  it.each([
    ['PUT', '/api/tokens'],
    ['PATCH', '/api/tokens'],
    ['DELETE', '/api/tokens'],
    ['POST', `/api/tokens/${randomUUID()}`],
    ['GET', `/api/tokens/${randomUUID()}`],
  ])('%s %s: a known route with another method is 405 method_not_allowed', async (method, path) => {
    const owner = await newOwner();
    const before = await snapshot(owner.id);
    const init = method === 'GET' ? { method } : jsonRequest(method, { name: 'x' });
    const response = await server.rest(path, { ...init, cookie: owner.cookie });
    const { message } = await expectRestError(response, 405, 'method_not_allowed');
    expect(message).toContain(method);
    expect(await snapshot(owner.id)).toEqual(before);
  });

  it('X-Request-Id: a sane incoming id is echoed in the header and the error body', async () => {
    const response = await server.rest('/api/tokens', { headers: { 'x-request-id': 'trace-abc-12345' } });
    const { requestId } = await expectRestError(response, 401, 'unauthenticated');
    expect(requestId).toBe('trace-abc-12345');
  });
});
