/**
 * organizationTokenInventory: who may read it (owner, admin; member FORBIDDEN naming the roles;
 * outsider and unknown slug not found), what is in it (the organization's tokens and the members'
 * personal tokens that reach it: not a non-member's, not one without organization permissions,
 * not a revoked one), what each node shows, its cursors, and its cost per page.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../server/src/graphql/opaque-id.js';
import { queriesDuring } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  addMember,
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
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const INVENTORY = `query($slug: String!, $first: Int, $after: String) {
  organizationTokenInventory(slug: $slug, first: $first, after: $after) {
    edges { cursor node { id name owner { id email name } effectivePermissions lastUsedAt expiresAt outOfPolicy } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface InventoryNode {
  id: string;
  name: string;
  owner: { id: string; email: string; name: string } | null;
  effectivePermissions: string[];
  lastUsedAt: string | null;
  expiresAt: string | null;
  outOfPolicy: string[];
}

interface InventoryPage {
  edges: { cursor: string; node: InventoryNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function inventory(by: Person, slug: string, variables: Record<string, unknown> = {}) {
  return server.gql<{ organizationTokenInventory: InventoryPage }>(
    INVENTORY,
    { slug, first: 100, ...variables },
    { cookie: by.cookie },
  );
}

async function inventoryIds(by: Person, slug: string): Promise<string[]> {
  const response = await inventory(by, slug);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.organizationTokenInventory.edges.map((edge) => edge.node.id);
}

describe('organizationTokenInventory: roles', () => {
  let org: SeededOrg;
  let token: string;
  beforeAll(async () => {
    org = await seedOrg(server);
    token = (await personalToken(server, org.people.MEMBER, { preset: 'READ_ONLY' })).id;
  });

  it.each(['OWNER', 'ADMIN'] as const)('an %s reads the inventory', async (role) => {
    expect(await inventoryIds(org.people[role], org.slug)).toContain(token);
  });

  it('a MEMBER is FORBIDDEN naming the roles needed', async () => {
    const response = await inventory(org.people.MEMBER, org.slug);
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(errorMessage(response)).toBe(
      "The organization's token inventory needs the OWNER or ADMIN role in this organization; you are MEMBER.",
    );
    expect(response.body.data ?? null).toBeNull();
  });

  it("an outsider gets NOT_FOUND for this organization's slug, exactly like an unknown slug", async () => {
    const theirs = await inventory(org.people.outsider, org.slug);
    const unknown = await inventory(org.people.outsider, `no-such-${randomUUID().slice(0, 8)}`);
    const tooLong = await inventory(org.people.outsider, 'x'.repeat(200));
    expect(errorCode(theirs)).toBe('NOT_FOUND');
    expect(theirs.body).toEqual(unknown.body);
    expect(tooLong.body).toEqual(unknown.body);
  });

  it('a token needs org-tokens:read (INSUFFICIENT_SCOPE naming it); with it, an owner token reads the inventory', async () => {
    const owner = org.people.OWNER;
    const without = await personalToken(server, owner, { preset: 'CUSTOM', permissions: ['org:read'] });
    const refused = await server.gql(INVENTORY, { slug: org.slug }, { token: without.secret });
    expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPE');
    expect(errorMessage(refused)).toContain('org-tokens:read');
    const reader = await personalToken(server, owner, { preset: 'CUSTOM', permissions: ['org-tokens:read'] });
    const allowed = await server.gql<{ organizationTokenInventory: InventoryPage }>(
      INVENTORY,
      { slug: org.slug, first: 100 },
      { token: reader.secret },
    );
    expect(allowed.body.errors).toBeUndefined();
    const ids = allowed.body.data!.organizationTokenInventory.edges.map((edge) => edge.node.id);
    expect(ids).toEqual(expect.arrayContaining([token, reader.id]));
  });
});

describe('organizationTokenInventory: contents', () => {
  let org: SeededOrg;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    org = await seedOrg(server);
    const { OWNER: owner, ADMIN: admin, MEMBER: member, outsider } = org.people;
    ids.orgToken = (await organizationToken(server, org.id, admin, { preset: 'READ_ONLY' })).id;
    ids.revokedOrgToken = (await organizationToken(server, org.id, owner, { preset: 'ALL' })).id;
    ids.otherOrgToken = (await organizationToken(server, org.other.id, outsider, { preset: 'ALL' })).id;
    ids.memberAll = (await personalToken(server, member, { preset: 'ALL' })).id;
    ids.memberReadOnly = (await personalToken(server, member, { preset: 'READ_ONLY' })).id;
    ids.memberCli = (await personalToken(server, member, { preset: 'CLI' })).id;
    ids.memberCustomOrg = (
      await personalToken(server, member, { preset: 'CUSTOM', permissions: ['org-members:read'] })
    ).id;
    ids.memberCustomPlain = (
      await personalToken(server, member, { preset: 'CUSTOM', permissions: ['tokens:read', 'account:read'] })
    ).id;
    ids.memberRevoked = (await personalToken(server, member, { preset: 'ALL' })).id;
    ids.ownerToken = (await personalToken(server, owner, { preset: 'CLI' })).id;
    ids.outsiderAll = (await personalToken(server, outsider, { preset: 'ALL' })).id;
    await server.sql('update api_token set revoked_at = now() where id = any($1)', [
      [ids.revokedOrgToken, ids.memberRevoked],
    ]);
  });

  it("lists the organization's tokens and every member's personal token that reaches it, newest first", async () => {
    expect(await inventoryIds(org.people.OWNER, org.slug)).toEqual([
      ids.ownerToken,
      ids.memberCustomOrg,
      ids.memberCli,
      ids.memberReadOnly,
      ids.memberAll,
      ids.orgToken,
    ]);
  });

  it('leaves out a revoked token, a token without organization permissions, a non-member token and another organization’s', async () => {
    const listed = await inventoryIds(org.people.ADMIN, org.slug);
    for (const absent of [
      ids.revokedOrgToken,
      ids.memberRevoked,
      ids.memberCustomPlain,
      ids.outsiderAll,
      ids.otherOrgToken,
    ])
      expect(listed).not.toContain(absent);
  });

  it("a rotated token whose grace is over counts as revoked; a removed member's tokens leave the inventory", async () => {
    const { OWNER: owner } = org.people;
    const leaver = await person(server);
    await addMember(server, owner, org.id, leaver, 'MEMBER');
    const kept = await personalToken(server, leaver, { preset: 'READ_ONLY' });
    const rotated = await personalToken(server, leaver, { preset: 'READ_ONLY' });
    await server.sql("update api_token set grace_ends_at = now() - interval '1 second' where id = $1", [
      rotated.id,
    ]);
    const listed = await inventoryIds(owner, org.slug);
    expect(listed).toContain(kept.id);
    expect(listed).not.toContain(rotated.id);
    const removal = await server.gql(
      'mutation($input: RemoveOrganizationMemberInput!) { removeOrganizationMember(input: $input) { role } }',
      { input: { organizationId: org.id, accountId: leaver.id } },
      { cookie: owner.cookie },
    );
    expect(removal.body.errors).toBeUndefined();
    expect(await inventoryIds(owner, org.slug)).not.toContain(kept.id);
  });

  it('an unverified member reaches only through read actions: a CUSTOM token of org-members:manage alone does not reach', async () => {
    const { OWNER: owner } = org.people;
    const unverified = await person(server);
    await addMember(server, owner, org.id, unverified, 'MEMBER');
    const writeOnly = await personalToken(server, unverified, {
      preset: 'CUSTOM',
      permissions: ['org-members:manage'],
    });
    const all = await personalToken(server, unverified, { preset: 'ALL' });
    expect(await inventoryIds(owner, org.slug)).toContain(writeOnly.id);
    await server.sql('update account set email_verified = false where id = $1', [unverified.id]);
    const listed = await inventoryIds(owner, org.slug);
    expect(listed).not.toContain(writeOnly.id);
    expect(listed).toContain(all.id);
  });

  it("each node shows name, owner, the owner's effective permissions, last use, expiry and policy standing", async () => {
    const { OWNER: owner, MEMBER: member } = org.people;
    await server.sql("update api_token set last_used_at = '2026-11-30T10:00:00Z' where id = $1", [
      ids.memberCli,
    ]);
    await server.sql("update api_token set expires_at = '2030-01-01T00:00:00Z' where id = $1", [
      ids.memberCli,
    ]);
    await server.gql(
      'mutation($input: SetOrganizationPolicyInput!) { setOrganizationPolicy(input: $input) { id } }',
      { input: { organizationId: org.id, requireExpiry: true } },
      { cookie: owner.cookie },
    );
    const response = await inventory(owner, org.slug);
    const nodes = new Map(
      response.body.data!.organizationTokenInventory.edges.map((edge) => [edge.node.id, edge.node]),
    );
    const catalogue = server.keyward.services.catalogue;
    const cliPermissions = catalogue
      .flatMap((resource) => resource.actions)
      .filter((action) => action.cli)
      .map((action) => action.permission)
      .sort();
    expect(nodes.get(ids.memberCli!)).toEqual({
      id: ids.memberCli,
      name: 'personal',
      owner: { id: member.id, email: member.email, name: 'Test User' },
      effectivePermissions: cliPermissions,
      lastUsedAt: '2026-11-30T10:00:00.000Z',
      expiresAt: '2030-01-01T00:00:00.000Z',
      outOfPolicy: [],
    });
    expect(nodes.get(ids.memberAll!)?.outOfPolicy).toEqual(['EXPIRY_REQUIRED']);
    // An organization token has no owning person.
    expect(nodes.get(ids.orgToken!)).toMatchObject({
      name: 'organization',
      owner: null,
      outOfPolicy: ['EXPIRY_REQUIRED'],
    });
  });

  it("effective permissions are the owner's, not the reader's: a site admin's ALL token shows admin actions to a non-admin owner", async () => {
    const { OWNER: owner } = org.people;
    const siteAdmin = await person(server, { role: 'admin' });
    await addMember(server, owner, org.id, siteAdmin, 'MEMBER');
    const adminToken = await personalToken(server, siteAdmin, { preset: 'ALL' });
    const memberToken = ids.memberAll!;
    const response = await inventory(owner, org.slug);
    const nodes = new Map(
      response.body.data!.organizationTokenInventory.edges.map((edge) => [edge.node.id, edge.node]),
    );
    expect(nodes.get(adminToken.id)?.effectivePermissions).toContain('admin-accounts:read');
    expect(nodes.get(memberToken)?.effectivePermissions).not.toContain('admin-accounts:read');
    expect(nodes.get(memberToken)?.effectivePermissions).toContain('org:read');
  });
});

describe('organizationTokenInventory: pages', () => {
  let org: SeededOrg;
  const created: string[] = [];
  beforeAll(async () => {
    org = await seedOrg(server);
    for (let i = 0; i < 5; i++) {
      const creator = [org.people.OWNER, org.people.ADMIN, org.people.MEMBER][i % 3]!;
      created.unshift((await personalToken(server, creator, { preset: 'READ_ONLY', name: `t${i}` })).id);
    }
  });

  it('pages newest first with working cursors, every token once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response = await inventory(org.people.OWNER, org.slug, { first: 2, after });
      expect(response.body.errors).toBeUndefined();
      const connection = response.body.data!.organizationTokenInventory;
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(created);
  });

  it("refuses a malformed cursor, another list's cursor and an outsider's token as VALIDATION_FAILED on after", async () => {
    const outsiderToken = await personalToken(server, org.people.outsider, { preset: 'ALL' });
    for (const after of [
      'garbage',
      encodeCursor('tokens', created[0]!),
      encodeCursor('token-inventory', outsiderToken.id),
      encodeCursor('token-inventory', randomUUID()),
    ]) {
      const response = await inventory(org.people.OWNER, org.slug, { after });
      expect(errorCode(response)).toBe('VALIDATION_FAILED');
      expect(response.body.errors?.[0]?.extensions?.field).toBe('after');
    }
  });

  it('a cursor stays valid when its token is revoked between two pages', async () => {
    const first = await inventory(org.people.OWNER, org.slug, { first: 2 });
    const { endCursor } = first.body.data!.organizationTokenInventory.pageInfo;
    await server.sql('update api_token set revoked_at = now() where id = $1', [created[1]]);
    const next = await inventory(org.people.OWNER, org.slug, { first: 2, after: endCursor });
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data!.organizationTokenInventory.edges.map((edge) => edge.node.id)).toEqual(
      created.slice(2, 4),
    );
  });

  it("a page costs the same number of statements for 3 members' tokens as for 13 (owners and policies batched)", async () => {
    const fresh = await seedOrg(server);
    const count = async () => {
      const { result, queries } = await queriesDuring(server, () =>
        inventory(fresh.people.OWNER, fresh.slug),
      );
      expect(result.body.errors).toBeUndefined();
      return queries.length;
    };
    const creators = [fresh.people.ADMIN, fresh.people.MEMBER];
    for (const creator of creators) await personalToken(server, creator, { preset: 'ALL' });
    await organizationToken(server, fresh.id, fresh.people.OWNER);
    const few = await count();
    for (let i = 0; i < 10; i++) {
      const extra = await person(server);
      await addMember(server, fresh.people.OWNER, fresh.id, extra, 'MEMBER');
      await personalToken(server, extra, { preset: i % 2 ? 'CLI' : 'ALL' });
    }
    expect(await count()).toBe(few);
  });
});
