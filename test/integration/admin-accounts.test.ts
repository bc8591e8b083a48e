/**
 * Site admins' oversight of accounts: the list, plan and role changes with their audit events,
 * the change reaching cached tokens on the next request on every instance, and the same
 * operations in `npm run admin` for a new server's first steps.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKeyward } from '../../server/src/boot.js';
import { encodeCursor } from '../../server/src/graphql/opaque-id.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { bootInstance, type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';
import { describeOutput, spawnProc } from '../helpers/processes.js';

let server: TestServer;
let adminCookie: string;
let adminId: string;
beforeAll(async () => {
  server = await startTestServer();
  const admin = await server.seedAccount({ role: 'admin', email: `aaa-admin-${randomUUID()}@example.com` });
  adminId = admin.account.id;
  adminCookie = await server.login(admin.email, admin.password);
});
afterAll(() => server.close());

const code = (response: GqlResponse) => response.body.errors?.[0]?.extensions?.code ?? null;

const LIST = `query($first: Int, $after: String, $email: String) {
  adminAccounts(first: $first, after: $after, filter: { email: $email }) {
    edges { cursor node { id email plan role emailVerified } } pageInfo { hasNextPage endCursor } } }`;
const SET_PLAN = `mutation($input: AdminSetAccountPlanInput!) {
  adminSetAccountPlan(input: $input) { id plan role } }`;
const SET_ROLE = `mutation($input: AdminSetAccountRoleInput!) {
  adminSetAccountRole(input: $input) { id plan role } }`;

type Page = {
  adminAccounts: {
    edges: { cursor: string; node: { id: string; email: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

describe('adminAccounts', () => {
  it('lists every account by email, a page at a time, filtered by part of the email', async () => {
    const tag = randomUUID().slice(0, 8);
    const emails = ['c', 'a', 'b'].map((letter) => `${letter}-${tag}@example.com`);
    for (const email of emails) await server.seedAccount({ email, plan: 'pro' });
    const first = await server.gql<Page>(
      LIST,
      { first: 2, email: tag.toUpperCase() },
      { cookie: adminCookie },
    );
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data!.adminAccounts;
    expect(page1.edges.map((edge) => edge.node.email)).toEqual([
      `a-${tag}@example.com`,
      `b-${tag}@example.com`,
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql<Page>(
      LIST,
      { first: 2, email: tag, after: page1.pageInfo.endCursor },
      { cookie: adminCookie },
    );
    expect(second.body.data!.adminAccounts.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({
        email: `c-${tag}@example.com`,
        plan: 'PRO',
        role: 'MEMBER',
        emailVerified: true,
      }),
    ]);
    expect(second.body.data!.adminAccounts.pageInfo.hasNextPage).toBe(false);
  });

  it('treats % and _ in the filter as plain characters', async () => {
    const response = await server.gql<Page>(LIST, { email: '%' }, { cookie: adminCookie });
    expect(response.body.data!.adminAccounts.edges).toEqual([]);
  });

  it('refuses a cursor of another list or an unknown account as VALIDATION_FAILED on after', async () => {
    for (const after of [encodeCursor('tokens', adminId), encodeCursor('accounts', randomUUID()), 'junk']) {
      const response = await server.gql(LIST, { after }, { cookie: adminCookie });
      expect([code(response), response.body.errors?.[0]?.extensions?.field]).toEqual([
        'VALIDATION_FAILED',
        'after',
      ]);
    }
  });

  it('is FORBIDDEN to a member session, naming the permission', async () => {
    const { email, password } = await server.seedAccount({ plan: 'team' });
    const response = await server.gql(LIST, {}, { cookie: await server.login(email, password) });
    expect(code(response)).toBe('FORBIDDEN');
    expect(response.body.errors?.[0]?.message).toContain('admin-accounts:read');
    expect(response.body.data ?? null).toBeNull();
  });
});

describe('adminSetAccountPlan and adminSetAccountRole', () => {
  it('changes a plan, audited as account.plan_change with the admin as actor; the same plan again writes nothing', async () => {
    const { account } = await server.seedAccount();
    const response = await server.gql(
      SET_PLAN,
      { input: { accountId: account.id, plan: 'TEAM' } },
      { cookie: adminCookie },
    );
    expect(response.body).toEqual({
      data: { adminSetAccountPlan: { id: account.id, plan: 'TEAM', role: 'MEMBER' } },
    });
    const again = await server.gql(
      SET_PLAN,
      { input: { accountId: account.id, plan: 'TEAM' } },
      { cookie: adminCookie },
    );
    expect(code(again)).toBeNull();
    const events = await server.sql(
      "select actor_type, actor_id, account_id, target_id, detail from audit_event where action = 'account.plan_change' and target_id = $1",
      [account.id],
    );
    expect(events).toEqual([
      {
        actor_type: 'account',
        actor_id: adminId,
        account_id: account.id,
        target_id: account.id,
        detail: 'free → team',
      },
    ]);
    const [row] = await server.sql('select plan from account where id = $1', [account.id]);
    expect(row).toEqual({ plan: 'team' });
  });

  it('changes a role, audited as account.role_change', async () => {
    const { account } = await server.seedAccount();
    const response = await server.gql(
      SET_ROLE,
      { input: { accountId: account.id, role: 'ADMIN' } },
      { cookie: adminCookie },
    );
    expect(response.body.data).toEqual({
      adminSetAccountRole: { id: account.id, plan: 'FREE', role: 'ADMIN' },
    });
    const back = await server.gql(
      SET_ROLE,
      { input: { accountId: account.id, role: 'MEMBER' } },
      { cookie: adminCookie },
    );
    expect(code(back)).toBeNull();
    const events = await server.sql(
      "select actor_id, detail from audit_event where action = 'account.role_change' and target_id = $1 order by created_at",
      [account.id],
    );
    expect(events).toEqual([
      { actor_id: adminId, detail: 'member → admin' },
      { actor_id: adminId, detail: 'admin → member' },
    ]);
  });

  it('an unknown or malformed account id is NOT_FOUND and writes nothing', async () => {
    const [before] = await server.sql<{ n: number }>('select count(*)::int as n from audit_event');
    for (const accountId of [randomUUID(), 'nope']) {
      const response = await server.gql(
        SET_PLAN,
        { input: { accountId, plan: 'PRO' } },
        { cookie: adminCookie },
      );
      expect([code(response), response.body.errors?.[0]?.message]).toEqual([
        'NOT_FOUND',
        'No account with that id.',
      ]);
    }
    const [after] = await server.sql<{ n: number }>('select count(*)::int as n from audit_event');
    expect(after).toEqual(before);
  });

  it('a member session is FORBIDDEN and changes nothing', async () => {
    const { account, email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    for (const [query, input] of [
      [SET_PLAN, { accountId: account.id, plan: 'TEAM' }],
      [SET_ROLE, { accountId: account.id, role: 'ADMIN' }],
    ] as const) {
      const response = await server.gql(query, { input }, { cookie });
      expect(code(response)).toBe('FORBIDDEN');
      expect(response.body.errors?.[0]?.message).toContain('admin-accounts:manage');
    }
    const [row] = await server.sql('select plan, role from account where id = $1', [account.id]);
    expect(row).toEqual({ plan: 'free', role: 'member' });
  });

  it('the server keeps at least one admin, even when two admins demote each other at once', async () => {
    await server.sql("update account set role = 'member' where role = 'admin' and id <> $1", [adminId]);
    const alone = await server.gql(
      SET_ROLE,
      { input: { accountId: adminId, role: 'MEMBER' } },
      { cookie: adminCookie },
    );
    expect([code(alone), alone.body.errors?.[0]?.message]).toEqual([
      'CONFLICT',
      'The server keeps at least one admin: make another account an admin first.',
    ]);
    const other = await server.seedAccount({ role: 'admin' });
    const otherCookie = await server.login(other.email, other.password);
    const results = await Promise.all([
      server.gql(
        SET_ROLE,
        { input: { accountId: other.account.id, role: 'MEMBER' } },
        { cookie: adminCookie },
      ),
      server.gql(SET_ROLE, { input: { accountId: adminId, role: 'MEMBER' } }, { cookie: otherCookie }),
    ]);
    expect(results.filter((result) => code(result) === null)).toHaveLength(1);
    const admins = await server.sql("select id from account where role = 'admin'");
    expect(admins).toHaveLength(1);
    // Whoever is left restores the other, so later tests run as an admin again.
    if (admins[0]?.id !== adminId)
      await server.sql("update account set role = 'admin' where id = $1", [adminId]);
  });
});

describe('a plan or role change reaches cached tokens on the next request, on every instance', () => {
  let second: RunningKeyward;
  beforeAll(async () => {
    second = await bootInstance(server.keyward.services.config.databaseUrl!);
  });
  afterAll(() => second.stop());

  async function viewerOn(url: string, secret: string) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        query: '{ viewer { plan role } adminAccounts(first: 1) { edges { cursor } } }',
      }),
    });
    const body = (await response.json()) as {
      data?: { viewer: unknown } | null;
      errors?: { extensions: { code: string } }[];
    };
    return { viewer: body.data?.viewer ?? null, code: body.errors?.[0]?.extensions.code ?? null };
  }

  it('promotes a member: both instances answer with the new role and the admin permission at once', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'ALL' });
    for (const url of [server.url, second.url]) {
      expect(await viewerOn(url, token.secret)).toEqual({
        viewer: null,
        code: 'INSUFFICIENT_SCOPE',
      });
    }
    await server.gql(SET_PLAN, { input: { accountId: account.id, plan: 'PRO' } }, { cookie: adminCookie });
    await server.gql(SET_ROLE, { input: { accountId: account.id, role: 'ADMIN' } }, { cookie: adminCookie });
    for (const url of [server.url, second.url]) {
      expect(await viewerOn(url, token.secret)).toEqual({
        viewer: { plan: 'pro', role: 'admin' },
        code: null,
      });
    }
  });
});

describe('npm run admin', { timeout: 60_000 }, () => {
  async function admin(...args: string[]) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: server.keyward.services.config.databaseUrl!,
      NODE_ENV: 'test',
    };
    delete env.REDIS_URL;
    const proc = spawnProc(
      process.execPath,
      ['--import', 'tsx', 'server/src/scripts/admin.ts', ...args],
      env,
    );
    const exit = await proc.exited;
    return { ...exit, ...proc.output(), describe: () => describeOutput(proc) };
  }

  it('set-plan and set-role change an account by email, audited with the actor system; the running server follows', async () => {
    const { account, email } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'READ_ONLY' });
    const VIEWER = '{ viewer { plan role } }';
    expect((await server.gql(VIEWER, {}, { token: token.secret })).body.data).toEqual({
      viewer: { plan: 'free', role: 'member' },
    });
    const plan = await admin('set-plan', '--email', email.toUpperCase(), '--plan', 'team');
    expect(plan.code, plan.describe()).toBe(0);
    expect(plan.stdout).toContain(`${email} is now member on plan team.`);
    const role = await admin('set-role', '--email', email, '--role', 'admin');
    expect(role.code, role.describe()).toBe(0);
    expect(role.stdout).toContain(`${email} is now admin on plan team.`);
    expect((await server.gql(VIEWER, {}, { token: token.secret })).body.data).toEqual({
      viewer: { plan: 'team', role: 'admin' },
    });
    const events = await server.sql(
      "select action, actor_type, actor_id, user_agent, detail from audit_event where target_id = $1 and action like 'account.%_change' order by created_at",
      [account.id],
    );
    expect(events).toEqual([
      {
        action: 'account.plan_change',
        actor_type: 'system',
        actor_id: null,
        user_agent: 'npm run admin',
        detail: 'free → team',
      },
      {
        action: 'account.role_change',
        actor_type: 'system',
        actor_id: null,
        user_agent: 'npm run admin',
        detail: 'member → admin',
      },
    ]);
  });

  it('list-accounts prints accounts matching --email, one a line', async () => {
    const { account, email } = await server.seedAccount({ plan: 'pro' });
    const result = await admin('list-accounts', '--email', email);
    expect(result.code, result.describe()).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(`${email}\t${account.id}\tpro\tmember\tverified`);
    const none = await admin('list-accounts', '--email', `nobody-${randomUUID()}`);
    expect(none.stdout).toContain('No accounts.');
  });

  it('refuses an unknown email, a bad plan or role, and missing options, changing nothing', async () => {
    const unknown = await admin('set-plan', '--email', `nobody-${randomUUID()}@example.com`, '--plan', 'pro');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'No account has this email address.']);
    const badPlan = await admin('set-plan', '--email', 'a@example.com', '--plan', 'gold');
    expect([badPlan.code, badPlan.stderr.trim()]).toEqual([2, '--plan must be one of free, pro, team.']);
    const badRole = await admin('set-role', '--email', 'a@example.com', '--role', 'root');
    expect([badRole.code, badRole.stderr.trim()]).toEqual([2, '--role must be one of member, admin.']);
    const missing = await admin('set-role', '--email', 'a@example.com');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--role is required.');
  });
});
