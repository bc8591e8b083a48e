import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../server/src/accounts/accounts.entity.js';
import { encodeCursor } from '../../server/src/graphql/opaque-id.js';
import {
  type AuthCallResult,
  flipChecksum,
  graphqlAuthCall,
  runTokenAuthMatrix,
  type SeededCase,
  seedToken,
  sessionCaller,
} from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const current = () => server;

/** `data.<field>` of a matrix result. */
function field<T = Record<string, unknown>>(result: AuthCallResult, name: string): T {
  return (result.data as Record<string, T>)[name]!;
}

async function ownTokenIds(seeded: SeededCase): Promise<string[]> {
  const rows = await server.sql<{ id: string }>('select id from api_token where account_id = $1', [
    seeded.account.id,
  ]);
  return rows.map((row) => row.id);
}

runTokenAuthMatrix('viewer', {
  server: current,
  surface: 'graphql',
  requiredPermission: 'account:read',
  call: graphqlAuthCall(current, '{ viewer { id email } }'),
  noCredential: {
    status: 200,
    code: null,
    check: (result) => expect(result.data).toEqual({ viewer: null }),
  },
  expectOk: (result, seeded) => expect(field(result, 'viewer')).toMatchObject({ id: seeded.account.id }),
});

runTokenAuthMatrix('tokens', {
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:read',
  targetsToken: true,
  // The target's position as the `after` cursor: another account's token must not work as a cursor.
  call: graphqlAuthCall(
    current,
    'query($after: String) { tokens(after: $after) { edges { node { id } } } }',
    (target) => ({ after: encodeCursor('tokens', target.tokenId) }),
  ),
  expectOk: async (result, seeded) => {
    const ids = field<{ edges: { node: { id: string } }[] }>(result, 'tokens').edges.map((e) => e.node.id);
    const own = await ownTokenIds(seeded);
    for (const id of ids) expect(own).toContain(id);
  },
});

runTokenAuthMatrix('token(id)', {
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:read',
  targetsToken: true,
  call: graphqlAuthCall(current, 'query($id: ID!) { token(id: $id) { id name } }', (target) => ({
    id: target.tokenId,
  })),
  expectOk: (result, seeded) =>
    expect(field(result, 'token')).toEqual({ id: seeded.target.id, name: 'target' }),
});

runTokenAuthMatrix('createToken', {
  writes: true,
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:create',
  call: graphqlAuthCall(
    current,
    'mutation { createToken(input: { name: "made by a token", preset: CUSTOM, permissions: ["tokens:create"] }) { token { id createdBy } secret } }',
  ),
  expectOk: (result, seeded) => {
    const payload = field<{ token: { createdBy: string }; secret: string }>(result, 'createToken');
    expect(payload.token.createdBy).toBe(seeded.caller.id);
    expect(payload.secret).toMatch(/^kw_/);
  },
});

runTokenAuthMatrix('updateAccount', {
  writes: true,
  server: current,
  surface: 'graphql',
  requiredPermission: 'account:update',
  call: graphqlAuthCall(
    current,
    'mutation { updateAccount(input: { name: "Renamed by a token" }) { id name } }',
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'updateAccount')).toEqual({ id: seeded.account.id, name: 'Renamed by a token' }),
});

runTokenAuthMatrix('updateToken', {
  writes: true,
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:update',
  targetsToken: true,
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { updateToken(id: $id, input: { name: "renamed" }) { id name } }',
    (target) => ({ id: target.tokenId }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'updateToken')).toEqual({ id: seeded.target.id, name: 'renamed' }),
});

runTokenAuthMatrix('setTokenActive', {
  writes: true,
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:update',
  targetsToken: true,
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { setTokenActive(id: $id, active: false) { id active status } }',
    (target) => ({ id: target.tokenId }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'setTokenActive')).toEqual({
      id: seeded.target.id,
      active: false,
      status: 'INACTIVE',
    }),
});

