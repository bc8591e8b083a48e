import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineResource,
  type PermissionCatalogue,
  permissionCatalogue,
} from '../../server/src/permissions/catalogue.js';
import {
  type GqlResponse,
  type SeedAccountOptions,
  startTestServer,
  type TestServer,
} from '../helpers/harness.js';

interface TokenNode {
  id: string;
  name: string;
  preset: string;
  permissions: string[];
  effectivePermissions: string[];
  status: string;
  expiresAt: string | null;
  revokedAt: string | null;
  createdBy: string;
  creator: { type: string; id: string | null };
}

type CreateData = { createToken: { secret: string; token: TokenNode } };

interface Owner {
  id: string;
  cookie: string;
}

const LIST_FIELDS = 'id name preset permissions effectivePermissions status expiresAt revokedAt createdBy';
const TOKEN_FIELDS = `${LIST_FIELDS} creator { type id }`;
const CREATE = `mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { ${TOKEN_FIELDS} } } }`;
const TOKEN = `query($id: ID!) { token(id: $id) { ${TOKEN_FIELDS} } }`;
// No nested creator here: with first: 100 it pushes the query over the cost limit (5000).
const TOKENS = `{ tokens(first: 100) { edges { node { ${LIST_FIELDS} } } } }`;
const REVOKE = 'mutation($id: ID!) { revokeToken(id: $id) { id status } }';

const DAY_MS = 86_400_000;

function firstError(response: GqlResponse<unknown>) {
  return response.body.errors?.[0];
}

function codeOf(response: GqlResponse<unknown>): unknown {
  return firstError(response)?.extensions?.code;
}

async function newOwner(s: TestServer, options: SeedAccountOptions = {}): Promise<Owner> {
  const seeded = await s.seedAccount(options);
  return { id: seeded.account.id, cookie: await s.login(seeded.email, seeded.password) };
}

/** Creates a token with the owner's session. */
async function createBySession(
  s: TestServer,
  owner: Owner,
  input: Record<string, unknown>,
): Promise<{ secret: string; token: TokenNode }> {
  const response = await s.gql<CreateData>(
    CREATE,
    { input: { name: 'token', ...input } },
    { cookie: owner.cookie },
  );
  const payload = response.body.data?.createToken;
  if (!payload) throw new Error(`createToken failed: ${JSON.stringify(response.body)}`);
  return payload;
}

function createByToken(
  s: TestServer,
  secret: string,
  input: Record<string, unknown>,
): Promise<GqlResponse<CreateData>> {
  return s.gql<CreateData>(CREATE, { input: { name: 'child', ...input } }, { token: secret });
}

async function countTokens(s: TestServer, accountId: string): Promise<number> {
  const rows = await s.sql<{ n: number }>('select count(*)::int as n from api_token where account_id = $1', [
    accountId,
  ]);
  return rows[0]?.n ?? -1;
}

