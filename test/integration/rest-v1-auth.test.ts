import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerPermissions } from '../../server/src/permissions/presets.js';
import { signingKeyFrom } from '../../server/src/sessions/signing-keys.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  expectAllowedRateHeaders,
  expectRateLimited,
  expectRestError,
  jsonRequest,
} from '../helpers/rest.js';

interface TokenPairBody {
  data: {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: { id: string; email: string };
  };
}

interface CreatedBody {
  data: { id: string; name: string; token: string; createdAt: string };
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const SIGNING_KEY = signingKeyFrom('rest-v1-auth test secret, 32 bytes or more');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ KEYWARD_SECRET: 'rest-v1-auth test secret, 32 bytes or more' });
});
afterAll(() => server.close());

function postLogin(body: unknown, s: TestServer = server): Promise<Response> {
  return s.rest('/api/v1/auth/login', jsonRequest('POST', body));
}

async function login(account: SeededAccount): Promise<TokenPairBody['data']> {
  const response = await postLogin({ email: account.email, password: account.password });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return (JSON.parse(text) as TokenPairBody).data;
}

function refresh(refreshToken: string): Promise<Response> {
  return server.rest('/api/v1/auth/refresh-token', jsonRequest('POST', { refreshToken }));
}

function createApiToken(credential: string, body: unknown): Promise<Response> {
  return server.rest('/api/v1/api-tokens', jsonRequest('POST', body, bearer(credential)));
}

/**
 * Whether /api/v1 accepts a credential, without creating anything: revoking an unknown id answers
 * 404 not_found once authenticated, and the credential's 401 code otherwise.
 */
async function accepted(credential: string): Promise<{ status: number; error: string }> {
  const response = await server.rest(`/api/v1/api-tokens/${randomUUID()}`, {
    method: 'DELETE',
    headers: bearer(credential),
  });
  const body = (await response.json()) as { error: string };
  return { status: response.status, error: body.error };
}
const ACCEPTED = { status: 404, error: 'not_found' };

/** An access token signed with the server's own key, with the claims of `like` changed by `claims`. */
async function forgeAccessToken(
  like: string,
  claims: { iat: number; exp: number; aud?: string },
  key?: Uint8Array,
): Promise<string> {
  const original = decodeJwt(like) as JWTPayload & { fam: string };
  return new SignJWT({ fam: original.fam })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: SIGNING_KEY.kid })
    .setSubject(original.sub ?? '')
    .setIssuer(original.iss ?? '')
    .setAudience(claims.aud ?? (original.aud as string))
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key ?? SIGNING_KEY.key);
}

interface RegisteredBody {
  data: { user: { id: string; email: string; name: string; emailVerified: boolean } };
}

const REGISTER_MUTATION = 'mutation($input: RegisterInput!) { register(input: $input) { id } }';
const RESET_MUTATION = 'mutation($e: String!) { requestPasswordReset(email: $e) }';

function postRegister(body: unknown, s: TestServer = server): Promise<Response> {
  return s.rest('/api/v1/auth/register', jsonRequest('POST', body));
}

function postRestore(body: unknown, s: TestServer = server): Promise<Response> {
  return s.rest('/api/v1/auth/restore-password', jsonRequest('POST', body));
}

const newEmail = () => `new-${randomBytes(4).toString('hex')}@example.com`;

