import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';
import { jsonRequest } from '../helpers/rest.js';

const UPDATE = 'mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { id name } }';
const CHANGE = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { id } }';
const SESSIONS = '{ viewer { sessions { id current ip userAgent createdAt lastSeenAt expiresAt } } }';
const END = 'mutation($id: ID!) { endSession(id: $id) }';
const VIEWER = '{ viewer { id name } }';
const RESEND = 'mutation { resendVerificationEmail }';

interface SessionNode {
  id: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ KEYWARD_LIMIT_RESEND_VERIFICATION: '2/1h' });
});
afterAll(() => server.close());

const codeOf = (response: GqlResponse) => response.body.errors?.[0]?.extensions?.code ?? null;

async function auditActions(accountId: string): Promise<string[]> {
  const rows = await server.sql<{ action: string }>(
    'select action from audit_event where account_id = $1 order by created_at, id',
    [accountId],
  );
  return rows.map((row) => row.action);
}

describe('updateAccount', () => {
  it('updateAccount: a session changes the name, which is trimmed, validated and audited', async () => {
    const { account, email, password } = await server.seedAccount({ name: 'Before' });
    const cookie = await server.login(email, password);
    const updated = await server.gql(UPDATE, { input: { name: '  After  ' } }, { cookie });
    expect(updated.body.data).toEqual({ updateAccount: { id: account.id, name: 'After' } });
    expect((await server.gql(VIEWER, {}, { cookie })).body.data).toEqual({
      viewer: { id: account.id, name: 'After' },
    });
    const invalid = await server.gql(UPDATE, { input: { name: ' ' } }, { cookie });
    expect(codeOf(invalid)).toBe('VALIDATION_FAILED');
    expect(await auditActions(account.id)).toContain('account.update');
  });

  it('updateAccount: a token needs account:update (a CLI token is refused, a custom one with it passes)', async () => {
    // A pro account: a free account's API tokens only read (free-plan.test.ts).
    const { account } = await server.seedAccount({ plan: 'pro' });
    const cli = await seedToken(server, account, { preset: 'CLI' });
    const refused = await server.gql(UPDATE, { input: { name: 'Nope' } }, { token: cli.secret });
    expect(codeOf(refused)).toBe('INSUFFICIENT_SCOPE');
    expect(refused.body.errors?.[0]?.message).toMatch(/account:update/);
    const custom = await seedToken(server, account, { preset: 'CUSTOM', permissions: ['account:update'] });
    const ok = await server.gql(UPDATE, { input: { name: 'By token' } }, { token: custom.secret });
    expect(ok.body.data).toEqual({ updateAccount: { id: account.id, name: 'By token' } });
  });
});

