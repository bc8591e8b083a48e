/**
 * Site admins' token oversight: adminTokens (every token; each filter; cursors) and
 * adminRevokeToken (any token and its children, audited with the admin's account as actor, the
 * owner told by mail, refused on the next request on another instance too; idempotent), and the
 * refusals: a member, an organization owner or admin, and tokens without admin-tokens:* are refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKeyward } from '../../server/src/boot.js';
import { encodeCursor } from '../../server/src/graphql/opaque-id.js';
import { ADMIN_REVOKE_MAIL } from '../../server/src/tokens/admin-tokens.service.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { bootInstance, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  errorCode,
  errorMessage,
  organizationToken,
  type Person,
  person,
  personalToken,
  type SeededOrg,
  seedOrg,
} from '../helpers/organization-seeds.js';

let server: TestServer;
let admin: Person;
beforeAll(async () => {
  server = await startTestServer();
  admin = await person(server, { role: 'admin' });
});
afterAll(() => server.close());

const LIST = `query($filter: AdminTokenFilter, $first: Int, $after: String) {
  adminTokens(filter: $filter, first: $first, after: $after) {
    edges { node { id name status preset owner { email } outOfPolicy } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REVOKE = 'mutation($id: ID!) { adminRevokeToken(id: $id) { id status revokedAt owner { id } } }';

interface Node {
  id: string;
  name: string;
  status: string;
  preset: string;
  owner: { email: string } | null;
  outOfPolicy: string[];
}

async function list(
  filter: Record<string, unknown>,
  options: { first?: number; after?: string | null } = {},
) {
  const response = await server.gql<{
    adminTokens: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }>(LIST, { filter, first: options.first ?? 100, after: options.after ?? null }, { cookie: admin.cookie });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.adminTokens;
}

async function ids(filter: Record<string, unknown>): Promise<string[]> {
  return (await list(filter)).edges.map((edge) => edge.node.id);
}

describe('adminTokens: who may list', () => {
  it('a site admin lists every token on the server, newest first, whoever owns it', async () => {
    const someone = await person(server);
    const older = await personalToken(server, someone);
    const newer = await personalToken(server, admin);
    const listed = await ids({});
    expect(listed.indexOf(newer.id)).toBeLessThan(listed.indexOf(older.id));
    expect(listed.indexOf(older.id)).toBeGreaterThanOrEqual(0);
    const [count] = await server.sql<{ n: number }>('select count(*)::int as n from api_token');
    expect(listed).toHaveLength(Math.min(count!.n, 100));
  });

  it('a member session, an organization owner and an organization admin are FORBIDDEN naming admin-tokens:read', async () => {
    const org = await seedOrg(server);
    for (const who of [org.people.MEMBER, org.people.OWNER, org.people.ADMIN]) {
      const response = await server.gql(LIST, {}, { cookie: who.cookie });
      expect(errorCode(response)).toBe('FORBIDDEN');
      expect(errorMessage(response)).toContain('admin-tokens:read');
      expect(response.body.data ?? null).toBeNull();
    }
  });

  it("an admin's token needs admin-tokens:read: an ALL token of a site admin has it, a CUSTOM one without it does not", async () => {
    const all = await seedToken(server, admin.account, { preset: 'ALL' });
    const custom = await seedToken(server, admin.account, { preset: 'CUSTOM', permissions: ['tokens:read'] });
    expect((await server.gql(LIST, { first: 1 }, { token: all.secret })).body.errors).toBeUndefined();
    const refused = await server.gql(LIST, { first: 1 }, { token: custom.secret });
    expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPE');
    expect(errorMessage(refused)).toContain('admin-tokens:read');
  });
});

describe('adminTokens: filters', () => {
  let org: SeededOrg;
  let owner: Person;
  const t: Record<string, string> = {};
  beforeAll(async () => {
    org = await seedOrg(server);
    owner = org.people.MEMBER;
    t.active = (await personalToken(server, owner, { preset: 'ALL', name: 'active' })).id;
    t.readOnly = (await personalToken(server, owner, { preset: 'READ_ONLY', expiresInDays: 5 })).id;
    t.cli = (await personalToken(server, owner, { preset: 'CLI', expiresInDays: 60 })).id;
    t.custom = (await personalToken(server, owner, { preset: 'CUSTOM', permissions: ['tokens:read'] })).id;
    t.revoked = (await personalToken(server, owner, { preset: 'ALL' })).id;
    t.expired = (await personalToken(server, owner, { preset: 'ALL' })).id;
    t.inactive = (await personalToken(server, owner, { preset: 'ALL' })).id;
    t.pending = (
      await personalToken(server, owner, { preset: 'ALL', notBefore: new Date(Date.now() + 86_400_000) })
    ).id;
    t.orgToken = (await organizationToken(server, org.id, org.people.OWNER, { preset: 'READ_ONLY' })).id;
    await server.sql('update api_token set revoked_at = now() where id = $1', [t.revoked]);
    await server.sql("update api_token set expires_at = now() - interval '1 minute' where id = $1", [
      t.expired,
    ]);
    await server.sql('update api_token set active = false where id = $1', [t.inactive]);
  });

  const mine = () => ({ ownerEmail: owner.email });

  it('ownerEmail: exactly that account’s personal tokens, case-insensitive; a partial email matches nothing', async () => {
    const listed = await ids({ ownerEmail: owner.email.toUpperCase() });
    expect(new Set(listed)).toEqual(
      new Set([t.active, t.readOnly, t.cli, t.custom, t.revoked, t.expired, t.inactive, t.pending]),
    );
    expect(await ids({ ownerEmail: owner.email.slice(1) })).toEqual([]);
    expect(await ids({ ownerEmail: `nobody-${randomUUID()}@example.com` })).toEqual([]);
  });

  it("organizationSlug: the organization's own tokens; an unknown slug lists nothing", async () => {
    expect(await ids({ organizationSlug: org.slug })).toEqual([t.orgToken]);
    expect(await ids({ organizationSlug: 'no-such-org' })).toEqual([]);
  });

  it.each([
    ['ACTIVE', ['active', 'readOnly', 'cli', 'custom']],
    ['REVOKED', ['revoked']],
    ['EXPIRED', ['expired']],
    ['INACTIVE', ['inactive']],
    ['PENDING', ['pending']],
  ])('status %s: the tokens with that status, as the own token list judges it', async (status, names) => {
    expect(new Set(await ids({ ...mine(), status }))).toEqual(new Set(names.map((name) => t[name])));
  });

  it('lastUsedBefore: used before the instant, or never used and created before it', async () => {
    const cutoff = new Date(Date.now() - 3_600_000);
    await server.sql("update api_token set last_used_at = now() - interval '2 hours' where id = $1", [
      t.active,
    ]);
    await server.sql("update api_token set last_used_at = now() - interval '1 minute' where id = $1", [
      t.cli,
    ]);
    await server.sql("update api_token set created_at = now() - interval '3 hours' where id = $1", [
      t.custom,
    ]);
    expect(new Set(await ids({ ...mine(), lastUsedBefore: cutoff.toISOString() }))).toEqual(
      new Set([t.active, t.custom]),
    );
  });

  it('expiresBefore: expiring before the instant; tokens that never expire are left out', async () => {
    const in30Days = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect(new Set(await ids({ ...mine(), expiresBefore: in30Days }))).toEqual(
      new Set([t.readOnly, t.expired]),
    );
  });

  it('preset: only that preset', async () => {
    expect(await ids({ ...mine(), preset: 'CLI' })).toEqual([t.cli]);
    expect(await ids({ ...mine(), preset: 'CUSTOM' })).toEqual([t.custom]);
  });

  it('outOfPolicy: true lists exactly the tokens whose Token.outOfPolicy is not empty, false the others', async () => {
    const response = await server.gql(
      'mutation($input: SetOrganizationPolicyInput!) { setOrganizationPolicy(input: $input) { id } }',
      {
        input: {
          organizationId: org.id,
          maxLifetimeDays: 30,
          allowedPresets: ['READ_ONLY', 'CLI', 'CUSTOM'],
        },
      },
      { cookie: org.people.OWNER.cookie },
    );
    expect(response.body.errors).toBeUndefined();
    const everything = [...(await list(mine())).edges, ...(await list({ organizationSlug: org.slug })).edges];
    const breaking = everything
      .filter((edge) => edge.node.outOfPolicy.length > 0)
      .map((edge) => edge.node.id);
    // Never-expiring reaching tokens break the maximum; ALL breaks the presets; CLI lives 60 days;
    // the CUSTOM token cannot reach; revoked tokens break nothing.
    expect(new Set(breaking)).toEqual(
      new Set([t.active, t.cli, t.expired, t.inactive, t.pending, t.orgToken]),
    );
    const inPolicy = everything.map((edge) => edge.node.id).filter((id) => !breaking.includes(id));
    expect(new Set(await ids({ ...mine(), outOfPolicy: true }))).toEqual(
      new Set(breaking.filter((id) => id !== t.orgToken)),
    );
    expect(await ids({ organizationSlug: org.slug, outOfPolicy: true })).toEqual([t.orgToken]);
    expect(new Set(await ids({ ...mine(), outOfPolicy: false }))).toEqual(new Set(inPolicy));
  });

  it('filters combine: status ACTIVE and preset ALL', async () => {
    expect(await ids({ ...mine(), status: 'ACTIVE', preset: 'ALL' })).toEqual([t.active]);
  });

  it('pages with working cursors; a malformed cursor, another list’s and an unknown token’s are VALIDATION_FAILED on after', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const connection = await list(mine(), { first: 3, after });
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(await ids(mine()));
    expect(seen).toHaveLength(8);
    for (const bad of [
      'garbage',
      encodeCursor('tokens', t.active!),
      encodeCursor('admin-tokens', randomUUID()),
    ]) {
      const response = await server.gql(LIST, { after: bad }, { cookie: admin.cookie });
      expect(errorCode(response)).toBe('VALIDATION_FAILED');
      expect(response.body.errors?.[0]?.extensions?.field).toBe('after');
    }
  });
});

describe('adminRevokeToken', () => {
  let second: RunningKeyward;
  beforeAll(async () => {
    second = await bootInstance(server.keyward.services.config.databaseUrl!);
  });
  afterAll(() => second.stop());

  async function whoami(url: string, secret: string) {
    const response = await fetch(`${url}/api/cli/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    return { status: response.status, code: ((await response.json()) as { error?: string }).error ?? null };
  }

  async function revokeEvents(tokenId: string) {
    return server.sql(
      `select action, actor_type, actor_id, account_id, detail from audit_event
       where target_id = $1 and action = 'token.revoke'`,
      [tokenId],
    );
  }

  it("revokes another account's token: refused on its next request on both instances, audited with the admin as actor, the owner told by mail", async () => {
    const owner = await person(server);
    const token = await personalToken(server, owner, { preset: 'ALL', name: 'ci deploy' });
    // Both instances have the token cached before it is revoked.
    expect((await whoami(second.url, token.secret)).status).toBe(200);
    expect((await whoami(server.url, token.secret)).status).toBe(200);
    const response = await server.gql(REVOKE, { id: token.id }, { cookie: admin.cookie });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({
      adminRevokeToken: {
        id: token.id,
        status: 'REVOKED',
        revokedAt: expect.any(String),
        owner: { id: owner.id },
      },
    });
    const revokedAt = performance.now();
    expect(await whoami(server.url, token.secret)).toEqual({ status: 401, code: 'token_revoked' });
    // The other instance hears of it through the database's notification: bounded, not instant.
    let answer = await whoami(second.url, token.secret);
    while (answer.status === 200 && performance.now() - revokedAt < 1000)
      answer = await whoami(second.url, token.secret);
    expect(answer).toEqual({ status: 401, code: 'token_revoked' });
    expect(await revokeEvents(token.id)).toEqual([
      {
        action: 'token.revoke',
        actor_type: 'account',
        actor_id: admin.id,
        account_id: owner.id,
        detail: 'by a site admin',
      },
    ]);
    const mail = await server.lastMail(owner.email, ADMIN_REVOKE_MAIL);
    expect(mail?.subject).toBe('A site admin revoked the Keyward token "ci deploy"');
    expect(mail?.body).toContain(token.secret.slice(0, 12));
    expect(mail?.body).not.toContain(token.secret);
    expect(mail?.body).toContain('token_revoked');
  });

  it('revokes the tokens it created with it (cascade), and the mail says so', async () => {
    const owner = await person(server);
    const parent = await personalToken(server, owner, { preset: 'ALL', name: 'parent' });
    const child = await server.gql<{ createToken: { token: { id: string } } }>(
      'mutation { createToken(input: { name: "child", preset: READ_ONLY }) { token { id } } }',
      {},
      { token: parent.secret },
    );
    const childId = child.body.data!.createToken.token.id;
    // Before answering, this instance drops both from its cache on the same path as revokeToken
    // (the database's notification would also reach it, but only later).
    const invalidation = server.keyward.services.invalidation;
    const dropped: string[] = [];
    const original = invalidation.tokenChanged.bind(invalidation);
    invalidation.tokenChanged = async (tokenId) => {
      dropped.push(tokenId);
      return original(tokenId);
    };
    try {
      await server.gql(REVOKE, { id: parent.id }, { cookie: admin.cookie });
    } finally {
      invalidation.tokenChanged = original;
    }
    expect(new Set(dropped)).toEqual(new Set([parent.id, childId]));
    const [row] = await server.sql<{ revoked: boolean }>(
      'select revoked_at is not null as revoked from api_token where id = $1',
      [childId],
    );
    expect(row?.revoked).toBe(true);
    expect(await revokeEvents(childId)).toEqual([
      expect.objectContaining({
        actor_type: 'account',
        actor_id: admin.id,
        detail: `cascade from ${parent.id}`,
      }),
    ]);
    expect((await server.lastMail(owner.email, ADMIN_REVOKE_MAIL))?.body).toContain(
      'The token it created was revoked with it.',
    );
  });

  it('is idempotent: a second call answers the revoked token again, with no second event and no second mail', async () => {
    const owner = await person(server);
    const token = await personalToken(server, owner);
    const first = await server.gql(REVOKE, { id: token.id }, { cookie: admin.cookie });
    await server.lastMail(owner.email, ADMIN_REVOKE_MAIL);
    const mailsBefore = server.mails.length;
    const again = await server.gql(REVOKE, { id: token.id }, { cookie: admin.cookie });
    expect(again.body).toEqual(first.body);
    expect(await revokeEvents(token.id)).toHaveLength(1);
    await server.lastMail(owner.email, ADMIN_REVOKE_MAIL);
    expect(server.mails.length).toBe(mailsBefore);
  });

  it('an organization token: its owners and admins are told, not its plain members', async () => {
    const org = await seedOrg(server);
    const token = await organizationToken(server, org.id, org.people.ADMIN, { name: 'org deploy' });
    const response = await server.gql(REVOKE, { id: token.id }, { cookie: admin.cookie });
    expect(response.body.data).toMatchObject({ adminRevokeToken: { status: 'REVOKED', owner: null } });
    expect(await server.lastMail(org.people.OWNER.email, ADMIN_REVOKE_MAIL)).not.toBeNull();
    expect(await server.lastMail(org.people.ADMIN.email, ADMIN_REVOKE_MAIL)).not.toBeNull();
    expect(await server.lastMail(org.people.MEMBER.email, ADMIN_REVOKE_MAIL)).toBeNull();
  });

  it('an unknown or malformed id is NOT_FOUND and writes nothing', async () => {
    const [before] = await server.sql<{ n: number }>('select count(*)::int as n from audit_event');
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const response = await server.gql(REVOKE, { id }, { cookie: admin.cookie });
      expect(errorCode(response)).toBe('NOT_FOUND');
    }
    const [after] = await server.sql<{ n: number }>('select count(*)::int as n from audit_event');
    expect(after).toEqual(before);
  });

  it('a member, an organization owner or a token without admin-tokens:manage is refused, and the token lives on', async () => {
    const org = await seedOrg(server);
    const token = await personalToken(server, org.people.MEMBER);
    for (const who of [org.people.MEMBER, org.people.OWNER]) {
      const response = await server.gql(REVOKE, { id: token.id }, { cookie: who.cookie });
      expect(errorCode(response)).toBe('FORBIDDEN');
      expect(errorMessage(response)).toContain('admin-tokens:manage');
    }
    const reader = await seedToken(server, admin.account, { preset: 'READ_ONLY' });
    const byReader = await server.gql(REVOKE, { id: token.id }, { token: reader.secret });
    expect(errorCode(byReader)).toBe('INSUFFICIENT_SCOPE');
    expect(errorMessage(byReader)).toContain('admin-tokens:manage');
    expect((await whoami(server.url, token.secret)).status).toBe(200);
    expect(await revokeEvents(token.id)).toEqual([]);
  });

  it("an admin's token with admin-tokens:manage revokes; the actor is still the admin's account, the detail names the token", async () => {
    const manager = await seedToken(server, admin.account, {
      preset: 'CUSTOM',
      permissions: ['admin-tokens:manage'],
    });
    const owner = await person(server);
    const token = await personalToken(server, owner);
    const response = await server.gql(REVOKE, { id: token.id }, { token: manager.secret });
    expect(response.body.errors).toBeUndefined();
    expect(await revokeEvents(token.id)).toEqual([
      expect.objectContaining({
        actor_type: 'account',
        actor_id: admin.id,
        detail: `by a site admin (token ${manager.id})`,
      }),
    ]);
  });
});
