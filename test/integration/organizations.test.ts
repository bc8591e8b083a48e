/**
 * Organizations and members: roles × operations (owner, admin, member, outsider on every
 * operation), the last owner under races, slug rules, the plan refusal, other organizations' ids
 * as not found, and the audit rows each change writes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Role = 'OWNER' | 'ADMIN' | 'MEMBER';

interface Person {
  id: string;
  email: string;
  cookie: string;
}

interface Org {
  id: string;
  slug: string;
  people: Record<Role | 'outsider', Person>;
}

let slugs = 0;
const nextSlug = () => `org-${process.pid}-${++slugs}`;

async function person(plan: 'free' | 'pro' | 'team' = 'team'): Promise<Person> {
  const { account, email, password } = await server.seedAccount({ plan });
  return { id: account.id, email, cookie: await server.login(email, password) };
}

function code(response: GqlResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code ?? null;
}

function message(response: GqlResponse): string {
  return response.body.errors?.[0]?.message ?? '';
}

const CREATE = `mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { id slug name viewerRole members { account { id email } role } } }`;
const ADD = `mutation($input: AddOrganizationMemberInput!) {
  addOrganizationMember(input: $input) { account { id email } role } }`;
const SET_ROLE = `mutation($input: SetOrganizationMemberRoleInput!) {
  setOrganizationMemberRole(input: $input) { account { id } role } }`;
const REMOVE = `mutation($input: RemoveOrganizationMemberInput!) {
  removeOrganizationMember(input: $input) { account { id } role } }`;
const BY_SLUG = `query($slug: String!) {
  organization(slug: $slug) { id slug name viewerRole members { account { id email } role } } }`;
const MINE = '{ organizations { id slug viewerRole } }';

async function createOrg(owner: Person, slug = nextSlug()): Promise<{ id: string; slug: string }> {
  const response = await server.gql(CREATE, { input: { name: 'Acme', slug } }, { cookie: owner.cookie });
  expect(response.body.errors).toBeUndefined();
  const created = (response.body.data as { createOrganization: { id: string } }).createOrganization;
  return { id: created.id, slug };
}

async function add(by: Person, organizationId: string, email: string, role: Role) {
  return server.gql(ADD, { input: { organizationId, email, role } }, { cookie: by.cookie });
}

/** An organization with an owner, an admin and a member, and an outsider who belongs elsewhere. */
async function seedOrg(): Promise<Org> {
  const [owner, admin, member, outsider] = await Promise.all([person(), person(), person(), person()]);
  const org = await createOrg(owner);
  expect(code(await add(owner, org.id, admin.email, 'ADMIN'))).toBeNull();
  expect(code(await add(owner, org.id, member.email, 'MEMBER'))).toBeNull();
  await createOrg(outsider);
  return { ...org, people: { OWNER: owner, ADMIN: admin, MEMBER: member, outsider } };
}

async function membersOf(organizationId: string): Promise<Record<string, string>> {
  const rows = await server.sql<{ account_id: string; role: string }>(
    'select account_id, role from organization_member where organization_id = $1',
    [organizationId],
  );
  return Object.fromEntries(rows.map((row) => [row.account_id, row.role]));
}

async function auditCount(): Promise<number> {
  const [row] = await server.sql<{ n: number }>('select count(*)::int as n from audit_event');
  return row!.n;
}

