import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken, sessionCookieFrom, startTestServer, type TestServer } from '../helpers/harness.js';

const REGISTER =
  'mutation($input: RegisterInput!) { register(input: $input) { id email name emailVerified plan role } }';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { id email } }';
const VIEWER = '{ viewer { id email emailVerified } }';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('register', () => {
  it('register: creates an unverified free member, logs it in and mails a verification link', async () => {
    const response = await server.gql(REGISTER, {
      input: { email: 'New.User@Example.com', password: 'a long password', name: 'New User' },
    });
    expect(response.status).toBe(200);
    expect(response.body.data?.register).toMatchObject({
      email: 'new.user@example.com',
      name: 'New User',
      emailVerified: false,
      plan: 'free',
      role: 'member',
    });
    const cookie = sessionCookieFrom(response.headers);
    expect(cookie).toBeTruthy();
    const setCookie = response.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const viewer = await server.gql(VIEWER, {}, { cookie: cookie! });
    expect(viewer.body.data?.viewer).toMatchObject({ email: 'new.user@example.com', emailVerified: false });
    const mail = await server.lastMail('new.user@example.com', 'verify_email');
    expect(mail?.body).toMatch(/\/verify-email\?token=/);
  });

  it('register: rejects an email that differs only in case with EMAIL_TAKEN', async () => {
    const response = await server.gql(REGISTER, {
      input: { email: 'NEW.USER@example.COM', password: 'a long password', name: 'Again' },
    });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('EMAIL_TAKEN');
    const rows = await server.sql(
      "select count(*)::int as n from account where email = 'new.user@example.com'",
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it.each([
    [{ email: 'not-an-email', password: 'a long password', name: 'X' }, 'email'],
    [{ email: 'short@example.com', password: 'short', name: 'X' }, 'password'],
    [{ email: 'noname@example.com', password: 'a long password', name: '   ' }, 'name'],
    [{ email: 'longname@example.com', password: 'a long password', name: 'n'.repeat(101) }, 'name'],
  ])('register: rejects invalid input %j with VALIDATION_FAILED naming %s', async (input, field) => {
    const response = await server.gql(REGISTER, { input });
    const error = response.body.errors?.[0];
    expect(error?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(error?.extensions?.field).toBe(field);
    expect(error?.message).toMatch(new RegExp(`^${field}:`));
    const rows = await server.sql('select count(*)::int as n from account where email = $1', [input.email]);
    expect(rows[0]).toEqual({ n: 0 });
  });
});

describe('verifyEmail', () => {
  it('verifyEmail: verifies once; the same link then fails with INVALID_LINK', async () => {
    const email = 'verify-me@example.com';
    await server.gql(REGISTER, { input: { email, password: 'a long password', name: 'V' } });
    const token = linkToken((await server.lastMail(email, 'verify_email'))!.body);
    const first = await server.gql(
      'mutation($t: String!) { verifyEmail(token: $t) { email emailVerified } }',
      {
        t: token,
      },
    );
    expect(first.body.data?.verifyEmail).toEqual({ email, emailVerified: true });
    const second = await server.gql('mutation($t: String!) { verifyEmail(token: $t) { email } }', {
      t: token,
    });
    expect(second.body.errors?.[0]?.extensions?.code).toBe('INVALID_LINK');
  });

  it('verifyEmail: rejects an unknown or expired token and stores only hashes of link tokens', async () => {
    const email = 'expired-link@example.com';
    await server.gql(REGISTER, { input: { email, password: 'a long password', name: 'E' } });
    const token = linkToken((await server.lastMail(email, 'verify_email'))!.body);
    const stored = await server.sql('select token_hash from account_link');
    expect(stored.map((row) => row.token_hash)).not.toContain(token);
    await server.sql(
      "update account_link set expires_at = now() - interval '1 second' where account_id = (select id from account where email = $1)",
      [email],
    );
    const expired = await server.gql('mutation($t: String!) { verifyEmail(token: $t) { email } }', {
      t: token,
    });
    expect(expired.body.errors?.[0]?.extensions?.code).toBe('INVALID_LINK');
    const unknown = await server.gql('mutation { verifyEmail(token: "nope") { email } }');
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('INVALID_LINK');
    const rows = await server.sql('select email_verified from account where email = $1', [email]);
    expect(rows[0]).toEqual({ email_verified: false });
  });
});

describe('login and logout', () => {
  it('login: a wrong password and an unknown email get the same answer', async () => {
    const { email } = await server.seedAccount();
    const wrong = await server.gql(LOGIN, { input: { email, password: 'wrong password!' } });
    const unknown = await server.gql(LOGIN, {
      input: { email: 'nobody@example.com', password: 'wrong password!' },
    });
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    expect(sessionCookieFrom(wrong.headers)).toBeNull();
  });

  it('login: issues a new session id at every login and logout destroys it', async () => {
    const { email, password } = await server.seedAccount();
    const first = await server.login(email, password);
    const second = await server.gql(LOGIN, { input: { email, password } }, { cookie: first });
    const rotated = sessionCookieFrom(second.headers);
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(first);
    // The session the login replaced is gone.
    const old = await server.gql(VIEWER, {}, { cookie: first });
    expect(old.status).toBe(401);
    expect(old.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const logout = await server.gql('mutation { logout }', {}, { cookie: rotated! });
    expect(logout.body.data).toEqual({ logout: true });
    expect(logout.headers.getSetCookie().join()).toMatch(/Max-Age=0/);
    const after = await server.gql(VIEWER, {}, { cookie: rotated! });
    expect(after.status).toBe(401);
    const sessions = await server.sql(
      'select count(*)::int as n from session s join account a on a.id = s.account_id where a.email = $1',
      [email],
    );
    expect(sessions[0]).toEqual({ n: 0 });
  });

  it('sessions: the cookie value is stored only as a hash', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const value = cookie.split('=')[1]!;
    const rows = await server.sql('select id_hash from session');
    expect(rows.map((row) => row.id_hash)).not.toContain(value);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('sessions: an idle or expired session is refused with 401 and cleared', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    await server.sql(
      "update session set expires_at = now() - interval '1 minute' where account_id = (select id from account where email = $1)",
      [email],
    );
    const response = await server.gql(VIEWER, {}, { cookie });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie().join()).toMatch(/Max-Age=0/);
  });

  it('viewer: is null for an anonymous request', async () => {
    const response = await server.gql(VIEWER);
    expect(response.body).toEqual({ data: { viewer: null } });
  });
});

describe('CSRF', () => {
  it('csrf: a cookie-authenticated mutation without the header or a same-origin Origin fails and changes nothing', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: 'https://evil.example' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('CSRF_FAILED');
    // Still logged in: the logout did not run.
    const viewer = await server.gql(VIEWER, {}, { cookie });
    expect(viewer.body.data?.viewer).toMatchObject({ email });
  });

  it('csrf: a same-origin Origin header passes without the custom header', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie,
        origin: server.url.replace('localhost', '127.0.0.1'),
      },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    // server.url says localhost but we connect to 127.0.0.1: the Host header decides the origin.
    expect([200, 403]).toContain(response.status);
    const sameHost = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: new URL(server.url).origin },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(sameHost.status).toBe(200);
  });

  it('csrf: queries need no CSRF proof', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(response.status).toBe(200);
  });
});

