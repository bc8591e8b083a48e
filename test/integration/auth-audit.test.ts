import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken, sessionCookieFrom, startTestServer, type TestServer } from '../helpers/harness.js';
import { jsonRequest } from '../helpers/rest.js';

const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { id } }';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { id } }';
const AUDIT = `query($first: Int) { auditEvents(first: $first) {
  edges { node { action detail targetId ip actor { type id } } } } }`;

interface AuditNode {
  action: string;
  detail: string | null;
  targetId: string | null;
  ip: string | null;
  actor: { type: string; id: string | null };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function actionsSeenBy(cookie: string): Promise<AuditNode[]> {
  const response = await server.gql<{ auditEvents: { edges: { node: AuditNode }[] } }>(
    AUDIT,
    { first: 100 },
    { cookie },
  );
  expect(response.body.errors).toBeUndefined();
  return (response.body.data?.auditEvents.edges ?? []).map((edge) => edge.node).reverse();
}

describe('authentication is audited', () => {
  it('auditEvents: the owner sees register, email verification, logins (failed too, with a reason), logout and a password reset', async () => {
    const email = 'audited@example.com';
    const password = 'a long password';
    const registered = await server.gql(REGISTER, { input: { email, password, name: 'Audited' } });
    const accountId = (registered.body.data as { register: { id: string } }).register.id;
    const token = linkToken((await server.lastMail(email, 'verify_email'))!.body);
    await server.gql('mutation($t: String!) { verifyEmail(token: $t) { id } }', { t: token });
    await server.gql(LOGIN, { input: { email, password: 'the wrong password' } });
    const cookie = await server.login(email, password);
    await server.gql('mutation { logout }', {}, { cookie });
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    const reset = linkToken((await server.lastMail(email, 'password_reset'))!.body);
    await server.gql('mutation($t: String!) { resetPassword(token: $t, password: "another long one") }', {
      t: reset,
    });
    const fresh = await server.login(email, 'another long one');

    const events = await actionsSeenBy(fresh);
    expect(events.map((event) => [event.action, event.detail])).toEqual([
      ['account.register', null],
      ['account.email_verify', null],
      ['session.login_failed', 'wrong_password'],
      ['session.login', 'web'],
      ['session.logout', null],
      ['account.password_reset_request', null],
      ['account.password_reset', null],
      ['session.login', 'web'],
    ]);
    for (const event of events) {
      expect(event.targetId).toBe(accountId);
      expect(event.ip).toBeTruthy();
    }
    const rows = JSON.stringify(await server.sql('select * from audit_event'));
    for (const secret of [password, 'the wrong password', 'another long one', token, reset]) {
      expect(rows).not.toContain(secret);
    }
  });

  it('auditEvents: a failed login for an unknown email has no account and only admins see it', async () => {
    await server.gql(LOGIN, { input: { email: 'no-such-person@example.com', password: 'whatever it is' } });
    const member = await server.seedAccount();
    const memberEvents = await actionsSeenBy(await server.login(member.email, member.password));
    expect(memberEvents.map((event) => event.action)).toEqual(['session.login']);
    const admin = await server.seedAccount({ role: 'admin' });
    const adminEvents = await actionsSeenBy(await server.login(admin.email, admin.password));
    const unknown = adminEvents.filter((event) => event.detail === 'unknown_email');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ action: 'session.login_failed', targetId: null });
    const rows = await server.sql(
      "select account_id from audit_event where action = 'session.login_failed' and detail = 'unknown_email'",
    );
    expect(rows).toEqual([{ account_id: null }]);
  });

  it('auditEvents: programmatic logins, refresh-token reuse (the family revoked) and leak reports are recorded', async () => {
    const account = await server.seedAccount();
    const login = await server.rest(
      '/api/v1/auth/login',
      jsonRequest('POST', { email: account.email, password: account.password }),
    );
    const pair = ((await login.json()) as { data: { refreshToken: string } }).data;
    const refresh = () =>
      server.rest('/api/v1/auth/refresh-token', jsonRequest('POST', { refreshToken: pair.refreshToken }));
    expect((await refresh()).status).toBe(200);
    expect((await refresh()).status).toBe(401);
    await server.rest(
      '/api/tokens/revoke-leaked',
      jsonRequest('POST', { tokens: ['kw_not-a-real-token', 'kw_another'] }),
    );
    const cookie = sessionCookieFrom(
      (await server.gql(LOGIN, { input: { email: account.email, password: account.password } })).headers,
    )!;
    const events = await actionsSeenBy(cookie);
    expect(events.map((event) => [event.action, event.detail])).toEqual([
      ['session.login', 'api'],
      ['refresh_token.reuse', 'login revoked'],
      ['session.login', 'web'],
    ]);
    const reports = await server.sql<{ detail: string; actor_type: string; account_id: string | null }>(
      "select detail, actor_type, account_id from audit_event where action = 'token.leak_report'",
    );
    expect(reports).toEqual([
      { detail: '2 received, 0 revoked', actor_type: 'leak-report', account_id: null },
    ]);
  });
});