describe('createOrganization', () => {
  it('creates an organization on the team plan, makes the creator its owner and audits organization.create', async () => {
    const owner = await person('team');
    const slug = nextSlug();
    const response = await server.gql(
      CREATE,
      { input: { name: ' Acme Labs ', slug } },
      { cookie: owner.cookie },
    );
    expect(response.body.errors).toBeUndefined();
    const created = (response.body.data as { createOrganization: Record<string, unknown> })
      .createOrganization;
    expect(created).toEqual({
      id: expect.any(String),
      slug,
      name: 'Acme Labs',
      viewerRole: 'OWNER',
      members: [{ account: { id: owner.id, email: owner.email }, role: 'OWNER' }],
    });
    const audit = await server.sql(
      'select action, actor_type, actor_id, account_id, target_id, detail from audit_event where target_id = $1',
      [created.id],
    );
    expect(audit).toEqual([
      {
        action: 'organization.create',
        actor_type: 'account',
        actor_id: owner.id,
        account_id: owner.id,
        target_id: created.id,
        detail: `slug ${slug}`,
      },
    ]);
  });

  it.each(['free', 'pro'] as const)(
    'refuses a %s account with HTTP 403 PLAN_UPGRADE_REQUIRED naming the team plan, and creates nothing',
    async (plan) => {
      const someone = await person(plan);
      const before = await auditCount();
      const response = await server.gql(
        CREATE,
        { input: { name: 'Acme', slug: nextSlug() } },
        { cookie: someone.cookie },
      );
      expect(response.status).toBe(403);
      expect(code(response)).toBe('PLAN_UPGRADE_REQUIRED');
      expect(message(response)).toBe(
        `Creating an organization needs the team plan; this account is on the ${plan} plan.`,
      );
      expect(
        await server.sql('select 1 from organization_member where account_id = $1', [someone.id]),
      ).toEqual([]);
      expect(await auditCount()).toBe(before);
    },
  );

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(41)],
    ['upper case', 'Acme'],
    ['a space', 'acme labs'],
    ['an underscore', 'acme_labs'],
    ['a leading hyphen', '-acme'],
    ['a trailing hyphen', 'acme-'],
    ['a non-ASCII letter', 'acmé'],
    ['empty', ''],
  ])('refuses a slug with %s as VALIDATION_FAILED on slug', async (_label, slug) => {
    const owner = await person();
    const response = await server.gql(CREATE, { input: { name: 'Acme', slug } }, { cookie: owner.cookie });
    expect(code(response)).toBe('VALIDATION_FAILED');
    expect(response.body.errors?.[0]?.extensions?.field).toBe('slug');
    expect(message(response)).toMatch(/^slug: use 3–40 lowercase letters, digits and hyphens/);
    expect(await server.sql('select 1 from organization where slug = $1', [slug])).toEqual([]);
  });

  it.each(['abc', 'a'.repeat(40), 'acme-labs-2', '123'])('accepts the slug %s', async (slug) => {
    const owner = await person();
    const response = await server.gql(CREATE, { input: { name: 'Acme', slug } }, { cookie: owner.cookie });
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses an empty name as VALIDATION_FAILED on name', async () => {
    const owner = await person();
    const response = await server.gql(
      CREATE,
      { input: { name: '  ', slug: nextSlug() } },
      { cookie: owner.cookie },
    );
    expect([code(response), response.body.errors?.[0]?.extensions?.field]).toEqual([
      'VALIDATION_FAILED',
      'name',
    ]);
  });

  it('refuses a taken slug with CONFLICT naming it, and keeps the first organization as it was', async () => {
    const [first, second] = await Promise.all([person(), person()]);
    const { slug, id } = await createOrg(first);
    const before = await auditCount();
    const response = await server.gql(CREATE, { input: { name: 'Other', slug } }, { cookie: second.cookie });
    expect(code(response)).toBe('CONFLICT');
    expect(message(response)).toBe(`slug: "${slug}" is taken; choose another.`);
    expect(response.body.errors?.[0]?.extensions?.field).toBe('slug');
    expect(await membersOf(id)).toEqual({ [first.id]: 'OWNER' });
    expect(await auditCount()).toBe(before);
  });

  it('gives one of two concurrent creations of a slug the organization and the other CONFLICT', async () => {
    const [a, b] = await Promise.all([person(), person()]);
    const slug = nextSlug();
    const results = await Promise.all(
      [a, b].map((who) => server.gql(CREATE, { input: { name: 'Race', slug } }, { cookie: who.cookie })),
    );
    expect(results.map(code).sort()).toEqual(['CONFLICT', null]);
    expect(await server.sql('select 1 from organization where slug = $1', [slug])).toHaveLength(1);
  });

  it('an unverified team account is refused with EMAIL_NOT_VERIFIED', async () => {
    const { email, password } = await server.seedAccount({ plan: 'team', verified: false });
    const cookie = await server.login(email, password);
    const response = await server.gql(CREATE, { input: { name: 'Acme', slug: nextSlug() } }, { cookie });
    expect(code(response)).toBe('EMAIL_NOT_VERIFIED');
  });
});

