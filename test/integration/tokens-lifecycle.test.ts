import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GqlResponse,
  type SeedAccountOptions,
  startTestServer,
  type TestServer,
} from '../helpers/harness.js';

interface TokenNode {
  id: string;
  name: string;
  description: string | null;
  displayPrefix: string;
  preset: string;
  permissions: string[];
  effectivePermissions: string[];
  status: string;
  active: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  createdBy: string;
  rateLimitPerMinute: number;
}

interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface AuditNode {
  id: string;
  action: string;
  actor: { type: string; id: string | null };
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
}

const TOKEN_FIELDS = `id name description displayPrefix preset permissions effectivePermissions status active
  expiresAt revokedAt createdAt lastUsedAt lastUsedIp createdBy rateLimitPerMinute`;
const CREATE = `mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { ${TOKEN_FIELDS} } } }`;
const TOKEN = `query($id: ID!) { token(id: $id) { ${TOKEN_FIELDS} } }`;
const TOKENS = `query($status: TokenStatus, $first: Int, $after: String) {
  tokens(status: $status, first: $first, after: $after) {
    edges { cursor node { ${TOKEN_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const UPDATE = `mutation($id: ID!, $input: UpdateTokenInput!) { updateToken(id: $id, input: $input) { ${TOKEN_FIELDS} } }`;
const SET_ACTIVE = `mutation($id: ID!, $active: Boolean!) { setTokenActive(id: $id, active: $active) { ${TOKEN_FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokeToken(id: $id) { ${TOKEN_FIELDS} } }`;
const AUDIT = `query($tokenId: ID, $first: Int) {
  auditEvents(tokenId: $tokenId, first: $first) {
    edges { node { id action actor { type id } targetId ip userAgent createdAt } }
  }
}`;
const VIEWER = '{ viewer { id } }';

const SECRET_PATTERN = /^kw_[0-9A-Za-z]{36}$/;
const DAY_MS = 86_400_000;

const ALL_PERMISSIONS = [
  'account:read',
  'account:update',
  'admin-accounts:manage',
  'admin-accounts:read',
  'admin-tokens:manage',
  'admin-tokens:read',
  'audit:read',
  'blocks:publish',
  'blocks:read',
  'components:publish',
  'components:read',
  'org-members:manage',
  'org-members:read',
  'org-tokens:manage',
  'org-tokens:read',
  'org:create',
  'org:read',
  'org:update',
  'tokens:create',
  'tokens:read',
  'tokens:revoke',
  'tokens:update',
];
const READ_ONLY_PERMISSIONS = [
  'account:read',
  'admin-accounts:read',
  'admin-tokens:read',
  'audit:read',
  'blocks:read',
  'components:read',
  'org-members:read',
  'org-tokens:read',
  'org:read',
  'tokens:read',
];
const CLI_PERMISSIONS = [
  'account:read',
  'blocks:read',
  'components:read',
  'org-tokens:manage',
  'org-tokens:read',
  'org:read',
  'tokens:create',
  'tokens:read',
  'tokens:revoke',
];

type CreateData = { createToken: { secret: string; token: TokenNode } };

interface Owner {
  id: string;
  email: string;
  cookie: string;
}

function firstError(response: GqlResponse<unknown>) {
  return response.body.errors?.[0];
}

function codeOf(response: GqlResponse<unknown>): unknown {
  return firstError(response)?.extensions?.code;
}

const sorted = (values: readonly string[]) => [...values].sort();
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function newOwner(options: SeedAccountOptions = {}, s: TestServer = server): Promise<Owner> {
  const seeded = await s.seedAccount(options);
  const cookie = await s.login(seeded.email, seeded.password);
  return { id: seeded.account.id, email: seeded.email, cookie };
}

function create(
  owner: Owner,
  input: Record<string, unknown>,
  s: TestServer = server,
  headers: Record<string, string> = {},
): Promise<GqlResponse<CreateData>> {
  return s.gql<CreateData>(CREATE, { input }, { cookie: owner.cookie, headers });
}

async function createOk(
  owner: Owner,
  input: Record<string, unknown> = {},
  s: TestServer = server,
): Promise<{ secret: string; token: TokenNode }> {
  const response = await create(owner, { name: 'token', preset: 'ALL', ...input }, s);
  expect(response.body.errors).toBeUndefined();
  const payload = response.body.data?.createToken;
  if (!payload) throw new Error(`createToken failed: ${JSON.stringify(response.body)}`);
  return payload;
}

async function getToken(owner: Owner, id: string): Promise<GqlResponse<{ token: TokenNode | null }>> {
  return server.gql<{ token: TokenNode | null }>(TOKEN, { id }, { cookie: owner.cookie });
}

async function listTokens(
  owner: Owner,
  variables: Record<string, unknown> = {},
): Promise<GqlResponse<{ tokens: Connection<TokenNode> }>> {
  return server.gql<{ tokens: Connection<TokenNode> }>(TOKENS, variables, { cookie: owner.cookie });
}

async function countTokens(accountId: string, s: TestServer = server): Promise<number> {
  const rows = await s.sql<{ n: number }>('select count(*)::int as n from api_token where account_id = $1', [
    accountId,
  ]);
  return rows[0]?.n ?? -1;
}

async function auditActions(targetId: string): Promise<string[]> {
  const rows = await server.sql<{ action: string }>(
    'select action from audit_event where target_id = $1 order by created_at, id',
    [targetId],
  );
  return rows.map((row) => row.action);
}

async function tokenRow(id: string) {
  const rows = await server.sql(
    'select name, description, active, revoked_at, expires_at from api_token where id = $1',
    [id],
  );
  return rows[0];
}

describe('createToken', () => {
  it.each([
    ['ALL', undefined, ALL_PERMISSIONS],
    ['READ_ONLY', undefined, READ_ONLY_PERMISSIONS],
    ['CLI', undefined, CLI_PERMISSIONS],
    ['CUSTOM', ['tokens:read', 'components:read'], ['components:read', 'tokens:read']],
  ])(
    'createToken: preset %s returns the secret once with every token field',
    async (preset, permissions, expected) => {
      const owner = await newOwner();
      const before = Date.now();
      const { secret, token } = await createOk(owner, {
        name: `  ${preset} token  `,
        description: 'for the tests',
        preset,
        ...(permissions ? { permissions } : {}),
      });
      expect(secret).toMatch(SECRET_PATTERN);
      expect(token).toMatchObject({
        name: `${preset} token`,
        description: 'for the tests',
        displayPrefix: secret.slice(0, 12),
        preset,
        status: 'ACTIVE',
        active: true,
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
        lastUsedIp: null,
        createdBy: owner.id,
        rateLimitPerMinute: 120,
      });
      expect(sorted(token.permissions)).toEqual(sorted(expected));
      const createdAt = Date.parse(token.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before - 5_000);
      expect(createdAt).toBeLessThanOrEqual(Date.now() + 5_000);
    },
  );

  it('createToken: the secret is never returned again, and the database stores only its SHA-256', async () => {
    const owner = await newOwner();
    const { secret, token } = await createOk(owner, { name: 'once', preset: 'CLI' });

    const one = await getToken(owner, token.id);
    expect(one.body.data?.token?.id).toBe(token.id);
    expect(JSON.stringify(one.body)).not.toContain(secret);
    const list = await listTokens(owner);
    expect(list.body.data?.tokens.edges.map((edge) => edge.node.id)).toContain(token.id);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    // The schema has no field that could hold it.
    const asked = await server.gql(
      'query($id: ID!) { token(id: $id) { secret } }',
      { id: token.id },
      { cookie: owner.cookie },
    );
    expect(asked.body.errors?.[0]?.message).toMatch(/secret/);
    expect(JSON.stringify(asked.body)).not.toContain(secret);

    const [row] = await server.sql<{ secret_hash: string; display_prefix: string }>(
      'select secret_hash, display_prefix from api_token where id = $1',
      [token.id],
    );
    expect(row?.secret_hash).toBe(sha256(secret));
    expect(row?.display_prefix).toBe(secret.slice(0, 12));

    // No column of any table holds the secret, and no log line does.
    const tables = await server.sql<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    );
    expect(tables.map((table) => table.table_name)).toContain('api_token');
    for (const { table_name } of tables) {
      const [hit] = await server.sql<{ n: number }>(
        `select count(*)::int as n from "${table_name}" t where strpos(t::text, $1) > 0`,
        [secret],
      );
      expect({ table: table_name, rows: hit?.n }).toEqual({ table: table_name, rows: 0 });
    }
    expect(server.logs.join('\n')).not.toContain(secret);
  });

  it('createToken: CUSTOM with a whole resource `tokens` expands to its four actions at creation', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { preset: 'CUSTOM', permissions: ['tokens'] });
    expect(sorted(token.permissions)).toEqual([
      'tokens:create',
      'tokens:read',
      'tokens:revoke',
      'tokens:update',
    ]);
    const [row] = await server.sql<{ permissions: string[] }>(
      'select permissions from api_token where id = $1',
      [token.id],
    );
    expect(sorted(row?.permissions ?? [])).toEqual([
      'tokens:create',
      'tokens:read',
      'tokens:revoke',
      'tokens:update',
    ]);
  });

  it.each([
    [
      'an unknown permission',
      { preset: 'CUSTOM', permissions: ['tokens:read', 'tokens:delete'] },
      /tokens:delete/,
    ],
    ['an unknown resource', { preset: 'CUSTOM', permissions: ['widgets'] }, /widgets/],
    ['an empty list', { preset: 'CUSTOM', permissions: [] }, /at least one/],
    ['no list at all', { preset: 'CUSTOM' }, /at least one/],
    ['a list with preset ALL', { preset: 'ALL', permissions: ['tokens:read'] }, /CUSTOM/],
    ['a list with preset READ_ONLY', { preset: 'READ_ONLY', permissions: [] }, /CUSTOM/],
  ])(
    'createToken: CUSTOM permissions — %s is VALIDATION_FAILED on field permissions and creates nothing',
    async (_what, input, message) => {
      const owner = await newOwner();
      const response = await create(owner, { name: 'bad scopes', ...input });
      expect(codeOf(response)).toBe('VALIDATION_FAILED');
      expect(firstError(response)?.extensions?.field).toBe('permissions');
      expect(firstError(response)?.message).toMatch(message);
      expect(response.body.data ?? null).toBeNull();
      expect(await countTokens(owner.id)).toBe(0);
      expect(
        await server.sql("select 1 from audit_event where account_id = $1 and action like 'token.%'", [
          owner.id,
        ]),
      ).toEqual([]);
    },
  );
});

describe('createToken expiry', () => {
  it('createToken: expiresInDays 30 sets expiresAt about thirty days from now', async () => {
    const owner = await newOwner();
    const before = Date.now();
    const { token } = await createOk(owner, { expiresInDays: 30 });
    const expiresAt = Date.parse(token.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 5_000);
    expect(token.status).toBe('ACTIVE');
  });

  it('createToken: an explicit future expiresAt is stored as given', async () => {
    const owner = await newOwner();
    const at = new Date(Date.now() + 365 * DAY_MS);
    at.setUTCMilliseconds(0);
    const { token } = await createOk(owner, { expiresAt: at.toISOString() });
    expect(token.expiresAt).toBe(at.toISOString());
  });

  it.each([
    ['expiresInDays 0', 'expiresInDays', { expiresInDays: 0 }],
    ['expiresInDays -1', 'expiresInDays', { expiresInDays: -1 }],
    ['expiresInDays 3651', 'expiresInDays', { expiresInDays: 3651 }],
    [
      'both expiry fields',
      'expiresAt',
      { expiresInDays: 5, expiresAt: new Date(Date.now() + 10 * DAY_MS).toISOString() },
    ],
    ['an expiresAt in the past', 'expiresAt', { expiresAt: new Date(Date.now() - 60_000).toISOString() }],
    [
      'an expiresAt beyond 3650 days',
      'expiresAt',
      { expiresAt: new Date(Date.now() + 3652 * DAY_MS).toISOString() },
    ],
  ])('createToken: %s is VALIDATION_FAILED (field %s) and creates nothing', async (_what, field, input) => {
    const owner = await newOwner();
    const response = await create(owner, { name: 'expiry', preset: 'ALL', ...input });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(firstError(response)?.extensions?.field).toBe(field);
    expect(await countTokens(owner.id)).toBe(0);
  });

  it('createToken: expiresInDays 3650 is accepted', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { expiresInDays: 3650 });
    expect(Date.parse(token.expiresAt ?? '')).toBeGreaterThan(Date.now() + 3649 * DAY_MS);
  });

  it('createToken: a token whose expiry has passed shows EXPIRED and bearer use answers 401 TOKEN_EXPIRED', async () => {
    const owner = await newOwner();
    const { secret, token } = await createOk(owner, { expiresInDays: 1 });
    expect((await server.gql(VIEWER, {}, { token: secret })).body.data).toEqual({ viewer: { id: owner.id } });
    await server.sql("update api_token set expires_at = now() - interval '1 second' where id = $1", [
      token.id,
    ]);
    const shown = await getToken(owner, token.id);
    expect(shown.body.data?.token?.status).toBe('EXPIRED');
    const used = await server.gql(VIEWER, {}, { token: secret });
    expect(used.status).toBe(401);
    expect(codeOf(used)).toBe('TOKEN_EXPIRED');
    expect(used.body.data ?? null).toBeNull();
  });
});

describe('createToken field validation', () => {
  it.each([
    ['an empty name', 'name', { name: '' }],
    ['a whitespace name', 'name', { name: '    ' }],
    ['a 101-character name', 'name', { name: 'n'.repeat(101) }],
    ['a 501-character description', 'description', { description: 'd'.repeat(501) }],
    ['rateLimitPerMinute 0', 'rateLimitPerMinute', { rateLimitPerMinute: 0 }],
    ['rateLimitPerMinute 10001', 'rateLimitPerMinute', { rateLimitPerMinute: 10_001 }],
  ])('createToken: %s is VALIDATION_FAILED on field %s and creates nothing', async (_what, field, input) => {
    const owner = await newOwner();
    const response = await create(owner, { name: 'valid name', preset: 'ALL', ...input });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(firstError(response)?.extensions?.field).toBe(field);
    expect(firstError(response)?.message).toMatch(new RegExp(`^${field}:`));
    expect(await countTokens(owner.id)).toBe(0);
  });

  it('createToken: a 100-character name, a 500-character description and rateLimitPerMinute 500 are stored and returned', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, {
      name: 'n'.repeat(100),
      description: 'd'.repeat(500),
      rateLimitPerMinute: 500,
    });
    expect(token.name).toHaveLength(100);
    expect(token.description).toHaveLength(500);
    expect(token.rateLimitPerMinute).toBe(500);
    const [row] = await server.sql('select rate_limit_per_minute from api_token where id = $1', [token.id]);
    expect(row).toEqual({ rate_limit_per_minute: 500 });
    expect((await getToken(owner, token.id)).body.data?.token?.rateLimitPerMinute).toBe(500);
  });

  it('createToken: an unverified account gets EMAIL_NOT_VERIFIED and nothing is created', async () => {
    const owner = await newOwner({ verified: false });
    const response = await create(owner, { name: 'too early', preset: 'READ_ONLY' });
    expect(codeOf(response)).toBe('EMAIL_NOT_VERIFIED');
    expect(await countTokens(owner.id)).toBe(0);
    expect(
      await server.sql("select 1 from audit_event where account_id = $1 and action like 'token.%'", [
        owner.id,
      ]),
    ).toEqual([]);
  });
});

describe('token cap (KEYWARD_MAX_TOKENS=20)', () => {
  it('createToken: rejects a 21st token with TOKEN_LIMIT_REACHED; revoking one frees a slot; expired ones do not count', async () => {
    const owner = await newOwner();
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      ids.push((await createOk(owner, { name: `cap ${index}` })).token.id);
    }
    const twentyFirst = await create(owner, { name: 'one too many', preset: 'ALL' });
    expect(codeOf(twentyFirst)).toBe('TOKEN_LIMIT_REACHED');
    expect(await countTokens(owner.id)).toBe(20);

    const revoked = await server.gql(REVOKE, { id: ids[0] }, { cookie: owner.cookie });
    expect(revoked.body.errors).toBeUndefined();
    await createOk(owner, { name: 'after revoke' });
    expect(codeOf(await create(owner, { name: 'full again', preset: 'ALL' }))).toBe('TOKEN_LIMIT_REACHED');

    await server.sql("update api_token set expires_at = now() - interval '1 second' where id = $1", [ids[1]]);
    await createOk(owner, { name: 'after expiry' });
    expect(codeOf(await create(owner, { name: 'full once more', preset: 'ALL' }))).toBe(
      'TOKEN_LIMIT_REACHED',
    );
    // 20 live + 1 revoked + 1 expired.
    expect(await countTokens(owner.id)).toBe(22);
  });

  it('createToken: the cap is exact under 25 concurrent creates', async () => {
    const owner = await newOwner();
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, index) => create(owner, { name: `race ${index}`, preset: 'READ_ONLY' })),
    );
    const created = responses.filter((response) => response.body.data?.createToken);
    const refused = responses.filter((response) => codeOf(response) === 'TOKEN_LIMIT_REACHED');
    expect(created).toHaveLength(20);
    expect(refused).toHaveLength(5);
    expect(await countTokens(owner.id)).toBe(20);
  });
});

describe('token creation rate limit (KEYWARD_LIMIT_TOKEN_CREATE=5/1h)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ KEYWARD_LIMIT_TOKEN_CREATE: '5/1h' });
  });
  afterAll(() => limited.close());

  it('createToken: the 6th create within the hour answers 429 RATE_LIMIT_EXCEEDED scoped to the account; another account is unaffected', async () => {
    const owner = await newOwner({}, limited);
    for (let index = 1; index <= 5; index++) {
      const response = await create(owner, { name: `limited ${index}`, preset: 'READ_ONLY' }, limited);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.headers.get('RateLimit-Limit')).toBe('5');
      expect(response.headers.get('RateLimit-Remaining')).toBe(String(5 - index));
    }
    const sixth = await create(owner, { name: 'limited 6', preset: 'READ_ONLY' }, limited);
    expect(sixth.status).toBe(429);
    expect(codeOf(sixth)).toBe('RATE_LIMIT_EXCEEDED');
    expect(sixth.headers.get('X-RateLimit-Scope')).toBe('account');
    expect(sixth.headers.get('X-RateLimit-Source')).toBe('token-create');
    const retryAfter = Number(sixth.headers.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(sixth.headers.get('RateLimit-Remaining')).toBe('0');
    expect(await countTokens(owner.id, limited)).toBe(5);

    const other = await newOwner({}, limited);
    const response = await create(other, { name: 'unaffected', preset: 'READ_ONLY' }, limited);
    expect(response.status).toBe(200);
    expect(response.body.data?.createToken.secret).toMatch(SECRET_PATTERN);
  });
});

describe('updateToken', () => {
  it('updateToken: changes name and description only and writes one token.update event', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, {
      name: 'before',
      description: 'old',
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
      expiresInDays: 7,
    });
    const response = await server.gql<{ updateToken: TokenNode }>(
      UPDATE,
      { id: token.id, input: { name: ' after ', description: 'new description' } },
      { cookie: owner.cookie },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.updateToken).toEqual({
      ...token,
      name: 'after',
      description: 'new description',
    });
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.update']);

    // Only the name: the description stays.
    const renamed = await server.gql<{ updateToken: TokenNode }>(
      UPDATE,
      { id: token.id, input: { name: 'renamed' } },
      { cookie: owner.cookie },
    );
    expect(renamed.body.data?.updateToken).toMatchObject({ name: 'renamed', description: 'new description' });
    // The same values again change nothing and write nothing.
    const same = await server.gql<{ updateToken: TokenNode }>(
      UPDATE,
      { id: token.id, input: { name: 'renamed' } },
      { cookie: owner.cookie },
    );
    expect(same.body.errors).toBeUndefined();
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.update', 'token.update']);
  });

  it.each([
    ['permissions', { permissions: ['tokens:read', 'tokens:revoke'] }],
    ['expiresAt', { expiresAt: new Date(Date.now() + 100 * DAY_MS).toISOString() }],
    ['expiresInDays', { expiresInDays: 100 }],
    ['preset', { preset: 'ALL' }],
  ])(
    'updateToken: the input has no %s field, so sending one fails GraphQL validation and changes nothing',
    async (_field, extra) => {
      const owner = await newOwner();
      const { token } = await createOk(owner, {
        name: 'fixed scope',
        preset: 'CUSTOM',
        permissions: ['tokens:read'],
        expiresInDays: 7,
      });
      const response = await server.gql(
        UPDATE,
        { id: token.id, input: { name: 'sneaky', ...extra } },
        { cookie: owner.cookie },
      );
      expect([200, 400]).toContain(response.status);
      expect(response.body.errors?.length).toBeGreaterThan(0);
      expect(response.body.data ?? null).toBeNull();
      const after = await getToken(owner, token.id);
      expect(after.body.data?.token).toEqual(token);
      expect(await auditActions(token.id)).toEqual(['token.create']);
    },
  );

  it.each([
    ['an empty name', 'name', { name: '' }],
    ['a whitespace name', 'name', { name: '   ' }],
    ['a 101-character name', 'name', { name: 'x'.repeat(101) }],
    ['a 501-character description', 'description', { description: 'x'.repeat(501) }],
  ])('updateToken: %s is VALIDATION_FAILED on field %s and changes nothing', async (_what, field, input) => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { name: 'stays', description: 'stays too' });
    const response = await server.gql(UPDATE, { id: token.id, input }, { cookie: owner.cookie });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(firstError(response)?.extensions?.field).toBe(field);
    expect(await tokenRow(token.id)).toMatchObject({ name: 'stays', description: 'stays too' });
    expect(await auditActions(token.id)).toEqual(['token.create']);
  });
});

describe('setTokenActive', () => {
  it('setTokenActive: false makes the next bearer request 401 TOKEN_INACTIVE; true restores it on the very next request; one event per change', async () => {
    const owner = await newOwner();
    const { secret, token } = await createOk(owner, { name: 'toggle' });
    const setActive = (active: boolean) =>
      server.gql<{ setTokenActive: TokenNode }>(
        SET_ACTIVE,
        { id: token.id, active },
        { cookie: owner.cookie },
      );

    // Already active: nothing to record.
    const noop = await setActive(true);
    expect(noop.body.data?.setTokenActive).toMatchObject({ status: 'ACTIVE', active: true });
    expect(await auditActions(token.id)).toEqual(['token.create']);

    const off = await setActive(false);
    expect(off.body.errors).toBeUndefined();
    expect(off.body.data?.setTokenActive).toMatchObject({ status: 'INACTIVE', active: false });
    const refused = await server.gql(VIEWER, {}, { token: secret });
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('TOKEN_INACTIVE');
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.deactivate']);

    const offAgain = await setActive(false);
    expect(offAgain.body.data?.setTokenActive.status).toBe('INACTIVE');
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.deactivate']);

    const on = await setActive(true);
    expect(on.body.data?.setTokenActive).toMatchObject({ status: 'ACTIVE', active: true });
    const works = await server.gql(VIEWER, {}, { token: secret });
    expect(works.status).toBe(200);
    expect(works.body.data).toEqual({ viewer: { id: owner.id } });
    await setActive(true);
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.deactivate', 'token.activate']);
  });

  it('setTokenActive: on a revoked token answers CONFLICT and writes nothing', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { name: 'revoked toggle' });
    await server.gql(REVOKE, { id: token.id }, { cookie: owner.cookie });
    for (const active of [false, true]) {
      const response = await server.gql(SET_ACTIVE, { id: token.id, active }, { cookie: owner.cookie });
      expect(codeOf(response)).toBe('CONFLICT');
    }
    expect(await tokenRow(token.id)).toMatchObject({ active: true });
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.revoke']);
  });
});

describe('revokeToken', () => {
  it('revokeToken: sets REVOKED and revokedAt, the next bearer request is 401 TOKEN_REVOKED, and a second revoke changes nothing', async () => {
    const owner = await newOwner();
    const { secret, token } = await createOk(owner, { name: 'doomed' });
    expect((await server.gql(VIEWER, {}, { token: secret })).status).toBe(200);

    const first = await server.gql<{ revokeToken: TokenNode }>(
      REVOKE,
      { id: token.id },
      { cookie: owner.cookie },
    );
    expect(first.body.errors).toBeUndefined();
    const revoked = first.body.data?.revokeToken;
    expect(revoked).toMatchObject({ id: token.id, status: 'REVOKED' });
    expect(revoked?.revokedAt).toEqual(expect.any(String));

    const used = await server.gql(VIEWER, {}, { token: secret });
    expect(used.status).toBe(401);
    expect(codeOf(used)).toBe('TOKEN_REVOKED');

    const second = await server.gql<{ revokeToken: TokenNode }>(
      REVOKE,
      { id: token.id },
      { cookie: owner.cookie },
    );
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data?.revokeToken).toEqual(revoked);
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.revoke']);
  });

  it('revokeToken: ten concurrent revokes all answer the same token and write exactly one token.revoke event', async () => {
    const owner = await newOwner();
    const { token } = await createOk(owner, { name: 'raced' });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.gql<{ revokeToken: TokenNode }>(REVOKE, { id: token.id }, { cookie: owner.cookie }),
      ),
    );
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const revokedAts = new Set(responses.map((response) => response.body.data?.revokeToken.revokedAt));
    expect(revokedAts.size).toBe(1);
    expect([...revokedAts][0]).toEqual(expect.any(String));
    expect(await auditActions(token.id)).toEqual(['token.create', 'token.revoke']);
  });
});

describe("another account's tokens and malformed ids", () => {
  it("token/updateToken/setTokenActive/revokeToken: another account's token is null or NOT_FOUND and nothing changes", async () => {
    const owner = await newOwner();
    const intruder = await newOwner();
    const { secret, token } = await createOk(owner, { name: 'mine', description: 'private' });
    const before = await tokenRow(token.id);

    const read = await getToken(intruder, token.id);
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data).toEqual({ token: null });

    const attempts = [
      server.gql(UPDATE, { id: token.id, input: { name: 'hijacked' } }, { cookie: intruder.cookie }),
      server.gql(SET_ACTIVE, { id: token.id, active: false }, { cookie: intruder.cookie }),
      server.gql(REVOKE, { id: token.id }, { cookie: intruder.cookie }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(codeOf(response)).toBe('NOT_FOUND');
      expect(response.body.data ?? null).toBeNull();
    }
    expect(await tokenRow(token.id)).toEqual(before);
    expect(before).toMatchObject({ name: 'mine', active: true, revoked_at: null });
    expect(await auditActions(token.id)).toEqual(['token.create']);
    expect((await server.gql(VIEWER, {}, { token: secret })).status).toBe(200);

    const list = await listTokens(intruder);
    expect(list.body.data?.tokens.edges).toEqual([]);
  });

  it.each(['abc', '', '00000000-0000-0000-0000-000000000000', "'; drop table api_token; --"])(
    'token/updateToken/setTokenActive/revokeToken: id %j is null or NOT_FOUND, never INTERNAL_ERROR',
    async (id) => {
      const owner = await newOwner();
      const read = await getToken(owner, id);
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data).toEqual({ token: null });
      const responses = await Promise.all([
        server.gql(UPDATE, { id, input: { name: 'x' } }, { cookie: owner.cookie }),
        server.gql(SET_ACTIVE, { id, active: false }, { cookie: owner.cookie }),
        server.gql(REVOKE, { id }, { cookie: owner.cookie }),
      ]);
      for (const response of responses) expect(codeOf(response)).toBe('NOT_FOUND');
    },
  );
});

describe('tokens list', () => {
  it('tokens: lists only own tokens, newest first, and filters by each status', async () => {
    const owner = await newOwner();
    const other = await newOwner();
    await createOk(other, { name: 'not yours' });
    const active = (await createOk(owner, { name: 'active' })).token;
    const inactive = (await createOk(owner, { name: 'inactive' })).token;
    const expired = (await createOk(owner, { name: 'expired', expiresInDays: 3 })).token;
    const revoked = (await createOk(owner, { name: 'revoked' })).token;
    await server.gql(SET_ACTIVE, { id: inactive.id, active: false }, { cookie: owner.cookie });
    await server.sql("update api_token set expires_at = now() - interval '1 minute' where id = $1", [
      expired.id,
    ]);
    await server.gql(REVOKE, { id: revoked.id }, { cookie: owner.cookie });

    const all = await listTokens(owner);
    expect(all.body.errors).toBeUndefined();
    expect(all.body.data?.tokens.edges.map((edge) => edge.node.name)).toEqual([
      'revoked',
      'expired',
      'inactive',
      'active',
    ]);
    expect(all.body.data?.tokens.pageInfo.hasNextPage).toBe(false);

    for (const [status, token] of [
      ['ACTIVE', active],
      ['INACTIVE', inactive],
      ['EXPIRED', expired],
      ['REVOKED', revoked],
    ] as const) {
      const filtered = await listTokens(owner, { status });
      expect(filtered.body.errors).toBeUndefined();
      expect(filtered.body.data?.tokens.edges.map((edge) => [edge.node.id, edge.node.status])).toEqual([
        [token.id, status],
      ]);
    }
  });

  it('tokens: first:2 with after:endCursor walks every token once, newest first', async () => {
    const owner = await newOwner();
    const created: string[] = [];
    for (let index = 0; index < 5; index++)
      created.push((await createOk(owner, { name: `page ${index}` })).token.id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await listTokens(owner, { first: 2, after });
      expect(page.body.errors).toBeUndefined();
      const connection = page.body.data?.tokens;
      if (!connection) throw new Error('no connection');
      expect(connection.edges.length).toBeLessThanOrEqual(2);
      for (const edge of connection.edges) expect(edge.cursor).toEqual(expect.any(String));
      seen.push(...connection.edges.map((edge) => edge.node.id));
      pages++;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      expect(after).toBeTruthy();
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...created].reverse());
  });

  it.each([0, 101, -1])('tokens: first %i is VALIDATION_FAILED', async (first) => {
    const owner = await newOwner();
    const response = await listTokens(owner, { first });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(firstError(response)?.extensions?.field).toBe('first');
  });

  it('tokens: a malformed after cursor is VALIDATION_FAILED on after, never INTERNAL_ERROR', async () => {
    const owner = await newOwner();
    const response = await listTokens(owner, { after: 'not-a-cursor' });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(firstError(response)?.extensions?.field).toBe('after');
  });
});

describe('audit events', () => {
  const USER_AGENT = 'keyward-lifecycle-test/1.0';

  it('audit: create, update, deactivate, activate and revoke each write one row with actor, target, ip, user agent and time; auditEvents lists them newest first', async () => {
    const owner = await newOwner();
    const started = Date.now();
    const headers = { 'user-agent': USER_AGENT };
    const created = await create(owner, { name: 'audited', preset: 'ALL' }, server, headers);
    const token = created.body.data?.createToken.token;
    if (!token) throw new Error('create failed');
    const as = { cookie: owner.cookie, headers };
    await server.gql(UPDATE, { id: token.id, input: { name: 'audited twice' } }, as);
    await server.gql(SET_ACTIVE, { id: token.id, active: false }, as);
    await server.gql(SET_ACTIVE, { id: token.id, active: true }, as);
    await server.gql(REVOKE, { id: token.id }, as);

    const rows = await server.sql<{
      action: string;
      actor_type: string;
      actor_id: string;
      account_id: string;
      target_id: string;
      ip: string;
      user_agent: string;
      created_at: Date;
    }>(
      'select action, actor_type, actor_id, account_id, target_id, ip, user_agent, created_at from audit_event where target_id = $1 order by created_at, id',
      [token.id],
    );
    expect(rows.map((row) => row.action)).toEqual([
      'token.create',
      'token.update',
      'token.deactivate',
      'token.activate',
      'token.revoke',
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({
        actor_type: 'account',
        actor_id: owner.id,
        account_id: owner.id,
        target_id: token.id,
        ip: '127.0.0.1',
        user_agent: USER_AGENT,
      });
      expect(row.created_at.getTime()).toBeGreaterThanOrEqual(started - 5_000);
      expect(row.created_at.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    }

    const listed = await server.gql<{ auditEvents: Connection<AuditNode> }>(
      AUDIT,
      { tokenId: token.id },
      { cookie: owner.cookie },
    );
    expect(listed.body.errors).toBeUndefined();
    const events = listed.body.data?.auditEvents.edges.map((edge) => edge.node) ?? [];
    expect(events.map((event) => event.action)).toEqual([
      'token.revoke',
      'token.activate',
      'token.deactivate',
      'token.update',
      'token.create',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        actor: { type: 'account', id: owner.id },
        targetId: token.id,
        ip: '127.0.0.1',
        userAgent: USER_AGENT,
      });
    }
    const times = events.map((event) => Date.parse(event.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("audit: another account's events are invisible to a member; an admin sees everyone's", async () => {
    const owner = await newOwner();
    const other = await newOwner();
    const admin = await newOwner({ role: 'admin' });
    const { token } = await createOk(owner, { name: 'watched' });
    await server.gql(REVOKE, { id: token.id }, { cookie: owner.cookie });

    const byToken = await server.gql<{ auditEvents: Connection<AuditNode> }>(
      AUDIT,
      { tokenId: token.id },
      { cookie: other.cookie },
    );
    expect(byToken.body.errors).toBeUndefined();
    expect(byToken.body.data?.auditEvents.edges).toEqual([]);
    const everything = await server.gql<{ auditEvents: Connection<AuditNode> }>(
      AUDIT,
      { first: 100 },
      { cookie: other.cookie },
    );
    expect(everything.body.data?.auditEvents.edges.filter((edge) => edge.node.targetId === token.id)).toEqual(
      [],
    );
    for (const edge of everything.body.data?.auditEvents.edges ?? []) {
      expect(edge.node.actor.id).toBe(other.id);
    }

    const asAdmin = await server.gql<{ auditEvents: Connection<AuditNode> }>(
      AUDIT,
      { tokenId: token.id },
      { cookie: admin.cookie },
    );
    expect(asAdmin.body.data?.auditEvents.edges.map((edge) => edge.node.action)).toEqual([
      'token.revoke',
      'token.create',
    ]);
  });
});

describe('usage', () => {
  it('lastUsedAt/lastUsedIp and usage(days: 7) reflect bearer requests once the usage recorder flushes', async () => {
    const owner = await newOwner();
    const { secret, token } = await createOk(owner, { name: 'used' });
    const before = Date.now();
    for (let index = 0; index < 3; index++) {
      expect((await server.gql(VIEWER, {}, { token: secret })).status).toBe(200);
    }
    await server.keyward.services.usage.flush();

    const response = await server.gql<{
      token: TokenNode & { usage: { date: string; count: number }[] };
    }>(
      `query($id: ID!) { token(id: $id) { lastUsedAt lastUsedIp usage(days: 7) { date count } } }`,
      { id: token.id },
      { cookie: owner.cookie },
    );
    expect(response.body.errors).toBeUndefined();
    const shown = response.body.data?.token;
    expect(shown?.lastUsedIp).toBe('127.0.0.1');
    const lastUsedAt = Date.parse(shown?.lastUsedAt ?? '');
    expect(lastUsedAt).toBeGreaterThanOrEqual(before - 5_000);
    expect(lastUsedAt).toBeLessThanOrEqual(Date.now() + 5_000);

    const usage = shown?.usage ?? [];
    expect(usage).toHaveLength(7);
    const dates = usage.map((day) => day.date);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(7);
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.at(-1)).toEqual({ date: today, count: 3 });
    expect(usage.slice(0, -1).every((day) => day.count === 0)).toBe(true);
  });
});

describe('permissionCatalogue', () => {
  it('permissionCatalogue: lists the initial catalogue resources and actions with kind and cli flags, to anyone', async () => {
    const response = await server.gql<{
      permissionCatalogue: {
        name: string;
        description: string;
        actions: { name: string; permission: string; description: string; kind: string; cli: boolean }[];
      }[];
    }>('{ permissionCatalogue { name description actions { name permission description kind cli } } }');
    expect(response.body.errors).toBeUndefined();
    const catalogue = response.body.data?.permissionCatalogue ?? [];
    const shape = catalogue.map((resource) => ({
      name: resource.name,
      actions: resource.actions.map((action) => [action.permission, action.kind, action.cli]),
    }));
    expect(shape).toEqual([
      {
        name: 'account',
        actions: [
          ['account:read', 'read', true],
          ['account:update', 'write', false],
        ],
      },
      {
        name: 'tokens',
        actions: [
          ['tokens:read', 'read', true],
          ['tokens:create', 'write', true],
          ['tokens:update', 'write', false],
          ['tokens:revoke', 'write', true],
        ],
      },
      {
        name: 'components',
        actions: [
          ['components:read', 'read', true],
          ['components:publish', 'write', false],
        ],
      },
      {
        name: 'blocks',
        actions: [
          ['blocks:read', 'read', true],
          ['blocks:publish', 'write', false],
        ],
      },
      {
        name: 'org',
        actions: [
          ['org:read', 'read', true],
          ['org:create', 'write', false],
          ['org:update', 'write', false],
        ],
      },
      {
        name: 'org-members',
        actions: [
          ['org-members:read', 'read', false],
          ['org-members:manage', 'write', false],
        ],
      },
      {
        name: 'org-tokens',
        actions: [
          ['org-tokens:read', 'read', true],
          ['org-tokens:manage', 'write', true],
        ],
      },
      { name: 'audit', actions: [['audit:read', 'read', false]] },
      {
        name: 'admin-accounts',
        actions: [
          ['admin-accounts:read', 'read', false],
          ['admin-accounts:manage', 'write', false],
        ],
      },
      {
        name: 'admin-tokens',
        actions: [
          ['admin-tokens:read', 'read', false],
          ['admin-tokens:manage', 'write', false],
        ],
      },
    ]);
    for (const resource of catalogue) {
      expect(resource.description).not.toBe('');
      for (const action of resource.actions) {
        expect(action.permission).toBe(`${resource.name}:${action.name}`);
        expect(action.description).not.toBe('');
      }
    }
  });
});
