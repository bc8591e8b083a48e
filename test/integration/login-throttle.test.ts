import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GqlResponse,
  type SeededAccount,
  startTestServer,
  type TestServer,
} from '../helpers/harness.js';
import { jsonRequest } from '../helpers/rest.js';

const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { id } }';
const RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';

let server: TestServer;
let address = 0;
/** A new client address per call: the per-IP limit (10 per 15 minutes) never decides these tests. */
const fromNewAddress = () => ({ 'x-forwarded-for': `203.0.113.${(address++ % 250) + 1}` });

beforeAll(async () => {
  // Published limits: 20 failed logins per 15 minutes per account, 3 reset requests per hour per address.
  server = await startTestServer({ KEYWARD_TRUST_PROXY: '1' }, { limits: 'published' });
});
afterAll(() => server.close());

function gqlLogin(email: string, password: string): Promise<GqlResponse> {
  return server.gql(LOGIN, { input: { email, password } }, { headers: fromNewAddress() });
}

function restLogin(email: string, password: string): Promise<Response> {
  return server.rest('/api/v1/auth/login', jsonRequest('POST', { email, password }, fromNewAddress()));
}

const codeOf = (response: GqlResponse) => response.body.errors?.[0]?.extensions?.code ?? null;

async function failGql(account: SeededAccount, times: number) {
  for (let attempt = 0; attempt < times; attempt++) {
    expect(codeOf(await gqlLogin(account.email, 'not the password'))).toBe('INVALID_CREDENTIALS');
  }
}

describe('per-account login throttle (20 failures per 15 minutes)', () => {
  it('login: after 20 wrong passwords from many addresses, even the right password answers 429 for the account', async () => {
    const account = await server.seedAccount();
    await failGql(account, 20);
    const refused = await gqlLogin(account.email, account.password);
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe('RATE_LIMIT_EXCEEDED');
    expect(refused.headers.get('X-RateLimit-Scope')).toBe('account');
    expect(refused.headers.get('X-RateLimit-Source')).toBe('login-account');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(refused.headers.getSetCookie().filter((c) => /keyward_session=[^;]/.test(c))).toEqual([]);
    // The other surface shares the count.
    const rest = await restLogin(account.email, account.password);
    expect(rest.status).toBe(429);
    expect(((await rest.json()) as { error: string }).error).toBe('rate_limit_exceeded');
  });

  it('login: the count is per account; another account logs in at once', async () => {
    const other = await server.seedAccount();
    const response = await gqlLogin(other.email, other.password);
    expect(response.body.errors).toBeUndefined();
  });

  it('login: the email is normalized, so case and spaces do not reset the count', async () => {
    const account = await server.seedAccount();
    for (let attempt = 0; attempt < 20; attempt++) {
      const email = attempt % 2 === 0 ? account.email.toUpperCase() : ` ${account.email} `;
      expect(codeOf(await gqlLogin(email, 'not the password'))).toBe('INVALID_CREDENTIALS');
    }
    expect((await gqlLogin(account.email, account.password)).status).toBe(429);
  });

  it('/api/v1/auth/login: failures there count too and lock the GraphQL login', async () => {
    const account = await server.seedAccount();
    for (let attempt = 0; attempt < 20; attempt++) {
      expect((await restLogin(account.email, 'not the password')).status).toBe(401);
    }
    const refused = await restLogin(account.email, account.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('X-RateLimit-Scope')).toBe('account');
    expect((await gqlLogin(account.email, account.password)).status).toBe(429);
  });

  it('login: a successful login clears the count', async () => {
    const account = await server.seedAccount();
    await failGql(account, 19);
    expect((await gqlLogin(account.email, account.password)).body.errors).toBeUndefined();
    await failGql(account, 19);
    expect((await gqlLogin(account.email, account.password)).body.errors).toBeUndefined();
  });

  it('login: an unknown email is throttled the same way, so the limit tells nothing about who exists', async () => {
    const ghost = { email: 'ghost-throttle@example.com', password: 'whatever it is', account: null };
    await failGql(ghost as unknown as SeededAccount, 20);
    const refused = await gqlLogin(ghost.email, ghost.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('X-RateLimit-Scope')).toBe('account');
  });
});

describe('password-reset requests per email address (3 per hour)', () => {
  it('requestPasswordReset: a fourth request for one address from a fresh IP answers 429; another address is unaffected', async () => {
    const { email } = await server.seedAccount();
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await server.gql(RESET, { e: email }, { headers: fromNewAddress() });
      expect(response.body).toEqual({ data: { requestPasswordReset: true } });
    }
    const refused = await server.gql(RESET, { e: email.toUpperCase() }, { headers: fromNewAddress() });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('X-RateLimit-Scope')).toBe('account');
    expect(refused.headers.get('X-RateLimit-Source')).toBe('password-reset-email');
    const other = await server.gql(RESET, { e: 'someone-else@example.com' }, { headers: fromNewAddress() });
    expect(other.body).toEqual({ data: { requestPasswordReset: true } });
  });
});