describe('roles × operations', () => {
  let org: Org;
  beforeAll(async () => {
    org = await seedOrg();
  });

  it.each<[Role | 'outsider', Role | null]>([
    ['OWNER', 'OWNER'],
    ['ADMIN', 'ADMIN'],
    ['MEMBER', 'MEMBER'],
    ['outsider', null],
  ])('organization(slug) as %s: members see it with their role; an outsider gets null', async (who, role) => {
    const response = await server.gql(BY_SLUG, { slug: org.slug }, { cookie: org.people[who].cookie });
    expect(response.body.errors).toBeUndefined();
    const found = (response.body.data as { organization: Record<string, unknown> | null }).organization;
    if (role === null) {
      expect(found).toBeNull();
      return;
    }
    expect(found).toMatchObject({ id: org.id, slug: org.slug, name: 'Acme', viewerRole: role });
    expect(found?.members).toEqual([
      { account: { id: org.people.OWNER.id, email: org.people.OWNER.email }, role: 'OWNER' },
      { account: { id: org.people.ADMIN.id, email: org.people.ADMIN.email }, role: 'ADMIN' },
      { account: { id: org.people.MEMBER.id, email: org.people.MEMBER.email }, role: 'MEMBER' },
    ]);
  });

  it('organization(slug): an unknown slug and an over-long one answer null', async () => {
    for (const slug of ['no-such-org', 'x'.repeat(500)]) {
      const response = await server.gql(BY_SLUG, { slug }, { cookie: org.people.OWNER.cookie });
      expect(response.body).toEqual({ data: { organization: null } });
    }
  });

  it.each<[Role | 'outsider', boolean]>([
    ['OWNER', true],
    ['ADMIN', true],
    ['MEMBER', true],
    ['outsider', false],
  ])('organizations as %s lists the organization only to its members', async (who, listed) => {
    const response = await server.gql(MINE, {}, { cookie: org.people[who].cookie });
    const ids = (response.body.data as { organizations: { id: string }[] }).organizations.map((o) => o.id);
    expect(ids.includes(org.id)).toBe(listed);
    // Each person sees only their own organizations: the outsider's own is theirs alone.
    expect(ids).toHaveLength(1);
  });

  /** What each role gets when adding an account with a role: null = allowed. */
  it.each<[Role | 'outsider', Role, string | null]>([
    ['OWNER', 'OWNER', null],
    ['OWNER', 'ADMIN', null],
    ['OWNER', 'MEMBER', null],
    ['ADMIN', 'OWNER', 'FORBIDDEN'],
    ['ADMIN', 'ADMIN', null],
    ['ADMIN', 'MEMBER', null],
    ['MEMBER', 'MEMBER', 'FORBIDDEN'],
    ['MEMBER', 'ADMIN', 'FORBIDDEN'],
    ['outsider', 'MEMBER', 'NOT_FOUND'],
  ])('addOrganizationMember as %s adding a %s: %s', async (who, role, expected) => {
    const newcomer = await person('free');
    const before = await membersOf(org.id);
    const response = await add(org.people[who], org.id, newcomer.email.toUpperCase(), role);
    expect(code(response)).toBe(expected);
    if (expected === null) {
      expect(response.body.data).toEqual({
        addOrganizationMember: { account: { id: newcomer.id, email: newcomer.email }, role },
      });
      expect(await membersOf(org.id)).toEqual({ ...before, [newcomer.id]: role });
      const [event] = await server.sql(
        "select actor_id, account_id, target_id, detail from audit_event where action = 'organization.member_add' and account_id = $1",
        [newcomer.id],
      );
      expect(event).toEqual({
        actor_id: org.people[who].id,
        account_id: newcomer.id,
        target_id: org.id,
        detail: `as ${role}`,
      });
      await removeDirectly(newcomer.id);
    } else {
      expect(await membersOf(org.id)).toEqual(before);
      if (expected === 'FORBIDDEN') {
        const needed = role === 'OWNER' ? 'the OWNER role' : 'the OWNER or ADMIN role';
        expect(message(response)).toBe(
          `Adding this member needs ${needed} in this organization; you are ${who}.`,
        );
      } else {
        expect(message(response)).toBe('No organization with that id.');
      }
    }
  });

  async function removeDirectly(accountId: string) {
    await server.sql('delete from organization_member where organization_id = $1 and account_id = $2', [
      org.id,
      accountId,
    ]);
  }

  /** A fresh member of the organization with `role`, added by SQL (no audit row). */
  async function memberWith(role: Role): Promise<Person> {
    const someone = await person('free');
    await server.sql(
      'insert into organization_member (organization_id, account_id, role) values ($1, $2, $3)',
      [org.id, someone.id, role],
    );
    return someone;
  }

  it.each<[Role | 'outsider', Role, Role, string | null]>([
    ['OWNER', 'MEMBER', 'ADMIN', null],
    ['OWNER', 'ADMIN', 'OWNER', null],
    ['OWNER', 'OWNER', 'MEMBER', null],
    ['ADMIN', 'MEMBER', 'ADMIN', null],
    ['ADMIN', 'ADMIN', 'MEMBER', null],
    ['ADMIN', 'MEMBER', 'OWNER', 'FORBIDDEN'],
    ['ADMIN', 'OWNER', 'MEMBER', 'FORBIDDEN'],
    ['MEMBER', 'MEMBER', 'ADMIN', 'FORBIDDEN'],
    ['MEMBER', 'ADMIN', 'MEMBER', 'FORBIDDEN'],
    ['outsider', 'MEMBER', 'ADMIN', 'NOT_FOUND'],
  ])('setOrganizationMemberRole as %s on a %s, to %s: %s', async (who, from, to, expected) => {
    const target = await memberWith(from);
    const before = await membersOf(org.id);
    const response = await server.gql(
      SET_ROLE,
      { input: { organizationId: org.id, accountId: target.id, role: to } },
      { cookie: org.people[who].cookie },
    );
    expect(code(response)).toBe(expected);
    if (expected === null) {
      expect(response.body.data).toEqual({
        setOrganizationMemberRole: { account: { id: target.id }, role: to },
      });
      expect(await membersOf(org.id)).toEqual({ ...before, [target.id]: to });
      const events = await server.sql(
        "select actor_id, target_id, detail from audit_event where action = 'organization.member_role' and account_id = $1",
        [target.id],
      );
      expect(events).toEqual([
        { actor_id: org.people[who].id, target_id: org.id, detail: `${from} → ${to}` },
      ]);
    } else {
      expect(await membersOf(org.id)).toEqual(before);
      if (expected === 'FORBIDDEN') expect(message(response)).toMatch(/needs the OWNER (or ADMIN )?role/);
    }
    await removeDirectly(target.id);
  });

  it.each<[Role | 'outsider', Role, string | null]>([
    ['OWNER', 'OWNER', null],
    ['OWNER', 'ADMIN', null],
    ['OWNER', 'MEMBER', null],
    ['ADMIN', 'OWNER', 'FORBIDDEN'],
    ['ADMIN', 'ADMIN', null],
    ['ADMIN', 'MEMBER', null],
    ['MEMBER', 'MEMBER', 'FORBIDDEN'],
    ['MEMBER', 'OWNER', 'FORBIDDEN'],
    ['outsider', 'MEMBER', 'NOT_FOUND'],
  ])('removeOrganizationMember as %s removing a %s: %s', async (who, role, expected) => {
    const target = await memberWith(role);
    const before = await membersOf(org.id);
    const response = await server.gql(
      REMOVE,
      { input: { organizationId: org.id, accountId: target.id } },
      { cookie: org.people[who].cookie },
    );
    expect(code(response)).toBe(expected);
    if (expected === null) {
      expect(response.body.data).toEqual({ removeOrganizationMember: { account: { id: target.id }, role } });
      const { [target.id]: _removed, ...rest } = before;
      expect(await membersOf(org.id)).toEqual(rest);
      const events = await server.sql(
        "select actor_id, target_id, detail from audit_event where action = 'organization.member_remove' and account_id = $1",
        [target.id],
      );
      expect(events).toEqual([{ actor_id: org.people[who].id, target_id: org.id, detail: `was ${role}` }]);
    } else {
      expect(await membersOf(org.id)).toEqual(before);
      await removeDirectly(target.id);
    }
  });

  it.each<Role>(['ADMIN', 'MEMBER'])('a %s may leave (remove themselves)', async (role) => {
    const leaver = await memberWith(role);
    const response = await server.gql(
      REMOVE,
      { input: { organizationId: org.id, accountId: leaver.id } },
      { cookie: leaver.cookie },
    );
    expect(response.body.data).toEqual({ removeOrganizationMember: { account: { id: leaver.id }, role } });
    expect((await membersOf(org.id))[leaver.id]).toBeUndefined();
    // Gone means gone: the organization is now another organization to them.
    const after = await server.gql(BY_SLUG, { slug: org.slug }, { cookie: leaver.cookie });
    expect(after.body).toEqual({ data: { organization: null } });
  });

  it('a member may not promote themselves', async () => {
    const member = await memberWith('MEMBER');
    const response = await server.gql(
      SET_ROLE,
      { input: { organizationId: org.id, accountId: member.id, role: 'ADMIN' } },
      { cookie: member.cookie },
    );
    expect(code(response)).toBe('FORBIDDEN');
    expect(message(response)).toBe(
      'This role change needs the OWNER or ADMIN role in this organization; you are MEMBER.',
    );
    await removeDirectly(member.id);
  });
});

