import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { id } }';
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { id } }';
const RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';

const wrongLogin = { input: { email: 'nobody@example.com', password: 'not the password' } };

function codes(response: GqlResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}

function header(response: GqlResponse, name: string): string | null {
  return response.headers.get(name);
}

/** The headers every allowed, limited response carries. */
function expectAllowedHeaders(response: GqlResponse, limit: number, remaining: number) {
  expect(header(response, 'RateLimit-Limit')).toBe(String(limit));
  expect(header(response, 'RateLimit-Remaining')).toBe(String(remaining));
  expect(Number(header(response, 'RateLimit-Reset'))).toBeGreaterThanOrEqual(0);
  expect(header(response, 'Retry-After')).toBeNull();
}

/** A 429 from GraphQL with every rate-limit header. */
function expectRateLimited(response: GqlResponse, limit: number, windowSeconds: number, source: string) {
  expect(response.status).toBe(429);
  expect(codes(response)).toContain('RATE_LIMIT_EXCEEDED');
  expect(header(response, 'RateLimit-Limit')).toBe(String(limit));
  expect(header(response, 'RateLimit-Remaining')).toBe('0');
  const reset = Number(header(response, 'RateLimit-Reset'));
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThan(0);
  expect(reset).toBeLessThanOrEqual(windowSeconds);
  const retryAfter = Number(header(response, 'Retry-After'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(header(response, 'X-RateLimit-Scope')).toBe('ip');
  expect(header(response, 'X-RateLimit-Source')).toBe(source);
}

describe('login rate limit (10 per 15 minutes per IP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('login: ten attempts pass the limiter (failed ones count too), the eleventh answers 429 with every rate-limit header', async () => {
    const { email, password } = await server.seedAccount();
    // One successful login among the failures: success and failure spend the same budget.
    const success = await server.gql(LOGIN, { input: { email, password } });
    expect(success.status).toBe(200);
    expect(success.body.errors).toBeUndefined();
    expectAllowedHeaders(success, 10, 9);
    for (let attempt = 2; attempt <= 10; attempt++) {
      const response = await server.gql(LOGIN, wrongLogin);
      expect(codes(response)).toEqual(['INVALID_CREDENTIALS']);
      expectAllowedHeaders(response, 10, 10 - attempt);
    }
    const limited = await server.gql(LOGIN, { input: { email, password } });
    expectRateLimited(limited, 10, 15 * 60, 'login');
    expect(limited.body.errors?.[0]?.message).toMatch(/login/);
    // The right password does not get through once the budget is spent, and no session is created.
    expect(limited.headers.getSetCookie()).toEqual([]);
    expect(limited.body.data ?? null).toBeNull();
  });
});

describe('login rate limit with aliases', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('login: aliases do not multiply attempts — after 8 attempts, three aliased logins with the right password give 2 sessions and 1 RATE_LIMIT_EXCEEDED', async () => {
    const { account, email, password } = await server.seedAccount();
    for (let attempt = 1; attempt <= 8; attempt++) {
      const response = await server.gql(LOGIN, wrongLogin);
      expect(codes(response)).toEqual(['INVALID_CREDENTIALS']);
    }
    const aliased = await server.gql(
      `mutation($input: LoginInput!) {
        a: login(input: $input) { id }
        b: login(input: $input) { id }
        c: login(input: $input) { id }
      }`,
      { input: { email, password } },
    );
    // Mutation fields run in order: a and b spend attempts 9 and 10 (and each logs in), c is refused.
    expect((aliased.body.errors ?? []).map((error) => [error.path?.[0], error.extensions?.code])).toEqual([
      ['c', 'RATE_LIMIT_EXCEEDED'],
    ]);
    expectRateLimited(aliased, 10, 15 * 60, 'login');
    expect(
      aliased.headers.getSetCookie().filter((cookie) => /keyward_session=[^;]/.test(cookie)),
    ).toHaveLength(2);
    const sessions = await server.sql('select count(*)::int as n from session where account_id = $1', [
      account.id,
    ]);
    expect(sessions[0]).toEqual({ n: 2 });

    const after = await server.gql(LOGIN, { input: { email, password } });
    expectRateLimited(after, 10, 15 * 60, 'login');
    expect(codes(after)).toEqual(['RATE_LIMIT_EXCEEDED']);
  });
});