runTokenAuthMatrix('revokeToken', {
  writes: true,
  server: current,
  surface: 'graphql',
  requiredPermission: 'tokens:revoke',
  targetsToken: true,
  call: graphqlAuthCall(current, 'mutation($id: ID!) { revokeToken(id: $id) { id status } }', (target) => ({
    id: target.tokenId,
  })),
  expectOk: (result, seeded) =>
    expect(field(result, 'revokeToken')).toEqual({ id: seeded.target.id, status: 'REVOKED' }),
});

// Rotation creates a token and ends one: it needs both permissions (each proven on its own).
for (const requiredPermission of ['tokens:create', 'tokens:revoke']) {
  runTokenAuthMatrix(`rotateToken (${requiredPermission})`, {
    writes: true,
    server: current,
    surface: 'graphql',
    requiredPermission,
    callerToken: { preset: 'CUSTOM', permissions: ['tokens:create', 'tokens:revoke', 'tokens:read'] },
    targetsToken: true,
    call: graphqlAuthCall(
      current,
      `mutation($id: ID!) {
        rotateToken(id: $id, input: { permissions: ["tokens:read"], gracePeriodHours: 1 }) {
          token { permissions } rotatedToken { id }
        }
      }`,
      (target) => ({ id: target.tokenId }),
    ),
    expectOk: (result, seeded) =>
      expect(field(result, 'rotateToken')).toEqual({
        token: { permissions: ['tokens:read'] },
        rotatedToken: { id: seeded.target.id },
      }),
  });
}

runTokenAuthMatrix('auditEvents', {
  server: current,
  surface: 'graphql',
  requiredPermission: 'audit:read',
  targetsToken: true,
  call: graphqlAuthCall(
    current,
    'query($id: ID) { auditEvents(tokenId: $id) { edges { node { action targetId } } } }',
    (target) => ({ id: target.tokenId }),
  ),
  // Non-vacuous: the own target has its token.create event, so an empty answer would be a failure.
  expectOk: (result, seeded) =>
    expect(field<{ edges: unknown[] }>(result, 'auditEvents').edges).toEqual([
      { node: { action: 'token.create', targetId: seeded.target.id } },
    ]),
});

/**
 * An organization owned by the case's account (plan team), with one other member, and an account
 * that is not a member yet: what the organization operations act on.
 */
async function prepareOrganization(server: TestServer, account: Account): Promise<Record<string, string>> {
  const { services } = server.keyward;
  const em = services.orm.em.fork();
  const caller = sessionCaller(server, account);
  const slug = `matrix-${randomUUID().slice(0, 8)}`;
  const organization = await services.organizations.createOrganization(em, caller, { name: 'Matrix', slug });
  const member = await server.seedAccount();
  await services.organizations.addMember(em, caller, {
    organizationId: organization.id,
    email: member.email,
    role: 'MEMBER',
  });
  const newcomer = await server.seedAccount();
  return { organizationId: organization.id, slug, memberId: member.account.id, newcomer: newcomer.email };
}

const unknownOrganization = () => ({
  organizationId: randomUUID(),
  slug: 'matrix-unknown',
  memberId: randomUUID(),
  newcomer: `nobody-${randomUUID()}@example.com`,
});

const organizationCase = {
  server: current,
  surface: 'graphql',
  account: { plan: 'team' },
  prepare: prepareOrganization,
  unknownIds: unknownOrganization,
} as const;

runTokenAuthMatrix('organizations', {
  ...organizationCase,
  requiredPermission: 'org:read',
  call: graphqlAuthCall(current, '{ organizations { id viewerRole } }'),
  expectOk: (result, seeded) =>
    expect(field(result, 'organizations')).toEqual([{ id: seeded.ids.organizationId, viewerRole: 'OWNER' }]),
});

runTokenAuthMatrix('organization(slug)', {
  ...organizationCase,
  requiredPermission: 'org:read',
  call: graphqlAuthCall(
    current,
    'query($slug: String!) { organization(slug: $slug) { id slug } }',
    (target) => ({
      slug: target.ids.slug,
    }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'organization')).toEqual({ id: seeded.ids.organizationId, slug: seeded.ids.slug }),
});