describe('not found: unknown ids, other organizations and bad input', () => {
  let org: Org;
  let other: { id: string; slug: string };
  let stranger: Person;
  beforeAll(async () => {
    org = await seedOrg();
    stranger = await person();
    other = await createOrg(stranger);
  });

  it("another organization's id answers exactly like an unknown id on every member operation, and changes nothing", async () => {
    const owner = org.people.OWNER;
    const calls: [string, (organizationId: string) => Record<string, unknown>][] = [
      [ADD, (organizationId) => ({ organizationId, email: owner.email, role: 'MEMBER' })],
      [SET_ROLE, (organizationId) => ({ organizationId, accountId: stranger.id, role: 'MEMBER' })],
      [REMOVE, (organizationId) => ({ organizationId, accountId: stranger.id })],
    ];
    for (const [query, input] of calls) {
      const before = await auditCount();
      const foreign = await server.gql(query, { input: input(other.id) }, { cookie: owner.cookie });
      const unknown = await server.gql(query, { input: input(randomUUID()) }, { cookie: owner.cookie });
      const malformed = await server.gql(query, { input: input('not-a-uuid') }, { cookie: owner.cookie });
      expect(foreign.body).toEqual(unknown.body);
      expect(malformed.body).toEqual(unknown.body);
      expect(code(foreign)).toBe('NOT_FOUND');
      expect(await membersOf(other.id)).toEqual({ [stranger.id]: 'OWNER' });
      expect(await auditCount()).toBe(before);
    }
  });

  it("another organization's slug answers null, like an unknown one", async () => {
    const response = await server.gql(BY_SLUG, { slug: other.slug }, { cookie: org.people.OWNER.cookie });
    expect(response.body).toEqual({ data: { organization: null } });
  });

  const extra = (query: string) => (query === SET_ROLE ? { role: 'MEMBER' } : {});
  it.each([SET_ROLE, REMOVE])(
    'an account that is not a member (or a malformed id) is NOT_FOUND, worded alike',
    async (query) => {
      const outside = await server.gql(
        query,
        { input: { organizationId: org.id, accountId: stranger.id, ...extra(query) } },
        { cookie: org.people.OWNER.cookie },
      );
      const malformed = await server.gql(
        query,
        { input: { organizationId: org.id, accountId: 'nope', ...extra(query) } },
        { cookie: org.people.OWNER.cookie },
      );
      expect(code(outside)).toBe('NOT_FOUND');
      expect(message(outside)).toBe('No member of this organization has that account id.');
      expect(malformed.body).toEqual(outside.body);
    },
  );

  it('an unknown email is NOT_FOUND on email; a malformed one VALIDATION_FAILED; an existing member CONFLICT', async () => {
    const owner = org.people.OWNER;
    const unknown = await add(owner, org.id, `nobody-${randomUUID()}@example.com`, 'MEMBER');
    expect([code(unknown), message(unknown), unknown.body.errors?.[0]?.extensions?.field]).toEqual([
      'NOT_FOUND',
      'No account has this email address: they need to register first.',
      'email',
    ]);
    const malformed = await add(owner, org.id, 'not an email', 'MEMBER');
    expect([code(malformed), malformed.body.errors?.[0]?.extensions?.field]).toEqual([
      'VALIDATION_FAILED',
      'email',
    ]);
    const again = await add(owner, org.id, org.people.ADMIN.email, 'MEMBER');
    expect([code(again), message(again)]).toEqual([
      'CONFLICT',
      'That account is already a member (ADMIN); change its role instead.',
    ]);
    expect((await membersOf(org.id))[org.people.ADMIN.id]).toBe('ADMIN');
  });
});