describe('password reset', () => {
  it('requestPasswordReset: answers the same for known and unknown emails; only the known one gets mail', async () => {
    const { email } = await server.seedAccount();
    const known = await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    const unknown = await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', {
      e: 'ghost@example.com',
    });
    expect(known.body).toEqual({ data: { requestPasswordReset: true } });
    expect(unknown.body).toEqual(known.body);
    expect(await server.lastMail(email, 'password_reset')).not.toBeNull();
    expect(await server.lastMail('ghost@example.com', 'password_reset')).toBeNull();
  });

  it('resetPassword: sets the password once, ends every session, and the old password stops working', async () => {
    const { email, password } = await server.seedAccount({ email: 'reset-me@example.com' });
    const cookie = await server.login(email, password);
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    const token = linkToken((await server.lastMail(email, 'password_reset'))!.body);
    const reset = await server.gql(
      'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }',
      {
        t: token,
        p: 'a brand new password',
      },
    );
    expect(reset.body).toEqual({ data: { resetPassword: true } });
    expect((await server.gql(VIEWER, {}, { cookie })).status).toBe(401);
    const again = await server.gql(
      'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }',
      {
        t: token,
        p: 'yet another password',
      },
    );
    expect(again.body.errors?.[0]?.extensions?.code).toBe('INVALID_LINK');
    const oldLogin = await server.gql(LOGIN, { input: { email, password } });
    expect(oldLogin.body.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    await server.login(email, 'a brand new password');
  });

  it('resetPassword: a too-short password is VALIDATION_FAILED and leaves the link usable', async () => {
    const { email } = await server.seedAccount();
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    const token = linkToken((await server.lastMail(email, 'password_reset'))!.body);
    const short = await server.gql('mutation($t: String!) { resetPassword(token: $t, password: "short") }', {
      t: token,
    });
    expect(short.body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const ok = await server.gql(
      'mutation($t: String!) { resetPassword(token: $t, password: "long enough now") }',
      {
        t: token,
      },
    );
    expect(ok.body.data).toEqual({ resetPassword: true });
  });
});