runTokenAuthMatrix('Organization.members', {
  ...organizationCase,
  callerToken: { preset: 'CUSTOM', permissions: ['org:read', 'org-members:read'] },
  requiredPermission: 'org-members:read',
  call: graphqlAuthCall(
    current,
    'query($slug: String!) { organization(slug: $slug) { members { account { id } role } } }',
    (target) => ({ slug: target.ids.slug }),
  ),
  expectOk: (result, seeded) =>
    expect(field<{ members: unknown[] }>(result, 'organization').members).toEqual([
      { account: { id: seeded.account.id }, role: 'OWNER' },
      { account: { id: seeded.ids.memberId }, role: 'MEMBER' },
    ]),
});

runTokenAuthMatrix('createToken(organizationId)', {
  ...organizationCase,
  requiredPermission: 'org-tokens:manage',
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { createToken(input: { name: "org ci", preset: CUSTOM, permissions: ["org-tokens:manage"], organizationId: $id }) { token { organization { id } } secret } }',
    (target) => ({ id: target.ids.organizationId }),
  ),
  expectOk: (result, seeded) =>
    expect(field<{ token: unknown }>(result, 'createToken').token).toEqual({
      organization: { id: seeded.ids.organizationId },
    }),
});

runTokenAuthMatrix('Organization.tokens', {
  ...organizationCase,
  // The organization holds one token of its own, so a passing answer is not vacuous.
  prepare: async (server, account) => {
    const ids = await prepareOrganization(server, account);
    const { services } = server.keyward;
    const { token } = await services.tokens.createToken(
      services.orm.em.fork(),
      sessionCaller(server, account),
      { name: 'org ci', preset: 'READ_ONLY', organizationId: ids.organizationId },
    );
    await services.rateLimits.reset('token-create', account.id);
    return { ...ids, organizationTokenId: token.id };
  },
  unknownIds: () => ({ ...unknownOrganization(), organizationTokenId: randomUUID() }),
  callerToken: { preset: 'CUSTOM', permissions: ['org:read', 'org-tokens:read'] },
  requiredPermission: 'org-tokens:read',
  call: graphqlAuthCall(
    current,
    'query($slug: String!) { organization(slug: $slug) { tokens { edges { node { id } } } } }',
    (target) => ({ slug: target.ids.slug }),
  ),
  expectOk: (result, seeded) =>
    expect(field<{ tokens: unknown }>(result, 'organization').tokens).toEqual({
      edges: [{ node: { id: seeded.ids.organizationTokenId } }],
    }),
});

runTokenAuthMatrix('createOrganization', {
  writes: true,
  server: current,
  surface: 'graphql',
  account: { plan: 'team' },
  requiredPermission: 'org:create',
  call: graphqlAuthCall(
    current,
    'mutation($slug: String!) { createOrganization(input: { name: "By a token", slug: $slug }) { slug viewerRole } }',
    () => ({ slug: `matrix-${randomUUID().slice(0, 8)}` }),
  ),
  expectOk: (result) => expect(field(result, 'createOrganization')).toMatchObject({ viewerRole: 'OWNER' }),
});

runTokenAuthMatrix('addOrganizationMember', {
  writes: true,
  ...organizationCase,
  requiredPermission: 'org-members:manage',
  call: graphqlAuthCall(
    current,
    'mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { account { email } role } }',
    (target) => ({
      input: { organizationId: target.ids.organizationId, email: target.ids.newcomer, role: 'ADMIN' },
    }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'addOrganizationMember')).toEqual({
      account: { email: seeded.ids.newcomer },
      role: 'ADMIN',
    }),
});