describe('an organization keeps at least one owner', () => {
  it('the only owner can neither demote nor remove themselves: CONFLICT, nothing changes', async () => {
    const owner = await person();
    const { id } = await createOrg(owner);
    const before = await auditCount();
    for (const [query, extra] of [
      [SET_ROLE, { role: 'ADMIN' }],
      [REMOVE, {}],
    ] as const) {
      const response = await server.gql(
        query,
        { input: { organizationId: id, accountId: owner.id, ...extra } },
        { cookie: owner.cookie },
      );
      expect(code(response)).toBe('CONFLICT');
      expect(message(response)).toMatch(/^An organization keeps at least one owner/);
    }
    expect(await membersOf(id)).toEqual({ [owner.id]: 'OWNER' });
    expect(await auditCount()).toBe(before);
  });

  it('two owners demoting each other at once leave exactly one owner', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([person(), person()]);
      const { id } = await createOrg(a);
      await add(a, id, b.email, 'OWNER');
      const results = await Promise.all([
        server.gql(
          SET_ROLE,
          { input: { organizationId: id, accountId: b.id, role: 'MEMBER' } },
          { cookie: a.cookie },
        ),
        server.gql(
          SET_ROLE,
          { input: { organizationId: id, accountId: a.id, role: 'MEMBER' } },
          { cookie: b.cookie },
        ),
      ]);
      expect(results.filter((result) => code(result) === null)).toHaveLength(1);
      const roles = Object.values(await membersOf(id));
      expect(roles.filter((role) => role === 'OWNER')).toHaveLength(1);
    }
  });

  it('two owners removing themselves at once leave exactly one owner', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([person(), person()]);
      const { id } = await createOrg(a);
      await add(a, id, b.email, 'OWNER');
      const results = await Promise.all(
        [a, b].map((who) =>
          server.gql(REMOVE, { input: { organizationId: id, accountId: who.id } }, { cookie: who.cookie }),
        ),
      );
      expect(results.map(code).sort()).toEqual(['CONFLICT', null]);
      expect(Object.values(await membersOf(id))).toEqual(['OWNER']);
    }
  });
});