describe('tokens acting on tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it.each([
    ['ALL', 'READ_ONLY'],
    ['CLI', 'CLI'],
    ['ALL', 'ALL'],
  ])(
    'createToken by bearer: a token with preset %s creates a %s token recorded as created by the token, audited with actor type token',
    async (creatorPreset, childPreset) => {
      const owner = await newOwner(server);
      const creator = await createBySession(server, owner, { name: 'creator', preset: creatorPreset });
      const response = await createByToken(server, creator.secret, { preset: childPreset });
      expect(response.body.errors).toBeUndefined();
      const child = response.body.data?.createToken;
      expect(child?.secret).toMatch(/^kw_[0-9A-Za-z]{36}$/);
      expect(child?.token).toMatchObject({
        preset: childPreset,
        status: 'ACTIVE',
        createdBy: creator.token.id,
        creator: { type: 'token', id: creator.token.id },
      });
      const childId = child?.token.id ?? '';

      // The owner sees the new token among its own, with the same provenance.
      const shown = await server.gql<{ token: TokenNode | null }>(
        TOKEN,
        { id: childId },
        { cookie: owner.cookie },
      );
      expect(shown.body.data?.token).toMatchObject({
        createdBy: creator.token.id,
        creator: { type: 'token', id: creator.token.id },
      });
      const [row] = await server.sql('select account_id, created_by_token from api_token where id = $1', [
        childId,
      ]);
      expect(row).toEqual({ account_id: owner.id, created_by_token: creator.token.id });

      const events = await server.sql(
        'select action, actor_type, actor_id, account_id from audit_event where target_id = $1',
        [childId],
      );
      expect(events).toEqual([
        { action: 'token.create', actor_type: 'token', actor_id: creator.token.id, account_id: owner.id },
      ]);
    },
  );

  it.each([
    ['preset ALL', 'audit:read', { preset: 'ALL' }],
    ['preset READ_ONLY', 'audit:read', { preset: 'READ_ONLY' }],
    ["CUSTOM ['audit:read']", 'audit:read', { preset: 'CUSTOM', permissions: ['audit:read'] }],
    [
      "CUSTOM ['tokens:read', 'tokens:update']",
      'tokens:update',
      { preset: 'CUSTOM', permissions: ['tokens:read', 'tokens:update'] },
    ],
  ])(
    'createToken by bearer: a CLI token asking for %s gets INSUFFICIENT_SCOPE naming %s and nothing is created',
    async (_what, missing, input) => {
      const owner = await newOwner(server);
      const creator = await createBySession(server, owner, { name: 'cli', preset: 'CLI' });
      const response = await createByToken(server, creator.secret, input);
      expect(codeOf(response)).toBe('INSUFFICIENT_SCOPE');
      expect(firstError(response)?.message).toContain(missing);
      expect(response.body.data ?? null).toBeNull();
      expect(await countTokens(server, owner.id)).toBe(1);
    },
  );

  it('createToken by bearer: a CLI token may hand out a CUSTOM subset of its own permissions', async () => {
    const owner = await newOwner(server);
    const creator = await createBySession(server, owner, { name: 'cli', preset: 'CLI' });
    const response = await createByToken(server, creator.secret, {
      preset: 'CUSTOM',
      permissions: ['components:read', 'blocks:read'],
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createToken.token.permissions).toEqual(['blocks:read', 'components:read']);
    expect(response.body.data?.createToken.token.createdBy).toBe(creator.token.id);
  });

  it('createToken by bearer: a creator expiring in 10 days cannot create a never-expiring token or one expiring in 20 days, but can create one expiring in 5', async () => {
    const owner = await newOwner(server);
    const creator = await createBySession(server, owner, {
      name: 'short-lived',
      preset: 'CLI',
      expiresInDays: 10,
    });
    const creatorExpiry = Date.parse(creator.token.expiresAt ?? '');

    const never = await createByToken(server, creator.secret, { preset: 'CLI' });
    expect(codeOf(never)).toBe('INSUFFICIENT_SCOPE');
    expect(firstError(never)?.message).toMatch(/expire/);
    const later = await createByToken(server, creator.secret, { preset: 'CLI', expiresInDays: 20 });
    expect(codeOf(later)).toBe('INSUFFICIENT_SCOPE');
    const laterAt = await createByToken(server, creator.secret, {
      preset: 'CLI',
      expiresAt: new Date(creatorExpiry + 60_000).toISOString(),
    });
    expect(codeOf(laterAt)).toBe('INSUFFICIENT_SCOPE');
    expect(await countTokens(server, owner.id)).toBe(1);

    const sooner = await createByToken(server, creator.secret, { preset: 'CLI', expiresInDays: 5 });
    expect(sooner.body.errors).toBeUndefined();
    const expiresAt = Date.parse(sooner.body.data?.createToken.token.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThan(Date.now() + 5 * DAY_MS - 60_000);
    expect(expiresAt).toBeLessThan(creatorExpiry);
  });

  it('createToken by bearer: a READ_ONLY token cannot create tokens at all (INSUFFICIENT_SCOPE naming tokens:create)', async () => {
    const owner = await newOwner(server);
    const reader = await createBySession(server, owner, { name: 'reader', preset: 'READ_ONLY' });
    for (const input of [{ preset: 'READ_ONLY' }, { preset: 'CUSTOM', permissions: ['account:read'] }]) {
      const response = await createByToken(server, reader.secret, input);
      expect(codeOf(response)).toBe('INSUFFICIENT_SCOPE');
      expect(firstError(response)?.message).toContain('tokens:create');
    }
    expect(await countTokens(server, owner.id)).toBe(1);
  });

  it('revokeToken by bearer: a token without tokens:revoke gets INSUFFICIENT_SCOPE naming it and the target stays live', async () => {
    const owner = await newOwner(server);
    const target = await createBySession(server, owner, { name: 'target', preset: 'READ_ONLY' });
    const limited = await createBySession(server, owner, {
      name: 'no revoke',
      preset: 'CUSTOM',
      permissions: ['tokens:read', 'tokens:create'],
    });
    const response = await server.gql(REVOKE, { id: target.token.id }, { token: limited.secret });
    expect(codeOf(response)).toBe('INSUFFICIENT_SCOPE');
    expect(firstError(response)?.message).toContain('tokens:revoke');
    const [row] = await server.sql('select revoked_at from api_token where id = $1', [target.token.id]);
    expect(row).toEqual({ revoked_at: null });
    expect(
      await server.sql("select 1 from audit_event where action = 'token.revoke' and target_id = $1", [
        target.token.id,
      ]),
    ).toEqual([]);

    // With the permission, the same call works.
    const cli = await createBySession(server, owner, { name: 'cli', preset: 'CLI' });
    const revoked = await server.gql<{ revokeToken: { status: string } }>(
      REVOKE,
      { id: target.token.id },
      { token: cli.secret },
    );
    expect(revoked.body.data?.revokeToken.status).toBe('REVOKED');
    const [event] = await server.sql(
      "select actor_type, actor_id from audit_event where action = 'token.revoke' and target_id = $1",
      [target.token.id],
    );
    expect(event).toEqual({ actor_type: 'token', actor_id: cli.token.id });
  });

  it('tokens by bearer: a token without tokens:read gets INSUFFICIENT_SCOPE naming it on tokens and token(id)', async () => {
    const owner = await newOwner(server);
    const blind = await createBySession(server, owner, {
      name: 'blind',
      preset: 'CUSTOM',
      permissions: ['components:read'],
    });
    const list = await server.gql(TOKENS, {}, { token: blind.secret });
    expect(codeOf(list)).toBe('INSUFFICIENT_SCOPE');
    expect(firstError(list)?.message).toContain('tokens:read');
    const one = await server.gql(TOKEN, { id: blind.token.id }, { token: blind.secret });
    expect(codeOf(one)).toBe('INSUFFICIENT_SCOPE');
    expect(JSON.stringify(one.body)).not.toContain(blind.token.id);
  });

  it("effectivePermissions: a member's ALL token lacks components:publish and blocks:publish; an admin's ALL token has them", async () => {
    const member = await newOwner(server);
    const admin = await newOwner(server, { role: 'admin' });
    const memberToken = await createBySession(server, member, { name: 'member all', preset: 'ALL' });
    const adminToken = await createBySession(server, admin, { name: 'admin all', preset: 'ALL' });

    // Both grant everything on paper...
    for (const { token } of [memberToken, adminToken]) {
      expect(token.permissions).toEqual(expect.arrayContaining(['components:publish', 'blocks:publish']));
    }
    // ...but only the admin's may use the publish actions, seen by session or by the token itself.
    for (const options of [{ cookie: member.cookie }, { token: memberToken.secret }]) {
      const shown = await server.gql<{ token: TokenNode }>(TOKEN, { id: memberToken.token.id }, options);
      const effective = shown.body.data?.token.effectivePermissions ?? [];
      expect(effective).not.toContain('components:publish');
      expect(effective).not.toContain('blocks:publish');
      expect(effective).toContain('tokens:create');
      expect(effective).toContain('audit:read');
    }
    for (const options of [{ cookie: admin.cookie }, { token: adminToken.secret }]) {
      const shown = await server.gql<{ token: TokenNode }>(TOKEN, { id: adminToken.token.id }, options);
      expect(shown.body.data?.token.effectivePermissions).toEqual(
        expect.arrayContaining(['components:publish', 'blocks:publish']),
      );
    }
    expect([...memberToken.token.effectivePermissions].sort()).toEqual(
      memberToken.token.permissions.filter((p) => !p.endsWith(':publish') && !p.startsWith('admin-')).sort(),
    );
  });

  it("createToken by bearer: a member's ALL token creates an ALL token with exactly its own effective permissions", async () => {
    const member = await newOwner(server);
    const creator = await createBySession(server, member, { name: 'member all', preset: 'ALL' });
    const response = await createByToken(server, creator.secret, { preset: 'ALL' });
    expect(response.body.errors).toBeUndefined();
    const child = response.body.data?.createToken.token;
    expect(child?.effectivePermissions).toEqual(creator.token.effectivePermissions);
    expect(child?.effectivePermissions).not.toContain('components:publish');
  });

  it("createToken by bearer: a member's token never hands out components:publish (VALIDATION_FAILED naming it), even one whose ALL preset grants it on paper", async () => {
    const member = await newOwner(server);
    const cli = await createBySession(server, member, { name: 'member cli', preset: 'CLI' });
    const all = await createBySession(server, member, { name: 'member all', preset: 'ALL' });
    for (const creator of [cli, all]) {
      const refused = await createByToken(server, creator.secret, {
        preset: 'CUSTOM',
        permissions: ['components:publish', 'components:read'],
      });
      expect(codeOf(refused)).toBe('VALIDATION_FAILED');
      expect(firstError(refused)?.message).toContain('components:publish');
    }
    expect(await countTokens(server, member.id)).toBe(2);
  });
});