describe('login rate limit with aliases that fail', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('login: a failed aliased login stops the request, so later aliases spend nothing and the budget stays exact', async () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      expect(codes(await server.gql(LOGIN, wrongLogin))).toEqual(['INVALID_CREDENTIALS']);
    }
    const aliased = await server.gql(
      `mutation($input: LoginInput!) {
        a: login(input: $input) { id }
        b: login(input: $input) { id }
        c: login(input: $input) { id }
      }`,
      wrongLogin,
    );
    // login is non-null: a's error nulls the whole result and serial execution stops before b and c.
    expect((aliased.body.errors ?? []).map((error) => [error.path?.[0], error.extensions?.code])).toEqual([
      ['a', 'INVALID_CREDENTIALS'],
    ]);
    expectAllowedHeaders(aliased, 10, 1);
    const tenth = await server.gql(LOGIN, wrongLogin);
    expect(codes(tenth)).toEqual(['INVALID_CREDENTIALS']);
    expectAllowedHeaders(tenth, 10, 0);
    expectRateLimited(await server.gql(LOGIN, wrongLogin), 10, 15 * 60, 'login');
  });
});

describe('register rate limit (5 per hour per IP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('register: five registrations pass, the sixth answers 429 and creates no account', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await server.gql(REGISTER, {
        input: { email: `limited-${attempt}@example.com`, password: 'a long password', name: 'R' },
      });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expectAllowedHeaders(response, 5, 5 - attempt);
    }
    const limited = await server.gql(REGISTER, {
      input: { email: 'limited-6@example.com', password: 'a long password', name: 'R' },
    });
    expectRateLimited(limited, 5, 3600, 'register');
    expect(limited.headers.getSetCookie()).toEqual([]);
    const rows = await server.sql(
      "select count(*)::int as n from account where email = 'limited-6@example.com'",
    );
    expect(rows[0]).toEqual({ n: 0 });
    const mails = await server.sql(
      "select count(*)::int as n from mail_outbox where recipient = 'limited-6@example.com'",
    );
    expect(mails[0]).toEqual({ n: 0 });
  });
});

describe('password reset rate limit (3 per hour per IP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('requestPasswordReset: three requests pass, the fourth answers 429 and sends no mail', async () => {
    const { email } = await server.seedAccount();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const response = await server.gql(RESET, { e: attempt === 1 ? 'ghost@example.com' : email });
      expect(response.body).toEqual({ data: { requestPasswordReset: true } });
      expectAllowedHeaders(response, 3, 3 - attempt);
    }
    const before = await server.sql('select count(*)::int as n from mail_outbox where recipient = $1', [
      email.toLowerCase(),
    ]);
    const limited = await server.gql(RESET, { e: email });
    expectRateLimited(limited, 3, 3600, 'password-reset');
    const after = await server.sql('select count(*)::int as n from mail_outbox where recipient = $1', [
      email.toLowerCase(),
    ]);
    expect(after).toEqual(before);
  });
});

describe('rate limits from the environment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_LIMIT_LOGIN: '2/1m' }, { limits: 'published' });
  });
  afterAll(() => server.close());

  it('KEYWARD_LIMIT_LOGIN=2/1m: two login attempts pass and the third answers 429 within a one-minute window', async () => {
    const first = await server.gql(LOGIN, wrongLogin);
    expectAllowedHeaders(first, 2, 1);
    const second = await server.gql(LOGIN, wrongLogin);
    expectAllowedHeaders(second, 2, 0);
    expect(codes(second)).toEqual(['INVALID_CREDENTIALS']);
    const third = await server.gql(LOGIN, wrongLogin);
    expectRateLimited(third, 2, 60, 'login');
  });

  it('KEYWARD_LIMIT_LOGIN=2/1m: other policies keep their published defaults', async () => {
    const response = await server.gql(RESET, { e: 'ghost@example.com' });
    expectAllowedHeaders(response, 3, 2);
  });
});