describe('API tokens', () => {
  it('a token acts with its owner’s organization role, and needs the permission of each field', async () => {
    const owner = await person();
    const { account } = await server.seedAccount({ plan: 'team' });
    const org = await createOrg(owner);
    await server.sql(
      "insert into organization_member (organization_id, account_id, role) values ($1, $2, 'MEMBER')",
      [org.id, account.id],
    );
    const reader = await seedToken(server, account, { preset: 'CUSTOM', permissions: ['org:read'] });
    const listed = await server.gql(MINE, {}, { token: reader.secret });
    expect(listed.body).toEqual({
      data: { organizations: [{ id: org.id, slug: org.slug, viewerRole: 'MEMBER' }] },
    });
    const members = await server.gql(BY_SLUG, { slug: org.slug }, { token: reader.secret });
    expect(code(members)).toBe('INSUFFICIENT_SCOPE');
    expect(message(members)).toContain('org-members:read');
    const manager = await seedToken(server, account, { preset: 'ALL' });
    const asMember = await server.gql(
      ADD,
      { input: { organizationId: org.id, email: owner.email, role: 'MEMBER' } },
      { token: manager.secret },
    );
    // The token holds org-members:manage; its owner's MEMBER role still decides.
    expect(code(asMember)).toBe('FORBIDDEN');
  });

  it("a removed member's token loses the organization on its next request", async () => {
    const owner = await person();
    const { account } = await server.seedAccount({ plan: 'team' });
    const org = await createOrg(owner);
    await server.sql(
      "insert into organization_member (organization_id, account_id, role) values ($1, $2, 'MEMBER')",
      [org.id, account.id],
    );
    const token = await seedToken(server, account, { preset: 'READ_ONLY' });
    expect((await server.gql(BY_SLUG, { slug: org.slug }, { token: token.secret })).body.data).toMatchObject({
      organization: { id: org.id },
    });
    const removed = await server.gql(
      REMOVE,
      { input: { organizationId: org.id, accountId: account.id } },
      { cookie: owner.cookie },
    );
    expect(code(removed)).toBeNull();
    expect((await server.gql(BY_SLUG, { slug: org.slug }, { token: token.secret })).body).toEqual({
      data: { organization: null },
    });
  });
});