describe('POST /api/v1/auth/login', () => {
  it('login: answers {data: {accessToken, refreshToken, expiresIn, user: {id, email}}} with a one-hour HS256 JWT', async () => {
    const account = await server.seedAccount();
    const response = await postLogin({ email: account.email, password: account.password });
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenPairBody;
    expect(Object.keys(body)).toEqual(['data']);
    expect(Object.keys(body.data).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    expect(body.data.user).toEqual({ id: account.account.id, email: account.email });
    expect(body.data.expiresIn).toBe(3600);
    expect(body.data.refreshToken).not.toBe(body.data.accessToken);
    expect(decodeProtectedHeader(body.data.accessToken)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(body.data.accessToken);
    expect(claims.sub).toBe(account.account.id);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(30);
    // The JWT carries ids only: no email, password or refresh token.
    const raw = Buffer.from(body.data.accessToken.split('.')[1]!, 'base64url').toString('utf8');
    expect(raw).not.toContain(account.email);
    expect(raw).not.toContain(body.data.refreshToken);
  });

  it('login: the email matches case-insensitively', async () => {
    const account = await server.seedAccount();
    const response = await postLogin({ email: account.email.toUpperCase(), password: account.password });
    expect(response.status).toBe(200);
  });

  it('login: a wrong password and an unknown email get the identical 401 invalid_credentials', async () => {
    const account = await server.seedAccount();
    const wrong = await expectRestError(
      await postLogin({ email: account.email, password: 'not the password' }),
      401,
      'invalid_credentials',
    );
    const unknown = await expectRestError(
      await postLogin({ email: 'nobody-here@example.com', password: 'not the password' }),
      401,
      'invalid_credentials',
    );
    expect({ ...wrong, requestId: null }).toEqual({ ...unknown, requestId: null });
    const rows = await server.sql('select 1 from refresh_token where account_id = $1', [account.account.id]);
    expect(rows).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['no password', { email: 'a@example.com' }, 'password'],
    ['no email', { password: 'x' }, 'email'],
    ['an extra key', { email: 'a@example.com', password: 'x', remember: true }, 'remember'],
  ])('login: %s is 400 validation_failed naming the field', async (_label, body, field) => {
    const { message } = await expectRestError(await postLogin(body), 400, 'validation_failed');
    expect(message).toContain(field);
  });
});

describe('the auth routes’ per-IP limits, shared with GraphQL (login 10 per 15 minutes, register 5 and restore-password 3 per hour)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => limited?.close());

  it('login: ten attempts (REST and GraphQL, right and wrong) pass the limiter; the 11th is 429 source login, scope ip, and issues nothing', async () => {
    const account = await limited.seedAccount();
    const right = { email: account.email, password: account.password };
    const wrong = { email: account.email, password: 'wrong password' };
    const first = await postLogin(right, limited);
    expect(first.status).toBe(200);
    expectAllowedRateHeaders(first, 10, 9);
    await first.arrayBuffer();
    for (let attempt = 2; attempt <= 10; attempt++) {
      if (attempt % 3 === 0) {
        const viaGraphql = await limited.gql(
          'mutation($input: LoginInput!) { login(input: $input) { id } }',
          {
            input: wrong,
          },
        );
        expect(viaGraphql.body.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
        continue;
      }
      const response = await postLogin(wrong, limited);
      await expectRestError(response, 401, 'invalid_credentials');
      expectAllowedRateHeaders(response, 10, 10 - attempt);
    }
    const [before] = await limited.sql<{ n: number }>('select count(*)::int as n from refresh_token');
    const blocked = await postLogin(right, limited);
    const { message } = await expectRateLimited(blocked, {
      limit: 10,
      windowSeconds: 15 * 60,
      scope: 'ip',
      source: 'login',
    });
    expect(message).toMatch(/login/);
    const [after] = await limited.sql<{ n: number }>('select count(*)::int as n from refresh_token');
    expect(after).toEqual(before);
  });

  it('register: five attempts through REST and GraphQL together (failed ones too) pass; the sixth is 429 source register, scope ip, on both surfaces, and creates nothing', async () => {
    const password = 'long enough password';
    const first = await postRegister({ email: newEmail(), password }, limited);
    expect(first.status).toBe(201);
    expectAllowedRateHeaders(first, 5, 4);
    const viaGraphql = await limited.gql(REGISTER_MUTATION, {
      input: { email: newEmail(), password, name: 'G' },
    });
    expect(viaGraphql.body.errors).toBeUndefined();
    expect(viaGraphql.headers.get('ratelimit-remaining')).toBe('3');
    const invalid = await postRegister({ email: 'not-an-email', password }, limited);
    await expectRestError(invalid, 400, 'validation_failed');
    expectAllowedRateHeaders(invalid, 5, 2);
    for (const remaining of [1, 0]) {
      const response = await postRegister({ email: newEmail(), password }, limited);
      expect(response.status).toBe(201);
      expectAllowedRateHeaders(response, 5, remaining);
    }
    const [before] = await limited.sql<{ n: number }>('select count(*)::int as n from account');
    const blocked = await postRegister({ email: newEmail(), password }, limited);
    const { message } = await expectRateLimited(blocked, {
      limit: 5,
      windowSeconds: 3600,
      scope: 'ip',
      source: 'register',
    });
    expect(message).toMatch(/register/i);
    const blockedGraphql = await limited.gql(REGISTER_MUTATION, {
      input: { email: newEmail(), password, name: 'G' },
    });
    expect(blockedGraphql.status).toBe(429);
    expect(blockedGraphql.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(blockedGraphql.headers.get('x-ratelimit-source')).toBe('register');
    const [after] = await limited.sql<{ n: number }>('select count(*)::int as n from account');
    expect(after).toEqual(before);
  });

  it('restore-password: three requests through GraphQL and REST together pass; the fourth is 429 source password-reset, scope ip, on both surfaces, and queues no mail', async () => {
    const viaGraphql = await limited.gql(RESET_MUTATION, { e: newEmail() });
    expect(viaGraphql.body.data).toEqual({ requestPasswordReset: true });
    expect(viaGraphql.headers.get('ratelimit-remaining')).toBe('2');
    for (const remaining of [1, 0]) {
      const response = await postRestore({ email: newEmail() }, limited);
      expect(response.status).toBe(202);
      expectAllowedRateHeaders(response, 3, remaining);
    }
    const [before] = await limited.sql<{ n: number }>('select count(*)::int as n from mail_outbox');
    const blocked = await postRestore({ email: newEmail() }, limited);
    await expectRateLimited(blocked, {
      limit: 3,
      windowSeconds: 3600,
      scope: 'ip',
      source: 'password-reset',
    });
    const blockedGraphql = await limited.gql(RESET_MUTATION, { e: newEmail() });
    expect(blockedGraphql.status).toBe(429);
    expect(blockedGraphql.headers.get('x-ratelimit-source')).toBe('password-reset');
    const [after] = await limited.sql<{ n: number }>('select count(*)::int as n from mail_outbox');
    expect(after).toEqual(before);
  });
});

describe('POST /api/v1/api-tokens and DELETE /api/v1/api-tokens/<id> with an access token', () => {
  const TOKEN_QUERY =
    'query($id: ID!) { token(id: $id) { id name preset permissions effectivePermissions createdBy } }';
  type TokenData = {
    token: {
      id: string;
      name: string;
      preset: string;
      permissions: string[];
      effectivePermissions: string[];
      createdBy: string;
    } | null;
  };

  it('POST /api/v1/api-tokens: {name} creates an ALL token (201 {data: {id, name, token, createdAt}}) whose effective permissions, checked through GraphQL with it, are a member’s ALL', async () => {
    // A pro account: a free account's API tokens only read, and are capped to reads.
    const account = await server.seedAccount({ plan: 'pro' });
    const { accessToken } = await login(account);
    const response = await createApiToken(accessToken, { name: 'CI pipeline' });
    expect(response.status).toBe(201);
    const { data } = (await response.json()) as CreatedBody;
    expect(Object.keys(data).sort()).toEqual(['createdAt', 'id', 'name', 'token']);
    expect(data.name).toBe('CI pipeline');
    expect(data.token).toMatch(/^kw_[0-9A-Za-z]{36}$/);
    expect(Math.abs(Date.parse(data.createdAt) - Date.now())).toBeLessThan(30_000);

    const viaToken = await server.gql<TokenData>(TOKEN_QUERY, { id: data.id }, { token: data.token });
    expect(viaToken.body.errors).toBeUndefined();
    const memberAll = [...ownerPermissions(account.account, server.keyward.services.catalogue)].sort();
    expect(memberAll).not.toContain('components:publish');
    expect(viaToken.body.data?.token).toMatchObject({
      id: data.id,
      preset: 'ALL',
      createdBy: account.account.id,
    });
    expect([...(viaToken.body.data?.token?.effectivePermissions ?? [])].sort()).toEqual(memberAll);

    const audit = await server.sql(
      'select action, actor_type, actor_id from audit_event where target_id = $1',
      [data.id],
    );
    expect(audit).toEqual([{ action: 'token.create', actor_type: 'account', actor_id: account.account.id }]);
  });

  it("POST /api/v1/api-tokens: {name, permissions: ['tokens:read']} creates a CUSTOM token holding only that", async () => {
    // A pro account: a free account's API tokens only read, and are capped to reads.
    const account = await server.seedAccount({ plan: 'pro' });
    const { accessToken } = await login(account);
    const response = await createApiToken(accessToken, { name: 'reader', permissions: ['tokens:read'] });
    expect(response.status).toBe(201);
    const { data } = (await response.json()) as CreatedBody;
    const viaToken = await server.gql<TokenData>(TOKEN_QUERY, { id: data.id }, { token: data.token });
    expect(viaToken.body.data?.token).toMatchObject({
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
      effectivePermissions: ['tokens:read'],
    });
    // And nothing else: the new token cannot create tokens.
    const denied = await expectRestError(
      await createApiToken(data.token, { name: 'x', permissions: ['tokens:read'] }),
      403,
      'insufficient_scope',
    );
    expect(denied.message).toContain('tokens:create');
  });

  it('POST /api/v1/api-tokens: the same validation as the dashboard (400 validation_failed naming the field)', async () => {
    const account = await server.seedAccount();
    const { accessToken } = await login(account);
    const { message } = await expectRestError(
      await createApiToken(accessToken, { name: 'x', expiresInDays: 0 }),
      400,
      'validation_failed',
    );
    expect(message).toContain('expiresInDays');
    await expectRestError(await createApiToken(accessToken, {}), 400, 'validation_failed');
  });

  it('POST /api/v1/api-tokens: an unverified account’s access token gets 403 email_not_verified', async () => {
    const account = await server.seedAccount({ verified: false });
    const { accessToken } = await login(account);
    await expectRestError(await createApiToken(accessToken, { name: 'x' }), 403, 'email_not_verified');
    expect(await server.sql('select id from api_token where account_id = $1', [account.account.id])).toEqual(
      [],
    );
  });

  it('DELETE /api/v1/api-tokens/<id>: revokes the caller’s token (bearer use then 401 token_revoked); another account’s id is 404 not_found', async () => {
    const account = await server.seedAccount();
    const other = await server.seedAccount();
    const { accessToken } = await login(account);
    const created = (await (await createApiToken(accessToken, { name: 'to revoke' })).json()) as CreatedBody;
    const foreign = await seedToken(server, other.account);

    const response = await server.rest(`/api/v1/api-tokens/${created.data.id}`, {
      method: 'DELETE',
      headers: bearer(accessToken),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { id: created.data.id, name: 'to revoke', revokedAt: expect.any(String) },
    });
    await expectRestError(
      await server.rest('/api/cli/whoami', { token: created.data.token }),
      401,
      'token_revoked',
    );
    const audit = await server.sql<{ actor_type: string; actor_id: string }>(
      "select actor_type, actor_id from audit_event where target_id = $1 and action = 'token.revoke'",
      [created.data.id],
    );
    expect(audit).toEqual([{ actor_type: 'account', actor_id: account.account.id }]);

    await expectRestError(
      await server.rest(`/api/v1/api-tokens/${foreign.id}`, {
        method: 'DELETE',
        headers: bearer(accessToken),
      }),
      404,
      'not_found',
    );
    expect(await server.sql('select revoked_at from api_token where id = $1', [foreign.id])).toEqual([
      { revoked_at: null },
    ]);
  });

  it('an API token holding tokens:create is accepted on /api/v1/api-tokens too, and createdBy records that token', async () => {
    // A pro account: a free account's API tokens only read, and are capped to reads.
    const account = await server.seedAccount({ plan: 'pro' });
    const creator = await seedToken(server, account.account, { preset: 'CLI' });
    const response = await createApiToken(creator.secret, { name: 'by token', permissions: ['tokens:read'] });
    expect(response.status).toBe(201);
    const { data } = (await response.json()) as CreatedBody;
    expect(await server.sql('select created_by_token from api_token where id = $1', [data.id])).toEqual([
      { created_by_token: creator.id },
    ]);
    // X-Api-Key works like a Bearer token here as well.
    const viaApiKey = await server.rest(
      '/api/v1/api-tokens',
      jsonRequest(
        'POST',
        { name: 'by api key', permissions: ['tokens:read'] },
        { 'x-api-key': creator.secret },
      ),
    );
    expect(viaApiKey.status).toBe(201);
  });

  it('a session cookie is no credential on /api/v1/api-tokens (401 missing_token, nothing created)', async () => {
    const account = await server.seedAccount();
    const cookie = await server.login(account.email, account.password);
    const response = await server.rest('/api/v1/api-tokens', {
      ...jsonRequest('POST', { name: 'via cookie' }),
      cookie,
    });
    await expectRestError(response, 401, 'missing_token');
    expect(await server.sql('select id from api_token where account_id = $1', [account.account.id])).toEqual(
      [],
    );
  });
});

describe('access token verification', () => {
  it('a tampered access token (changed subject, resigned with another key, or the wrong audience) is 401 invalid_token', async () => {
    const account = await server.seedAccount();
    const victim = await server.seedAccount();
    const { accessToken } = await login(account);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const swapped = Buffer.from(JSON.stringify({ ...claims, sub: victim.account.id })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const forgeries = [
      `${header}.${swapped}.${signature}`,
      `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
      await forgeAccessToken(accessToken, { iat: now, exp: now + 3600 }, new Uint8Array(32).fill(7)),
      await forgeAccessToken(accessToken, { iat: now, exp: now + 3600, aud: 'someone-else' }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
    ];
    for (const forged of forgeries) {
      await expectRestError(await createApiToken(forged, { name: 'forged' }), 401, 'invalid_token');
    }
    expect(
      await server.sql('select id from api_token where account_id = any($1)', [
        [account.account.id, victim.account.id],
      ]),
    ).toEqual([]);
  });

  it('an expired access token (signed with the server key, exp in the past) is 401 token_expired; the same claims unexpired are accepted', async () => {
    const account = await server.seedAccount();
    const { accessToken } = await login(account);
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeAccessToken(accessToken, { iat: now - 7200, exp: now - 3600 });
    await expectRestError(await createApiToken(expired, { name: 'late' }), 401, 'token_expired');
    // Positive control: only the expiry differs, so the forged token is otherwise valid.
    const fresh = await forgeAccessToken(accessToken, { iat: now, exp: now + 60 });
    expect(await accepted(fresh)).toEqual(ACCEPTED);
  });

  it('an access token is not an API token: /api/cli/whoami answers 401 invalid_token, /graphql 401 INVALID_TOKEN, /api/tokens 401 unauthenticated', async () => {
    const account = await server.seedAccount();
    const { accessToken, refreshToken } = await login(account);
    expect(await accepted(accessToken)).toEqual(ACCEPTED);
    await expectRestError(await server.rest('/api/cli/whoami', { token: accessToken }), 401, 'invalid_token');
    await expectRestError(await server.rest('/api/cli/button', { token: accessToken }), 401, 'invalid_token');
    const graphql = await server.gql('{ viewer { id } }', {}, { token: accessToken });
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    expect(graphql.body.data ?? null).toBeNull();
    await expectRestError(await server.rest('/api/tokens', { token: accessToken }), 401, 'unauthenticated');
    // Nor is the refresh token a bearer credential anywhere.
    expect(await accepted(refreshToken)).toEqual({ status: 401, error: 'invalid_token' });
  });
});

describe('POST /api/v1/auth/refresh-token', () => {
  it('refresh: rotates to a new pair, marks the old refresh token used, and keeps the login working', async () => {
    const account = await server.seedAccount();
    const first = await login(account);
    const response = await refresh(first.refreshToken);
    expect(response.status).toBe(200);
    const second = ((await response.json()) as TokenPairBody).data;
    expect(Object.keys(second).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    expect(second.user).toEqual({ id: account.account.id, email: account.email });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const firstClaims = decodeJwt(first.accessToken);
    const secondClaims = decodeJwt(second.accessToken);
    expect(secondClaims.fam).toBe(firstClaims.fam);
    expect(secondClaims.exp! - secondClaims.iat!).toBe(3600);
    const rows = await server.sql<{ token_hash: string; used: boolean; revoked: boolean }>(
      `select token_hash, used_at is not null as used, revoked_at is not null as revoked
       from refresh_token where account_id = $1 order by created_at`,
      [account.account.id],
    );
    expect(rows).toEqual([
      { token_hash: sha256(first.refreshToken), used: true, revoked: false },
      { token_hash: sha256(second.refreshToken), used: false, revoked: false },
    ]);
    expect(await accepted(second.accessToken)).toEqual(ACCEPTED);
  });

  it('refresh: presenting a used refresh token is 401 invalid_token and revokes the whole login: the newest refresh token fails and its access tokens answer 401 token_revoked; another login survives', async () => {
    const account = await server.seedAccount();
    const first = await login(account);
    const unrelated = await login(account);
    const second = ((await (await refresh(first.refreshToken)).json()) as TokenPairBody).data;
    const third = ((await (await refresh(second.refreshToken)).json()) as TokenPairBody).data;
    expect(await accepted(third.accessToken)).toEqual(ACCEPTED);

    const reuse = await expectRestError(await refresh(first.refreshToken), 401, 'invalid_token');
    expect(reuse.message).toMatch(/already used/);
    await expectRestError(await refresh(third.refreshToken), 401, 'invalid_token');
    for (const { accessToken } of [first, second, third]) {
      expect(await accepted(accessToken)).toEqual({ status: 401, error: 'token_revoked' });
      await expectRestError(await createApiToken(accessToken, { name: 'after reuse' }), 401, 'token_revoked');
    }
    const family = decodeJwt(first.accessToken).fam;
    const live = await server.sql('select 1 from refresh_token where family_id = $1 and revoked_at is null', [
      family,
    ]);
    expect(live).toEqual([]);

    expect(await accepted(unrelated.accessToken)).toEqual(ACCEPTED);
    expect((await refresh(unrelated.refreshToken)).status).toBe(200);
  });

  it('refresh: refresh tokens are stored only as SHA-256 hashes', async () => {
    const account = await server.seedAccount();
    const first = await login(account);
    const second = ((await (await refresh(first.refreshToken)).json()) as TokenPairBody).data;
    const rows = await server.sql<Record<string, unknown>>(
      'select * from refresh_token where account_id = $1',
      [account.account.id],
    );
    const dump = JSON.stringify(rows);
    for (const raw of [first.refreshToken, second.refreshToken]) {
      expect(dump).not.toContain(raw);
      expect(rows.map((row) => row.token_hash)).toContain(sha256(raw));
    }
    expect(dump).not.toContain(first.accessToken);
  });

  it.each<[string, (refreshToken: string) => Promise<void>, string]>([
    ['unknown', async () => {}, 'invalid_token'],
    [
      'expired',
      async (refreshToken) => {
        await server.sql(
          "update refresh_token set expires_at = now() - interval '1 second' where token_hash = $1",
          [sha256(refreshToken)],
        );
      },
      'token_expired',
    ],
  ])('refresh: an %s refresh token is 401 %s', async (kind, prepare, code) => {
    const account = await server.seedAccount();
    const { refreshToken } = await login(account);
    await prepare(refreshToken);
    const presented = kind === 'unknown' ? randomBytes(32).toString('base64url') : refreshToken;
    await expectRestError(await refresh(presented), 401, code);
  });

  it.each<[string, unknown]>([
    ['no refreshToken', {}],
    ['a number', { refreshToken: 42 }],
    ['an extra key', { refreshToken: 'x', accessToken: 'y' }],
  ])('refresh: a body with %s is 400 validation_failed', async (_label, body) => {
    await expectRestError(
      await server.rest('/api/v1/auth/refresh-token', jsonRequest('POST', body)),
      400,
      'validation_failed',
    );
  });
});

describe('password reset and programmatic logins', () => {
  it('resetPassword: ends every programmatic login of the account (refresh and access tokens) as well as web sessions', async () => {
    const account = await server.seedAccount();
    const pair = await login(account);
    expect(await accepted(pair.accessToken)).toEqual(ACCEPTED);
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: account.email });
    const mail = await server.lastMail(account.email, 'password_reset');
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail!.body)![1]!;
    const reset = await server.gql(
      'mutation($t: String!) { resetPassword(token: $t, password: "a brand new password") }',
      {
        t: token,
      },
    );
    expect(reset.body.data).toEqual({ resetPassword: true });
    await expectRestError(await refresh(pair.refreshToken), 401, 'invalid_token');
    expect(await accepted(pair.accessToken)).toEqual({ status: 401, error: 'token_revoked' });
  });
});

describe('POST /api/v1/auth/register', () => {
  it('register: creates an unverified free member, mails the verification link and answers 201 {data: {user}}; no session, no tokens', async () => {
    const email = newEmail();
    const response = await postRegister({
      email: email.toUpperCase(),
      password: 'long enough password',
      name: 'Ada',
    });
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual([]);
    const body = (await response.json()) as RegisteredBody;
    expect(body).toEqual({
      data: { user: { id: expect.any(String), email, name: 'Ada', emailVerified: false } },
    });
    const [row] = await server.sql(
      'select email, name, email_verified, plan, role from account where id = $1',
      [body.data.user.id],
    );
    expect(row).toEqual({ email, name: 'Ada', email_verified: false, plan: 'free', role: 'member' });
    expect(await server.lastMail(email, 'verify_email')).not.toBeNull();
    const audit = await server.sql('select action, actor_id from audit_event where target_id = $1', [
      body.data.user.id,
    ]);
    expect(audit).toEqual([{ action: 'account.register', actor_id: body.data.user.id }]);
    expect(await server.sql('select 1 from session where account_id = $1', [body.data.user.id])).toEqual([]);
    // The new account logs in like any other.
    expect((await postLogin({ email, password: 'long enough password' })).status).toBe(200);
  });

  it('register: without a name, the name is the part of the email before @', async () => {
    const email = newEmail();
    const response = await postRegister({ email, password: 'long enough password' });
    expect(response.status).toBe(201);
    expect(((await response.json()) as RegisteredBody).data.user.name).toBe(email.split('@')[0]);
  });

  it.each<[string, unknown, string]>([
    ['no email', { password: 'long enough password' }, 'email'],
    ['no password', { email: 'a@example.com' }, 'password'],
    ['a malformed email', { email: 'not-an-email', password: 'long enough password' }, 'email'],
    ['a 7-character password', { email: 'a@example.com', password: 'short12' }, 'password'],
    ['an empty name', { email: 'a@example.com', password: 'long enough password', name: ' ' }, 'name'],
    [
      'a name with a control character',
      { email: 'a@example.com', password: 'long enough password', name: 'a\u001b[2J' },
      'name',
    ],
    ['an extra key', { email: 'a@example.com', password: 'long enough password', plan: 'team' }, 'plan'],
  ])(
    'register: %s is 400 validation_failed naming the field, and creates nothing',
    async (_label, body, field) => {
      const [before] = await server.sql<{ n: number }>('select count(*)::int as n from account');
      const { message } = await expectRestError(await postRegister(body), 400, 'validation_failed');
      expect(message).toContain(field);
      const [after] = await server.sql<{ n: number }>('select count(*)::int as n from account');
      expect(after).toEqual(before);
    },
  );

  it('register: an address in use (in any case) answers 409 email_taken, as GraphQL’s register does, and changes nothing', async () => {
    const existing = await server.seedAccount();
    const response = await postRegister({
      email: existing.email.toUpperCase(),
      password: 'another long password',
      name: 'Mallory',
    });
    const { message } = await expectRestError(response, 409, 'email_taken');
    const viaGraphql = await server.gql(REGISTER_MUTATION, {
      input: { email: existing.email, password: 'another long password', name: 'Mallory' },
    });
    expect(viaGraphql.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'EMAIL_TAKEN' } });
    const [row] = await server.sql('select name, password_hash from account where id = $1', [
      existing.account.id,
    ]);
    expect(row).toEqual({ name: 'Test User', password_hash: existing.account.passwordHash });
    expect(await server.lastMail(existing.email, 'verify_email')).toBeNull();
  });
});

describe('POST /api/v1/auth/restore-password', () => {
  const RESTORED = {
    data: { message: 'If an account has this address, a password-reset link is on its way.' },
  };

  it('restore-password: answers 202 with the same body for a known and an unknown address; only the known one gets a working reset link', async () => {
    const account = await server.seedAccount();
    const unknown = newEmail();
    const known = await postRestore({ email: account.email.toUpperCase() });
    const nobody = await postRestore({ email: unknown });
    expect([known.status, nobody.status]).toEqual([202, 202]);
    expect(await known.json()).toEqual(RESTORED);
    expect(await nobody.json()).toEqual(RESTORED);
    expect(await server.lastMail(unknown, 'password_reset')).toBeNull();
    const mail = await server.lastMail(account.email, 'password_reset');
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail?.body ?? '')?.[1];
    expect(token).toBeDefined();
    const reset = await server.gql(
      'mutation($t: String!) { resetPassword(token: $t, password: "restored password") }',
      {
        t: token,
      },
    );
    expect(reset.body.data).toEqual({ resetPassword: true });
    expect((await postLogin({ email: account.email, password: 'restored password' })).status).toBe(200);
  });

  it.each<[string, unknown, string]>([
    ['no email', {}, 'email'],
    ['a number', { email: 42 }, 'email'],
    ['an extra key', { email: 'a@example.com', redirect: 'https://evil.example' }, 'redirect'],
  ])('restore-password: %s is 400 validation_failed naming the field', async (_label, body, field) => {
    const { message } = await expectRestError(await postRestore(body), 400, 'validation_failed');
    expect(message).toContain(field);
  });
});
