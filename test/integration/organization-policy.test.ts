/**
 * Organization policy: setOrganizationPolicy by role (owner; admin and member FORBIDDEN naming
 * OWNER; outsider and unknown ids not found), its validation (nothing changes on a bad field), its
 * audit, Organization.policy for every member, and Token.outOfPolicy for organization tokens and
 * for personal tokens that reach an organization, batched per page.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queriesDuring } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  addMember,
  createOrg,
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

const SET = `mutation($input: SetOrganizationPolicyInput!) {
  setOrganizationPolicy(input: $input) {
    id slug viewerRole
    policy { maxLifetimeDays requireExpiry allowedPresets deactivateAfterDays expiryReminders }
  }
}`;
const POLICY = `query($slug: String!) {
  organization(slug: $slug) {
    policy { maxLifetimeDays requireExpiry allowedPresets deactivateAfterDays expiryReminders }
  }
}`;
const OUT_OF_POLICY = `query($id: ID!) { token(id: $id) { id outOfPolicy } }`;

const DEFAULT_POLICY = {
  maxLifetimeDays: null,
  requireExpiry: false,
  allowedPresets: null,
  deactivateAfterDays: null,
  expiryReminders: true,
};

async function columns(organizationId: string) {
  const [row] = await server.sql(
    `select max_lifetime_days, require_expiry, allowed_presets, deactivate_after_days, expiry_reminders
     from organization where id = $1`,
    [organizationId],
  );
  return row;
}

async function policyEvents(organizationId: string) {
  return server.sql(
    `select action, actor_type, actor_id, account_id, detail from audit_event
     where target_id = $1 and action = 'organization.policy' order by created_at`,
    [organizationId],
  );
}

function set(by: Person, input: Record<string, unknown>) {
  return server.gql(SET, { input }, { cookie: by.cookie });
}

describe('setOrganizationPolicy: roles', () => {
  let org: SeededOrg;
  beforeAll(async () => {
    org = await seedOrg(server);
  });

  it('an owner sets the policy and settings; the answer is the organization with its policy; audited as organization.policy', async () => {
    const owner = org.people.OWNER;
    const response = await set(owner, {
      organizationId: org.id,
      maxLifetimeDays: 90,
      requireExpiry: true,
      allowedPresets: ['CLI', 'READ_ONLY'],
      deactivateAfterDays: 60,
      expiryReminders: false,
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({
      setOrganizationPolicy: {
        id: org.id,
        slug: org.slug,
        viewerRole: 'OWNER',
        policy: {
          maxLifetimeDays: 90,
          requireExpiry: true,
          // Stored in the catalogue's order, whatever order they came in.
          allowedPresets: ['READ_ONLY', 'CLI'],
          deactivateAfterDays: 60,
          expiryReminders: false,
        },
      },
    });
    expect(await policyEvents(org.id)).toEqual([
      {
        action: 'organization.policy',
        actor_type: 'account',
        actor_id: owner.id,
        account_id: owner.id,
        detail:
          'maxLifetimeDays: none → 90 days; requireExpiry: false → true; allowedPresets: any → READ_ONLY, CLI; deactivateAfterDays: off → 60 days; expiryReminders: on → off',
      },
    ]);
  });

  it.each(['ADMIN', 'MEMBER'] as const)(
    'an %s is FORBIDDEN naming the OWNER role, and nothing changes',
    async (role) => {
      const before = await columns(org.id);
      const events = await policyEvents(org.id);
      const response = await set(org.people[role], { organizationId: org.id, maxLifetimeDays: 7 });
      expect(errorCode(response)).toBe('FORBIDDEN');
      expect(errorMessage(response)).toBe(
        `Changing the organization's policy needs the OWNER role in this organization; you are ${role}.`,
      );
      expect(response.body.data ?? null).toBeNull();
      expect(await columns(org.id)).toEqual(before);
      expect(await policyEvents(org.id)).toEqual(events);
    },
  );

  it('an outsider gets NOT_FOUND exactly like an unknown or malformed id, and nothing changes', async () => {
    const before = await columns(org.id);
    const outsider = org.people.outsider;
    const theirs = await set(outsider, { organizationId: org.id, maxLifetimeDays: 7 });
    const unknown = await set(outsider, { organizationId: randomUUID(), maxLifetimeDays: 7 });
    const malformed = await set(outsider, { organizationId: 'not-a-uuid', maxLifetimeDays: 7 });
    expect(errorCode(theirs)).toBe('NOT_FOUND');
    expect(theirs.body).toEqual(unknown.body);
    expect(malformed.body).toEqual(unknown.body);
    expect(await columns(org.id)).toEqual(before);
  });

  it('a token needs org:update (INSUFFICIENT_SCOPE naming it); an owner token holding it may set the policy', async () => {
    const owner = org.people.OWNER;
    const reader = await personalToken(server, owner, { preset: 'CUSTOM', permissions: ['org:read'] });
    const refused = await server.gql(
      SET,
      { input: { organizationId: org.id, requireExpiry: false } },
      { token: reader.secret },
    );
    expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPE');
    expect(errorMessage(refused)).toContain('org:update');
    const writer = await personalToken(server, owner, {
      preset: 'CUSTOM',
      permissions: ['org:update', 'org:read'],
    });
    const allowed = await server.gql(
      SET,
      { input: { organizationId: org.id, requireExpiry: false } },
      { token: writer.secret },
    );
    expect(allowed.body.errors).toBeUndefined();
    const [event] = (await policyEvents(org.id)).slice(-1);
    expect(event).toMatchObject({
      actor_type: 'token',
      actor_id: writer.id,
      detail: 'requireExpiry: true → false',
    });
  });
});

describe('setOrganizationPolicy: input', () => {
  let org: SeededOrg;
  beforeAll(async () => {
    org = await seedOrg(server);
  });

  it.each([
    [{ maxLifetimeDays: 0 }, 'maxLifetimeDays'],
    [{ maxLifetimeDays: 3651 }, 'maxLifetimeDays'],
    [{ allowedPresets: [] }, 'allowedPresets'],
    [{ deactivateAfterDays: 29 }, 'deactivateAfterDays'],
    [{ deactivateAfterDays: 731 }, 'deactivateAfterDays'],
    // One good field beside a bad one: nothing changes at all.
    [{ requireExpiry: true, maxLifetimeDays: -1 }, 'maxLifetimeDays'],
    [{ expiryReminders: false, deactivateAfterDays: 10 }, 'deactivateAfterDays'],
  ])('%j is VALIDATION_FAILED on %s and changes nothing', async (input, field) => {
    const before = await columns(org.id);
    const response = await set(org.people.OWNER, { organizationId: org.id, ...input });
    expect(errorCode(response)).toBe('VALIDATION_FAILED');
    expect(response.body.errors?.[0]?.extensions?.field).toBe(field);
    expect(await columns(org.id)).toEqual(before);
    expect(await policyEvents(org.id)).toEqual([]);
  });

  it('fields left out keep their value, null clears one; a call that changes nothing writes no event', async () => {
    const owner = org.people.OWNER;
    await set(owner, {
      organizationId: org.id,
      maxLifetimeDays: 30,
      allowedPresets: ['CLI'],
      deactivateAfterDays: 90,
    });
    const partial = await set(owner, { organizationId: org.id, requireExpiry: true });
    expect(partial.body.data?.setOrganizationPolicy).toMatchObject({
      policy: { maxLifetimeDays: 30, requireExpiry: true, allowedPresets: ['CLI'], deactivateAfterDays: 90 },
    });
    const cleared = await set(owner, {
      organizationId: org.id,
      maxLifetimeDays: null,
      allowedPresets: null,
      deactivateAfterDays: null,
    });
    expect(cleared.body.data?.setOrganizationPolicy).toMatchObject({
      policy: { ...DEFAULT_POLICY, requireExpiry: true },
    });
    const events = await policyEvents(org.id);
    expect(events.map((event) => event.detail)).toEqual([
      'maxLifetimeDays: none → 30 days; allowedPresets: any → CLI; deactivateAfterDays: off → 90 days',
      'requireExpiry: false → true',
      'maxLifetimeDays: 30 days → none; allowedPresets: CLI → any; deactivateAfterDays: 90 days → off',
    ]);
    await set(owner, { organizationId: org.id, requireExpiry: true, maxLifetimeDays: null });
    expect(await policyEvents(org.id)).toHaveLength(3);
  });
});

describe('Organization.policy', () => {
  it('every member reads it (owner, admin, member); an outsider does not see the organization at all', async () => {
    const org = await seedOrg(server);
    await set(org.people.OWNER, { organizationId: org.id, maxLifetimeDays: 45 });
    for (const role of ['OWNER', 'ADMIN', 'MEMBER'] as const) {
      const response = await server.gql(POLICY, { slug: org.slug }, { cookie: org.people[role].cookie });
      expect(response.body).toEqual({
        data: { organization: { policy: { ...DEFAULT_POLICY, maxLifetimeDays: 45 } } },
      });
    }
    const outsider = await server.gql(POLICY, { slug: org.slug }, { cookie: org.people.outsider.cookie });
    expect(outsider.body).toEqual({ data: { organization: null } });
  });

  it('a new organization has the default policy: no maximum, no expiry required, every preset, reminders on', async () => {
    const owner = await person(server);
    const org = await createOrg(server, owner);
    const response = await server.gql(POLICY, { slug: org.slug }, { cookie: owner.cookie });
    expect(response.body).toEqual({ data: { organization: { policy: DEFAULT_POLICY } } });
  });
});

describe('Token.outOfPolicy', () => {
  let org: SeededOrg;
  beforeAll(async () => {
    org = await seedOrg(server);
    await set(org.people.OWNER, {
      organizationId: org.id,
      maxLifetimeDays: 90,
      requireExpiry: true,
      allowedPresets: ['READ_ONLY', 'CUSTOM'],
    });
  });

  async function outOfPolicy(secretOwner: Person, id: string): Promise<unknown> {
    const response = await server.gql(OUT_OF_POLICY, { id }, { cookie: secretOwner.cookie });
    expect(response.body.errors).toBeUndefined();
    return (response.body.data as { token: { outOfPolicy: string[] } | null }).token?.outOfPolicy;
  }

  it("an organization token is judged against its organization's policy, each rule named", async () => {
    const owner = org.people.OWNER;
    const broken = await organizationToken(server, org.id, owner, { preset: 'ALL' });
    const fine = await organizationToken(server, org.id, owner, { preset: 'READ_ONLY', expiresInDays: 30 });
    const tooLong = await organizationToken(server, org.id, owner, {
      preset: 'READ_ONLY',
      expiresInDays: 200,
    });
    // The token lookup is the creator's own (token(id)); the organization's tokens read the same.
    expect(await outOfPolicy(owner, broken.id)).toEqual([
      'EXPIRY_REQUIRED',
      'MAX_LIFETIME_EXCEEDED',
      'PRESET_NOT_ALLOWED',
    ]);
    expect(await outOfPolicy(owner, fine.id)).toEqual([]);
    expect(await outOfPolicy(owner, tooLong.id)).toEqual(['MAX_LIFETIME_EXCEEDED']);
  });

  it("a member's personal token that reaches the organization is judged by its policy; one that cannot reach is not", async () => {
    const member = org.people.MEMBER;
    const reaching = await personalToken(server, member, { preset: 'CUSTOM', permissions: ['org:read'] });
    const preset = await personalToken(server, member, { preset: 'CLI', expiresInDays: 10 });
    const unreaching = await personalToken(server, member, {
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
    });
    expect(await outOfPolicy(member, reaching.id)).toEqual(['EXPIRY_REQUIRED', 'MAX_LIFETIME_EXCEEDED']);
    expect(await outOfPolicy(member, preset.id)).toEqual(['PRESET_NOT_ALLOWED']);
    expect(await outOfPolicy(member, unreaching.id)).toEqual([]);
  });

  it("an outsider's token breaks nothing of this organization; a revoked token breaks nothing at all", async () => {
    const outsider = org.people.outsider;
    const theirs = await personalToken(server, outsider, { preset: 'ALL' });
    expect(await outOfPolicy(outsider, theirs.id)).toEqual([]);
    const member = org.people.MEMBER;
    const revoked = await personalToken(server, member, { preset: 'ALL' });
    expect(await outOfPolicy(member, revoked.id)).toHaveLength(3);
    await server.sql('update api_token set revoked_at = now() where id = $1', [revoked.id]);
    expect(await outOfPolicy(member, revoked.id)).toEqual([]);
  });

  it('a personal token of a member of two organizations breaks the union of their rules', async () => {
    const member = org.people.MEMBER;
    const second = await createOrg(server, org.people.outsider);
    await addMember(server, org.people.outsider, second.id, member, 'MEMBER');
    await set(org.people.outsider, { organizationId: second.id, allowedPresets: ['CLI'] });
    const token = await personalToken(server, member, { preset: 'READ_ONLY', expiresInDays: 10 });
    expect(await outOfPolicy(member, token.id)).toEqual(['PRESET_NOT_ALLOWED']);
    const custom = await personalToken(server, member, {
      preset: 'CUSTOM',
      permissions: ['org:read'],
      expiresInDays: 10,
    });
    // Allowed here (CUSTOM), not there (only CLI).
    expect(await outOfPolicy(member, custom.id)).toEqual(['PRESET_NOT_ALLOWED']);
  });

  it('a page of tokens costs the same number of statements for 2 tokens and for 12 (no query per token)', async () => {
    const someone = await person(server);
    const own = await createOrg(server, someone);
    await set(someone, { organizationId: own.id, requireExpiry: true });
    const query =
      '{ tokens(first: 50) { edges { node { id outOfPolicy owner { email } effectivePermissions } } } }';
    const count = async () => {
      const { result, queries } = await queriesDuring(server, () =>
        server.gql(query, {}, { cookie: someone.cookie }),
      );
      expect(result.body.errors).toBeUndefined();
      return queries.length;
    };
    await personalToken(server, someone, { preset: 'ALL' });
    await organizationToken(server, own.id, someone, { preset: 'ALL' });
    const few = await count();
    for (let i = 0; i < 10; i++)
      await personalToken(server, someone, { preset: i % 2 ? 'ALL' : 'READ_ONLY' });
    expect(await count()).toBe(few);
  });
});