describe('changePassword', () => {
  it('changePassword: needs the current password; then other sessions and programmatic logins end, this one stays', async () => {
    const { account, email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const other = await server.login(email, password);
    const api = await server.rest('/api/v1/auth/login', jsonRequest('POST', { email, password }));
    const pair = ((await api.json()) as { data: { refreshToken: string } }).data;

    const wrong = await server.gql(
      CHANGE,
      { input: { currentPassword: 'not my password', newPassword: 'a new long password' } },
      { cookie },
    );
    expect(codeOf(wrong)).toBe('INVALID_CREDENTIALS');
    const short = await server.gql(
      CHANGE,
      { input: { currentPassword: password, newPassword: 'short' } },
      { cookie },
    );
    expect(codeOf(short)).toBe('VALIDATION_FAILED');

    const changed = await server.gql(
      CHANGE,
      { input: { currentPassword: password, newPassword: 'a new long password' } },
      { cookie },
    );
    expect(changed.body.errors).toBeUndefined();
    expect((await server.gql(VIEWER, {}, { cookie })).status).toBe(200);
    expect((await server.gql(VIEWER, {}, { cookie: other })).status).toBe(401);
    const refreshed = await server.rest(
      '/api/v1/auth/refresh-token',
      jsonRequest('POST', { refreshToken: pair.refreshToken }),
    );
    expect(refreshed.status).toBe(401);
    await server.login(email, 'a new long password');
    const actions = await auditActions(account.id);
    expect(actions).toContain('account.password_change');
    const rows = JSON.stringify(await server.sql('select * from audit_event'));
    expect(rows).not.toContain('a new long password');
    expect(rows).not.toContain(password);
  });

  it('changePassword: API tokens cannot use it, even with every permission', async () => {
    // A pro account, so the refusal is the session-only rule's, not the free plan's.
    const { account, password } = await server.seedAccount({ plan: 'pro' });
    const all = await seedToken(server, account, { preset: 'ALL' });
    const response = await server.gql(
      CHANGE,
      { input: { currentPassword: password, newPassword: 'a new long password' } },
      { token: all.secret },
    );
    expect(codeOf(response)).toBe('INSUFFICIENT_SCOPE');
  });
});

describe('web sessions', () => {
  it('Viewer.sessions lists only the caller’s own sessions, marks the current one, and hides cookie hashes', async () => {
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    await server.login(email, password);
    const stranger = await server.seedAccount();
    await server.login(stranger.email, stranger.password);
    const listed = await server.gql<{ viewer: { sessions: SessionNode[] } }>(SESSIONS, {}, { cookie });
    const sessions = listed.body.data!.viewer.sessions;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    const hashes = (await server.sql<{ id_hash: string }>('select id_hash from session')).map(
      (r) => r.id_hash,
    );
    for (const session of sessions) expect(hashes).not.toContain(session.id);
  });

  it('endSession ends one of the caller’s other sessions and is audited; another account’s id is NOT_FOUND', async () => {
    const { account, email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const other = await server.login(email, password);
    const listed = await server.gql<{ viewer: { sessions: SessionNode[] } }>(SESSIONS, {}, { cookie });
    const target = listed.body.data!.viewer.sessions.find((session) => !session.current)!;

    const stranger = await server.seedAccount();
    const strangerCookie = await server.login(stranger.email, stranger.password);
    const foreign = await server.gql(END, { id: target.id }, { cookie: strangerCookie });
    expect(codeOf(foreign)).toBe('NOT_FOUND');
    expect((await server.gql(VIEWER, {}, { cookie: other })).status).toBe(200);

    const ended = await server.gql(END, { id: target.id }, { cookie });
    expect(ended.body.data).toEqual({ endSession: true });
    expect((await server.gql(VIEWER, {}, { cookie: other })).status).toBe(401);
    expect((await server.gql(VIEWER, {}, { cookie })).status).toBe(200);
    expect(await auditActions(account.id)).toContain('session.end');
  });

  it('Viewer.sessions and endSession need a web session', async () => {
    // A pro account, so endSession's refusal is the session-only rule's, not the free plan's.
    const { account } = await server.seedAccount({ plan: 'pro' });
    const all = await seedToken(server, account, { preset: 'ALL' });
    expect(codeOf(await server.gql(SESSIONS, {}, { token: all.secret }))).toBe('INSUFFICIENT_SCOPE');
    expect(codeOf(await server.gql(END, { id: 'x' }, { token: all.secret }))).toBe('INSUFFICIENT_SCOPE');
  });
});

describe('resendVerificationEmail', () => {
  it('resendVerificationEmail: has its own per-account limit, apart from password resets', async () => {
    const { email, password } = await server.seedAccount({ verified: false });
    const cookie = await server.login(email, password);
    expect((await server.gql(RESEND, {}, { cookie })).body.data).toEqual({ resendVerificationEmail: true });
    expect((await server.gql(RESEND, {}, { cookie })).body.data).toEqual({ resendVerificationEmail: true });
    const limited = await server.gql(RESEND, {}, { cookie });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('X-RateLimit-Source')).toBe('resend-verification');
    expect(limited.headers.get('X-RateLimit-Scope')).toBe('account');
    expect(limited.body.errors?.[0]?.message).toMatch(/per account/);
  });
});