runTokenAuthMatrix('setOrganizationMemberRole', {
  writes: true,
  ...organizationCase,
  requiredPermission: 'org-members:manage',
  call: graphqlAuthCall(
    current,
    'mutation($input: SetOrganizationMemberRoleInput!) { setOrganizationMemberRole(input: $input) { account { id } role } }',
    (target) => ({
      input: { organizationId: target.ids.organizationId, accountId: target.ids.memberId, role: 'ADMIN' },
    }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'setOrganizationMemberRole')).toEqual({
      account: { id: seeded.ids.memberId },
      role: 'ADMIN',
    }),
});

runTokenAuthMatrix('removeOrganizationMember', {
  writes: true,
  ...organizationCase,
  requiredPermission: 'org-members:manage',
  call: graphqlAuthCall(
    current,
    'mutation($input: RemoveOrganizationMemberInput!) { removeOrganizationMember(input: $input) { account { id } role } }',
    (target) => ({ input: { organizationId: target.ids.organizationId, accountId: target.ids.memberId } }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'removeOrganizationMember')).toEqual({
      account: { id: seeded.ids.memberId },
      role: 'MEMBER',
    }),
});

runTokenAuthMatrix('setOrganizationPolicy', {
  ...organizationCase,
  requiredPermission: 'org:update',
  call: graphqlAuthCall(
    current,
    'mutation($input: SetOrganizationPolicyInput!) { setOrganizationPolicy(input: $input) { id viewerRole } }',
    (target) => ({ input: { organizationId: target.ids.organizationId, maxLifetimeDays: 90 } }),
  ),
  expectOk: async (result, seeded) => {
    expect(field(result, 'setOrganizationPolicy')).toEqual({
      id: seeded.ids.organizationId,
      viewerRole: 'OWNER',
    });
    const [row] = await server.sql('select max_lifetime_days from organization where id = $1', [
      seeded.ids.organizationId,
    ]);
    expect(row).toEqual({ max_lifetime_days: 90 });
  },
});

runTokenAuthMatrix('Organization.policy', {
  ...organizationCase,
  requiredPermission: 'org:read',
  call: graphqlAuthCall(
    current,
    'query($slug: String!) { organization(slug: $slug) { policy { maxLifetimeDays requireExpiry } } }',
    (target) => ({ slug: target.ids.slug }),
  ),
  expectOk: (result) =>
    expect(field(result, 'organization')).toEqual({
      policy: { maxLifetimeDays: null, requireExpiry: false },
    }),
});

runTokenAuthMatrix('organizationTokenInventory', {
  ...organizationCase,
  requiredPermission: 'org-tokens:read',
  call: graphqlAuthCall(
    current,
    'query($slug: String!) { organizationTokenInventory(slug: $slug) { edges { node { id } } } }',
    (target) => ({ slug: target.ids.slug }),
  ),
  // The owner's own tokens reach the organization (both hold an org-tokens or read permission).
  expectOk: (result, seeded) =>
    expect(
      field<{ edges: { node: { id: string } }[] }>(result, 'organizationTokenInventory').edges.map(
        (edge) => edge.node.id,
      ),
    ).toEqual(expect.arrayContaining([seeded.caller.id, seeded.target.id])),
});

/** Site admins' operations: the case's account is an admin; another account is their target. */
const adminCase = {
  server: current,
  surface: 'graphql',
  account: { role: 'admin' },
  prepare: async (server: TestServer, account: Account) => ({
    email: account.email,
    other: (await server.seedAccount()).account.id,
  }),
} as const;

runTokenAuthMatrix('adminAccounts', {
  ...adminCase,
  requiredPermission: 'admin-accounts:read',
  call: graphqlAuthCall(
    current,
    'query($email: String) { adminAccounts(filter: { email: $email }) { edges { node { id role } } } }',
    (target) => ({ email: target.ids.email }),
  ),
  expectOk: (result, seeded) =>
    expect(field<{ edges: unknown[] }>(result, 'adminAccounts').edges).toEqual([
      { node: { id: seeded.account.id, role: 'ADMIN' } },
    ]),
});

