/**
 * Organization tokens: roles × operations (owner, admin, member, outsider on create, list,
 * deactivate, update, rotate, revoke), the organization's policy on creation, the per-organization
 * cap, what an organization token may reach (its organization as an ADMIN; nothing personal), its
 * survival of its creator's removal and deletion, the inventory's revoke of a member's personal
 * token (mail to the owner, audit by the actual actor), and REST organizationId.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ KEYWARD_MAX_TOKENS: '3' });
});
afterAll(() => server.close());

type Role = 'OWNER' | 'ADMIN' | 'MEMBER';
type Who = Role | 'outsider';

interface Person {
  id: string;
  email: string;
  cookie: string;
}

interface Org {
  id: string;
  slug: string;
  people: Record<Who, Person>;
}

let slugs = 0;
const nextSlug = () => `ot-${process.pid}-${++slugs}`;

function code(response: GqlResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code ?? null;
}

function message(response: GqlResponse): string {
  return response.body.errors?.[0]?.message ?? '';
}

function data<T>(response: GqlResponse): T {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data as T;
}

async function person(): Promise<Person> {
  const { account, email, password } = await server.seedAccount({ plan: 'team' });
  return { id: account.id, email, cookie: await server.login(email, password) };
}

const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug } }`;
const ADD = `mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { role } }`;
const REMOVE = `mutation($input: RemoveOrganizationMemberInput!) { removeOrganizationMember(input: $input) { role } }`;
const CREATE_TOKEN = `mutation($input: CreateTokenInput!) {
  createToken(input: $input) { secret token { id createdBy preset effectivePermissions organization { id slug name } } } }`;
const ORG_TOKENS = `query($slug: String!, $first: Int, $after: String) {
  organization(slug: $slug) { tokens(first: $first, after: $after) { edges { cursor node { id name organization { slug } } } pageInfo { hasNextPage endCursor } } } }`;
const SET_ACTIVE =
  'mutation($id: ID!, $active: Boolean!) { setTokenActive(id: $id, active: $active) { id active } }';
const UPDATE = 'mutation($id: ID!) { updateToken(id: $id, input: { name: "renamed" }) { id name } }';
const ROTATE = `mutation($id: ID!) { rotateToken(id: $id, input: { gracePeriodHours: 0 }) {
  secret token { id organization { slug } } rotatedToken { id status } } }`;
const REVOKE = 'mutation($id: ID!) { revokeToken(id: $id) { id status } }';
const MY_TOKENS = '{ tokens { edges { node { id } } } }';

async function seedOrg(): Promise<Org> {
  const [owner, admin, member, outsider] = await Promise.all([person(), person(), person(), person()]);
  const slug = nextSlug();
  const created = data<{ createOrganization: { id: string } }>(
    await server.gql(CREATE_ORG, { input: { name: `Org ${slug}`, slug } }, { cookie: owner.cookie }),
  ).createOrganization;
  for (const [who, role] of [
    [admin, 'ADMIN'],
    [member, 'MEMBER'],
  ] as const)
    data(
      await server.gql(
        ADD,
        { input: { organizationId: created.id, email: who.email, role } },
        { cookie: owner.cookie },
      ),
    );
  // The outsider belongs to an organization of their own.
  data(
    await server.gql(
      CREATE_ORG,
      { input: { name: 'Elsewhere', slug: nextSlug() } },
      { cookie: outsider.cookie },
    ),
  );
  return { id: created.id, slug, people: { OWNER: owner, ADMIN: admin, MEMBER: member, outsider } };
}

async function createOrgToken(
  org: Org,
  by: { cookie?: string; token?: string },
  input: Record<string, unknown> = {},
): Promise<GqlResponse> {
  return server.gql(
    CREATE_TOKEN,
    { input: { name: 'ci', preset: 'READ_ONLY', organizationId: org.id, ...input } },
    by,
  );
}

async function orgToken(org: Org, input: Record<string, unknown> = {}) {
  const created = data<{
    createToken: { secret: string; token: { id: string; effectivePermissions: string[] } };
  }>(await createOrgToken(org, { cookie: org.people.OWNER.cookie }, input)).createToken;
  return { id: created.token.id, secret: created.secret, permissions: created.token.effectivePermissions };
}

async function revokeAll(org: Org): Promise<void> {
  await server.sql('update api_token set revoked_at = now() where organization_id = $1', [org.id]);
}

describe('organization tokens: roles × operations', () => {
  let org: Org;
  beforeAll(async () => {
    org = await seedOrg();
  });

  it('createToken with organizationId: OWNER and ADMIN create one; it names its organization and its creator', async () => {
    for (const who of ['OWNER', 'ADMIN'] as const) {
      const response = await createOrgToken(org, { cookie: org.people[who].cookie });
      const { token } = data<{
        createToken: { token: { createdBy: string; organization: { id: string; slug: string } } };
      }>(response).createToken;
      expect(token.organization).toMatchObject({ id: org.id, slug: org.slug });
      expect(token.createdBy).toBe(org.people[who].id);
    }
    await revokeAll(org);
  });

  it('createToken with organizationId: a MEMBER is FORBIDDEN naming the role; an outsider NOT_FOUND like an unknown id; nothing is created', async () => {
    const before = await server.sql('select count(*)::int as n from api_token where organization_id = $1', [
      org.id,
    ]);
    const member = await createOrgToken(org, { cookie: org.people.MEMBER.cookie });
    expect(code(member)).toBe('FORBIDDEN');
    expect(message(member)).toContain('OWNER or ADMIN');
    const outsider = await createOrgToken(org, { cookie: org.people.outsider.cookie });
    const unknown = await server.gql(
      CREATE_TOKEN,
      { input: { name: 'ci', preset: 'READ_ONLY', organizationId: randomUUID() } },
      { cookie: org.people.outsider.cookie },
    );
    expect(code(outsider)).toBe('NOT_FOUND');
    expect(outsider.body).toEqual(unknown.body);
    expect(
      await server.sql('select count(*)::int as n from api_token where organization_id = $1', [org.id]),
    ).toEqual(before);
  });

  it('Organization.tokens: OWNER and ADMIN list them; a MEMBER is FORBIDDEN; an outsider sees no organization', async () => {
    const made = await orgToken(org);
    for (const who of ['OWNER', 'ADMIN'] as const) {
      const listed = data<{ organization: { tokens: { edges: { node: { id: string } }[] } } }>(
        await server.gql(ORG_TOKENS, { slug: org.slug }, { cookie: org.people[who].cookie }),
      );
      expect(listed.organization.tokens.edges.map((edge) => edge.node.id)).toContain(made.id);
    }
    const member = await server.gql(ORG_TOKENS, { slug: org.slug }, { cookie: org.people.MEMBER.cookie });
    expect(code(member)).toBe('FORBIDDEN');
    expect(message(member)).toContain('OWNER or ADMIN');
    const outsider = await server.gql(ORG_TOKENS, { slug: org.slug }, { cookie: org.people.outsider.cookie });
    expect(outsider.body).toEqual({ data: { organization: null } });
    await revokeAll(org);
  });

  it.each([
    ['setTokenActive', SET_ACTIVE, { active: false }],
    ['updateToken', UPDATE, {}],
    ['rotateToken', ROTATE, {}],
    ['revokeToken', REVOKE, {}],
  ] as const)(
    '%s on an organization token: OWNER and ADMIN may; MEMBER is FORBIDDEN naming the role; an outsider gets NOT_FOUND like an unknown id',
    async (_name, mutation, extra) => {
      for (const who of ['OWNER', 'ADMIN'] as const) {
        const target = await orgToken(org);
        const response = await server.gql(
          mutation,
          { id: target.id, ...extra },
          { cookie: org.people[who].cookie },
        );
        expect(code(response), message(response)).toBeNull();
        await revokeAll(org);
      }
      const target = await orgToken(org);
      const [before] = await server.sql(
        'select name, active, revoked_at, successor_id from api_token where id = $1',
        [target.id],
      );
      const member = await server.gql(
        mutation,
        { id: target.id, ...extra },
        { cookie: org.people.MEMBER.cookie },
      );
      expect(code(member)).toBe('FORBIDDEN');
      expect(message(member)).toContain('OWNER or ADMIN');
      const outsider = await server.gql(
        mutation,
        { id: target.id, ...extra },
        { cookie: org.people.outsider.cookie },
      );
      const unknown = await server.gql(
        mutation,
        { id: randomUUID(), ...extra },
        { cookie: org.people.outsider.cookie },
      );
      expect(code(outsider)).toBe('NOT_FOUND');
      expect(outsider.body).toEqual(unknown.body);
      const [after] = await server.sql(
        'select name, active, revoked_at, successor_id from api_token where id = $1',
        [target.id],
      );
      expect(after).toEqual(before);
      await revokeAll(org);
    },
  );

  it('rotateToken on an organization token: the successor belongs to the organization too, and the rotation is audited', async () => {
    const target = await orgToken(org);
    const rotated = data<{
      rotateToken: {
        token: { id: string; organization: { slug: string } };
        rotatedToken: { status: string };
      };
    }>(await server.gql(ROTATE, { id: target.id }, { cookie: org.people.ADMIN.cookie })).rotateToken;
    expect(rotated.token.organization.slug).toBe(org.slug);
    const [row] = await server.sql<{ organization_id: string; account_id: string }>(
      'select organization_id, account_id from api_token where id = $1',
      [rotated.token.id],
    );
    expect(row).toEqual({ organization_id: org.id, account_id: org.people.ADMIN.id });
    const events = await server.sql<{ action: string; actor_id: string; detail: string }>(
      `select action, actor_id, detail from audit_event where target_id = $1 order by created_at`,
      [target.id],
    );
    expect(events.map((event) => event.action)).toEqual(['token.create', 'token.rotate']);
    expect(events[1]).toMatchObject({ actor_id: org.people.ADMIN.id });
    expect(events[1]!.detail).toContain(`organization ${org.id}`);
    await revokeAll(org);
  });

  it('the personal token list leaves out the organization tokens a person created; Organization.tokens pages with cursors', async () => {
    const made = [await orgToken(org), await orgToken(org), await orgToken(org)];
    const mine = data<{ tokens: { edges: { node: { id: string } }[] } }>(
      await server.gql(MY_TOKENS, {}, { cookie: org.people.OWNER.cookie }),
    );
    for (const token of made) expect(mine.tokens.edges.map((edge) => edge.node.id)).not.toContain(token.id);
    type Page = {
      organization: {
        tokens: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    };
    const first = data<Page>(
      await server.gql(ORG_TOKENS, { slug: org.slug, first: 2 }, { cookie: org.people.OWNER.cookie }),
    ).organization.tokens;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = data<Page>(
      await server.gql(
        ORG_TOKENS,
        { slug: org.slug, first: 2, after: first.pageInfo.endCursor },
        { cookie: org.people.OWNER.cookie },
      ),
    ).organization.tokens;
    const seen = [...first.edges, ...second.edges].map((edge) => edge.node.id);
    for (const token of made) expect(seen).toContain(token.id);
    await revokeAll(org);
  });
});

describe('organization tokens: the cap and the policy', () => {
  it('the live-token cap counts per organization, apart from the creator’s personal tokens', async () => {
    const org = await seedOrg();
    // KEYWARD_MAX_TOKENS=3 for this server.
    for (let i = 0; i < 3; i++) await orgToken(org);
    const fourth = await createOrgToken(org, { cookie: org.people.ADMIN.cookie });
    expect(code(fourth)).toBe('TOKEN_LIMIT_REACHED');
    expect(message(fourth)).toContain('An organization may have at most 3');
    // The owner's own personal cap is untouched by the organization's tokens.
    const personal = await server.gql(
      CREATE_TOKEN,
      { input: { name: 'mine', preset: 'READ_ONLY' } },
      { cookie: org.people.OWNER.cookie },
    );
    expect(code(personal)).toBeNull();
    await revokeAll(org);
  });

  it.each([
    ['requireExpiry', { require_expiry: true }, {}, 'POLICY_EXPIRY_REQUIRED'],
    ['maxLifetimeDays', { max_lifetime_days: 30 }, { expiresInDays: 31 }, 'POLICY_MAX_LIFETIME_EXCEEDED'],
    ['maxLifetimeDays without an expiry', { max_lifetime_days: 30 }, {}, 'POLICY_MAX_LIFETIME_EXCEEDED'],
    ['allowedPresets', { allowed_presets: '{READ_ONLY}' }, { preset: 'ALL' }, 'POLICY_PRESET_NOT_ALLOWED'],
  ] as const)(
    'the organization policy (%s) refuses a token against it with %s, and creates nothing',
    async (_rule, policy, input, expected) => {
      const org = await seedOrg();
      const [column, value] = Object.entries(policy)[0]!;
      await server.sql(`update organization set ${column} = $1 where id = $2`, [value, org.id]);
      const refused = await createOrgToken(org, { cookie: org.people.OWNER.cookie }, input);
      expect(code(refused)).toBe(expected);
      expect(
        await server.sql('select count(*)::int as n from api_token where organization_id = $1', [org.id]),
      ).toEqual([{ n: 0 }]);
      // Within the policy it works.
      const ok = await createOrgToken(org, { cookie: org.people.OWNER.cookie }, { expiresInDays: 7 });
      expect(code(ok), message(ok)).toBeNull();
    },
  );

  it("rotating an organization token applies today's policy to the successor: an out-of-policy token is brought back in by the rotation", async () => {
    const org = await seedOrg();
    const forever = await orgToken(org, { name: 'made before the policy' });
    await server.sql('update organization set require_expiry = true where id = $1', [org.id]);
    const rotate = (input: Record<string, unknown>) =>
      server.gql(
        'mutation($id: ID!, $input: RotateTokenInput!) { rotateToken(id: $id, input: $input) { token { id expiresAt } } }',
        { id: forever.id, input: { gracePeriodHours: 0, ...input } },
        { cookie: org.people.ADMIN.cookie },
      );
    const refused = await rotate({});
    expect(code(refused)).toBe('POLICY_EXPIRY_REQUIRED');
    const [still] = await server.sql<{ successor_id: string | null }>(
      'select successor_id from api_token where id = $1',
      [forever.id],
    );
    expect(still).toEqual({ successor_id: null });
    const rotated = await rotate({ expiresInDays: 30 });
    expect(code(rotated), message(rotated)).toBeNull();
  });

  it('a CUSTOM organization token may only hold what an organization may do', async () => {
    const org = await seedOrg();
    const refused = await createOrgToken(
      org,
      { cookie: org.people.OWNER.cookie },
      { preset: 'CUSTOM', permissions: ['org:read', 'tokens:create'] },
    );
    expect(code(refused)).toBe('VALIDATION_FAILED');
    expect(message(refused)).toContain('tokens:create');
  });
});

describe('what an organization token reaches', () => {
  let org: Org;
  let token: { id: string; secret: string; permissions: string[] };
  beforeAll(async () => {
    org = await seedOrg();
    token = await orgToken(org, { preset: 'ALL' });
  });

  it('its effective permissions are the organization’s: nothing personal, no org:create, no admin action', () => {
    expect(token.permissions).toEqual([
      'blocks:read',
      'components:read',
      'org-members:manage',
      'org-members:read',
      'org-tokens:manage',
      'org-tokens:read',
      'org:read',
    ]);
  });

  it.each([
    ['viewer', '{ viewer { id email } }', 'account:read'],
    ['tokens', MY_TOKENS, 'tokens:read'],
    ['auditEvents', '{ auditEvents { edges { node { id } } } }', 'audit:read'],
    [
      'createOrganization',
      'mutation { createOrganization(input: { name: "X", slug: "by-org-token" }) { id } }',
      'org:create',
    ],
    ['updateAccount', 'mutation { updateAccount(input: { name: "X" }) { id } }', 'account:update'],
    [
      'a personal createToken',
      'mutation { createToken(input: { name: "x", preset: READ_ONLY }) { secret } }',
      'tokens:create',
    ],
  ])('%s is INSUFFICIENT_SCOPE naming $2', async (_name, query, permission) => {
    const response = await server.gql(query, {}, { token: token.secret });
    expect(code(response)).toBe('INSUFFICIENT_SCOPE');
    expect(message(response)).toContain(permission);
  });

  it('it sees its own organization as an ADMIN, with its members; other organizations are not found', async () => {
    const mine = data<{ organizations: { id: string; viewerRole: string }[] }>(
      await server.gql('{ organizations { id viewerRole } }', {}, { token: token.secret }),
    );
    expect(mine.organizations).toEqual([{ id: org.id, viewerRole: 'ADMIN' }]);
    const members = data<{ organization: { members: { role: string }[] } }>(
      await server.gql(
        'query($slug: String!) { organization(slug: $slug) { members { role } } }',
        { slug: org.slug },
        { token: token.secret },
      ),
    );
    expect(members.organization.members.map((member) => member.role)).toEqual(['OWNER', 'ADMIN', 'MEMBER']);
    const other = await seedOrg();
    expect(
      (
        await server.gql(
          'query($slug: String!) { organization(slug: $slug) { id } }',
          { slug: other.slug },
          { token: token.secret },
        )
      ).body,
    ).toEqual({ data: { organization: null } });
    const elsewhere = await createOrgToken(other, { token: token.secret });
    expect(code(elsewhere)).toBe('NOT_FOUND');
  });

  it('as an ADMIN it manages members but never owners', async () => {
    const newcomer = await person();
    const added = await server.gql(
      ADD,
      { input: { organizationId: org.id, email: newcomer.email, role: 'MEMBER' } },
      { token: token.secret },
    );
    expect(code(added), message(added)).toBeNull();
    const owner = await server.gql(
      ADD,
      { input: { organizationId: org.id, email: (await person()).email, role: 'OWNER' } },
      { token: token.secret },
    );
    expect(code(owner)).toBe('FORBIDDEN');
    expect(message(owner)).toContain('you are ADMIN');
    const removeOwner = await server.gql(
      REMOVE,
      { input: { organizationId: org.id, accountId: org.people.OWNER.id } },
      { token: token.secret },
    );
    expect(code(removeOwner)).toBe('FORBIDDEN');
  });

  it('it creates organization tokens in its own organization only, attenuated, and manages its organization’s tokens', async () => {
    const child = data<{
      createToken: { secret: string; token: { id: string; createdBy: string; organization: { id: string } } };
    }>(await createOrgToken(org, { token: token.secret }, { preset: 'READ_ONLY' })).createToken;
    expect(child.token.organization.id).toBe(org.id);
    expect(child.token.createdBy).toBe(token.id);
    const [row] = await server.sql('select account_id from api_token where id = $1', [child.token.id]);
    expect(row).toEqual({ account_id: null });
    const narrow = await orgToken(org, { preset: 'READ_ONLY' });
    const widen = await createOrgToken(org, { token: narrow.secret }, { preset: 'ALL' });
    expect(code(widen)).toBe('INSUFFICIENT_SCOPE');
    const revoked = data<{ revokeToken: { status: string } }>(
      await server.gql(REVOKE, { id: child.token.id }, { token: token.secret }),
    );
    expect(revoked.revokeToken.status).toBe('REVOKED');
    // The organization's cache key: its token works on the next request after it is listed.
    const listed = data<{ organization: { tokens: { edges: unknown[] } } }>(
      await server.gql(ORG_TOKENS, { slug: org.slug }, { token: token.secret }),
    );
    expect(listed.organization.tokens.edges.length).toBeGreaterThan(0);
  });

  it("it cannot act on a member's personal token of its own (not found), nor read personal tokens", async () => {
    const memberToken = await seedToken(server, (await accountOf(org.people.MEMBER.id))!, {
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
    });
    const response = await server.gql(
      SET_ACTIVE,
      { id: memberToken.id, active: false },
      { token: token.secret },
    );
    expect(code(response)).toBe('INSUFFICIENT_SCOPE');
    const read = await server.gql(
      'query($id: ID!) { token(id: $id) { id } }',
      { id: memberToken.id },
      {
        token: token.secret,
      },
    );
    expect(code(read)).toBe('INSUFFICIENT_SCOPE');
  });
});

async function accountOf(id: string) {
  const { Account } = await import('../../server/src/accounts/accounts.entity.js');
  return server.keyward.services.orm.em.fork().findOne(Account, { id });
}

describe('an organization token outlives its creator', () => {
  it("keeps working after its creator is removed from the organization, and after the creator's account is deleted", async () => {
    const org = await seedOrg();
    const made = data<{ createToken: { secret: string; token: { id: string } } }>(
      await createOrgToken(org, { cookie: org.people.ADMIN.cookie }, { preset: 'ALL' }),
    ).createToken;
    const read = () =>
      server.gql(
        'query($slug: String!) { organization(slug: $slug) { id } }',
        { slug: org.slug },
        {
          token: made.secret,
        },
      );
    expect(data<{ organization: { id: string } }>(await read()).organization.id).toBe(org.id);
    data(
      await server.gql(
        REMOVE,
        { input: { organizationId: org.id, accountId: org.people.ADMIN.id } },
        { cookie: org.people.OWNER.cookie },
      ),
    );
    expect(data<{ organization: { id: string } }>(await read()).organization.id).toBe(org.id);
    await server.sql('delete from account where id = $1', [org.people.ADMIN.id]);
    const after = await read();
    expect(after.status).toBe(200);
    expect(data<{ organization: { id: string } }>(after).organization.id).toBe(org.id);
    const [row] = await server.sql('select account_id, organization_id from api_token where id = $1', [
      made.token.id,
    ]);
    expect(row).toEqual({ account_id: null, organization_id: org.id });
  });

  it("an organization token made by a person's API token survives that token's revocation (no cascade)", async () => {
    const org = await seedOrg();
    const adminToken = await seedToken(server, (await accountOf(org.people.ADMIN.id))!, { preset: 'ALL' });
    const made = data<{ createToken: { secret: string; token: { id: string } } }>(
      await createOrgToken(org, { token: adminToken.secret }),
    ).createToken;
    data(await server.gql(REVOKE, { id: adminToken.id }, { cookie: org.people.ADMIN.cookie }));
    const [row] = await server.sql('select revoked_at from api_token where id = $1', [made.token.id]);
    expect(row).toEqual({ revoked_at: null });
  });
});

describe("the inventory's revoke of a member's personal token", () => {
  it('an OWNER or ADMIN revokes a member’s personal token that reaches the organization; the owner is mailed; the audit names the actor', async () => {
    const org = await seedOrg();
    const member = (await accountOf(org.people.MEMBER.id))!;
    for (const who of ['OWNER', 'ADMIN'] as const) {
      const target = await seedToken(server, member, { name: `cli-${who}`, preset: 'CLI' });
      const response = await server.gql(REVOKE, { id: target.id }, { cookie: org.people[who].cookie });
      expect(data<{ revokeToken: { status: string } }>(response).revokeToken.status).toBe('REVOKED');
      const mail = await server.lastMail(member.email, 'token_revoked_by_organization');
      expect(mail?.body).toContain(`cli-${who}`);
      expect(mail?.body).toContain(`Org ${org.slug}`);
      const [event] = await server.sql(
        'select actor_type, actor_id, account_id from audit_event where target_id = $1 and action = $2',
        [target.id, 'token.revoke'],
      );
      expect(event).toEqual({ actor_type: 'account', actor_id: org.people[who].id, account_id: member.id });
    }
  });

  it("a MEMBER revoking another member's reaching token is FORBIDDEN; a token that reaches no organization, or an outsider, is NOT_FOUND", async () => {
    const org = await seedOrg();
    const owner = (await accountOf(org.people.OWNER.id))!;
    const reaching = await seedToken(server, owner, { preset: 'READ_ONLY' });
    const forbidden = await server.gql(REVOKE, { id: reaching.id }, { cookie: org.people.MEMBER.cookie });
    expect(code(forbidden)).toBe('FORBIDDEN');
    const outsider = await server.gql(REVOKE, { id: reaching.id }, { cookie: org.people.outsider.cookie });
    expect(code(outsider)).toBe('NOT_FOUND');
    const member = (await accountOf(org.people.MEMBER.id))!;
    const personalOnly = await seedToken(server, member, { preset: 'CUSTOM', permissions: ['tokens:read'] });
    const unreaching = await server.gql(REVOKE, { id: personalOnly.id }, { cookie: org.people.OWNER.cookie });
    expect(code(unreaching)).toBe('NOT_FOUND');
    // The inventory grants revoking only: deactivating a member's token is not found.
    const reachingMember = await seedToken(server, member, { preset: 'READ_ONLY' });
    const deactivate = await server.gql(
      SET_ACTIVE,
      { id: reachingMember.id, active: false },
      { cookie: org.people.OWNER.cookie },
    );
    expect(code(deactivate)).toBe('NOT_FOUND');
    const rows = await server.sql('select revoked_at, active from api_token where id = any($1) order by id', [
      [reaching.id, personalOnly.id, reachingMember.id],
    ]);
    for (const row of rows) expect(row).toEqual({ revoked_at: null, active: true });
  });
});

describe('REST /api/v1/api-tokens organizationId', () => {
  it('an ADMIN creates an organization token; a MEMBER is 403 forbidden; an outsider 404 not_found', async () => {
    const org = await seedOrg();
    const post = async (who: Who) => {
      const account = (await accountOf(org.people[who].id))!;
      const credential = await seedToken(server, account, { preset: 'ALL' });
      return server.rest('/api/v1/api-tokens', {
        method: 'POST',
        token: credential.secret,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from rest', preset: 'READ_ONLY', organizationId: org.id }),
      });
    };
    const admin = await post('ADMIN');
    expect(admin.status).toBe(201);
    const created = (await admin.json()) as { data: { id: string; organizationId: string } };
    expect(created.data.organizationId).toBe(org.id);
    const member = await post('MEMBER');
    expect(member.status).toBe(403);
    expect(((await member.json()) as { error: string; message: string }).error).toBe('forbidden');
    const outsider = await post('outsider');
    expect(outsider.status).toBe(404);
    expect(((await outsider.json()) as { error: string }).error).toBe('not_found');
  });
});