/** The initial catalogue plus two later `components` actions: one read (cli), one write. */
function extendedCatalogue(): PermissionCatalogue {
  return permissionCatalogue.map((resource) =>
    resource.name === 'components'
      ? defineResource(resource.name, resource.description, [
          ...resource.actions.map(({ permission: _permission, ...action }) => action),
          { name: 'list', description: 'List components.', kind: 'read', cli: true, addedAt: '2027-01-01' },
          {
            name: 'deprecate',
            description: 'Deprecate a component.',
            kind: 'write',
            cli: false,
            addedAt: '2027-01-01',
          },
        ])
      : resource,
  );
}

describe('future catalogue actions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('presets gain actions added to the catalogue later; a CUSTOM whole-resource token does not', async () => {
    const owner = await newOwner(server);
    const made = {
      ALL: await createBySession(server, owner, { name: 'all', preset: 'ALL' }),
      READ_ONLY: await createBySession(server, owner, { name: 'read only', preset: 'READ_ONLY' }),
      CLI: await createBySession(server, owner, { name: 'cli', preset: 'CLI' }),
      CUSTOM: await createBySession(server, owner, {
        name: 'custom',
        preset: 'CUSTOM',
        permissions: ['components'],
      }),
    };
    // A member's whole resource expands to the actions a member may hold (no admin-only publish).
    expect(made.CUSTOM.token.permissions).toEqual(['components:read']);
    for (const { token } of Object.values(made)) {
      expect(token.permissions).not.toContain('components:list');
      expect(token.permissions).not.toContain('components:deprecate');
    }

    // Same database, new code: the catalogue grows by components:list (read, cli) and components:deprecate (write).
    await server.restart({ catalogue: extendedCatalogue() });

    const catalogue = await server.gql<{
      permissionCatalogue: { name: string; actions: { permission: string }[] }[];
    }>('{ permissionCatalogue { name actions { permission } } }');
    const components = catalogue.body.data?.permissionCatalogue.find(
      (resource) => resource.name === 'components',
    );
    expect(components?.actions.map((action) => action.permission)).toEqual([
      'components:read',
      'components:publish',
      'components:list',
      'components:deprecate',
    ]);

    // The session survives the restart (it lives in the database).
    const listed = await server.gql<{ tokens: { edges: { node: TokenNode }[] } }>(
      TOKENS,
      {},
      { cookie: owner.cookie },
    );
    expect(listed.body.errors).toBeUndefined();
    const byPreset = new Map(listed.body.data?.tokens.edges.map(({ node }) => [node.preset, node]));
    const all = byPreset.get('ALL');
    expect(all?.permissions).toEqual(expect.arrayContaining(['components:list', 'components:deprecate']));
    expect(all?.effectivePermissions).toEqual(
      expect.arrayContaining(['components:list', 'components:deprecate']),
    );
    for (const preset of ['READ_ONLY', 'CLI']) {
      const token = byPreset.get(preset);
      expect(token?.permissions).toContain('components:list');
      expect(token?.permissions).not.toContain('components:deprecate');
      expect(token?.effectivePermissions).toContain('components:list');
    }
    expect(byPreset.get('CUSTOM')?.permissions).toEqual(['components:read']);
    expect(byPreset.get('CUSTOM')?.effectivePermissions).toEqual(['components:read']);

    // The tokens work on the new instance with their widened permissions.
    const asCli = await server.gql<{ token: TokenNode }>(
      TOKEN,
      { id: made.CLI.token.id },
      { token: made.CLI.secret },
    );
    expect(asCli.body.data?.token.effectivePermissions).toContain('components:list');
    // And a CLI token may now hand out the new action.
    const child = await createByToken(server, made.CLI.secret, {
      preset: 'CUSTOM',
      permissions: ['components:list'],
    });
    expect(child.body.errors).toBeUndefined();
    expect(child.body.data?.createToken.token.permissions).toEqual(['components:list']);
  });
});