runTokenAuthMatrix('adminSetAccountPlan', {
  writes: true,
  ...adminCase,
  requiredPermission: 'admin-accounts:manage',
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { adminSetAccountPlan(input: { accountId: $id, plan: TEAM }) { id plan } }',
    (target) => ({ id: target.ids.other }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'adminSetAccountPlan')).toEqual({ id: seeded.ids.other, plan: 'TEAM' }),
});

runTokenAuthMatrix('adminSetAccountRole', {
  writes: true,
  ...adminCase,
  requiredPermission: 'admin-accounts:manage',
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { adminSetAccountRole(input: { accountId: $id, role: ADMIN }) { id role } }',
    (target) => ({ id: target.ids.other }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'adminSetAccountRole')).toEqual({ id: seeded.ids.other, role: 'ADMIN' }),
});

runTokenAuthMatrix('adminTokens', {
  ...adminCase,
  requiredPermission: 'admin-tokens:read',
  call: graphqlAuthCall(
    current,
    'query($email: String) { adminTokens(filter: { ownerEmail: $email }) { edges { node { id } } } }',
    (target) => ({ email: target.ids.email }),
  ),
  expectOk: (result, seeded) =>
    expect(
      field<{ edges: { node: { id: string } }[] }>(result, 'adminTokens').edges.map((edge) => edge.node.id),
    ).toEqual([seeded.target.id, seeded.caller.id]),
});

runTokenAuthMatrix('adminRevokeToken', {
  ...adminCase,
  writes: true,
  requiredPermission: 'admin-tokens:manage',
  // The target is another account's token: a site admin may revoke any.
  prepare: async (server: TestServer) => {
    const other = await server.seedAccount();
    return { otherToken: (await seedToken(server, other.account)).id };
  },
  call: graphqlAuthCall(
    current,
    'mutation($id: ID!) { adminRevokeToken(id: $id) { id status } }',
    (target) => ({
      id: target.ids.otherToken,
    }),
  ),
  expectOk: (result, seeded) =>
    expect(field(result, 'adminRevokeToken')).toEqual({ id: seeded.ids.otherToken, status: 'REVOKED' }),
});

describe('auditEvents cursors', () => {
  it("auditEvents: another account's event as the after cursor is VALIDATION_FAILED on after, exactly like an unknown one", async () => {
    const mine = await server.seedAccount();
    const theirs = await server.seedAccount();
    const reader = await seedToken(server, mine.account, { preset: 'CUSTOM', permissions: ['audit:read'] });
    await seedToken(server, mine.account, { name: 'older event' });
    // Their event is newer than all of mine: as a cursor it would page through my whole history.
    await seedToken(server, theirs.account);
    const [event] = await server.sql<{ id: string }>('select id from audit_event where account_id = $1', [
      theirs.account.id,
    ]);
    const query = 'query($after: String) { auditEvents(after: $after) { edges { node { id } } } }';
    const foreign = await server.gql(
      query,
      { after: encodeCursor('audit-events', event!.id) },
      { token: reader.secret },
    );
    const unknown = await server.gql(
      query,
      { after: encodeCursor('audit-events', randomUUID()) },
      { token: reader.secret },
    );
    expect(foreign.body).toEqual(unknown.body);
    expect(foreign.body.data ?? null).toBeNull();
    expect(foreign.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'after' });
  });
});

const CATALOGUE = '{ permissionCatalogue { name } }';
const VIEWER = '{ viewer { id } }';

function code(response: GqlResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code ?? null;
}

describe('bad credentials fail the whole request', () => {
  it('permissionCatalogue: public to anonymous callers, but a revoked token gets 401 TOKEN_REVOKED, not an anonymous answer', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account);
    await server.sql('update api_token set revoked_at = now() where id = $1', [token.id]);
    const anonymous = await server.gql(CATALOGUE);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data?.permissionCatalogue).not.toHaveLength(0);
    const revoked = await server.gql(CATALOGUE, {}, { token: token.secret });
    expect(revoked.status).toBe(401);
    expect(code(revoked)).toBe('TOKEN_REVOKED');
    expect(revoked.body.data ?? null).toBeNull();
  });

  it.each([
    ['revoked', 'TOKEN_REVOKED'],
    ['flipped checksum', 'INVALID_TOKEN'],
  ])(
    'a %s bearer token plus a valid session cookie is still 401 %s: the token wins',
    async (kind, expected) => {
      const { account, email, password } = await server.seedAccount();
      const cookie = await server.login(email, password);
      const token = await seedToken(server, account);
      let secret = token.secret;
      if (kind === 'revoked')
        await server.sql('update api_token set revoked_at = now() where id = $1', [token.id]);
      else secret = flipChecksum(secret);
      const withCookie = await server.gql(VIEWER, {}, { cookie });
      expect(withCookie.body.data).toEqual({ viewer: { id: account.id } });
      const both = await server.gql(VIEWER, {}, { cookie, token: secret });
      expect(both.status).toBe(401);
      expect(code(both)).toBe(expected);
      expect(both.body.data ?? null).toBeNull();
      // Nor does a mutation run under the session when the token is bad.
      const mutation = await server.gql('mutation { logout }', {}, { cookie, token: secret });
      expect(mutation.status).toBe(401);
      expect((await server.gql(VIEWER, {}, { cookie })).body.data).toEqual({ viewer: { id: account.id } });
    },
  );
});

describe('per-token rate limit on GraphQL', () => {
  function expectAllowedHeaders(response: GqlResponse, remaining: number) {
    expect(response.headers.get('RateLimit-Limit')).toBe('3');
    expect(response.headers.get('RateLimit-Remaining')).toBe(String(remaining));
    const reset = Number(response.headers.get('RateLimit-Reset'));
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset).toBeGreaterThanOrEqual(0);
    expect(reset).toBeLessThanOrEqual(60);
    expect(response.headers.get('Retry-After')).toBeNull();
  }

  it('token limit: the 4th request in a minute with rateLimitPerMinute 3 is 429 RATE_LIMIT_EXCEEDED with every header', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { rateLimitPerMinute: 3 });
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await server.gql(VIEWER, {}, { token: token.secret });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ viewer: { id: account.id } });
      expectAllowedHeaders(response, remaining);
    }
    const limited = await server.gql(VIEWER, {}, { token: token.secret });
    expect(limited.status).toBe(429);
    expect(code(limited)).toBe('RATE_LIMIT_EXCEEDED');
    expect(limited.body.data ?? null).toBeNull();
    expect(limited.headers.get('RateLimit-Limit')).toBe('3');
    expect(limited.headers.get('RateLimit-Remaining')).toBe('0');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('Retry-After'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('X-RateLimit-Scope')).toBe('token');
    expect(limited.headers.get('X-RateLimit-Source')).toBe('graphql');
  });

  it('token limit: failed credentials imitating a token do not spend its quota', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { rateLimitPerMinute: 3 });
    const unknown = await seedToken(server, account, { rateLimitPerMinute: 3 });
    // Deleted, so its secret is now a well-formed token that names nothing.
    await server.sql('delete from api_token where id = $1', [unknown.id]);
    for (let i = 0; i < 5; i++) {
      const flipped = await server.gql(VIEWER, {}, { token: flipChecksum(token.secret) });
      expect([flipped.status, code(flipped)]).toEqual([401, 'INVALID_TOKEN']);
      const missing = await server.gql(VIEWER, {}, { token: unknown.secret });
      expect([missing.status, code(missing)]).toEqual([401, 'INVALID_TOKEN']);
    }
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await server.gql(VIEWER, {}, { token: token.secret });
      expect(response.status).toBe(200);
      expectAllowedHeaders(response, remaining);
    }
    expect((await server.gql(VIEWER, {}, { token: token.secret })).status).toBe(429);
  });
});
